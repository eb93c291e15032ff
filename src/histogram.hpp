// Histogram: a fixed-size log-linear (HDR style) histogram of uint64 values.
// Values below 64 have a bucket each; above, every power-of-two range
// [2^k, 2^(k+1)) is split into 32 equal buckets, so a bucket's midpoint is
// within 1/64 (1.6 %) of any value in it. Values from 2^40 up are counted in
// the top bucket (their sum stays exact). Memory is fixed: kBuckets counters.
//
// Threads: one writer (record, the grinder's loop thread), any number of
// readers (snapshot, any thread). Fields are atomics written with relaxed
// load + store by the single writer, so a reader sees each field torn-free;
// a snapshot is consistent enough: its count is the sum of the buckets it
// read, its sum may be a few records ahead or behind.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace wg {

class Histogram {
 public:
  static constexpr unsigned kSubBits = 5;
  static constexpr uint64_t kSub = uint64_t{1} << kSubBits;  // linear buckets per range
  static constexpr unsigned kMaxBits = 40;                   // 2^40 ns: about 18 minutes
  static constexpr size_t kBuckets = (kMaxBits - kSubBits + 1) * kSub;

  static size_t index_of(uint64_t v);
  static uint64_t lowest(size_t i);   // smallest value bucket i holds
  static uint64_t highest(size_t i);  // largest value bucket i holds

  // Single writer. Never allocates.
  void record(uint64_t v) {
    bump(buckets_[index_of(v)], 1);
    bump(count_, 1);
    bump(sum_, v);
    if (v < min_.load(std::memory_order_relaxed)) min_.store(v, std::memory_order_relaxed);
    if (v > max_.load(std::memory_order_relaxed)) max_.store(v, std::memory_order_relaxed);
  }

  struct Snapshot {
    uint64_t count = 0, sum = 0, min = 0, max = 0;
    std::vector<uint64_t> buckets;  // kBuckets counts (not cumulative)
    // The value at quantile q (0 < q <= 1): the midpoint of the bucket that
    // holds the ceil(q * count)-th smallest value, clamped to [min, max].
    // 0 when empty.
    uint64_t percentile(double q) const;
    // How many values are <= highest(i) (cumulative count up to bucket i).
    uint64_t count_up_to(size_t i) const;
  };
  // Any thread. Allocates the bucket vector.
  Snapshot snapshot() const;

 private:
  static void bump(std::atomic<uint64_t>& a, uint64_t by) {
    a.store(a.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }

  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_{0};
  std::atomic<uint64_t> min_{UINT64_MAX};
  std::atomic<uint64_t> max_{0};
  std::atomic<uint64_t> buckets_[kBuckets] = {};
};

}  // namespace wg
