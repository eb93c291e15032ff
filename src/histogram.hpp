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

  // Single writer. Never allocates. Runs of equal values are common on the
  // hot path (items the loop took in at one wake-up share their submission
  // stamp, a claim of quick items shares its run time): a value equal to the
  // last one only counts in run_, which goes to its bucket when the value
  // changes (snapshot() adds it to that bucket meanwhile). That makes a
  // repeated value cost two stores instead of an index computation and five.
  void record(uint64_t v) {
    if (v != last_value_ || !has_last_) {
      has_last_ = true;
      uint64_t run = run_.load(std::memory_order_relaxed);
      if (run) bump(buckets_[last_index_.load(std::memory_order_relaxed)], run);
      run_.store(0, std::memory_order_relaxed);
      last_value_ = v;
      last_index_.store(index_of(v), std::memory_order_relaxed);
      if (v < min_.load(std::memory_order_relaxed)) min_.store(v, std::memory_order_relaxed);
      if (v > max_.load(std::memory_order_relaxed)) max_.store(v, std::memory_order_relaxed);
    }
    bump(run_, 1);
    bump(sum_, v);
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

  std::atomic<uint64_t> sum_{0};
  std::atomic<uint64_t> min_{UINT64_MAX};
  std::atomic<uint64_t> max_{0};
  std::atomic<uint64_t> buckets_[kBuckets] = {};
  // The current run of equal values: its value (the writer's), its bucket
  // and how many of it are not in that bucket yet.
  bool has_last_ = false;
  uint64_t last_value_ = 0;
  std::atomic<size_t> last_index_{0};
  std::atomic<uint64_t> run_{0};
};

}  // namespace wg
