// wg_stats: every field before start, while running and after stop; the sum
// rule on the loop thread.
#include <chrono>
#include <thread>

#include "test_support.hpp"

using namespace wgtest;

namespace {

void expect_sum(const wg_stats_t& s) {
  EXPECT_EQ(s.submitted, s.completed + s.failed + s.cancelled + s.pending + s.inflight_items);
}

TEST(Stats, EveryFieldBeforeDuringAndAfter) {
  wg_grinder_t* g = make_grinder(
      {{"batch_size_threshold", "3"}, {"max_wait_seconds", "600"}, {"lease_seconds", "45"}},
      nullptr, false);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.started, 0u);
  EXPECT_EQ(s.stopping, 0u);
  EXPECT_EQ(s.pending, 0u);
  EXPECT_EQ(s.batch_size_threshold, 3u);
  EXPECT_EQ(s.max_wait_seconds, 600.0);
  EXPECT_EQ(s.lease_seconds, 45.0);
  EXPECT_EQ(s.oldest_wait_seconds, 0.0);
  EXPECT_EQ(s.submitted + s.completed + s.failed + s.cancelled + s.rejected + s.batches +
                s.inflight_items + s.inflight_batches,
            0u);

  ASSERT_EQ(wg_start(g), WG_OK);
  EXPECT_EQ(stats_of(g).started, 1u);
  Gate gate;
  wg_future_t *a, *b, *c, *d;
  ASSERT_EQ(wg_enqueue(g, work_gate, &gate, nullptr, &a), WG_OK);
  ASSERT_EQ(wg_enqueue(
                g, [](void*, void**) { return 5; }, nullptr, nullptr, &b),
            WG_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  s = stats_of(g);
  EXPECT_EQ(s.pending, 2u);
  EXPECT_GE(s.oldest_wait_seconds, 0.03);
  EXPECT_LT(s.oldest_wait_seconds, 60.0);
  ASSERT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &c), WG_OK);  // threshold: one batch of 3
  wg_outcome_t o;
  ASSERT_EQ(wg_future_wait(b, 10, &o), WG_OK);
  ASSERT_EQ(wg_future_wait(c, 10, &o), WG_OK);
  ASSERT_TRUE(gate.wait_for_waiters(1));
  ASSERT_EQ(wg_enqueue(g, work_ok, nullptr, nullptr, &d), WG_OK);
  ASSERT_EQ(wg_future_cancel(d), WG_OK);
  s = stats_of(g);
  EXPECT_EQ(s.submitted, 4u);
  EXPECT_EQ(s.completed, 1u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.cancelled, 1u);
  EXPECT_EQ(s.pending, 0u);
  EXPECT_EQ(s.oldest_wait_seconds, 0.0);
  EXPECT_EQ(s.inflight_items, 1u);
  EXPECT_EQ(s.inflight_batches, 1u);
  EXPECT_EQ(s.batches, 1u);
  expect_sum(s);
  EXPECT_EQ(wg_submit(g, nullptr, nullptr, nullptr, nullptr), WG_EINVAL);
  EXPECT_EQ(stats_of(g).rejected, 1u);
  gate.open();
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  s = stats_of(g);
  EXPECT_EQ(s.started, 0u);
  EXPECT_EQ(s.stopping, 0u);
  EXPECT_EQ(s.completed, 2u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.cancelled, 1u);
  EXPECT_EQ(s.inflight_items, 0u);
  EXPECT_EQ(s.inflight_batches, 0u);
  expect_sum(s);
  for (auto* f : {a, b, c, d}) wg_future_release(f);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

struct SumCheck {
  wg_grinder_t* g;
  std::atomic<int> checked{0};
  std::atomic<int> broken{0};
};

TEST(Stats, CountersAddUpInEverySnapshotOnTheLoopThread) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "7"}, {"max_wait_seconds", "0.001"}});
  SumCheck check{g};
  auto done = [](const wg_outcome_t*, void* opaque) {
    auto* c = static_cast<SumCheck*>(opaque);
    wg_stats_t s{};
    s.version = WG_STATS_VERSION;
    wg_stats(c->g, &s);
    if (s.submitted != s.completed + s.failed + s.cancelled + s.pending + s.inflight_items)
      c->broken.fetch_add(1);
    c->checked.fetch_add(1);
  };
  std::vector<std::thread> producers;
  for (int t = 0; t < 4; ++t)
    producers.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (i % 3 == 0) {
          wg_future_t* f;
          if (wg_enqueue(g, work_ok, nullptr, nullptr, &f) == WG_OK) {
            wg_future_cancel(f);
            wg_future_release(f);
          }
        } else {
          wg_submit(
              g, i % 5 ? work_ok : +[](void*, void**) { return 1; }, nullptr, done, &check);
        }
      }
    });
  for (auto& p : producers) p.join();
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  EXPECT_GT(check.checked.load(), 0);
  EXPECT_EQ(check.broken.load(), 0);
  expect_sum(stats_of(g));
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

}  // namespace
