// Batching: threshold and timer flushes, per-item outcomes, failure
// isolation, in-flight batch limit.
#include <chrono>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace wgtest;

namespace {

TEST(Batching, ThresholdFlushTakesEveryPendingItemInOneBatch) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "4"}, {"max_wait_seconds", "600"}});
  std::vector<wg_future_t*> f(4);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(wg_enqueue(g, work_plus_one, reinterpret_cast<void*>(i), nullptr, &f[i]), WG_OK);
  wg_outcome_t o;
  // Below the threshold nothing is dispatched (max wait is ten minutes away).
  EXPECT_EQ(wg_future_wait(f[0], 0.2, &o), WG_ETIMEDOUT);
  EXPECT_EQ(stats_of(g).batches, 0u);
  EXPECT_EQ(stats_of(g).pending, 3u);
  ASSERT_EQ(wg_enqueue(g, work_plus_one, reinterpret_cast<void*>(3), nullptr, &f[3]), WG_OK);
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(wg_future_wait(f[i], 10, &o), WG_OK);
    EXPECT_EQ(o.status, WG_OK);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(o.result), static_cast<uintptr_t>(i + 1));
    wg_future_release(f[i]);
  }
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.batches, 1u);
  EXPECT_EQ(s.completed, 4u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

struct Timed {
  std::chrono::steady_clock::time_point ran;
};
int record_time(void* arg, void**) {
  static_cast<Timed*>(arg)->ran = std::chrono::steady_clock::now();
  return 0;
}

TEST(Batching, TimerFlushIsNeverEarlyNorFarLate) {
  const double max_wait = 0.05;
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1000"}, {"max_wait_seconds", "0.05"}});
  for (int round = 0; round < 5; ++round) {
    Timed first, second;
    auto t0 = std::chrono::steady_clock::now();
    wg_future_t *f1, *f2;
    ASSERT_EQ(wg_enqueue(g, record_time, &first, nullptr, &f1), WG_OK);
    ASSERT_EQ(wg_enqueue(g, record_time, &second, nullptr, &f2), WG_OK);
    wg_outcome_t o;
    ASSERT_EQ(wg_future_wait(f1, 10, &o), WG_OK);
    ASSERT_EQ(wg_future_wait(f2, 10, &o), WG_OK);
    double waited = std::chrono::duration<double>(first.ran - t0).count();
    EXPECT_GE(waited, max_wait) << "flushed early";
    EXPECT_LT(waited, max_wait + 0.5) << "flushed far too late";
    wg_future_release(f1);
    wg_future_release(f2);
    EXPECT_EQ(stats_of(g).batches, static_cast<uint64_t>(round + 1)) << "both items in one batch";
  }
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(Batching, TimerFollowsTheOldestItemAfterItIsCancelled) {
  // The oldest item is cancelled; the next one must wait its own full
  // max_wait, not be flushed at the cancelled one's deadline.
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1000"}, {"max_wait_seconds", "0.3"}});
  wg_future_t* oldest;
  ASSERT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &oldest), WG_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  Timed t;
  auto t0 = std::chrono::steady_clock::now();
  wg_future_t* next;
  ASSERT_EQ(wg_enqueue(g, record_time, &t, nullptr, &next), WG_OK);
  ASSERT_EQ(wg_future_cancel(oldest), WG_OK);
  wg_outcome_t o;
  ASSERT_EQ(wg_future_wait(next, 10, &o), WG_OK);
  EXPECT_GE(std::chrono::duration<double>(t.ran - t0).count(), 0.3);
  wg_future_release(oldest);
  wg_future_release(next);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

int fail_on_two(void* arg, void** result) {
  uintptr_t i = reinterpret_cast<uintptr_t>(arg);
  *result = reinterpret_cast<void*>(i * 10);
  return i == 2 ? 7 : 0;
}

TEST(Batching, AFailingItemFailsOnlyItself) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "5"}, {"max_wait_seconds", "600"}});
  std::vector<wg_future_t*> f(5);
  for (uintptr_t i = 0; i < 5; ++i)
    ASSERT_EQ(wg_enqueue(g, fail_on_two, reinterpret_cast<void*>(i), nullptr, &f[i]), WG_OK);
  for (uintptr_t i = 0; i < 5; ++i) {
    wg_outcome_t o;
    ASSERT_EQ(wg_future_wait(f[i], 10, &o), WG_OK);
    EXPECT_EQ(o.status, i == 2 ? WG_EWORK : WG_OK) << i;
    EXPECT_EQ(o.work_code, i == 2 ? 7 : 0);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(o.result), i * 10);
    wg_future_release(f[i]);
  }
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.completed, 4u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.batches, 1u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(Batching, EachOutcomeArrivesWhenItsItemFinishesNotWhenTheBatchEnds) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "2"}, {"max_wait_seconds", "600"}});
  Gate slow;
  wg_future_t *fast_f, *slow_f;
  ASSERT_EQ(wg_enqueue(g, work_gate, &slow, nullptr, &slow_f), WG_OK);
  ASSERT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &fast_f), WG_OK);
  wg_outcome_t o;
  ASSERT_EQ(wg_future_wait(fast_f, 10, &o), WG_OK);  // while its batch-mate still runs
  EXPECT_EQ(o.status, WG_OK);
  EXPECT_EQ(wg_future_done(slow_f), 0);
  slow.open();
  ASSERT_EQ(wg_future_wait(slow_f, 10, &o), WG_OK);
  wg_future_release(fast_f);
  wg_future_release(slow_f);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(Batching, ItemsAccumulateWhileMaxInflightBatchesRun) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1"},
                                  {"max_wait_seconds", "600"},
                                  {"max_inflight_batches", "2"},
                                  {"max_pools", "2"},
                                  {"min_pools", "2"}});
  Gate gate;
  wg_future_t* f[5];
  ASSERT_EQ(wg_enqueue(g, work_gate, &gate, nullptr, &f[0]), WG_OK);
  ASSERT_TRUE(gate.wait_for_waiters(1));
  ASSERT_EQ(wg_enqueue(g, work_gate, &gate, nullptr, &f[1]), WG_OK);
  ASSERT_TRUE(gate.wait_for_waiters(2));  // two batches in flight, each with its own lease
  for (int i = 2; i < 5; ++i) ASSERT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &f[i]), WG_OK);
  wg_outcome_t o;
  EXPECT_EQ(wg_future_wait(f[2], 0.2, &o), WG_ETIMEDOUT);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.inflight_batches, 2u);
  EXPECT_EQ(s.pending, 3u);
  EXPECT_EQ(s.batches, 2u);
  gate.open();
  for (auto* fut : f) {
    ASSERT_EQ(wg_future_wait(fut, 10, &o), WG_OK);
    EXPECT_EQ(o.status, WG_OK);
    wg_future_release(fut);
  }
  // The three that waited went out together when a slot freed up.
  EXPECT_EQ(stats_of(g).batches, 3u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(Batching, FireAndForgetDisposesResults) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "3"}, {"max_wait_seconds", "600"}});
  Counter disposed;
  wg_submit_opts_t opts{WG_SUBMIT_OPTS_VERSION,
                        "forget",
                        [](void* r, void* c) {
                          EXPECT_EQ(reinterpret_cast<uintptr_t>(r), 8u);
                          static_cast<Counter*>(c)->add();
                        },
                        &disposed,
                        nullptr,
                        0,
                        0};
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(wg_submit_ex(g, work_plus_one, reinterpret_cast<void*>(7), nullptr, nullptr, &opts),
              WG_OK);
  EXPECT_TRUE(disposed.wait_for(3));
  EXPECT_EQ(wg_destroy(g), WG_OK);
  EXPECT_EQ(disposed.value(), 3);
}

}  // namespace

namespace {

TEST(Batching, MaxPendingBoundsThePendingItems) {
  wg_grinder_t* g = make_grinder(
      {{"batch_size_threshold", "100"}, {"max_wait_seconds", "600"}, {"max_pending", "2"}});
  wg_future_t *a, *b, *c = nullptr;
  ASSERT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &a), WG_OK);
  ASSERT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &b), WG_OK);
  EXPECT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &c), WG_EFULL);
  EXPECT_EQ(wg_submit(g, work_ok, nullptr, nullptr, nullptr), WG_EFULL);
  EXPECT_EQ(c, nullptr);
  ASSERT_EQ(wg_future_cancel(a), WG_OK);  // frees a slot at once
  ASSERT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &c), WG_OK);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.pending, 2u);
  EXPECT_EQ(s.rejected, 2u);
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  ASSERT_EQ(wg_start(g), WG_OK);  // dispatched items no longer count
  ASSERT_EQ(wg_submit(g, work_ok, nullptr, nullptr, nullptr), WG_OK);
  ASSERT_EQ(wg_submit(g, work_ok, nullptr, nullptr, nullptr), WG_OK);
  EXPECT_EQ(wg_submit(g, work_ok, nullptr, nullptr, nullptr), WG_EFULL);
  for (auto* f : {a, b, c}) wg_future_release(f);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

}  // namespace
