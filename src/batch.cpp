#include "batch.hpp"

#include "clock.hpp"
#include "delivery.hpp"
#include "loop_mailbox.hpp"
#include "thread_roles.hpp"

namespace wg {

namespace {

// Run time (the `run` histogram): an item claimed alone is timed alone.
// Several in one claim are quick ones (the executor claims more than one only
// after claims that finished within microseconds), timed together: each gets
// the claim's mean, which includes the worker's own per-item work (publishing
// a future). Two clock reads per item cost as much as a tiny item itself
// (about 30 ns each here; timed one by one, 2-producer floods of tiny items
// ran 30 % slower). The items stay in the pipeline until finish(), so their
// run_ns may be written after they were published.
void run_items(Task* const* tasks, size_t n, int status, const std::atomic<bool>* revoked) {
  const bool alone = n == 1;
  const uint64_t t0 = alone ? 0 : now_ns();
  for (size_t i = 0; i < n; ++i) {
    WorkItem* it = static_cast<WorkItem*>(tasks[i]);
    ThreadRole::RunningFor running(it->batch ? it->batch->mailbox : nullptr);
    it->execute(status, revoked, alone);
    if (it->batch) Delivery::publish_on_worker(it->batch->counters, it);
  }
  if (alone) return;
  const uint64_t mean = (now_ns() - t0) / n;
  for (size_t i = 0; i < n; ++i) static_cast<WorkItem*>(tasks[i])->run_ns = mean;
}

void return_items_of(Task* const* tasks, size_t n) {
  Batch::Returns returns;
  for (size_t i = 0; i < n; ++i) returns.add(static_cast<WorkItem*>(tasks[i]));
}

}  // namespace

const TaskRunner Batch::kItemRunner = {run_items, return_items_of};

void Batch::return_items(WorkItem* first, WorkItem* last) {
  Batch* b = first->batch;  // read before the push: the loop may free the items after it
  if (b->gate.enter()) {
    b->mailbox->completions.push_chain(first, last);
    b->mailbox->wake();
    b->gate.leave();
    return;
  }
  // The loop abandoned this batch at a cancelling stop; the items' outcomes
  // were delivered then (and late results disposed by WorkItem::execute).
  for (WorkItem* it = first;;) {
    WorkItem* next = it == last ? nullptr : static_cast<WorkItem*>(it->next.load());
    it->leave_pipeline();
    b->unref();  // may free the batch: b is not touched after the last one
    if (!next) break;
    it = next;
  }
}

}  // namespace wg
