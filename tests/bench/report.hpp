// Printing the benchmark's tables, and the data files and PNG plots (via
// gnuplot, when it is installed) it leaves in the output directory.
#pragma once

#include <string>
#include <vector>

#include "scenarios.hpp"

namespace bench {

void print_header(const std::string& title);
// Our row first; each baseline row shows ours / baseline in items/s.
void print_group(const std::string& title, const Result& ours,
                 const std::vector<Result>& baselines);
void print_row(const Result& r, const Result* ours);
// For latency scenarios: each baseline row shows ours / baseline in p50 and p99.
void print_latency_group(const std::vector<Result>& ours_then_baselines);
// Interleaved rounds of one scenario: rounds[r][0] is ours in round r, the
// others the baselines in the same order every round. Prints each backend's
// median items/s, p50 and p99, and per baseline the per-round ratios ours /
// baseline (items/s; p50 and p99 latency) as median (min..max).
void print_rounds(const std::string& title, const std::vector<std::vector<Result>>& rounds);
// median (min..max) of v, printed as "%.2fx (%.2f..%.2f)".
std::string spread(std::vector<double> v);

void print_flush(const FlushAccuracy& f, double max_wait);
void print_memory(const MemoryResult& m);

struct SweepPoint {
  unsigned threshold;
  unsigned max_inflight;
  Result result;  // a flood
  Result paced;   // a fixed offered rate
};
void print_sweep(const std::vector<SweepPoint>& points);

// Writes <dir>/*.dat and renders <dir>/throughput_vs_threshold.png and
// <dir>/latency_distribution.png. Returns false if gnuplot failed or is missing.
bool write_plots(const std::string& dir, const std::vector<SweepPoint>& sweep,
                 const std::vector<Result>& low_load);

}  // namespace bench
