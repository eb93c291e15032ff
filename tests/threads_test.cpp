// Thread rules: blocking calls on the loop thread give WG_EWRONGTHREAD, the
// non-blocking ones work there, and done callbacks run on the loop thread.
#include <thread>

#include "test_support.hpp"

using namespace wgtest;

namespace {

struct LoopCalls {
  wg_grinder_t* g = nullptr;
  wg_manager_t* m = nullptr;
  wg_future_t* other = nullptr;
  int submit_wait = 1, future_wait = 1, future_poll = 1, stop = 1, destroy = 1, manager_stop = 1,
      manager_acquire = 1, submit = 1, enqueue = 1, stats = 1, cancel = 1;
  std::thread::id done_thread;
  Counter finished;
};

void calls_from_done(const wg_outcome_t*, void* opaque) {
  auto* c = static_cast<LoopCalls*>(opaque);
  c->done_thread = std::this_thread::get_id();
  wg_outcome_t o;
  c->submit_wait = wg_submit_wait(c->g, work_ok, nullptr, nullptr, 1, &o);
  c->future_wait = wg_future_wait(c->other, 1, &o);
  c->future_poll = wg_future_wait(c->other, 0, &o);
  c->stop = wg_stop(c->g, 1);
  c->destroy = wg_destroy(c->g);
  c->manager_stop = wg_manager_stop(c->m);
  wg_lease_t* lease = nullptr;
  c->manager_acquire = wg_manager_acquire(c->m, 1, "loop", 1, &lease);
  c->submit = wg_submit(c->g, work_ok, nullptr, nullptr, nullptr);
  wg_future_t* f = nullptr;
  c->enqueue = wg_enqueue(c->g, work_ok, nullptr, nullptr, &f);
  if (f) wg_future_release(f);
  wg_stats_t s{};
  s.version = WG_STATS_VERSION;
  c->stats = wg_stats(c->g, &s);
  c->cancel = wg_future_cancel(c->other);
  c->finished.add();
}

TEST(Threads, BlockingCallsOnTheLoopThreadGiveWrongThreadAndOthersWork) {
  wg_manager_t* m = make_manager({{"max_pools", "2"}});
  wg_grinder_t* g = make_grinder(
      {{"batch_size_threshold", "1"}, {"max_wait_seconds", "600"}, {"max_inflight_batches", "2"}},
      m);
  LoopCalls calls;
  calls.g = g;
  calls.m = m;
  // A future of this grinder that stays undecided: its work blocks.
  static Gate never;
  wg_future_t* own;
  ASSERT_EQ(wg_enqueue(g, work_gate, &never, nullptr, &own), WG_OK);
  ASSERT_TRUE(never.wait_for_waiters(1));
  calls.other = own;
  ASSERT_EQ(wg_submit(g, work_ok, nullptr, calls_from_done, &calls), WG_OK);
  ASSERT_TRUE(calls.finished.wait_for(1));
  EXPECT_NE(calls.done_thread, std::this_thread::get_id());
  EXPECT_EQ(calls.submit_wait, WG_EWRONGTHREAD);
  EXPECT_EQ(calls.future_wait, WG_EWRONGTHREAD);
  EXPECT_EQ(calls.future_poll, WG_ETIMEDOUT);
  EXPECT_EQ(calls.stop, WG_EWRONGTHREAD);
  EXPECT_EQ(calls.destroy, WG_EWRONGTHREAD);
  EXPECT_EQ(calls.manager_stop, WG_EWRONGTHREAD);
  EXPECT_EQ(calls.manager_acquire, WG_EWRONGTHREAD);
  EXPECT_EQ(calls.submit, WG_OK);
  EXPECT_EQ(calls.enqueue, WG_OK);
  EXPECT_EQ(calls.stats, WG_OK);
  EXPECT_EQ(calls.cancel, WG_OK);  // cancels the blocked item from the loop
  wg_outcome_t o;
  ASSERT_EQ(wg_future_wait(own, 0, &o), WG_OK);
  EXPECT_EQ(o.status, WG_ECANCELED);
  wg_future_release(own);
  EXPECT_EQ(wg_stop(g, 1), WG_OK);
  EXPECT_EQ(wg_destroy(g), WG_OK);
  never.open();
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST(Threads, NullPointersAreRejectedEverywhere) {
  wg_outcome_t o;
  wg_stats_t s{};
  s.version = WG_STATS_VERSION;
  wg_future_t* f;
  EXPECT_EQ(wg_start(nullptr), WG_EINVAL);
  EXPECT_EQ(wg_stop(nullptr, 0), WG_EINVAL);
  EXPECT_EQ(wg_destroy(nullptr), WG_OK);
  EXPECT_EQ(wg_submit(nullptr, work_ok, nullptr, nullptr, nullptr), WG_EINVAL);
  EXPECT_EQ(wg_enqueue(nullptr, work_ok, nullptr, nullptr, &f), WG_EINVAL);
  EXPECT_EQ(wg_submit_wait(nullptr, work_ok, nullptr, nullptr, 1, &o), WG_EINVAL);
  EXPECT_EQ(wg_stats(nullptr, &s), WG_EINVAL);
  EXPECT_EQ(wg_future_wait(nullptr, 0, &o), WG_EINVAL);
  EXPECT_EQ(wg_future_cancel(nullptr), WG_EINVAL);
  EXPECT_EQ(wg_future_done(nullptr), 0);
  wg_future_release(nullptr);
  EXPECT_EQ(wg_manager_start(nullptr), WG_EINVAL);
  EXPECT_EQ(wg_manager_stop(nullptr), WG_EINVAL);
  EXPECT_EQ(wg_manager_destroy(nullptr), WG_OK);
  wg_lease_t* l;
  EXPECT_EQ(wg_manager_acquire(nullptr, 1, "x", 0, &l), WG_EINVAL);
  EXPECT_EQ(wg_lease_submit(nullptr, work_ok, nullptr, nullptr, nullptr), WG_EINVAL);
  EXPECT_EQ(wg_lease_release(nullptr), WG_EINVAL);
  wg_manager_stats_t ms{};
  ms.version = WG_MANAGER_STATS_VERSION;
  EXPECT_EQ(wg_manager_stats(nullptr, &ms, nullptr, 0, nullptr), WG_EINVAL);

  wg_grinder_t* g = make_grinder({});
  EXPECT_EQ(wg_submit(g, nullptr, nullptr, nullptr, nullptr), WG_EINVAL);
  EXPECT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, nullptr), WG_EINVAL);
  EXPECT_EQ(wg_enqueue(g, nullptr, nullptr, nullptr, &f), WG_EINVAL);
  EXPECT_EQ(wg_submit_wait(g, work_ok, nullptr, nullptr, 1, nullptr), WG_EINVAL);
  EXPECT_EQ(wg_stats(g, nullptr), WG_EINVAL);
  wg_stats_t bad{};
  EXPECT_EQ(wg_stats(g, &bad), WG_EINVAL);  // version 0
  bad.version = WG_STATS_VERSION + 1;
  EXPECT_EQ(wg_stats(g, &bad), WG_EINVAL);
  wg_submit_opts_t opts{};
  opts.version = 99;
  EXPECT_EQ(wg_submit_ex(g, work_ok, nullptr, nullptr, nullptr, &opts), WG_EINVAL);
  EXPECT_EQ(wg_submit_wait(g, nullptr, nullptr, nullptr, 1, &o), WG_EINVAL);
  wg_future_t* real;
  ASSERT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &real), WG_OK);
  EXPECT_EQ(wg_future_wait(real, 0, nullptr), WG_EINVAL);
  EXPECT_EQ(wg_future_cancel(real), WG_OK);
  wg_future_release(real);
  EXPECT_EQ(stats_of(g).rejected, 6u);
  EXPECT_EQ(stats_of(g).submitted, 1u);
  wg_manager_t* m = make_manager({});
  EXPECT_EQ(wg_manager_acquire(m, 1, "x", 0, nullptr), WG_EINVAL);
  EXPECT_EQ(wg_manager_stats(m, nullptr, nullptr, 0, nullptr), WG_EINVAL);
  ASSERT_EQ(wg_manager_acquire(m, 1, nullptr, 0, &l), WG_OK);  // owner is optional
  EXPECT_EQ(wg_lease_submit(l, nullptr, nullptr, nullptr, nullptr), WG_EINVAL);
  EXPECT_EQ(wg_lease_release(l), WG_OK);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

}  // namespace

namespace {

// Two threads registering wg_future_on_ready at once: exactly one wins
// (WG_OK), the other gets WG_EINVAL, and the winner's callback runs once.
TEST(Threads, OnReadyHasOneWinner) {
  wg_grinder_t* g = wgtest::make_grinder({{"batch_size_threshold", "1"}});
  for (int round = 0; round < 100; ++round) {
    wgtest::Gate hold;
    wg_future_t* f;
    ASSERT_EQ(wg_enqueue(g, wgtest::work_gate, &hold, nullptr, &f), WG_OK);
    wgtest::Counter calls;
    std::atomic<int> ok{0}, go{0};
    auto count = [](void* c) { static_cast<wgtest::Counter*>(c)->add(); };
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t)
      threads.emplace_back([&] {
        go.fetch_add(1);
        while (go.load() < 2) std::this_thread::yield();
        if (wg_future_on_ready(f, count, &calls) == WG_OK) ok.fetch_add(1);
      });
    for (auto& t : threads) t.join();
    hold.open();
    wg_outcome_t o;
    ASSERT_EQ(wg_future_wait(f, 10, &o), WG_OK);
    wg_future_release(f);
    ASSERT_EQ(ok.load(), 1) << "round " << round;
    ASSERT_TRUE(calls.wait_for(1)) << "round " << round;  // on the publishing thread
    ASSERT_EQ(calls.value(), 1) << "round " << round;
  }
  ASSERT_EQ(wg_destroy(g), WG_OK);
}

}  // namespace
