// The manager against leasepool's behaviour, through the C ABI: lease lengths
// must be finite, far deadlines do not wrap, destroying the manager from a
// done that the housekeeping thread runs, stats versions, idle executors
// retired down to min_pools (threads joined), and the size provider (grow,
// shrink, clamp, notify, periodic calls, nonsense answers).
#include <dirent.h>
#include <pthread.h>

#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <string>
#include <thread>

#include "test_support.hpp"

using namespace wgtest;

namespace {

// Threads of this process, and those with the given name.
int thread_count(const char* name = nullptr) {
  int n = 0;
  DIR* d = opendir("/proc/self/task");
  if (!d) return -1;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    if (name) {
      std::string path = std::string("/proc/self/task/") + e->d_name + "/comm";
      FILE* f = fopen(path.c_str(), "r");
      if (!f) continue;
      char comm[32] = {};
      if (fgets(comm, sizeof comm, f)) comm[strcspn(comm, "\n")] = '\0';
      fclose(f);
      if (strcmp(comm, name) != 0) continue;
    }
    ++n;
  }
  closedir(d);
  return n;
}

// Waits (bounded) for something the housekeeping thread does asynchronously.
template <typename Pred>
bool eventually(Pred pred, double seconds = 10) {
  auto t0 = std::chrono::steady_clock::now();
  while (!pred()) {
    if (seconds_since(t0) > seconds) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST(ManagerParity, InfiniteLeaseLengthsAreRejected) {
  wg_manager_t* m = make_manager({});
  wg_lease_t* l = nullptr;
  // An infinite timeout is "wait practically forever", and a free executor is
  // leased at once.
  ASSERT_EQ(wg_manager_acquire(m, 1e300, "x", INFINITY, &l), WG_OK);
  EXPECT_EQ(wg_lease_release(l), WG_OK);
  l = nullptr;
  EXPECT_EQ(wg_manager_acquire(m, INFINITY, "x", 0, &l), WG_EINVAL);
  EXPECT_EQ(wg_manager_acquire(m, -INFINITY, "x", 0, &l), WG_EINVAL);
  EXPECT_EQ(wg_manager_acquire(m, NAN, "x", 0, &l), WG_EINVAL);
  EXPECT_EQ(wg_manager_acquire(m, 1, "x", NAN, &l), WG_EINVAL);
  EXPECT_EQ(l, nullptr);
  EXPECT_EQ(manager_stats_of(m).leased, 0u);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST(ManagerParity, AHugeLeaseAndGraceSaturateInsteadOfWrapping) {
  wg_manager_t* m = make_manager({{"lease_grace_seconds", "1e300"}});
  wg_lease_t* l;
  ASSERT_EQ(wg_manager_acquire(m, 1e300, "long", 0, &l), WG_OK);
  wg_lease_info_t info{};
  size_t n = 0;
  wg_manager_stats_t ms{};
  ms.version = WG_MANAGER_STATS_VERSION;
  ASSERT_EQ(wg_manager_stats(m, &ms, &info, 1, &n), WG_OK);
  ASSERT_EQ(n, 1u);
  EXPECT_GT(info.soft_remaining, 9e9);  // ~292 years: the clock's limit
  EXPECT_GE(info.hard_remaining, info.soft_remaining);
  OutcomeLog log;
  EXPECT_EQ(wg_lease_submit(l, work_ok, nullptr, OutcomeLog::done, &log), WG_OK);
  ASSERT_TRUE(log.count.wait_for(1));
  EXPECT_EQ(log.snapshot()[0].status, WG_OK);
  EXPECT_EQ(wg_lease_release(l), WG_OK);
  EXPECT_EQ(manager_stats_of(m).expired, 0u);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

struct DestroyFromDone {
  wg_manager_t* m;
  wg_lease_t* lease;
  int release_rc = 0;
  int destroy_rc = 1;
  Counter called;
  static void done(const wg_outcome_t* o, void* opaque) {
    auto* self = static_cast<DestroyFromDone*>(opaque);
    EXPECT_EQ(o->status, WG_ELEASE);  // never started: revoked at hard expiry
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    EXPECT_STREQ(name, "wg-housekeeping");
    self->release_rc = wg_lease_release(self->lease);
    // A blocking call on the housekeeping thread is refused (issue 11), where
    // it used to deadlock that thread (issue 10).
    self->destroy_rc = wg_manager_destroy(self->m);
    self->called.add();
  }
};

TEST(ManagerParity, DestroyingTheManagerFromADoneOnTheHousekeepingThreadIsRefused) {
  static Gate gate;  // the revoked executor's thread is still inside it after the test
  DestroyFromDone ctx;
  ctx.m = make_manager({{"workers_per_pool", "1"}, {"lease_grace_seconds", "0"}});
  // (It names itself once it runs.)
  ASSERT_TRUE(eventually([] { return thread_count("wg-housekeeping") == 1; }));
  ASSERT_EQ(wg_manager_acquire(ctx.m, 0.05, "doomed", 0, &ctx.lease), WG_OK);
  ASSERT_EQ(wg_lease_submit(ctx.lease, work_gate, &gate, nullptr, nullptr), WG_OK);
  ASSERT_TRUE(gate.wait_for_waiters(1));
  ASSERT_EQ(wg_lease_submit(ctx.lease, work_ok, nullptr, DestroyFromDone::done, &ctx), WG_OK);
  ASSERT_TRUE(ctx.called.wait_for(1));
  EXPECT_EQ(ctx.release_rc, WG_ELEASE);
  EXPECT_EQ(ctx.destroy_rc, WG_EWRONGTHREAD);
  EXPECT_EQ(wg_manager_destroy(ctx.m), WG_OK);
  EXPECT_TRUE(eventually([] { return thread_count("wg-housekeeping") == 0; }));
  gate.open();
}

TEST(ManagerParity, AVersionOneStatsCallerGetsOnlyVersionOneFields) {
  wg_manager_t* m = make_manager({{"max_pools", "2"}});
  unsigned char buf[sizeof(wg_manager_stats_t)];
  memset(buf, 0xAB, sizeof buf);
  const size_t v1 = offsetof(wg_manager_stats_t, target_pools);
  wg_manager_stats_t* s = reinterpret_cast<wg_manager_stats_t*>(buf);
  s->version = 1;
  ASSERT_EQ(wg_manager_stats(m, s, nullptr, 0, nullptr), WG_OK);
  EXPECT_EQ(s->version, 1u);
  EXPECT_EQ(s->total, 1u);
  for (size_t i = v1; i < sizeof buf; ++i) ASSERT_EQ(buf[i], 0xAB) << "byte " << i;
  s->version = 3;
  EXPECT_EQ(wg_manager_stats(m, s, nullptr, 0, nullptr), WG_EINVAL);
  wg_manager_stats_t ms = manager_stats_of(m);
  EXPECT_EQ(ms.version, 2u);
  EXPECT_EQ(ms.target_pools, 2u);  // max_pools without a size provider
  EXPECT_EQ(ms.started_pools, 1u);
  EXPECT_EQ(ms.retired, 0u);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST(ManagerParity, IdlePoolSecondsIsAFiniteNumberAtLeastZero) {
  wg_conf_t* c = wg_conf_new();
  char err[128];
  EXPECT_EQ(wg_conf_set(c, "idle_pool_seconds", "0", err, sizeof err), WG_OK);
  EXPECT_EQ(wg_conf_set(c, "idle_pool_seconds", "2.5", err, sizeof err), WG_OK);
  EXPECT_EQ(wg_conf_set(c, "idle_pool_seconds", "-1", err, sizeof err), WG_EINVAL);
  EXPECT_STREQ(err, "idle_pool_seconds must be a finite number >= 0");
  EXPECT_EQ(wg_conf_set(c, "idle_pool_seconds", "inf", err, sizeof err), WG_EINVAL);
  EXPECT_EQ(wg_conf_set_size_provider(nullptr, nullptr, nullptr), WG_EINVAL);
  wg_conf_destroy(c);
}

TEST(ManagerParity, IdleExecutorsBeyondMinPoolsAreRetiredAndTheirThreadsJoined) {
  // ThreadSanitizer starts a background thread at the process's first thread
  // creation: let that happen before counting.
  std::thread([] {}).join();
  const int before = thread_count();
  wg_manager_t* m = make_manager({{"max_pools", "3"},
                                  {"min_pools", "1"},
                                  {"workers_per_pool", "2"},
                                  {"idle_pool_seconds", "0.05"}});
  EXPECT_EQ(thread_count(), before + 1 + 2);  // housekeeping + one executor
  wg_lease_t* l[3];
  for (auto& x : l) ASSERT_EQ(wg_manager_acquire(m, 60, "burst", 0, &x), WG_OK);
  EXPECT_EQ(thread_count(), before + 1 + 6);
  // Two come back and idle out; the one still leased is never retired.
  EXPECT_EQ(wg_lease_release(l[1]), WG_OK);
  EXPECT_EQ(wg_lease_release(l[2]), WG_OK);
  ASSERT_TRUE(eventually([&] { return manager_stats_of(m).retired == 2; }));
  wg_manager_stats_t ms = manager_stats_of(m);
  EXPECT_EQ(ms.total, 1u);
  EXPECT_EQ(ms.leased, 1u);
  EXPECT_EQ(ms.available, 0u);
  EXPECT_EQ(ms.started_pools, 3u);
  EXPECT_EQ(thread_count(), before + 1 + 2);  // joined, not left behind
  OutcomeLog log;
  ASSERT_EQ(wg_lease_submit(l[0], work_ok, nullptr, OutcomeLog::done, &log), WG_OK);
  ASSERT_TRUE(log.count.wait_for(1));
  EXPECT_EQ(log.snapshot()[0].status, WG_OK);
  // At min_pools, the last one stays however long it idles.
  EXPECT_EQ(wg_lease_release(l[0]), WG_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // 3 idle periods
  ms = manager_stats_of(m);
  EXPECT_EQ(ms.total, 1u);
  EXPECT_EQ(ms.available, 1u);
  EXPECT_EQ(ms.retired, 2u);
  // A later burst starts executors again.
  ASSERT_EQ(wg_manager_acquire(m, 60, "again", 0, &l[0]), WG_OK);
  ASSERT_EQ(wg_manager_acquire(m, 60, "again", 0, &l[1]), WG_OK);
  EXPECT_EQ(manager_stats_of(m).started_pools, 4u);
  EXPECT_EQ(wg_lease_release(l[0]), WG_OK);
  EXPECT_EQ(wg_lease_release(l[1]), WG_OK);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
  EXPECT_EQ(thread_count(), before);
}

// A size provider whose answer the test sets; counts calls and remembers the
// thread of the last one.
struct Provider {
  std::atomic<uint32_t> answer{1};
  std::atomic<int> calls{0};
  std::mutex mu;
  std::string last_thread;
  static uint32_t fn(void* opaque) {
    auto* p = static_cast<Provider*>(opaque);
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    {
      std::lock_guard<std::mutex> lk(p->mu);
      p->last_thread = name;
    }
    p->calls.fetch_add(1);
    return p->answer.load();
  }
  std::string thread() {
    std::lock_guard<std::mutex> lk(mu);
    return last_thread;
  }
};

wg_manager_t* make_adaptive_manager(Provider* p, KeyValues kv) {
  wg_conf_t* c = make_conf(kv);
  EXPECT_EQ(wg_conf_set_size_provider(c, Provider::fn, p), WG_OK);
  wg_manager_t* m = nullptr;
  char err[256];
  EXPECT_EQ(wg_manager_create(&m, c, err, sizeof err), WG_OK) << err;
  wg_conf_destroy(c);
  return m;
}

TEST(ManagerParity, TheSizeProviderGrowsAndShrinksThePoolWithoutInterruptingLeases) {
  Provider p;
  p.answer = 3;
  wg_manager_t* m = make_adaptive_manager(
      &p, {{"min_pools", "1"}, {"max_pools", "4"}, {"workers_per_pool", "1"}});
  EXPECT_EQ(wg_manager_notify_scale_changed(m), WG_ENOTSTARTED);
  EXPECT_EQ(wg_manager_notify_scale_changed(nullptr), WG_EINVAL);
  ASSERT_EQ(wg_manager_start(m), WG_OK);
  EXPECT_EQ(p.calls.load(), 1);  // once in start, on this thread
  wg_manager_stats_t ms = manager_stats_of(m);
  EXPECT_EQ(ms.target_pools, 3u);
  EXPECT_EQ(ms.total, 3u);
  EXPECT_EQ(ms.available, 3u);

  // Grow: started at once, ready to lease.
  p.answer = 4;
  EXPECT_EQ(wg_manager_notify_scale_changed(m), WG_OK);
  ASSERT_TRUE(eventually([&] { return manager_stats_of(m).target_pools == 4; }));
  EXPECT_EQ(p.thread(), "wg-housekeeping");
  ms = manager_stats_of(m);
  EXPECT_EQ(ms.total, 4u);
  EXPECT_EQ(ms.started_pools, 4u);

  // Shrink while two are leased: the idle ones go at once, the leased ones
  // keep working until they come back.
  wg_lease_t *a, *b, *extra;
  ASSERT_EQ(wg_manager_acquire(m, 60, "a", 0, &a), WG_OK);
  ASSERT_EQ(wg_manager_acquire(m, 60, "b", 0, &b), WG_OK);
  p.answer = 1;
  EXPECT_EQ(wg_manager_notify_scale_changed(m), WG_OK);
  ASSERT_TRUE(eventually([&] { return manager_stats_of(m).retired == 2; }));
  ms = manager_stats_of(m);
  EXPECT_EQ(ms.target_pools, 1u);
  EXPECT_EQ(ms.total, 2u);
  EXPECT_EQ(ms.leased, 2u);
  EXPECT_EQ(wg_manager_acquire(m, 60, "extra", 0, &extra), WG_EUNAVAILABLE);
  OutcomeLog log;
  ASSERT_EQ(wg_lease_submit(a, work_ok, nullptr, OutcomeLog::done, &log), WG_OK);
  ASSERT_EQ(wg_lease_submit(b, work_ok, nullptr, OutcomeLog::done, &log), WG_OK);
  ASSERT_TRUE(log.count.wait_for(2));
  for (auto& o : log.snapshot()) EXPECT_EQ(o.status, WG_OK);
  EXPECT_EQ(wg_lease_release(a), WG_OK);  // above the target: retired
  ASSERT_TRUE(eventually([&] { return manager_stats_of(m).retired == 3; }));
  EXPECT_EQ(wg_lease_release(b), WG_OK);  // at the target: kept
  ms = manager_stats_of(m);
  EXPECT_EQ(ms.total, 1u);
  EXPECT_EQ(ms.available, 1u);
  EXPECT_EQ(ms.expired, 0u);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST(ManagerParity, NonsenseFromTheSizeProviderIsClampedToMinAndMaxPools) {
  Provider p;
  p.answer = 0;
  wg_manager_t* m = make_adaptive_manager(&p, {{"min_pools", "2"}, {"max_pools", "3"}});
  ASSERT_EQ(wg_manager_start(m), WG_OK);
  wg_manager_stats_t ms = manager_stats_of(m);
  EXPECT_EQ(ms.target_pools, 2u);
  EXPECT_EQ(ms.total, 2u);
  p.answer = UINT32_MAX;
  EXPECT_EQ(wg_manager_notify_scale_changed(m), WG_OK);
  ASSERT_TRUE(eventually([&] { return manager_stats_of(m).target_pools == 3; }));
  EXPECT_EQ(manager_stats_of(m).total, 3u);
  // More is never started than the target, even on demand.
  wg_lease_t* l[4];
  for (int i = 0; i < 3; ++i) ASSERT_EQ(wg_manager_acquire(m, 60, "x", 0, &l[i]), WG_OK);
  EXPECT_EQ(wg_manager_acquire(m, 60, "x", 0, &l[3]), WG_EUNAVAILABLE);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(wg_lease_release(l[i]), WG_OK);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST(ManagerParity, TheSizeProviderIsAskedEveryCheckInterval) {
  Provider p;
  p.answer = 1;
  wg_manager_t* m = make_adaptive_manager(
      &p, {{"min_pools", "1"}, {"max_pools", "2"}, {"check_interval_seconds", "0.02"}});
  ASSERT_EQ(wg_manager_start(m), WG_OK);
  p.answer = 2;  // no notify: the periodic call picks it up
  ASSERT_TRUE(eventually([&] { return manager_stats_of(m).total == 2; }));
  EXPECT_EQ(manager_stats_of(m).target_pools, 2u);
  EXPECT_GE(p.calls.load(), 2);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST(ManagerParity, NotifyWithoutASizeProviderChangesNothing) {
  wg_manager_t* m = make_manager({{"max_pools", "3"}, {"min_pools", "2"}});
  EXPECT_EQ(wg_manager_notify_scale_changed(m), WG_OK);
  wg_manager_stats_t ms = manager_stats_of(m);
  EXPECT_EQ(ms.total, 2u);
  EXPECT_EQ(ms.target_pools, 3u);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

}  // namespace

namespace {

uint32_t two_pools(void*) { return 2; }

// A grinder on an adaptive manager runs at most as many batches as the
// manager has pools now, even when max_inflight_batches allows more: the
// rest stay pending (and would only wait for a lease otherwise).
TEST(ManagerParity, GrinderInflightFollowsThePoolCount) {
  wg_conf_t* mc =
      wgtest::make_conf({{"max_pools", "4"}, {"min_pools", "1"}, {"workers_per_pool", "1"}});
  ASSERT_EQ(wg_conf_set_size_provider(mc, two_pools, nullptr), WG_OK);
  wg_manager_t* m;
  char err[128];
  ASSERT_EQ(wg_manager_create(&m, mc, err, sizeof err), WG_OK);
  wg_conf_destroy(mc);
  ASSERT_EQ(wg_manager_start(m), WG_OK);
  wg_grinder_t* g = wgtest::make_grinder({{"batch_size_threshold", "1"},
                                          {"max_batch_size", "1"},
                                          {"max_inflight_batches", "4"},
                                          {"max_wait_seconds", "60"}},
                                         m);
  wgtest::Gate hold;
  wgtest::OutcomeLog log;
  for (int i = 0; i < 6; ++i)
    ASSERT_EQ(wg_submit(g, wgtest::work_gate, &hold, wgtest::OutcomeLog::done, &log), WG_OK);
  ASSERT_TRUE(hold.wait_for_waiters(2));
  wg_stats_t s{};
  for (int spin = 0; spin < 20000; ++spin) {  // until the loop has taken every item
    s = wgtest::stats_of(g);
    if (s.pending == 4 && s.inflight_batches == 2) break;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  EXPECT_EQ(s.inflight_batches, 2u);
  EXPECT_EQ(s.pending, 4u);
  hold.open();
  ASSERT_TRUE(log.count.wait_for(6));
  ASSERT_EQ(wg_destroy(g), WG_OK);
  ASSERT_EQ(wg_manager_destroy(m), WG_OK);
}

}  // namespace
