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

void Delivery::deliver_finished(WorkItem* it) {
  counters_.metrics.on_finished(it);
  if (it->status == WG_OK) {
    GrinderCounters::bump(counters_.completed);
  } else {
    GrinderCounters::bump(counters_.failed);
    if (logger_.enabled())
      logger_.logf(WG_LOG_DEBUG, "item%s%s failed: %s (work_code %d)", it->owner() ? " of " : "",
                   it->owner() ? it->owner() : "", wg_err_name(it->status), it->work_code);
  }
  hand_over(it);
}

void Delivery::deliver_cancelled(WorkItem* it) {
  it->set_outcome(WG_ECANCELED, 0, nullptr);
  hand_over(it);
}

}  // namespace wg
