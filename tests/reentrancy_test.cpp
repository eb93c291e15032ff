// Re-entrancy and misuse: callbacks and work functions that call back into
// the library, and stops racing with submitting threads.
#include <atomic>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace wgtest;

namespace {

struct Chain {
  wg_grinder_t* g;
  std::atomic<int> left;
  Counter finished;
};

// Each outcome submits the next item from the loop thread.
void chain_done(const wg_outcome_t* o, void* opaque) {
  auto* c = static_cast<Chain*>(opaque);
  EXPECT_EQ(o->status, WG_OK);
  if (c->left.fetch_sub(1) > 1)
    EXPECT_EQ(wg_submit(c->g, work_ok, nullptr, chain_done, c), WG_OK);
  else
    c->finished.add();
}

TEST(Reentrancy, DoneCallbackSubmitsTheNextItem) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1"}});
  Chain c{g, {200}, {}};
  ASSERT_EQ(wg_submit(g, work_ok, nullptr, chain_done, &c), WG_OK);
  ASSERT_TRUE(c.finished.wait_for(1));
  EXPECT_EQ(wg_destroy(g), WG_OK);
  EXPECT_EQ(c.left.load(), 0);
}

struct Juggler {
  wg_grinder_t* g;
  wg_future_t* to_cancel;
  wg_future_t* to_release;
  int cancel_rc = 1;
  uint64_t pending_seen = 0;
  Counter done;
};

TEST(Reentrancy, DoneCallbackCancelsReleasesAndReadsStats) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1"}, {"max_inflight_batches", "1"}});
  static Gate gate;
  Juggler j{g, nullptr, nullptr, 1, 0, {}};
  // The first item blocks the single in-flight slot, so the next two stay pending.
  ASSERT_EQ(wg_submit(
                g, work_gate, &gate,
                [](const wg_outcome_t*, void* o) {
                  auto* jj = static_cast<Juggler*>(o);
                  jj->cancel_rc = wg_future_cancel(jj->to_cancel);
                  wg_future_release(jj->to_release);  // before its outcome arrives
                  jj->pending_seen = stats_of(jj->g).pending;
                  jj->done.add();
                },
                &j),
            WG_OK);
  ASSERT_TRUE(gate.wait_for_waiters(1));
  ASSERT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &j.to_cancel), WG_OK);
  ASSERT_EQ(wg_enqueue(g, work_plus_one, nullptr, nullptr, &j.to_release), WG_OK);
  gate.open();
  ASSERT_TRUE(j.done.wait_for(1));
  EXPECT_EQ(j.cancel_rc, WG_OK);
  EXPECT_EQ(j.pending_seen, 1u);  // the released one still runs
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  wg_outcome_t o;
  ASSERT_EQ(wg_future_wait(j.to_cancel, 0, &o), WG_OK);
  EXPECT_EQ(o.status, WG_ECANCELED);
  wg_future_release(j.to_cancel);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.completed, 2u);
  EXPECT_EQ(s.cancelled, 1u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

struct Nested {
  wg_grinder_t* g;
  Counter inner_done;
  std::atomic<int> submit_rc{1};
};

TEST(Reentrancy, WorkFunctionSubmitsToTheSameGrinder) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1"}});
  Nested n{g, {}, {}};
  wg_outcome_t o;
  ASSERT_EQ(wg_submit_wait(
                g,
                [](void* arg, void**) {
                  auto* nn = static_cast<Nested*>(arg);
                  nn->submit_rc = wg_submit(
                      nn->g, work_ok, nullptr,
                      [](const wg_outcome_t*, void* c) { static_cast<Counter*>(c)->add(); },
                      &nn->inner_done);
                  return 0;
                },
                &n, nullptr, 10, &o),
            WG_OK);
  EXPECT_EQ(n.submit_rc.load(), WG_OK);
  ASSERT_TRUE(n.inner_done.wait_for(1));
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(Reentrancy, StopRacesWithEightSubmittingThreads) {
  for (int round = 0; round < 20; ++round) {
    wg_grinder_t* g = make_grinder({{"batch_size_threshold", "8"}, {"max_wait_seconds", "0.001"}});
    std::atomic<int> accepted{0}, refused{0}, wrong{0};
    Counter outcomes;
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([&] {
        while (!go.load()) std::this_thread::yield();
        for (;;) {
          int rc = wg_submit(
              g, work_ok, nullptr,
              [](const wg_outcome_t*, void* c) { static_cast<Counter*>(c)->add(); }, &outcomes);
          if (rc == WG_OK) {
            accepted++;
            continue;
          }
          if (rc != WG_ESTOPPING && rc != WG_ENOTSTARTED) wrong++;
          refused++;
          return;
        }
      });
    go = true;
    std::this_thread::sleep_for(std::chrono::microseconds(200 * (round % 5)));
    EXPECT_EQ(wg_stop(g, round % 2), WG_OK);  // drain and cancel alternately
    for (auto& th : threads) th.join();
    EXPECT_EQ(outcomes.value(), accepted.load()) << "round " << round;
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_EQ(refused.load(), 8);
    wg_stats_t s = stats_of(g);
    EXPECT_EQ(s.submitted, static_cast<uint64_t>(accepted.load()));
    EXPECT_EQ(s.submitted, s.completed + s.failed + s.cancelled);
    EXPECT_EQ(wg_destroy(g), WG_OK);
  }
}

TEST(Reentrancy, DestroyRightAfterStartWithWorkInFlight) {
  for (int round = 0; round < 50; ++round) {
    wg_grinder_t* g = make_grinder({{"batch_size_threshold", "3"}});
    Counter outcomes;
    for (int i = 0; i < 10; ++i)
      ASSERT_EQ(
          wg_submit(
              g, work_ok, nullptr,
              [](const wg_outcome_t*, void* c) { static_cast<Counter*>(c)->add(); }, &outcomes),
          WG_OK);
    EXPECT_EQ(wg_destroy(g), WG_OK);
    EXPECT_EQ(outcomes.value(), 10);
  }
}

}  // namespace
