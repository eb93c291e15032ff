// The manager on a fake clock (the internal now_ns() offset): a machine up
// 300 days, where a far deadline used to wrap into the past, and a lease
// released after its hard expiry before the housekeeping thread revoked it.
#include <atomic>
#include <cmath>
#include <memory>
#include <thread>

#include "clock.hpp"
#include "executor_manager.hpp"
#include "handles.hpp"
#include "test_support.hpp"

using namespace wgtest;

namespace {

constexpr uint64_t kDayNs = UINT64_C(86400000000000);

class ManagerClock : public ::testing::Test {
 protected:
  void SetUp() override { wg::set_clock_offset_for_testing(0); }
  void TearDown() override { wg::set_clock_offset_for_testing(0); }
};

template <typename Pred>
bool eventually(Pred pred, double seconds = 10) {
  auto t0 = std::chrono::steady_clock::now();
  while (!pred()) {
    if (seconds_since(t0) > seconds) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST_F(ManagerClock, ReleaseAfterHardExpiryRevokesInsteadOfReturningTheExecutor) {
  wg_manager_t* m = make_manager({{"workers_per_pool", "1"}, {"lease_grace_seconds", "5"}});
  static Gate gate;  // the revoked executor's thread may still be leaving it after the test
  wg_lease_t* l;
  ASSERT_EQ(wg_manager_acquire(m, 60, "late", 0, &l), WG_OK);
  OutcomeLog log;
  ASSERT_EQ(wg_lease_submit(l, work_gate, &gate, OutcomeLog::done, &log), WG_OK);
  ASSERT_TRUE(gate.wait_for_waiters(1));
  ASSERT_EQ(wg_lease_submit(l, work_ok, nullptr, OutcomeLog::done, &log), WG_OK);
  // 66 s later by the clock; the housekeeping thread sleeps on, as it does
  // while busy with another revoked lease's slow done.
  wg::set_clock_offset_for_testing(UINT64_C(66000000000));
  EXPECT_EQ(wg_lease_release(l), WG_ELEASE);
  // The unstarted task gets its outcome (from the housekeeping thread).
  EXPECT_TRUE(log.count.wait_for(1));
  EXPECT_EQ(log.snapshot().empty() ? 0 : log.snapshot()[0].status, WG_ELEASE);
  wg_manager_stats_t ms = manager_stats_of(m);
  EXPECT_EQ(ms.expired, 1u);
  EXPECT_EQ(ms.total, 1u);  // a fresh executor, not the expired one
  EXPECT_EQ(ms.available, 1u);
  EXPECT_EQ(ms.started_pools, 2u);
  gate.open();
  ASSERT_TRUE(log.count.wait_for(2));
  EXPECT_EQ(log.snapshot()[1].status, WG_OK);  // the running one finished
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST_F(ManagerClock, AFarTimeoutAfterLongUptimeStillWaits) {
  wg::set_clock_offset_for_testing(300 * kDayNs);
  wg_manager_t* m = make_manager({{"max_pools", "1"}});
  wg_lease_t* held;
  ASSERT_EQ(wg_manager_acquire(m, 60, "holder", 0, &held), WG_OK);
  for (double timeout : {1e10, 1e300, static_cast<double>(INFINITY)}) {
    std::atomic<int> rc{1};
    wg_lease_t* got = nullptr;
    std::thread waiter([&] { rc = wg_manager_acquire(m, 60, "waiter", timeout, &got); });
    ASSERT_TRUE(eventually([&] { return manager_stats_of(m).waiters == 1 || rc != 1; }));
    EXPECT_EQ(rc.load(), 1) << "timeout " << timeout << " returned at once";
    EXPECT_EQ(wg_lease_release(held), WG_OK);
    waiter.join();
    ASSERT_EQ(rc.load(), WG_OK);
    held = got;
  }
  EXPECT_EQ(wg_lease_release(held), WG_OK);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST_F(ManagerClock, AHugeLeaseAndGraceDoNotWrapAfterLongUptime) {
  // lease + grace + now passes 2^64 ns after 540 days of uptime.
  wg::set_clock_offset_for_testing(600 * kDayNs);
  wg_manager_t* m = make_manager({{"lease_grace_seconds", "1e300"}});
  wg_lease_t* l;
  ASSERT_EQ(wg_manager_acquire(m, 1e300, "long", 0, &l), WG_OK);
  wg_lease_info_t info{};
  size_t n = 0;
  wg_manager_stats_t ms{};
  ms.version = WG_MANAGER_STATS_VERSION;
  ASSERT_EQ(wg_manager_stats(m, &ms, &info, 1, &n), WG_OK);
  ASSERT_EQ(n, 1u);
  EXPECT_GT(info.soft_remaining, 9e9);
  EXPECT_GE(info.hard_remaining, info.soft_remaining);
  EXPECT_EQ(wg_lease_submit(l, work_ok, nullptr, nullptr, nullptr), WG_OK);
  EXPECT_EQ(wg_lease_release(l), WG_OK);
  EXPECT_EQ(manager_stats_of(m).expired, 0u);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST_F(ManagerClock, AnIdleManagerWithAHugeCheckIntervalSleepsAfterLongUptime) {
  wg::set_clock_offset_for_testing(300 * kDayNs);
  wg::Config cfg;
  cfg.check_interval_seconds = 1e10;
  cfg.lease_grace_seconds = 1e300;
  auto m = wg::ExecutorManager::create(cfg);
  ASSERT_EQ(m->start(), WG_OK);
  std::shared_ptr<wg::Lease> lease;  // a far hard expiry, also not to wrap
  ASSERT_EQ(m->acquire(1e300, "far", 0, &lease), WG_OK);
  // Give a spinning thread time to show; a sleeping one wakes never.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  uint64_t wakeups = m->housekeeping_wakeups_for_testing();
  if (wakeups > 1) {
    // A spinning thread hogs the lock, so stop() could hang: leave it.
    new std::shared_ptr<wg::ExecutorManager>(m);
    FAIL() << "housekeeping thread woke " << wakeups << " times";
  }
  EXPECT_EQ(lease->state(), wg::Lease::kActive);
  EXPECT_EQ(lease->release(), WG_OK);
  EXPECT_EQ(m->stop(), WG_OK);
}

TEST_F(ManagerClock, PoolLimitFollowsTheSizeProvider) {
  static std::atomic<uint32_t> answer{2};
  wg::Config cfg;
  cfg.min_pools = 1;
  cfg.max_pools = 5;
  cfg.size_fn = [](void*) -> uint32_t { return answer.load(); };
  auto m = wg::ExecutorManager::create(cfg);
  EXPECT_EQ(m->pool_limit(), 1u);  // min_pools until asked
  ASSERT_EQ(m->start(), WG_OK);
  EXPECT_EQ(m->pool_limit(), 2u);
  answer = 9;
  ASSERT_EQ(m->notify_scale_changed(), WG_OK);
  ASSERT_TRUE(eventually([&] { return m->pool_limit() == 5; }));
  EXPECT_EQ(m->stop(), WG_OK);
  wg::Config plain;
  plain.max_pools = 3;
  EXPECT_EQ(wg::ExecutorManager::create(plain)->pool_limit(), 3u);
}

}  // namespace
