#include "batch.hpp"

#include "delivery.hpp"
#include "loop_mailbox.hpp"
#include "thread_roles.hpp"

namespace wg {

namespace {

void run_items(Task* const* tasks, size_t n, int status, const std::atomic<bool>* revoked) {
  for (size_t i = 0; i < n; ++i) {
    WorkItem* it = static_cast<WorkItem*>(tasks[i]);
    ThreadRole::RunningFor running(it->batch ? it->batch->mailbox : nullptr);
    it->execute(status, revoked);
    if (it->batch) Delivery::publish_on_worker(it->batch->counters, it);
  }
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
