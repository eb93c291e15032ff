// The leased executor manager used directly: acquire (no wait, timeout,
// FIFO), expiry and revocation, draining, stop, stats, and sharing.
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace wgtest;

namespace {

TEST(Manager, AcquireFailsAtOnceOrTimesOutWhenNothingIsFree) {
  wg_manager_t* m = make_manager({{"max_pools", "1"}});
  wg_lease_t *a, *b = nullptr;
  ASSERT_EQ(wg_manager_acquire(m, 60, "a", 0, &a), WG_OK);
  EXPECT_EQ(wg_manager_acquire(m, 60, "b", 0, &b), WG_EUNAVAILABLE);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(wg_manager_acquire(m, 60, "b", 0.1, &b), WG_ETIMEDOUT);
  EXPECT_GE(seconds_since(t0), 0.1);
  EXPECT_EQ(b, nullptr);
  EXPECT_EQ(manager_stats_of(m).waiters, 0u);
  EXPECT_EQ(wg_lease_release(a), WG_OK);
  ASSERT_EQ(wg_manager_acquire(m, 60, "b", 0, &b), WG_OK);
  EXPECT_EQ(wg_lease_release(b), WG_OK);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST(Manager, NotStartedManagerRefusesAcquire) {
  wg_manager_t* m = make_manager({}, false);
  wg_lease_t* l;
  EXPECT_EQ(wg_manager_acquire(m, 1, "x", 0, &l), WG_ENOTSTARTED);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST(Manager, WaitersAreServedInFifoOrder) {
  wg_manager_t* m = make_manager({{"max_pools", "1"}});
  wg_lease_t* held;
  ASSERT_EQ(wg_manager_acquire(m, 60, "holder", 0, &held), WG_OK);
  std::mutex mu;
  std::vector<int> order;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&, i] {
      wg_lease_t* l;
      ASSERT_EQ(wg_manager_acquire(m, 60, "waiter", -1, &l), WG_OK);
      {
        std::lock_guard<std::mutex> lk(mu);
        order.push_back(i);
      }
      EXPECT_EQ(wg_lease_release(l), WG_OK);
    });
    // Queue them one after another.
    while (manager_stats_of(m).waiters != static_cast<uint64_t>(i + 1)) std::this_thread::yield();
  }
  EXPECT_EQ(wg_lease_release(held), WG_OK);
  for (auto& t : waiters) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST(Manager, StopWakesEveryWaiterWithAnError) {
  wg_manager_t* m = make_manager({{"max_pools", "1"}});
  wg_lease_t* held;
  ASSERT_EQ(wg_manager_acquire(m, 60, "holder", 0, &held), WG_OK);
  std::vector<std::thread> waiters;
  std::atomic<int> stopped{0};
  for (int i = 0; i < 3; ++i)
    waiters.emplace_back([&] {
      wg_lease_t* l;
      if (wg_manager_acquire(m, 60, "waiter", -1, &l) == WG_ESTOPPING) stopped.fetch_add(1);
    });
  while (manager_stats_of(m).waiters != 3) std::this_thread::yield();
  EXPECT_EQ(wg_manager_stop(m), WG_OK);
  for (auto& t : waiters) t.join();
  EXPECT_EQ(stopped.load(), 3);
  EXPECT_EQ(wg_lease_submit(held, work_ok, nullptr, nullptr, nullptr), WG_ELEASE);
  EXPECT_EQ(wg_lease_release(held), WG_ELEASE);  // revoked by the stop
  EXPECT_EQ(wg_manager_stop(m), WG_OK);          // idempotent
  EXPECT_EQ(wg_manager_start(m), WG_OK);         // and restartable
  EXPECT_EQ(manager_stats_of(m).available, 1u);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST(Manager, SubmissionsThroughALeaseRunOnItsWorkers) {
  wg_manager_t* m = make_manager({{"workers_per_pool", "2"}});
  wg_lease_t* l;
  ASSERT_EQ(wg_manager_acquire(m, 60, "direct", 0, &l), WG_OK);
  OutcomeLog log;
  for (uintptr_t i = 0; i < 10; ++i)
    ASSERT_EQ(wg_lease_submit(l, work_plus_one, reinterpret_cast<void*>(i), OutcomeLog::done, &log),
              WG_OK);
  ASSERT_TRUE(log.count.wait_for(10));
  uintptr_t sum = 0;
  for (auto& o : log.snapshot()) {
    EXPECT_EQ(o.status, WG_OK);
    sum += reinterpret_cast<uintptr_t>(o.result);
  }
  EXPECT_EQ(sum, 55u);
  EXPECT_EQ(wg_lease_release(l), WG_OK);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST(Manager, HardExpiryRevokesTheLeaseAndKeepsCapacityUp) {
  wg_manager_t* m = make_manager({{"max_pools", "1"}, {"lease_grace_seconds", "0.05"}});
  wg_lease_t* l;
  ASSERT_EQ(wg_manager_acquire(m, 0.05, "short", 0, &l), WG_OK);
  wg_lease_info_t info[2];
  size_t n = 0;
  wg_manager_stats_t ms{};
  ms.version = WG_MANAGER_STATS_VERSION;
  ASSERT_EQ(wg_manager_stats(m, &ms, info, 2, &n), WG_OK);
  ASSERT_EQ(n, 1u);
  EXPECT_STREQ(info[0].owner, "short");
  EXPECT_GT(info[0].soft_remaining, 0.0);
  EXPECT_LE(info[0].soft_remaining, 0.05);
  EXPECT_NEAR(info[0].hard_remaining - info[0].soft_remaining, 0.05, 1e-6);
  EXPECT_EQ(ms.leased, 1u);
  // A waiter is woken by the revocation, not by a release.
  wg_lease_t* next;
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(wg_manager_acquire(m, 60, "next", 10, &next), WG_OK);
  EXPECT_GE(seconds_since(t0), 0.09);
  EXPECT_EQ(wg_lease_submit(l, work_ok, nullptr, nullptr, nullptr), WG_ELEASE);
  EXPECT_EQ(wg_lease_release(l), WG_ELEASE);
  ms = manager_stats_of(m);
  EXPECT_EQ(ms.expired, 1u);
  EXPECT_EQ(ms.total, 1u);  // a fresh executor replaced the retired one
  EXPECT_EQ(ms.leased, 1u);
  EXPECT_EQ(wg_lease_release(next), WG_OK);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST(Manager, SubmissionAfterHardExpiryFailsEvenBeforeRevocation) {
  // A long check interval and no waiters: the lease's own clock says no.
  wg_manager_t* m = make_manager({{"lease_grace_seconds", "0"}});
  wg_lease_t* l;
  ASSERT_EQ(wg_manager_acquire(m, 0.02, "brief", 0, &l), WG_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  EXPECT_EQ(wg_lease_submit(l, work_ok, nullptr, nullptr, nullptr), WG_ELEASE);
  wg_lease_release(l);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST(Manager, ExpiryFailsTasksThatHaveNotStarted) {
  wg_manager_t* m = make_manager({{"workers_per_pool", "1"}, {"lease_grace_seconds", "0"}});
  static Gate gate;  // a revoked executor's thread may still be leaving it after the test
  wg_lease_t* l;
  ASSERT_EQ(wg_manager_acquire(m, 0.1, "expiring", 0, &l), WG_OK);
  OutcomeLog log;
  ASSERT_EQ(wg_lease_submit(l, work_gate, &gate, OutcomeLog::done, &log), WG_OK);
  ASSERT_EQ(wg_lease_submit(l, work_ok, nullptr, OutcomeLog::done, &log), WG_OK);
  ASSERT_TRUE(log.count.wait_for(1));  // the queued one, failed at revocation
  EXPECT_EQ(log.snapshot()[0].status, WG_ELEASE);
  gate.open();  // the running one finishes what it runs
  ASSERT_TRUE(log.count.wait_for(2));
  EXPECT_EQ(log.snapshot()[1].status, WG_OK);
  wg_lease_release(l);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST(Manager, AReleasedLeaseDrainsBeforeItsExecutorIsReused) {
  wg_manager_t* m = make_manager({{"max_pools", "1"}});
  Gate gate;
  wg_lease_t* l;
  ASSERT_EQ(wg_manager_acquire(m, 60, "draining", 0, &l), WG_OK);
  OutcomeLog log;
  ASSERT_EQ(wg_lease_submit(l, work_gate, &gate, OutcomeLog::done, &log), WG_OK);
  ASSERT_TRUE(gate.wait_for_waiters(1));
  EXPECT_EQ(wg_lease_release(l), WG_OK);
  wg_manager_stats_t ms = manager_stats_of(m);
  EXPECT_EQ(ms.draining, 1u);
  EXPECT_EQ(ms.available, 0u);
  wg_lease_t* next;
  EXPECT_EQ(wg_manager_acquire(m, 60, "next", 0, &next), WG_EUNAVAILABLE);
  std::thread opener([&] {
    while (manager_stats_of(m).waiters == 0) std::this_thread::yield();
    gate.open();
  });
  ASSERT_EQ(wg_manager_acquire(m, 60, "next", 10, &next), WG_OK);  // once the work finished
  opener.join();
  // The executor is free once its work returned; done follows on the worker.
  EXPECT_TRUE(log.count.wait_for(1));
  EXPECT_EQ(log.snapshot().size(), 1u);
  EXPECT_EQ(wg_lease_release(next), WG_OK);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST(Manager, PoolCountStaysWithinMaxPoolsAndMinPoolsAreReady) {
  wg_manager_t* m = make_manager({{"max_pools", "3"}, {"min_pools", "2"}});
  wg_manager_stats_t ms = manager_stats_of(m);
  EXPECT_EQ(ms.total, 2u);
  EXPECT_EQ(ms.available, 2u);
  wg_lease_t* l[3];
  for (auto& x : l) ASSERT_EQ(wg_manager_acquire(m, 60, "p", 0, &x), WG_OK);
  wg_lease_t* extra;
  EXPECT_EQ(wg_manager_acquire(m, 60, "p", 0, &extra), WG_EUNAVAILABLE);
  ms = manager_stats_of(m);
  EXPECT_EQ(ms.total, 3u);
  EXPECT_EQ(ms.leased, 3u);
  for (auto* x : l) EXPECT_EQ(wg_lease_release(x), WG_OK);
  EXPECT_EQ(manager_stats_of(m).available, 3u);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST(Manager, OneManagerServesTwoGrinders) {
  wg_manager_t* m = make_manager({{"max_pools", "1"}});
  wg_grinder_t* g1 = make_grinder(
      {{"batch_size_threshold", "5"}, {"max_wait_seconds", "0.01"}, {"owner_prefix", "one"}}, m);
  wg_grinder_t* g2 = make_grinder(
      {{"batch_size_threshold", "5"}, {"max_wait_seconds", "0.01"}, {"owner_prefix", "two"}}, m);
  OutcomeLog log1, log2;
  std::thread t1([&] {
    for (int i = 0; i < 200; ++i)
      ASSERT_EQ(wg_submit(g1, work_ok, nullptr, OutcomeLog::done, &log1), WG_OK);
  });
  std::thread t2([&] {
    for (int i = 0; i < 200; ++i)
      ASSERT_EQ(wg_submit(g2, work_ok, nullptr, OutcomeLog::done, &log2), WG_OK);
  });
  t1.join();
  t2.join();
  ASSERT_TRUE(log1.count.wait_for(200));
  ASSERT_TRUE(log2.count.wait_for(200));
  EXPECT_EQ(wg_destroy(g1), WG_OK);
  EXPECT_EQ(wg_destroy(g2), WG_OK);
  wg_manager_stats_t ms = manager_stats_of(m);
  EXPECT_EQ(ms.total, 1u);
  EXPECT_EQ(ms.available, 1u);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

}  // namespace
