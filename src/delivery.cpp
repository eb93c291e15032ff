#include "delivery.hpp"

namespace wg {

void Delivery::hand_over(WorkItem* it) {
  if (it->is_future()) {
    it->publish_future();
    return;
  }
  const wg_outcome_t o = it->outcome();
  if (it->done)
    it->done(&o, it->opaque);
  else
    it->dispose_result(o.result);
}

void Delivery::count_finished(GrinderCounters& counters, const WorkItem* it) {
  if (it->status == WG_OK) {
    GrinderCounters::add(counters.completed);
    return;
  }
  if (it->status == WG_ETIMEDOUT) GrinderCounters::add(counters.expired);  // its deadline
  GrinderCounters::add(counters.failed);
}

void Delivery::publish_on_worker(GrinderCounters* counters, WorkItem* it) {
  // Only the worker holding the item can have moved it into kFinished.
  if (!it->is_future() || it->state.load(std::memory_order_acquire) != kFinished) return;
  count_finished(*counters, it);
  it->publish_future();
}

void Delivery::deliver_finished(WorkItem* it) {
  counters_.metrics.on_finished(it);
  // A finished future that is ready was published by its worker (only the
  // winner of kFinished publishes, and the loop has not yet).
  bool published = it->is_future() && it->future_ready();
  if (!published) count_finished(counters_, it);
  if (it->status != WG_OK && logger_.enabled())
    logger_.logf(WG_LOG_DEBUG, "item%s%s failed: %s (work_code %d)", it->owner() ? " of " : "",
                 it->owner() ? it->owner() : "", wg_err_name(it->status), it->work_code);
  if (!published) hand_over(it);
}

void Delivery::deliver_cancelled(WorkItem* it) {
  it->set_outcome(WG_ECANCELED, 0, nullptr);
  hand_over(it);
}

}  // namespace wg
