// fork(): a child forked while a grinder runs must not touch the parent's
// grinder (its threads do not exist in the child) but can create and use a
// new one; the parent's grinder is unaffected.
#include <sys/wait.h>
#include <unistd.h>

#include "test_support.hpp"

using namespace wgtest;

namespace {

int child_main() {
  wg_conf_t* c = wg_conf_new();
  wg_conf_set(c, "batch_size_threshold", "1", nullptr, 0);
  wg_grinder_t* g = nullptr;
  if (wg_create(&g, c, nullptr, nullptr, 0) != WG_OK || wg_start(g) != WG_OK) return 10;
  wg_conf_destroy(c);
  wg_outcome_t o;
  for (uintptr_t i = 0; i < 100; ++i) {
    if (wg_submit_wait(g, work_plus_one, reinterpret_cast<void*>(i), nullptr, 10, &o) != WG_OK)
      return 11;
    if (o.status != WG_OK || reinterpret_cast<uintptr_t>(o.result) != i + 1) return 12;
  }
  if (wg_destroy(g) != WG_OK) return 13;
  return 0;
}

TEST(Fork, ChildUsesANewGrinderAndTheParentCarriesOn) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer does not support threads in a child of a multi-threaded fork";
#endif
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "4"}, {"max_wait_seconds", "0.001"}});
  Gate gate;
  wg_future_t* inflight;
  ASSERT_EQ(wg_enqueue(g, work_gate, &gate, nullptr, &inflight), WG_OK);
  ASSERT_TRUE(gate.wait_for_waiters(1));  // the parent has work in flight at the fork
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(child_main());
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  gate.open();
  wg_outcome_t o;
  ASSERT_EQ(wg_future_wait(inflight, 10, &o), WG_OK);
  EXPECT_EQ(o.status, WG_OK);
  wg_future_release(inflight);
  ASSERT_EQ(wg_submit_wait(g, work_plus_one, nullptr, nullptr, 10, &o), WG_OK);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(o.result), 1u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

}  // namespace
