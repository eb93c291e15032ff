// Histograms and the loop's recording (issue 14): bucket edges, exact counts
// and sums for known inputs, percentiles within the stated error, and no
// allocation when the loop records an item. This binary replaces the global
// operator new with a counting one, so it is its own executable.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <vector>

#include "grinder_metrics.hpp"
#include "histogram.hpp"
#include "work_item.hpp"

namespace {
std::atomic<uint64_t> g_news{0};
}  // namespace

void* operator new(size_t n) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace {

using wg::Histogram;

TEST(Histogram, EveryBucketHoldsExactlyItsRange) {
  for (size_t i = 0; i < Histogram::kBuckets; ++i) {
    ASSERT_EQ(Histogram::index_of(Histogram::lowest(i)), i);
    ASSERT_EQ(Histogram::index_of(Histogram::highest(i)), i);
    if (i + 1 < Histogram::kBuckets) {
      ASSERT_EQ(Histogram::highest(i) + 1, Histogram::lowest(i + 1));
    }
    // A bucket is at most 1/32 of its lowest value wide (values >= 64).
    if (Histogram::lowest(i) >= 64) {
      ASSERT_LE((Histogram::highest(i) - Histogram::lowest(i) + 1) * 32, Histogram::lowest(i));
    }
  }
  EXPECT_EQ(Histogram::index_of(UINT64_MAX), Histogram::kBuckets - 1);
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (uint64_t v = 0; v < 64; ++v) h.record(v);
  Histogram::Snapshot s = h.snapshot();
  EXPECT_EQ(s.count, 64u);
  EXPECT_EQ(s.sum, 63u * 64u / 2);
  EXPECT_EQ(s.min, 0u);
  EXPECT_EQ(s.max, 63u);
  EXPECT_EQ(s.percentile(0.5), 31u);  // the 32nd smallest
  EXPECT_EQ(s.percentile(0.9), 57u);  // ceil(57.6) = 58th
  EXPECT_EQ(s.percentile(1.0), 63u);
  for (uint64_t v = 0; v < 64; ++v) EXPECT_EQ(s.buckets[v], 1u);
  EXPECT_EQ(s.count_up_to(9), 10u);
}

// Runs of equal values are held back from their bucket until the value
// changes; every snapshot counts them all the same.
TEST(Histogram, RunsOfEqualValuesCountInEverySnapshot) {
  Histogram h;
  for (uint64_t v : {5, 5, 5}) h.record(v);
  Histogram::Snapshot s = h.snapshot();
  EXPECT_EQ(s.count, 3u);
  EXPECT_EQ(s.buckets[5], 3u);
  EXPECT_EQ(s.min, 5u);
  EXPECT_EQ(s.max, 5u);
  for (uint64_t v : {7, 7, 5, 0, 0}) h.record(v);
  s = h.snapshot();
  EXPECT_EQ(s.count, 8u);
  EXPECT_EQ(s.sum, 5u * 4 + 7u * 2);
  EXPECT_EQ(s.buckets[5], 4u);
  EXPECT_EQ(s.buckets[7], 2u);
  EXPECT_EQ(s.buckets[0], 2u);
  EXPECT_EQ(s.min, 0u);
  EXPECT_EQ(s.max, 7u);
  Histogram zeros;  // a first value of 0 starts a run too
  zeros.record(0);
  EXPECT_EQ(zeros.snapshot().count, 1u);
  EXPECT_EQ(zeros.snapshot().max, 0u);
}

TEST(Histogram, PercentilesWithinTwoPercent) {
  Histogram h;
  const uint64_t n = 100000;
  for (uint64_t v = 1; v <= n; ++v) h.record(v * 1000);  // 1 us .. 100 ms, in ns
  Histogram::Snapshot s = h.snapshot();
  EXPECT_EQ(s.count, n);
  EXPECT_EQ(s.sum, 1000 * n * (n + 1) / 2);
  EXPECT_EQ(s.min, 1000u);
  EXPECT_EQ(s.max, n * 1000);
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    double exact = std::ceil(q * n) * 1000;
    double got = static_cast<double>(s.percentile(q));
    EXPECT_LE(std::fabs(got - exact) / exact, 0.02) << "q " << q << " got " << got;
  }
}

TEST(Histogram, HugeValuesLandInTheTopBucketWithAnExactSum) {
  Histogram h;
  h.record(uint64_t{1} << 50);
  h.record(7);
  Histogram::Snapshot s = h.snapshot();
  EXPECT_EQ(s.buckets[Histogram::kBuckets - 1], 1u);
  EXPECT_EQ(s.sum, (uint64_t{1} << 50) + 7);
  EXPECT_EQ(s.max, uint64_t{1} << 50);
  const size_t top = Histogram::kBuckets - 1;  // its midpoint stands for the huge value
  EXPECT_EQ(s.percentile(1.0),
            Histogram::lowest(top) + (Histogram::highest(top) - Histogram::lowest(top)) / 2);
}

TEST(Histogram, EmptySnapshotIsZero) {
  Histogram h;
  Histogram::Snapshot s = h.snapshot();
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.min, 0u);
  EXPECT_EQ(s.percentile(0.99), 0u);
}

// Known timestamps stand in for the clock: every recorded duration is exact.
TEST(GrinderMetrics, RecordsKnownDurationsWithoutAllocating) {
  std::vector<wg::WorkItem*> items;
  for (int i = 0; i < 4; ++i) {
    items.push_back(wg::WorkItem::create(nullptr, nullptr, nullptr, false));
    items.back()->submit_ns = 1000 + 100 * i;  // 1000, 1100, 1200, 1300
  }
  items[3]->submit_ns = 0;  // never stamped: not recorded
  auto metrics = std::make_unique<wg::GrinderMetrics>();
  uint64_t before = g_news.load();
  metrics->on_dispatch(items.data(), items.size(), 2000);
  metrics->delivery_ns = 5000;
  items[0]->set_outcome(WG_OK, 0, nullptr);
  items[0]->run_ns = 40;
  items[1]->set_outcome(WG_EWORK, 3, nullptr);
  items[1]->run_ns = 50;
  items[2]->set_outcome(WG_ELEASE, 0, nullptr);  // never ran: no run time
  for (int i = 0; i < 3; ++i) metrics->on_finished(items[i]);
  EXPECT_EQ(g_news.load(), before) << "recording allocated";

  Histogram::Snapshot b = metrics->batch_size.snapshot();
  EXPECT_EQ(b.count, 1u);
  EXPECT_EQ(b.sum, 4u);
  Histogram::Snapshot q = metrics->queue_wait_ns.snapshot();
  EXPECT_EQ(q.count, 3u);
  EXPECT_EQ(q.sum, 1000u + 900u + 800u);
  EXPECT_EQ(q.min, 800u);
  EXPECT_EQ(q.max, 1000u);
  Histogram::Snapshot r = metrics->run_ns.snapshot();
  EXPECT_EQ(r.count, 2u);
  EXPECT_EQ(r.sum, 90u);
  EXPECT_EQ(r.buckets[40], 1u);
  EXPECT_EQ(r.buckets[50], 1u);
  Histogram::Snapshot e = metrics->end_to_end_ns.snapshot();
  EXPECT_EQ(e.count, 3u);
  EXPECT_EQ(e.sum, 4000u + 3900u + 3800u);
  for (wg::WorkItem* it : items) it->discard();
}

}  // namespace
