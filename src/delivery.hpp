// Delivery: hands an item's decided outcome to whoever receives it (a done
// callback, a future, or the item's dispose function when nobody will) and
// counts it. The one path every outcome takes, whoever decided it.
//
// Threads: deliver_finished on the loop thread; publish_on_worker on the
// worker that decided a future's outcome (a waiting caller is woken from
// there, without a hop through the loop); deliver_cancelled on whichever
// thread won the item's cancel (the loop, or a thread in wg_future_cancel for
// a future). Every outcome is counted before it is out, so whoever sees it
// also sees the count.
#pragma once

#include "grinder_counters.hpp"
#include "logger.hpp"
#include "work_item.hpp"

namespace wg {

class Delivery {
 public:
  Delivery(GrinderCounters& counters, const Logger& logger)
      : counters_(counters), logger_(logger) {}

  // Loop thread: an item that ended kFinished is back. A future its worker
  // already published is only recorded (histograms, log).
  void deliver_finished(WorkItem* it);

  // Worker thread, right after the item's work (or batch call) ended: a
  // future decided kFinished here is counted and published now. Anything
  // else is left to the loop.
  // (counters is dereferenced only then: the grinder of a batch abandoned at
  // a cancelling stop may be gone once none of its items can finish.)
  static void publish_on_worker(GrinderCounters* counters, WorkItem* it);

  // The caller won the item's move into kCancelled (and counted it).
  void deliver_cancelled(WorkItem* it);

 private:
  static void count_finished(GrinderCounters& counters, const WorkItem* it);
  void hand_over(WorkItem* it);

  GrinderCounters& counters_;
  const Logger& logger_;
};

}  // namespace wg
