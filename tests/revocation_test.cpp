// A revoked lease's work: what a worker had claimed but not started never
// starts (issue 11, point 4).
#include <cstring>
#include <vector>

#include "test_support.hpp"

namespace {

wgtest::Gate* g_revoked = nullptr;

void on_log(int, const char* msg, void*) {
  if (std::strstr(msg, "expired")) g_revoked->open();
}

// Item 7 blocks until the lease is revoked; the others return at once. Quick
// items make a worker claim several at a time, so item 7 is claimed together
// with some of those after it.
int work(void* arg, void**) {
  if (reinterpret_cast<uintptr_t>(arg) == 7) g_revoked->pass();
  return 0;
}

TEST(Revocation, ClaimedWorkNeverStartsAfterRevocation) {
  wgtest::Gate revoked;
  g_revoked = &revoked;
  wg_conf_t* mc = wgtest::make_conf({{"workers_per_pool", "1"}, {"lease_grace_seconds", "0"}});
  ASSERT_EQ(wg_conf_set_log_cb(mc, on_log, nullptr), WG_OK);
  wg_manager_t* m;
  char err[128];
  ASSERT_EQ(wg_manager_create(&m, mc, err, sizeof err), WG_OK);
  wg_conf_destroy(mc);
  ASSERT_EQ(wg_manager_start(m), WG_OK);
  wg_conf_t* gc = wgtest::make_conf(
      {{"batch_size_threshold", "64"}, {"max_wait_seconds", "60"}, {"lease_seconds", "0.2"}});
  wg_grinder_t* g;
  ASSERT_EQ(wg_create(&g, gc, m, err, sizeof err), WG_OK);
  wg_conf_destroy(gc);
  ASSERT_EQ(wg_start(g), WG_OK);
  wg_future_t* f[64];
  for (uintptr_t i = 0; i < 64; ++i)
    ASSERT_EQ(wg_enqueue(g, work, reinterpret_cast<void*>(i), nullptr, &f[i]), WG_OK);
  for (int i = 0; i < 64; ++i) {
    wg_outcome_t o;
    ASSERT_EQ(wg_future_wait(f[i], 30, &o), WG_OK);
    // Items before 7 ran; 7 was running when the lease was revoked (it is
    // not interrupted); every later one must not start.
    EXPECT_EQ(o.status, i <= 7 ? WG_OK : WG_ELEASE) << "item " << i;
    wg_future_release(f[i]);
  }
  ASSERT_EQ(wg_destroy(g), WG_OK);
  ASSERT_EQ(wg_manager_destroy(m), WG_OK);
}

}  // namespace
