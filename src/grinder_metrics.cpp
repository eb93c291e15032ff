#include "grinder_metrics.hpp"

#include "work_item.hpp"

namespace wg {

namespace {
uint64_t since(uint64_t start, uint64_t now) { return now > start ? now - start : 0; }
}  // namespace

void GrinderMetrics::on_dispatch(WorkItem* const* items, size_t n, uint64_t now) {
  if (!enabled) return;
  batch_size.record(n);
  for (size_t i = 0; i < n; ++i)
    if (items[i]->submit_ns != 0) queue_wait_ns.record(since(items[i]->submit_ns, now));
}

void GrinderMetrics::on_finished(const WorkItem* it) {
  if (!enabled) return;
  // Only WG_OK and WG_EWORK items ran (the others never started).
  if (it->status == WG_OK || it->status == WG_EWORK) run_ns.record(it->run_ns);
  if (it->submit_ns != 0 && delivery_ns != 0)
    end_to_end_ns.record(since(it->submit_ns, delivery_ns));
}

}  // namespace wg
