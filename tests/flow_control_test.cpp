// Flow control (issue 16): bounded drain stops (wg_stop_timeout), the pools
// of a private manager and the warning for a shared one with too few.
#include <cmath>
#include <string>
#include <vector>

#include "test_support.hpp"

using namespace wgtest;

namespace {

TEST(StopTimeout, ReturnsOkWhenEverythingDrainedInTime) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1000"}, {"max_wait_seconds", "600"}});
  OutcomeLog log;
  for (uintptr_t i = 0; i < 20; ++i)
    ASSERT_EQ(wg_submit(g, work_plus_one, reinterpret_cast<void*>(i), OutcomeLog::done, &log),
              WG_OK);
  EXPECT_EQ(wg_stop_timeout(g, 600), WG_OK);
  auto outcomes = log.snapshot();
  ASSERT_EQ(outcomes.size(), 20u);
  for (auto& o : outcomes) EXPECT_EQ(o.status, WG_OK);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.started, 0u);
  EXPECT_EQ(s.completed, 20u);
  EXPECT_EQ(s.cancelled, 0u);
  EXPECT_EQ(wg_stop_timeout(g, 1), WG_OK);  // already stopped
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(StopTimeout, CancelsWhatDidNotDrainAndReturnsTimedOut) {
  // One batch slot: the first item blocks in its work, the second stays pending.
  wg_grinder_t* g = make_grinder(
      {{"batch_size_threshold", "1"}, {"max_wait_seconds", "600"}, {"max_inflight_batches", "1"}});
  Gate gate;
  OutcomeLog log;
  ASSERT_EQ(wg_submit(g, work_gate, &gate, OutcomeLog::done, &log), WG_OK);
  ASSERT_TRUE(gate.wait_for_waiters(1));
  ASSERT_EQ(wg_submit(g, work_ok, nullptr, OutcomeLog::done, &log), WG_OK);
  EXPECT_EQ(wg_stop_timeout(g, 0.05), WG_ETIMEDOUT);
  auto outcomes = log.snapshot();
  ASSERT_EQ(outcomes.size(), 2u);
  for (auto& o : outcomes) EXPECT_EQ(o.status, WG_ECANCELED);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.started, 0u);
  EXPECT_EQ(s.cancelled, 2u);
  EXPECT_EQ(s.completed, 0u);
  gate.open();  // the running work returns; its result is disposed
  EXPECT_EQ(wg_destroy(g), WG_OK);
  EXPECT_EQ(log.snapshot().size(), 2u);
}

struct LoopStop {
  wg_grinder_t* g = nullptr;
  int rc = 0;
  Counter done;
};
void stop_timeout_from_done(const wg_outcome_t*, void* opaque) {
  auto* c = static_cast<LoopStop*>(opaque);
  c->rc = wg_stop_timeout(c->g, 1);
  c->done.add();
}

TEST(StopTimeout, GivesWrongThreadOnTheLoopThreadAndRejectsBadArguments) {
  EXPECT_EQ(wg_stop_timeout(nullptr, 1), WG_EINVAL);
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1"}}, nullptr, false);
  EXPECT_EQ(wg_stop_timeout(g, std::nan("")), WG_EINVAL);
  EXPECT_EQ(wg_stop_timeout(g, 1), WG_OK);  // before start
  ASSERT_EQ(wg_start(g), WG_OK);
  LoopStop c;
  c.g = g;
  ASSERT_EQ(wg_submit(g, work_ok, nullptr, stop_timeout_from_done, &c), WG_OK);
  ASSERT_TRUE(c.done.wait_for(1));
  EXPECT_EQ(c.rc, WG_EWRONGTHREAD);
  EXPECT_EQ(stats_of(g).started, 1u);
  EXPECT_EQ(wg_stop_timeout(g, -1), WG_OK);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(PrivateManager, HasAPoolForEveryBatchInFlight) {
  // max_pools stays 1 in the conf; three batches still run at once.
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1"},
                                  {"max_wait_seconds", "600"},
                                  {"max_inflight_batches", "3"},
                                  {"max_batch_size", "1"},
                                  {"max_pools", "1"},
                                  {"workers_per_pool", "1"}});
  Gate gate;
  OutcomeLog log;
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(wg_submit(g, work_gate, &gate, OutcomeLog::done, &log), WG_OK);
  EXPECT_TRUE(gate.wait_for_waiters(3)) << "the three batches did not run at once";
  gate.open();
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  EXPECT_EQ(stats_of(g).completed, 3u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

struct Lines {
  std::mutex mu;
  std::vector<std::pair<int, std::string>> lines;
  static void log(int level, const char* msg, void* opaque) {
    auto* l = static_cast<Lines*>(opaque);
    std::lock_guard<std::mutex> lk(l->mu);
    l->lines.emplace_back(level, msg);
  }
  int count(const std::string& part) {
    std::lock_guard<std::mutex> lk(mu);
    int n = 0;
    for (auto& p : lines)
      if (p.second.find(part) != std::string::npos) ++n;
    return n;
  }
};

TEST(SharedManager, WithFewerPoolsThanBatchesInFlightIsWarnedAboutOnce) {
  wg_manager_t* m = make_manager({{"max_pools", "2"}});
  wg_conf_t* c = make_conf({{"max_inflight_batches", "3"}});
  Lines lines;
  ASSERT_EQ(wg_conf_set_log_cb(c, Lines::log, &lines), WG_OK);
  wg_grinder_t* g = nullptr;
  ASSERT_EQ(wg_create(&g, c, m, nullptr, 0), WG_OK);
  wg_conf_destroy(c);
  ASSERT_EQ(wg_start(g), WG_OK);
  ASSERT_EQ(wg_stop(g, 0), WG_OK);
  ASSERT_EQ(wg_start(g), WG_OK);  // a restart does not warn again
  ASSERT_EQ(wg_destroy(g), WG_OK);
  EXPECT_EQ(lines.count("max_pools 2, fewer than max_inflight_batches 3"), 1);
  {
    std::lock_guard<std::mutex> lk(lines.mu);
    for (auto& p : lines.lines)
      if (p.second.find("fewer than") != std::string::npos) {
        EXPECT_EQ(p.first, WG_LOG_WARNING);
      }
  }

  // Enough pools: no warning.
  wg_conf_t* c2 = make_conf({{"max_inflight_batches", "2"}});
  Lines quiet;
  ASSERT_EQ(wg_conf_set_log_cb(c2, Lines::log, &quiet), WG_OK);
  ASSERT_EQ(wg_create(&g, c2, m, nullptr, 0), WG_OK);
  wg_conf_destroy(c2);
  ASSERT_EQ(wg_start(g), WG_OK);
  ASSERT_EQ(wg_destroy(g), WG_OK);
  EXPECT_EQ(quiet.count("fewer than"), 0);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

}  // namespace
