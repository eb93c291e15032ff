// Batch: the items dispatched together under one lease.
//
// Threads: the loop thread owns every field but `gate` and `refs`; a worker
// running the batch function only reads id, items, batch_fn and batch_opaque,
// which the loop does not change while the batch is submitted. Workers
// return finished items through the batch's gate (enter, push to the loop,
// leave); once the loop closes the gate (batch finished or abandoned at a
// cancelling stop), workers handle returning items themselves. `refs` is 1
// for the loop plus 1 per item submitted. An item that comes back through the
// gate is only counted in `received` (loop-owned, no atomic per item); the
// loop drops those references with its own when it lets the batch go
// (release_by_loop). A worker that finds the gate closed drops its item's
// reference itself. The last reference frees the batch, on whichever thread
// drops it.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "lease.hpp"
#include "lease_request.hpp"
#include "mpsc_queue.hpp"
#include "rundown_gate.hpp"
#include "task.hpp"
#include "work_item.hpp"

namespace wg {

struct LoopMailbox;
struct GrinderCounters;

struct Batch : MpscNode, Task {
  enum State { kAwaitingLease, kSubmitted, kAbandoning };

  Batch(LoopMailbox* m, uint64_t batch_id) : mailbox(m), id(batch_id) {}

  LoopMailbox* const mailbox;  // its loop's; dereferenced only inside the gate or on the loop
  const uint64_t id;
  State state = kAwaitingLease;
  std::vector<WorkItem*> items;  // nullptr once returned to the loop
  size_t unreturned = 0;         // submitted, not yet returned to the loop
  size_t must_arrive = 0;        // kAbandoning: finished items still in transit
  size_t ok = 0, failed = 0, cancelled = 0;
  uint64_t started_ns = 0;
  // The grinder's counters, for the futures a worker publishes itself
  // (Delivery::publish_on_worker): read only for an item that finished, so
  // while the grinder waits for it to come back.
  GrinderCounters* counters = nullptr;
  // The grinder's batch function, copied here so that a worker never reads
  // the grinder (which may be gone when an abandoned batch's call returns).
  wg_batch_fn batch_fn = nullptr;
  void* batch_opaque = nullptr;
  LeaseRequest request;
  int lease_status = 0;  // set by LeaseRequest::served
  std::shared_ptr<Lease> lease;
  RundownGate gate{true};
  std::atomic<uint32_t> refs{1};
  uint32_t received = 0;  // items that came back through completions_ (loop)

  void unref() { drop_refs(1); }
  // Loop thread, once no more items can come back through the gate.
  void release_by_loop() { drop_refs(received + 1); }

  // Worker side: hands finished (or never started) items of one batch, linked
  // first..last through their queue nodes, back to the loop in one push, or
  // drops them if the loop has abandoned the batch.
  static void return_items(WorkItem* first, WorkItem* last);

  // How an executor runs a batch's items one by one (each item is a task).
  static const TaskRunner kItemRunner;

  // Worker side: collects finished items and hands each run of consecutive
  // items of one batch back in one push (return_items), so that items travel
  // to their loop in chains, with at most one wake-up per run.
  class Returns {
   public:
    ~Returns() { flush(); }
    void add(WorkItem* it) {
      if (first_ && first_->batch != it->batch) flush();
      if (first_)
        last_->next.store(it, std::memory_order_relaxed);
      else
        first_ = it;
      last_ = it;
    }
    void flush() {
      if (first_) return_items(first_, last_);
      first_ = nullptr;
    }

   private:
    WorkItem* first_ = nullptr;
    WorkItem* last_ = nullptr;
  };

 private:
  void drop_refs(uint32_t n) {
    if (refs.fetch_sub(n, std::memory_order_acq_rel) == n) delete this;
  }
};

}  // namespace wg
