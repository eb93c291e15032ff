// Failure isolation when submission through the lease fails part-way through
// a batch: items already submitted get their real outcome, only the rest get
// the submission failure. Uses the internal executor seam.
#include <memory>
#include <vector>

#include "failing_executor.hpp"
#include "grinder.hpp"
#include "handles.hpp"
#include "test_support.hpp"

using namespace wgtest;

namespace {

int ok_or_fail(void* arg, void** result) {
  uintptr_t v = reinterpret_cast<uintptr_t>(arg);
  *result = reinterpret_cast<void*>(v);
  return v == 100 ? 3 : 0;  // 100 means "fail with work code 3"
}

std::vector<wg_outcome_t> run_batch_with_limit(size_t limit, int error, uintptr_t first_arg) {
  wg::Config cfg;
  cfg.batch_size_threshold = 4;
  cfg.max_wait_seconds = 600;
  auto manager = wg::ExecutorManager::create(
      cfg, [=](size_t, int*) { return std::make_shared<FailingExecutor>(limit, error); });
  EXPECT_EQ(manager->start(), WG_OK);
  wg::Grinder* impl = nullptr;
  std::string err;
  EXPECT_EQ(wg::Grinder::create(cfg, manager, &impl, &err), WG_OK);
  wg_grinder_t* g = to_handle(impl);
  EXPECT_EQ(wg_start(g), WG_OK);
  std::vector<wg_future_t*> f(4);
  for (uintptr_t i = 0; i < 4; ++i)
    EXPECT_EQ(
        wg_enqueue(g, ok_or_fail, reinterpret_cast<void*>(i == 0 ? first_arg : i), nullptr, &f[i]),
        WG_OK);
  std::vector<wg_outcome_t> outcomes(4);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(wg_future_wait(f[i], 10, &outcomes[i]), WG_OK);
    wg_future_release(f[i]);
  }
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.batches, 1u);
  EXPECT_EQ(s.submitted, s.completed + s.failed + s.cancelled);
  EXPECT_EQ(wg_destroy(g), WG_OK);
  EXPECT_EQ(manager->stop(), WG_OK);
  return outcomes;
}

TEST(PartialSubmission, EarlierItemSucceededKeepsItsOutcome) {
  auto o = run_batch_with_limit(2, WG_ELEASE, 7);
  EXPECT_EQ(o[0].status, WG_OK);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(o[0].result), 7u);
  EXPECT_EQ(o[1].status, WG_OK);
  EXPECT_EQ(o[2].status, WG_ELEASE);
  EXPECT_EQ(o[3].status, WG_ELEASE);
  EXPECT_EQ(o[2].result, nullptr);
}

TEST(PartialSubmission, EarlierItemFailedKeepsItsOwnFailure) {
  auto o = run_batch_with_limit(2, WG_ENOMEM, 100);
  EXPECT_EQ(o[0].status, WG_EWORK);
  EXPECT_EQ(o[0].work_code, 3);
  EXPECT_EQ(o[1].status, WG_OK);
  EXPECT_EQ(o[2].status, WG_ENOMEM);
  EXPECT_EQ(o[3].status, WG_ENOMEM);
}

TEST(PartialSubmission, NothingSubmittedFailsEveryItem) {
  auto o = run_batch_with_limit(0, WG_ELEASE, 1);
  for (auto& x : o) EXPECT_EQ(x.status, WG_ELEASE);
}

TEST(PartialSubmission, LeaseExpiringMidBatchFailsOnlyTheItemsNotStarted) {
  // One worker; the first item outlives the lease. The items queued behind it
  // are handed back with WG_ELEASE when the executor is retired; the first
  // finishes what it runs.
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "3"},
                                  {"max_wait_seconds", "600"},
                                  {"lease_seconds", "0.1"},
                                  {"lease_grace_seconds", "0"},
                                  {"workers_per_pool", "1"}});
  static Gate gate;
  wg_future_t* f[3];
  ASSERT_EQ(wg_enqueue(g, work_gate, &gate, nullptr, &f[0]), WG_OK);
  ASSERT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &f[1]), WG_OK);
  ASSERT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &f[2]), WG_OK);
  wg_outcome_t o;
  ASSERT_EQ(wg_future_wait(f[1], 10, &o), WG_OK);
  EXPECT_EQ(o.status, WG_ELEASE);
  ASSERT_EQ(wg_future_wait(f[2], 10, &o), WG_OK);
  EXPECT_EQ(o.status, WG_ELEASE);
  gate.open();
  ASSERT_EQ(wg_future_wait(f[0], 10, &o), WG_OK);
  EXPECT_EQ(o.status, WG_OK);
  for (auto* x : f) wg_future_release(x);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.completed, 1u);
  EXPECT_EQ(s.failed, 2u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

}  // namespace
