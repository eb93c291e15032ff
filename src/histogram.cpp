#include "histogram.hpp"

#include <algorithm>
#include <cmath>

namespace wg {

size_t Histogram::index_of(uint64_t v) {
  if (v < 2 * kSub) return static_cast<size_t>(v);  // one bucket per value
  if (v >> kMaxBits) v = (uint64_t{1} << kMaxBits) - 1;
  unsigned k = 63u - static_cast<unsigned>(__builtin_clzll(v));  // v in [2^k, 2^(k+1))
  unsigned shift = k - kSubBits;
  uint64_t sub = (v >> shift) - kSub;  // 0..kSub-1
  return static_cast<size_t>((k - kSubBits + 1) * kSub + sub);
}

uint64_t Histogram::lowest(size_t i) {
  if (i < 2 * kSub) return i;
  uint64_t group = i / kSub;  // >= 2
  uint64_t sub = i % kSub;
  return (kSub + sub) << (group - 1);
}

uint64_t Histogram::highest(size_t i) { return lowest(i + 1) - 1; }

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.buckets.resize(kBuckets);
  for (size_t i = 0; i < kBuckets; ++i) s.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
  // The current run of equal values, not in its bucket yet (read while the
  // writer moves it, it may be counted twice or not at all, as any record
  // read mid-way may be: exact once the writer is idle).
  s.buckets[last_index_.load(std::memory_order_relaxed)] += run_.load(std::memory_order_relaxed);
  for (uint64_t c : s.buckets) s.count += c;
  s.sum = sum_.load(std::memory_order_relaxed);
  if (s.count > 0) {
    s.min = min_.load(std::memory_order_relaxed);
    s.max = max_.load(std::memory_order_relaxed);
    if (s.min > s.max) s.min = s.max;  // read between a record's bucket and its min
  }
  return s;
}

uint64_t Histogram::Snapshot::percentile(double q) const {
  if (count == 0) return 0;
  double want = std::ceil(q * static_cast<double>(count));
  uint64_t rank = want < 1                            ? 1
                  : want > static_cast<double>(count) ? count
                                                      : static_cast<uint64_t>(want);
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    seen += buckets[i];
    if (seen >= rank) {
      uint64_t mid = lowest(i) + (highest(i) - lowest(i)) / 2;
      return std::min(std::max(mid, min), max);
    }
  }
  return max;
}

uint64_t Histogram::Snapshot::count_up_to(size_t i) const {
  uint64_t c = 0;
  for (size_t j = 0; j <= i && j < buckets.size(); ++j) c += buckets[j];
  return c;
}

}  // namespace wg
