// Allocation failure: with an injector failing item allocations, submissions
// fail with WG_ENOMEM and take nothing over, every accepted item still gets
// its outcome, and nothing leaks (checked by the sanitizer build).
#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include "allocator.hpp"
#include "test_support.hpp"

using namespace wgtest;

namespace {

std::atomic<unsigned> g_calls{0};
std::atomic<unsigned> g_fail_every{0};

void* failing_allocate(size_t size) {
  unsigned every = g_fail_every.load();
  if (every && g_calls.fetch_add(1) % every == 0) return nullptr;
  return std::malloc(size);
}

struct Injector {
  explicit Injector(unsigned every) {
    g_calls = 0;
    g_fail_every = every;
    wg::set_allocator_for_testing(failing_allocate);
  }
  ~Injector() { wg::set_allocator_for_testing(nullptr); }
};

TEST(AllocationFailure, SubmissionsFailWithENOMEMAndAcceptedItemsAreNotLost) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "16"}, {"max_wait_seconds", "0.001"}});
  Counter outcomes;
  std::atomic<int> accepted{0}, refused{0}, other{0};
  {
    Injector inject(3);  // every third item allocation fails
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&] {
        for (int i = 0; i < 3000; ++i) {
          int rc;
          if (i % 2) {
            rc = wg_submit(
                g, work_ok, nullptr,
                [](const wg_outcome_t*, void* c) { static_cast<Counter*>(c)->add(); }, &outcomes);
          } else {
            wg_future_t* f = nullptr;
            rc = wg_enqueue(g, work_ok, nullptr, nullptr, &f);
            if (rc == WG_OK) {
              wg_outcome_t o;
              if (wg_future_wait(f, -1, &o) == WG_OK && o.status == WG_OK) outcomes.add();
              wg_future_release(f);
            } else if (f != nullptr) {
              other++;  // an error must leave *out untouched
            }
          }
          if (rc == WG_OK)
            accepted++;
          else if (rc == WG_ENOMEM)
            refused++;
          else
            other++;
        }
      });
    for (auto& th : threads) th.join();
    // submit_wait shares the path.
    wg_outcome_t o;
    int rc;
    while ((rc = wg_submit_wait(g, work_ok, nullptr, nullptr, 10, &o)) == WG_ENOMEM) refused++;
    ASSERT_EQ(rc, WG_OK);
    accepted++;
    outcomes.add();
  }
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  EXPECT_GT(refused.load(), 3000);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(outcomes.value(), accepted.load());
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.submitted, static_cast<uint64_t>(accepted.load()));
  EXPECT_EQ(s.completed, static_cast<uint64_t>(accepted.load()));
  EXPECT_EQ(s.rejected, static_cast<uint64_t>(refused.load()));
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

}  // namespace
