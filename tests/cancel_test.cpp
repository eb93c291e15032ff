// Cancellation of futures: pending items leave at once, dispatched items get
// WG_ECANCELED at once, late results are disposed exactly once.
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace wgtest;

namespace {

struct RunCount {
  std::atomic<int> runs{0};
};
int count_run(void* arg, void** result) {
  static_cast<RunCount*>(arg)->runs.fetch_add(1);
  *result = nullptr;
  return 0;
}

TEST(Cancel, PendingItemLeavesThePendingCountAtOnceAndOthersStay) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "100"}, {"max_wait_seconds", "600"}});
  RunCount rc[3];
  wg_future_t* f[3];
  for (int i = 0; i < 3; ++i) ASSERT_EQ(wg_enqueue(g, count_run, &rc[i], nullptr, &f[i]), WG_OK);
  EXPECT_EQ(stats_of(g).pending, 3u);
  ASSERT_EQ(wg_future_cancel(f[1]), WG_OK);
  wg_stats_t s = stats_of(g);  // no flush needed
  EXPECT_EQ(s.pending, 2u);
  EXPECT_EQ(s.cancelled, 1u);
  EXPECT_EQ(wg_future_done(f[1]), 1);
  wg_outcome_t o;
  ASSERT_EQ(wg_future_wait(f[1], 0, &o), WG_OK);
  EXPECT_EQ(o.status, WG_ECANCELED);
  EXPECT_EQ(wg_future_done(f[0]), 0);
  EXPECT_EQ(wg_future_done(f[2]), 0);
  EXPECT_EQ(wg_future_cancel(f[1]), WG_EALREADY);  // decided once
  EXPECT_EQ(wg_stop(g, 0), WG_OK);                 // drain: the other two run
  for (int i : {0, 2}) {
    ASSERT_EQ(wg_future_wait(f[i], 0, &o), WG_OK);
    EXPECT_EQ(o.status, WG_OK);
    EXPECT_EQ(rc[i].runs.load(), 1);
  }
  EXPECT_EQ(rc[1].runs.load(), 0);
  s = stats_of(g);
  EXPECT_EQ(s.submitted, 3u);
  EXPECT_EQ(s.completed, 2u);
  EXPECT_EQ(s.cancelled, 1u);
  EXPECT_EQ(s.pending, 0u);
  for (auto* fut : f) wg_future_release(fut);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

struct Blocking {
  Gate gate;
  void* result;
};
int block_then_return(void* arg, void** result) {
  auto* b = static_cast<Blocking*>(arg);
  b->gate.pass();
  *result = b->result;
  return 0;
}

TEST(Cancel, DispatchedItemReportsCanceledAtOnceAndItsLateResultIsDisposedOnce) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1"}, {"max_wait_seconds", "600"}});
  Blocking b;
  int payload = 42;
  b.result = &payload;
  Counter disposed;
  wg_submit_opts_t opts{WG_SUBMIT_OPTS_VERSION,
                        "late",
                        [](void* r, void* c) {
                          EXPECT_EQ(*static_cast<int*>(r), 42);
                          static_cast<Counter*>(c)->add();
                        },
                        &disposed,
                        nullptr,
                        0,
                        0};
  wg_future_t* f;
  ASSERT_EQ(wg_enqueue(g, block_then_return, &b, &opts, &f), WG_OK);
  ASSERT_TRUE(b.gate.wait_for_waiters(1));  // running now
  ASSERT_EQ(wg_future_cancel(f), WG_OK);
  wg_outcome_t o;
  ASSERT_EQ(wg_future_wait(f, 0, &o), WG_OK);  // at once, though the work still runs
  EXPECT_EQ(o.status, WG_ECANCELED);
  EXPECT_EQ(o.result, nullptr);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.cancelled, 1u);
  EXPECT_EQ(s.inflight_items, 0u);
  b.gate.open();
  EXPECT_TRUE(disposed.wait_for(1));
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  EXPECT_EQ(disposed.value(), 1);
  ASSERT_EQ(wg_future_wait(f, 0, &o), WG_OK);
  EXPECT_EQ(o.status, WG_ECANCELED);  // never replaced by the late result
  wg_future_release(f);
  EXPECT_EQ(wg_destroy(g), WG_OK);
  EXPECT_EQ(disposed.value(), 1);
}

TEST(Cancel, ReleasedFutureDisposesAnUntakenResult) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "2"}, {"max_wait_seconds", "600"}});
  Counter disposed;
  wg_submit_opts_t opts{WG_SUBMIT_OPTS_VERSION,
                        nullptr,
                        [](void*, void* c) { static_cast<Counter*>(c)->add(); },
                        &disposed,
                        nullptr,
                        0,
                        0};
  Blocking b;
  int payload = 1;
  b.result = &payload;
  wg_future_t *early, *taken;
  // Released before its outcome arrives: disposed when it arrives.
  ASSERT_EQ(wg_enqueue(g, block_then_return, &b, &opts, &early), WG_OK);
  ASSERT_EQ(wg_enqueue(g, work_plus_one, nullptr, &opts, &taken), WG_OK);
  wg_outcome_t o;
  ASSERT_EQ(wg_future_wait(taken, 10, &o), WG_OK);  // result taken by the caller
  wg_future_release(taken);
  wg_future_release(early);
  EXPECT_EQ(disposed.value(), 0);
  b.gate.open();
  EXPECT_TRUE(disposed.wait_for(1));
  EXPECT_EQ(wg_destroy(g), WG_OK);
  EXPECT_EQ(disposed.value(), 1);
}

TEST(Cancel, SubmitWaitTimeoutCancelsItsItem) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "100"}, {"max_wait_seconds", "600"}});
  RunCount rc;
  wg_outcome_t o;
  EXPECT_EQ(wg_submit_wait(g, count_run, &rc, nullptr, 0.05, &o), WG_ETIMEDOUT);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.cancelled, 1u);
  EXPECT_EQ(s.pending, 0u);
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  EXPECT_EQ(rc.runs.load(), 0);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(Cancel, ManyCancelledPendingItemsAreFreedBeforeAnyFlush) {
  // Cancelled items must not pile up in memory until the next flush; checked
  // by the sanitizer build (leaks) and by the counts.
  wg_grinder_t* g =
      make_grinder({{"batch_size_threshold", "1000000"}, {"max_wait_seconds", "600"}});
  std::vector<wg_future_t*> f(5000);
  for (auto& fut : f) ASSERT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &fut), WG_OK);
  for (size_t i = 0; i + 1 < f.size(); ++i) ASSERT_EQ(wg_future_cancel(f[i]), WG_OK);
  EXPECT_EQ(stats_of(g).pending, 1u);
  for (auto* fut : f) wg_future_release(fut);
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.completed, 1u);
  EXPECT_EQ(s.cancelled, f.size() - 1);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

}  // namespace

namespace {

struct ArgTracker {
  std::atomic<int> released{0};
  std::atomic<int> running{0};
  std::atomic<int> released_while_running{0};
  Gate gate;
};
struct TrackedArg {
  ArgTracker* tracker;
  bool block;
};
int tracked_work(void* arg, void**) {
  auto* a = static_cast<TrackedArg*>(arg);
  a->tracker->running.fetch_add(1);
  if (a->block) a->tracker->gate.pass();
  a->tracker->running.fetch_sub(1);
  return 0;
}
void release_tracked(void* arg, void*) {
  auto* a = static_cast<TrackedArg*>(arg);
  if (a->tracker->running.load() > 0 && a->block) a->tracker->released_while_running.fetch_add(1);
  a->tracker->released.fetch_add(1);
  delete a;
}

TEST(Cancel, ReleaseArgRunsOnceForEveryItemAndNeverWhileItsWorkRuns) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "2"}, {"max_wait_seconds", "600"}});
  ArgTracker t;
  wg_submit_opts_t opts{WG_SUBMIT_OPTS_VERSION, nullptr, nullptr, nullptr, release_tracked, 0, 0};
  wg_future_t *running, *normal, *pending;
  ASSERT_EQ(wg_enqueue(g, tracked_work, new TrackedArg{&t, true}, &opts, &running), WG_OK);
  ASSERT_EQ(wg_enqueue(g, tracked_work, new TrackedArg{&t, false}, &opts, &normal), WG_OK);
  ASSERT_TRUE(t.gate.wait_for_waiters(1));
  wg_outcome_t o;
  ASSERT_EQ(wg_future_wait(normal, 10, &o), WG_OK);
  ASSERT_EQ(wg_enqueue(g, tracked_work, new TrackedArg{&t, false}, &opts, &pending), WG_OK);
  ASSERT_EQ(wg_future_cancel(pending), WG_OK);  // never runs
  ASSERT_EQ(wg_future_cancel(running), WG_OK);  // runs on, blocked
  // A submission that fails takes nothing over: its arg is not released.
  TrackedArg refused{&t, false};
  wg_submit_opts_t bad = opts;
  bad.version = 0;
  EXPECT_EQ(wg_submit_ex(g, tracked_work, &refused, nullptr, nullptr, &bad), WG_EINVAL);
  t.gate.open();
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  EXPECT_EQ(t.released.load(), 3);
  EXPECT_EQ(t.released_while_running.load(), 0);
  for (auto* f : {running, normal, pending}) wg_future_release(f);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

}  // namespace

namespace {

struct ReadyLog {
  std::atomic<int> calls{0};
  std::thread::id thread;
  static void on_ready(void* o) {
    auto* r = static_cast<ReadyLog*>(o);
    r->thread = std::this_thread::get_id();
    r->calls.fetch_add(1);
  }
};

TEST(Cancel, OnReadyRunsOnceWhereverTheOutcomeIsDecided) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "100"}, {"max_wait_seconds", "600"}});
  wg_future_t *cancelled, *drained, *released;
  ASSERT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &cancelled), WG_OK);
  ASSERT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &drained), WG_OK);
  ASSERT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &released), WG_OK);
  ReadyLog a, b, c, late;
  ASSERT_EQ(wg_future_on_ready(cancelled, ReadyLog::on_ready, &a), WG_OK);
  EXPECT_EQ(wg_future_on_ready(cancelled, ReadyLog::on_ready, &a), WG_EINVAL);  // one only
  ASSERT_EQ(wg_future_on_ready(drained, ReadyLog::on_ready, &b), WG_OK);
  ASSERT_EQ(wg_future_on_ready(released, ReadyLog::on_ready, &c), WG_OK);
  EXPECT_EQ(a.calls.load(), 0);
  ASSERT_EQ(wg_future_cancel(cancelled), WG_OK);
  EXPECT_EQ(a.calls.load(), 1);  // on the cancelling thread, at once
  EXPECT_EQ(a.thread, std::this_thread::get_id());
  wg_future_release(released);  // still notified
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  EXPECT_EQ(b.calls.load(), 1);
  EXPECT_NE(b.thread, std::this_thread::get_id());  // the loop thread
  EXPECT_EQ(c.calls.load(), 1);
  ASSERT_EQ(wg_future_on_ready(drained, ReadyLog::on_ready, &late), WG_EINVAL);
  wg_future_t* done;
  ASSERT_EQ(wg_start(g), WG_OK);
  wg_outcome_t o;
  ASSERT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &done), WG_OK);
  ASSERT_EQ(wg_future_cancel(done), WG_OK);
  ASSERT_EQ(wg_future_on_ready(done, ReadyLog::on_ready, &late), WG_OK);  // already ready
  EXPECT_EQ(late.calls.load(), 1);
  EXPECT_EQ(wg_future_on_ready(nullptr, ReadyLog::on_ready, &late), WG_EINVAL);
  EXPECT_EQ(wg_future_on_ready(done, nullptr, &late), WG_EINVAL);
  EXPECT_EQ(wg_future_wait(done, 0, &o), WG_OK);
  for (auto* f : {cancelled, drained, done}) wg_future_release(f);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

}  // namespace
