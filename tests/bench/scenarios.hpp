// The benchmark scenarios (issue 4's list). Each returns what it measured;
// report.cpp prints and plots it.
#pragma once

#include <string>
#include <vector>

#include "backends.hpp"

namespace bench {

enum class Mode { kCallback, kFutures, kWait };

// n tiny jobs from `producers` threads through `spec`, in `mode`.
Result run_throughput(const BackendSpec& spec, unsigned producers, size_t n, Mode mode);

// n tiny jobs from `producers` threads through the callback API at a fixed
// offered rate (items/s in total), in bursts of 100 per producer: the
// latency a batching setting adds when the workers keep up.
Result run_paced(const BackendSpec& spec, unsigned producers, size_t n, double rate);

// `samples` jobs one at a time: submit, wait for the completion, pause
// `gap_us` (0: submit the next one at once); latency is submit -> completion
// callback. With a gap, each job finds every thread idle: low load.
// Mode::kWait: each job through the backend's waiting call instead
// (wg_submit_wait for ours), latency up to its return.
Result run_low_load(const BackendSpec& spec, size_t samples, unsigned gap_us,
                    Mode mode = Mode::kCallback);

// With max_wait_seconds = max_wait and a threshold never reached: how long
// after max_wait each single-item batch is dispatched (from the library's
// own "batch started" log line) and starts running. Nanoseconds, sorted;
// negative would mean early.
struct FlushAccuracy {
  std::vector<int64_t> dispatch_late_ns;
  std::vector<int64_t> start_late_ns;
};
FlushAccuracy run_flush_accuracy(double max_wait, size_t samples);

// Memory: RSS growth per pending item with `pending` items waiting, and RSS
// after each tenth of `total` items went through one grinder.
struct MemoryResult {
  double bytes_per_pending_item = 0;
  size_t pending = 0;
  double rss_before_mib = 0, rss_after_mib = 0, rss_peak_mib = 0;
  std::vector<double> rss_waves_mib;  // after each tenth of `total`
  size_t total = 0;
};
MemoryResult run_memory(size_t pending, size_t total);

}  // namespace bench
