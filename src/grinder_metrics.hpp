// GrinderMetrics: a grinder's four histograms, recorded on its loop thread
// (no per-item work or shared write on the producer or worker side, apart
// from the worker storing an item's run time in the item):
// - batch_size: items per dispatched batch;
// - queue_wait_ns: submission to dispatch, per item;
// - run_ns: work start to return, per item that ran (measured on the worker,
//   WorkItem::run_ns; quick items a worker claimed together each get the
//   claim's mean, see batch.cpp; a batch function's items each get the call's
//   duration);
// - end_to_end_ns: submission to outcome delivery, per completed or failed
//   item (cancelled items are delivered by their canceller, not recorded; a
//   future its worker published counts until the loop takes it back, a
//   little after its caller had it).
// The loop reads the clock once per batch (dispatch) and once per run of
// deliveries (delivery_ns), not per item. Readers: any thread (snapshot).
#pragma once

#include <cstdint>

#include "histogram.hpp"
#include "workgrinder/workgrinder.h"

namespace wg {

struct WorkItem;

struct GrinderMetrics {
  Histogram batch_size;
  Histogram queue_wait_ns;
  Histogram run_ns;
  Histogram end_to_end_ns;

  // Set before the loop starts (the `histograms` key): off, nothing is
  // recorded and the exports show the histograms empty.
  bool enabled = true;

  // Loop thread: the time that outcomes delivered from now on count as
  // delivered at. Set once per run of deliveries.
  uint64_t delivery_ns = 0;

  // Loop thread: a batch of n items leaves at now.
  void on_dispatch(WorkItem* const* items, size_t n, uint64_t now);
  // Loop thread: a finished item is delivered (at delivery_ns).
  void on_finished(const WorkItem* it);
};

}  // namespace wg
