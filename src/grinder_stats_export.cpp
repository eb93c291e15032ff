// Grinder: the snapshot behind wg_stats_json, wg_metrics_prometheus and the
// stats callback. Any thread; the histograms are read without a lock (see
// histogram.hpp), the manager's stats under the manager's own lock.
#include "grinder.hpp"
#include "stats_export.hpp"

namespace wg {

void Grinder::snapshot(StatsSnapshot* out) {
  out->stats.version = WG_STATS_VERSION;
  stats(&out->stats);
  out->manager.version = WG_MANAGER_STATS_VERSION;
  dispatcher_.manager().stats(&out->manager, nullptr);
  const GrinderMetrics& m = counters_.metrics;
  out->batch_size = m.batch_size.snapshot();
  out->queue_wait_ns = m.queue_wait_ns.snapshot();
  out->run_ns = m.run_ns.snapshot();
  out->end_to_end_ns = m.end_to_end_ns.snapshot();
}

std::string Grinder::stats_json() {
  StatsSnapshot s;
  snapshot(&s);
  return stats_to_json(s);
}

}  // namespace wg
