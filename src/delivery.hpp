// Delivery: hands an item's decided outcome to whoever receives it (a done
// callback, a future, or the item's dispose function when nobody will) and
// counts it. The one path every outcome takes, whoever decided it.
//
// Threads: deliver_finished on the loop thread (which owns the completed and
// failed counters); deliver_cancelled on whichever thread won the item's
// cancel (the loop, or a thread in wg_future_cancel for a future).
#pragma once

#include "grinder_counters.hpp"
#include "logger.hpp"
#include "work_item.hpp"

namespace wg {

class Delivery {
 public:
  Delivery(GrinderCounters& counters, const Logger& logger)
      : counters_(counters), logger_(logger) {}

  // Loop thread: an item that ended kFinished is back.
  void deliver_finished(WorkItem* it);

  // The caller won the item's move into kCancelled (and counted it).
  void deliver_cancelled(WorkItem* it);

 private:
  void hand_over(WorkItem* it);

  GrinderCounters& counters_;
  const Logger& logger_;
};

}  // namespace wg
