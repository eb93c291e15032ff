// Shutdown: draining and cancelling stops, idempotence, restart, private and
// shared managers.
#include <chrono>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace wgtest;

namespace {

TEST(Stop, DrainDispatchesPendingItemsAtOnceAndCompletesEveryItem) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1000"}, {"max_wait_seconds", "600"}});
  OutcomeLog log;
  for (uintptr_t i = 0; i < 50; ++i)
    ASSERT_EQ(wg_submit(g, work_plus_one, reinterpret_cast<void*>(i), OutcomeLog::done, &log),
              WG_OK);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  EXPECT_LT(seconds_since(t0), 5.0) << "drain waited for the timer";
  auto outcomes = log.snapshot();
  ASSERT_EQ(outcomes.size(), 50u);
  for (auto& o : outcomes) EXPECT_EQ(o.status, WG_OK);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.started, 0u);
  EXPECT_EQ(s.completed, 50u);
  EXPECT_EQ(s.pending, 0u);
  EXPECT_EQ(s.inflight_items, 0u);
  EXPECT_EQ(s.inflight_batches, 0u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

struct Forever {
  Gate gate;
  std::atomic<int> entered{0};
};
int block_until_released(void* arg, void** result) {
  auto* f = static_cast<Forever*>(arg);
  f->entered.fetch_add(1);
  f->gate.pass();
  *result = f;
  return 0;
}

TEST(Stop, CancelReturnsPromptlyWithAWorkFunctionBlockedInFlight) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "2"}, {"max_wait_seconds", "600"}});
  Forever forever;
  Counter disposed;
  wg_submit_opts_t opts{WG_SUBMIT_OPTS_VERSION,
                        nullptr,
                        [](void*, void* c) { static_cast<Counter*>(c)->add(); },
                        &disposed,
                        nullptr,
                        0,
                        0};
  OutcomeLog inflight, pending;
  ASSERT_EQ(wg_submit_ex(g, block_until_released, &forever, OutcomeLog::done, &inflight, &opts),
            WG_OK);
  ASSERT_EQ(wg_submit_ex(g, block_until_released, &forever, OutcomeLog::done, &inflight, &opts),
            WG_OK);
  ASSERT_TRUE(forever.gate.wait_for_waiters(2));
  ASSERT_EQ(wg_submit(g, work_ok, nullptr, OutcomeLog::done, &pending),
            WG_OK);  // waits: inflight full
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(wg_stop(g, 1), WG_OK);
  EXPECT_LT(seconds_since(t0), 1.0);
  for (auto& o : inflight.snapshot()) EXPECT_EQ(o.status, WG_ECANCELED);
  EXPECT_EQ(inflight.snapshot().size(), 2u);
  ASSERT_EQ(pending.snapshot().size(), 1u);
  EXPECT_EQ(pending.snapshot()[0].status, WG_ECANCELED);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.cancelled, 3u);
  EXPECT_EQ(s.submitted, s.completed + s.failed + s.cancelled + s.pending + s.inflight_items);
  EXPECT_EQ(wg_destroy(g), WG_OK);  // the grinder is gone; its workers still block
  forever.gate.open();
  EXPECT_TRUE(disposed.wait_for(2));  // late results reach dispose, once each
  EXPECT_EQ(inflight.snapshot().size(), 2u);
}

TEST(Stop, CancelWhileABatchWaitsForALease) {
  wg_manager_t* m = make_manager({{"max_pools", "1"}});
  wg_lease_t* held;
  ASSERT_EQ(wg_manager_acquire(m, 60, "test", 0, &held), WG_OK);  // the only executor
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1"}, {"max_wait_seconds", "600"}}, m);
  OutcomeLog log;
  std::atomic<int> runs{0};
  ASSERT_EQ(wg_submit(
                g,
                [](void* a, void**) {
                  static_cast<std::atomic<int>*>(a)->fetch_add(1);
                  return 0;
                },
                &runs, OutcomeLog::done, &log),
            WG_OK);
  // The batch is dispatched and queued for the lease.
  for (int i = 0; i < 1000 && manager_stats_of(m).waiters == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(manager_stats_of(m).waiters, 1u);
  EXPECT_EQ(stats_of(g).inflight_batches, 1u);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(wg_stop(g, 1), WG_OK);
  EXPECT_LT(seconds_since(t0), 1.0);
  ASSERT_EQ(log.snapshot().size(), 1u);
  EXPECT_EQ(log.snapshot()[0].status, WG_ECANCELED);
  EXPECT_EQ(manager_stats_of(m).waiters, 0u);
  EXPECT_EQ(wg_lease_release(held), WG_OK);
  EXPECT_EQ(runs.load(), 0);
  EXPECT_EQ(wg_destroy(g), WG_OK);
  EXPECT_EQ(manager_stats_of(m).available, 1u);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST(Stop, IsIdempotentSafeBeforeStartAndAllowsRestart) {
  wg_grinder_t* g =
      make_grinder({{"batch_size_threshold", "2"}, {"max_wait_seconds", "600"}}, nullptr, false);
  EXPECT_EQ(wg_stop(g, 0), WG_OK);  // before start
  EXPECT_EQ(wg_stop(g, 1), WG_OK);
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ(wg_start(g), WG_OK);
    EXPECT_EQ(wg_start(g), WG_OK);  // idempotent
    OutcomeLog log;
    for (int i = 0; i < 3; ++i)
      ASSERT_EQ(wg_submit(g, work_ok, nullptr, OutcomeLog::done, &log), WG_OK);
    EXPECT_EQ(wg_stop(g, 0), WG_OK);
    EXPECT_EQ(wg_stop(g, 0), WG_OK);
    EXPECT_EQ(wg_stop(g, 1), WG_OK);
    ASSERT_EQ(log.snapshot().size(), 3u);
    EXPECT_EQ(stats_of(g).completed, static_cast<uint64_t>(3 * (round + 1)));
  }
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(Stop, SubmissionsAreRefusedBeforeStartWhileStoppingAndAfterStop) {
  wg_grinder_t* g =
      make_grinder({{"batch_size_threshold", "1"}, {"max_wait_seconds", "600"}}, nullptr, false);
  wg_future_t* f = nullptr;
  wg_outcome_t o;
  EXPECT_EQ(wg_submit(g, work_ok, nullptr, nullptr, nullptr), WG_ENOTSTARTED);
  EXPECT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &f), WG_ENOTSTARTED);
  EXPECT_EQ(f, nullptr);
  EXPECT_EQ(wg_submit_wait(g, work_ok, nullptr, nullptr, 1, &o), WG_ENOTSTARTED);
  ASSERT_EQ(wg_start(g), WG_OK);

  // While a draining stop runs, a done callback's submission is refused.
  struct Ctx {
    wg_grinder_t* g;
    std::atomic<int> rc{1};
    std::atomic<uint32_t> stopping{0};
  } ctx{g};
  Gate gate;
  ASSERT_EQ(wg_submit(
                g, work_gate, &gate,
                [](const wg_outcome_t*, void* c) {
                  auto* x = static_cast<Ctx*>(c);
                  x->rc = wg_submit(x->g, work_ok, nullptr, nullptr, nullptr);
                  x->stopping = stats_of(x->g).stopping;
                },
                &ctx),
            WG_OK);
  ASSERT_TRUE(gate.wait_for_waiters(1));
  std::thread stopper([&] { EXPECT_EQ(wg_stop(g, 0), WG_OK); });
  while (stats_of(g).stopping == 0) std::this_thread::yield();
  EXPECT_EQ(wg_submit(g, work_ok, nullptr, nullptr, nullptr), WG_ESTOPPING);
  gate.open();
  stopper.join();
  EXPECT_EQ(ctx.rc.load(), WG_ESTOPPING);
  EXPECT_EQ(ctx.stopping.load(), 1u);

  EXPECT_EQ(wg_submit(g, work_ok, nullptr, nullptr, nullptr), WG_ENOTSTARTED);
  EXPECT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &f), WG_ENOTSTARTED);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.rejected, 7u);
  EXPECT_EQ(s.submitted, 1u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(Stop, CancelOvertakesADrainInProgress) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1"}, {"max_wait_seconds", "600"}});
  static Forever forever;  // the worker may still be leaving it when the test ends
  OutcomeLog log;
  ASSERT_EQ(wg_submit(g, block_until_released, &forever, OutcomeLog::done, &log), WG_OK);
  ASSERT_TRUE(forever.gate.wait_for_waiters(1));
  std::thread drainer([&] { EXPECT_EQ(wg_stop(g, 0), WG_OK); });
  while (stats_of(g).stopping == 0) std::this_thread::yield();
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(wg_stop(g, 1), WG_OK);
  EXPECT_LT(seconds_since(t0), 1.0);
  drainer.join();
  ASSERT_EQ(log.snapshot().size(), 1u);
  EXPECT_EQ(log.snapshot()[0].status, WG_ECANCELED);
  EXPECT_EQ(wg_destroy(g), WG_OK);
  forever.gate.open();
}

TEST(Stop, SharedManagerMustBeStartedFirstAndOutlivesTheGrinder) {
  wg_manager_t* m = make_manager({}, false);
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1"}}, m, false);
  EXPECT_EQ(wg_start(g), WG_ENOTSTARTED);
  ASSERT_EQ(wg_manager_start(m), WG_OK);
  ASSERT_EQ(wg_start(g), WG_OK);
  wg_outcome_t o;
  ASSERT_EQ(wg_submit_wait(g, work_plus_one, nullptr, nullptr, 30, &o), WG_OK);
  EXPECT_EQ(o.status, WG_OK);
  EXPECT_EQ(wg_destroy(g), WG_OK);
  EXPECT_EQ(manager_stats_of(m).started, 1u);  // not ours to stop
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST(Stop, PrivateManagerStartsAndStopsWithTheGrinder) {
  // Observed through the log: the manager starts with the grinder and stops
  // before the grinder reports itself stopped.
  struct Lines {
    std::mutex mu;
    std::vector<std::string> v;
  } lines;
  wg_conf_t* c = make_conf({{"batch_size_threshold", "1"}, {"max_wait_seconds", "600"}});
  wg_conf_set_log_cb(
      c,
      [](int, const char* msg, void* o) {
        auto* l = static_cast<Lines*>(o);
        std::lock_guard<std::mutex> lk(l->mu);
        l->v.push_back(msg);
      },
      &lines);
  wg_grinder_t* g;
  ASSERT_EQ(wg_create(&g, c, nullptr, nullptr, 0), WG_OK);
  wg_conf_destroy(c);
  ASSERT_EQ(wg_start(g), WG_OK);
  wg_outcome_t o;
  ASSERT_EQ(wg_submit_wait(g, work_ok, nullptr, nullptr, 30, &o), WG_OK);
  ASSERT_EQ(wg_stop(g, 0), WG_OK);
  EXPECT_EQ(wg_destroy(g), WG_OK);
  std::lock_guard<std::mutex> lk(lines.mu);
  ASSERT_FALSE(lines.v.empty());
  EXPECT_EQ(lines.v.back(), "grinder stopped");
  bool manager_started = false, manager_stopped = false;
  for (auto& l : lines.v) {
    manager_started |= l.rfind("manager started", 0) == 0;
    manager_stopped |= l == "manager stopped";
  }
  EXPECT_TRUE(manager_started);
  EXPECT_TRUE(manager_stopped);
}

}  // namespace
