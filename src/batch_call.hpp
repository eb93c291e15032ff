// BatchCall: runs a grinder's batch function (wg_batch_fn) over one batch.
// The batch itself is the executor's only task; on a worker, the items still
// dispatched become running (those cancelled before the call are left out),
// the function sees them in submission order through a wg_batch_t, decides
// them with wg_batch_set, and the items it left unset get its return value.
// All items then travel back to the loop in one chain, which delivers their
// outcomes: after the function returned.
//
// Threads: a wg_batch_t lives on the worker's stack for the duration of the
// call and is touched only by that thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "batch.hpp"
#include "task.hpp"
#include "work_item.hpp"

struct wg_batch {
  wg::Batch* batch;
  wg::WorkItem** items;  // running at the call, in submission order
  uint8_t* decided;      // 1 once wg_batch_set took item i
  size_t n;
};

namespace wg {

extern const TaskRunner kBatchCallRunner;

// wg_batch_set: see the C header.
int batch_set(wg_batch* view, size_t i, int work_code, void* result);

}  // namespace wg
