// Start, stop and submissions from many threads at once (issue 11, point 1):
// every call returns, and every accepted submission gets exactly one outcome.
#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace {

void count_outcome(const wg_outcome_t*, void* opaque) {
  static_cast<std::atomic<int>*>(opaque)->fetch_add(1);
}

TEST(LifecycleRace, StartStopAndSubmitFromManyThreads) {
  for (int round = 0; round < 30; ++round) {
    wg_grinder_t* g = wgtest::make_grinder(
        {{"batch_size_threshold", "4"}, {"max_wait_seconds", "0.0005"}}, nullptr, false);
    std::atomic<bool> done{false};
    std::atomic<int> accepted{0}, outcomes{0}, futures_ok{0}, futures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t)
      threads.emplace_back([&, t] {  // starters and stoppers
        std::mt19937 rng(round * 10 + t);
        while (!done.load()) {
          int rc = wg_start(g);
          EXPECT_TRUE(rc == WG_OK || rc == WG_ESTOPPING) << wg_err_name(rc);
          EXPECT_EQ(wg_stop(g, static_cast<int>(rng() % 2)), WG_OK);
        }
      });
    for (int t = 0; t < 3; ++t)
      threads.emplace_back([&] {  // submitters
        while (!done.load()) {
          if (wg_submit(g, wgtest::work_ok, nullptr, count_outcome, &outcomes) == WG_OK)
            accepted.fetch_add(1);
          wg_future_t* f;
          if (wg_enqueue(g, wgtest::work_ok, nullptr, nullptr, &f) == WG_OK) {
            futures.fetch_add(1);
            wg_outcome_t o;
            if (wg_future_wait(f, 30, &o) == WG_OK) futures_ok.fetch_add(1);
            wg_future_release(f);
          }
        }
      });
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    done = true;
    for (auto& t : threads) t.join();
    ASSERT_EQ(wg_stop(g, 0), WG_OK);
    EXPECT_EQ(outcomes.load(), accepted.load()) << "round " << round;
    EXPECT_EQ(futures_ok.load(), futures.load()) << "round " << round;
    wg_stats_t s = wgtest::stats_of(g);
    EXPECT_EQ(s.submitted, static_cast<uint64_t>(accepted.load() + futures.load()));
    EXPECT_EQ(s.pending + s.inflight_items, 0u);
    ASSERT_EQ(wg_destroy(g), WG_OK);
  }
}

}  // namespace
