// The stats exports: a grinder's wg_stats_t, its manager's stats and its
// histograms as one JSON document (wg_stats_json, the stats callback) or in
// the Prometheus text exposition format (wg_metrics_prometheus). They build a
// string from a snapshot: they allocate, and run on the calling thread.
#pragma once

#include <string>

#include "histogram.hpp"
#include "workgrinder/workgrinder.h"

namespace wg {

struct StatsSnapshot {
  wg_stats_t stats{};
  wg_manager_stats_t manager{};
  Histogram::Snapshot batch_size, queue_wait_ns, run_ns, end_to_end_ns;
};

std::string stats_to_json(const StatsSnapshot& s);
// prefix: a valid Prometheus metric name start (metric_prefix_valid).
std::string stats_to_prometheus(const StatsSnapshot& s, const std::string& prefix);
bool metric_prefix_valid(const std::string& prefix);

}  // namespace wg
