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
constexpr int kProducers = 4;
constexpr int kReaders = 2;
constexpr int kOpsPerProducer = 200000;

TEST(StatsSnapshot, PendingNeverExceedsMaxPendingWhileCancelsRaceSubmissions) {
  // Nothing is dispatched: items only enter (submit) and leave (cancel).
  wg_grinder_t* g = make_grinder(
      {{"max_pending", "1000"}, {"batch_size_threshold", "1000000"}, {"max_wait_seconds", "3600"}});
  // Producer threads take the grinder's submission shards round robin at
  // their first submission, and a snapshot sums the shards in order. Let 60
  // threads take the first shards (a refused submission is enough), so that
  // the producers' shards are read last: the window in which an unordered
  // snapshot counts an item twice is then the whole sum.
  wg_grinder_t* unstarted = make_grinder({}, nullptr, false);
  for (int i = 0; i < 64 - kProducers; ++i)
    std::thread([&] {
      EXPECT_EQ(wg_submit(unstarted, work_ok, nullptr, nullptr, nullptr), WG_ENOTSTARTED);
    }).join();
  EXPECT_EQ(wg_destroy(unstarted), WG_OK);
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
  // More threads than cores: a reader is often preempted in the middle of a
  // snapshot, which is when submissions and cancels slip in between its reads.
  std::atomic<uint64_t> snapshots{0}, over{0}, highest{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r)
    readers.emplace_back([&] {
      while (producers_left.load() > 0) {
        wg_stats_t s = stats_of(g);
        snapshots++;
        if (s.pending > kMaxPending) over++;
        uint64_t h = highest.load();
        while (s.pending > h && !highest.compare_exchange_weak(h, s.pending)) {
        }
      }
    });
  for (auto& t : producers) t.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(over.load(), 0u) << over.load() << " of " << snapshots.load()
                             << " snapshots above max_pending; highest " << highest.load();
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
