// Versioned structs: each _INIT macro sets the current version and zeroes the
// rest, in C and C++; each call accepts versions 1..current and refuses 0 and
// anything newer with WG_EINVAL.
#include <cstring>

#include "test_support.hpp"
#include "versioned_structs_c.h"

namespace {

using wgtest::make_grinder;
using wgtest::make_manager;
using wgtest::work_ok;

// Field by field: a struct returned by value may carry garbage in its padding.
bool zero_after_version(const wg_stats_t& s) {
  return s.started == 0 && s.stopping == 0 && s.pending == 0 && s.batch_size_threshold == 0 &&
         s.max_wait_seconds == 0 && s.lease_seconds == 0 && s.oldest_wait_seconds == 0 &&
         s.submitted == 0 && s.completed == 0 && s.failed == 0 && s.cancelled == 0 &&
         s.rejected == 0 && s.batches == 0 && s.inflight_items == 0 && s.inflight_batches == 0;
}
bool zero_after_version(const wg_manager_stats_t& s) {
  return s.started == 0 && s.available == 0 && s.leased == 0 && s.draining == 0 && s.total == 0 &&
         s.waiters == 0 && s.expired == 0 && s.target_pools == 0 && s.retired == 0 &&
         s.started_pools == 0;
}

TEST(VersionedStructs, InitMacrosSetTheVersionAndZeroTheRest) {
  wg_submit_opts_t o = WG_SUBMIT_OPTS_INIT;
  wg_stats_t s = WG_STATS_INIT;
  wg_manager_stats_t m = WG_MANAGER_STATS_INIT;
  EXPECT_EQ(o.version, static_cast<uint32_t>(WG_SUBMIT_OPTS_VERSION));
  EXPECT_EQ(o.owner, nullptr);
  EXPECT_EQ(o.dispose, nullptr);
  EXPECT_EQ(o.dispose_opaque, nullptr);
  EXPECT_EQ(o.release_arg, nullptr);
  EXPECT_EQ(s.version, static_cast<uint32_t>(WG_STATS_VERSION));
  EXPECT_TRUE(zero_after_version(s));
  EXPECT_EQ(m.version, static_cast<uint32_t>(WG_MANAGER_STATS_VERSION));
  EXPECT_TRUE(zero_after_version(m));
}

TEST(VersionedStructs, InitMacrosWorkInC) {
  wg_submit_opts_t o = wgtest_c_submit_opts_init();
  EXPECT_EQ(o.version, static_cast<uint32_t>(WG_SUBMIT_OPTS_VERSION));
  EXPECT_EQ(o.owner, nullptr);
  EXPECT_EQ(o.release_arg, nullptr);
  wg_stats_t s = wgtest_c_stats_init();
  EXPECT_EQ(s.version, static_cast<uint32_t>(WG_STATS_VERSION));
  EXPECT_TRUE(zero_after_version(s));
  wg_manager_stats_t m = wgtest_c_manager_stats_init();
  EXPECT_EQ(m.version, static_cast<uint32_t>(WG_MANAGER_STATS_VERSION));
  EXPECT_TRUE(zero_after_version(m));
}

TEST(VersionedStructs, SubmitOptsAcceptOneToCurrent) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1"}});
  wg_submit_opts_t opts = WG_SUBMIT_OPTS_INIT;
  int accepted = 0;
  for (uint32_t v = 1; v <= WG_SUBMIT_OPTS_VERSION; ++v) {
    opts.version = v;
    wg_outcome_t out;
    ASSERT_EQ(wg_submit_wait(g, work_ok, nullptr, &opts, -1, &out), WG_OK) << v;
    EXPECT_EQ(out.status, WG_OK);
    ++accepted;
  }
  for (uint32_t v : {0u, static_cast<uint32_t>(WG_SUBMIT_OPTS_VERSION) + 1, 0xffffffffu}) {
    opts.version = v;
    EXPECT_EQ(wg_submit_ex(g, work_ok, nullptr, nullptr, nullptr, &opts), WG_EINVAL) << v;
    wg_future_t* f = nullptr;
    EXPECT_EQ(wg_enqueue(g, work_ok, nullptr, &opts, &f), WG_EINVAL) << v;
    EXPECT_EQ(f, nullptr);
  }
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  wg_stats_t s = WG_STATS_INIT;
  ASSERT_EQ(wg_stats(g, &s), WG_OK);
  EXPECT_EQ(s.completed, static_cast<uint64_t>(accepted));
  EXPECT_EQ(s.rejected, 6u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(VersionedStructs, StatsAcceptOneToCurrent) {
  wg_grinder_t* g = make_grinder({}, nullptr, false);
  wg_manager_t* m = make_manager({}, false);
  for (uint32_t v = 1; v <= WG_STATS_VERSION; ++v) {
    wg_stats_t s = WG_STATS_INIT;
    s.version = v;
    EXPECT_EQ(wg_stats(g, &s), WG_OK) << v;
  }
  for (uint32_t v = 1; v <= WG_MANAGER_STATS_VERSION; ++v) {
    wg_manager_stats_t s = WG_MANAGER_STATS_INIT;
    s.version = v;
    EXPECT_EQ(wg_manager_stats(m, &s, nullptr, 0, nullptr), WG_OK) << v;
  }
  for (uint32_t v : {0u, 0xffffffffu}) {
    wg_stats_t s = WG_STATS_INIT;
    s.version = v;
    EXPECT_EQ(wg_stats(g, &s), WG_EINVAL) << v;
    wg_manager_stats_t ms = WG_MANAGER_STATS_INIT;
    ms.version = v;
    EXPECT_EQ(wg_manager_stats(m, &ms, nullptr, 0, nullptr), WG_EINVAL) << v;
  }
  wg_stats_t s = WG_STATS_INIT;
  s.version = WG_STATS_VERSION + 1;
  EXPECT_EQ(wg_stats(g, &s), WG_EINVAL);
  wg_manager_stats_t ms = WG_MANAGER_STATS_INIT;
  ms.version = WG_MANAGER_STATS_VERSION + 1;
  EXPECT_EQ(wg_manager_stats(m, &ms, nullptr, 0, nullptr), WG_EINVAL);
  EXPECT_EQ(wg_destroy(g), WG_OK);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

}  // namespace
