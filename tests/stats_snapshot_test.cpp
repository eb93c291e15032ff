// wg_stats from another thread while cancels race submissions: admission
// keeps at most max_pending items pending, and every snapshot must say so.
#include <atomic>
#include <deque>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace wgtest;

namespace {

constexpr uint64_t kMaxPending = 1000;
constexpr int kProducers = 3;
constexpr int kOpsPerProducer = 200000;

TEST(StatsSnapshot, PendingNeverExceedsMaxPendingWhileCancelsRaceSubmissions) {
  // Nothing is dispatched: items only enter (submit) and leave (cancel).
  wg_grinder_t* g = make_grinder(
      {{"max_pending", "1000"}, {"batch_size_threshold", "1000000"}, {"max_wait_seconds", "3600"}});
  std::atomic<int> producers_left{kProducers};
  std::atomic<uint64_t> accepted{0}, full{0}, cancelled{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p)
    producers.emplace_back([&] {
      std::deque<wg_future_t*> mine;
      for (int i = 0; i < kOpsPerProducer; ++i) {
        wg_future_t* f = nullptr;
        int rc = wg_enqueue(g, work_ok, nullptr, nullptr, &f);
        if (rc == WG_OK) {
          accepted++;
          mine.push_back(f);
          continue;
        }
        EXPECT_EQ(rc, WG_EFULL);
        full++;
        // Full: free a few slots, which the others race to take.
        for (int k = 0; k < 4 && !mine.empty(); ++k) {
          EXPECT_EQ(wg_future_cancel(mine.front()), WG_OK);
          wg_future_release(mine.front());
          mine.pop_front();
          cancelled++;
        }
      }
      for (wg_future_t* f : mine) {
        EXPECT_EQ(wg_future_cancel(f), WG_OK);
        wg_future_release(f);
        cancelled++;
      }
      producers_left--;
    });
  uint64_t snapshots = 0, over = 0, highest = 0;
  while (producers_left.load() > 0) {
    wg_stats_t s = stats_of(g);
    ++snapshots;
    if (s.pending > kMaxPending) ++over;
    if (s.pending > highest) highest = s.pending;
  }
  for (auto& t : producers) t.join();
  EXPECT_EQ(over, 0u) << over << " of " << snapshots << " snapshots above max_pending; highest "
                      << highest;
  EXPECT_GT(full.load(), 0u);  // the bound was reached: the race was on
  EXPECT_EQ(cancelled.load(), accepted.load());
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.pending, 0u);
  EXPECT_EQ(s.submitted, accepted.load());
  EXPECT_EQ(s.cancelled, accepted.load());
  EXPECT_EQ(s.rejected, full.load());
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

}  // namespace
