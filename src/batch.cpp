#include "batch.hpp"

#include "loop_mailbox.hpp"

namespace wg {

namespace {

void run_items(Task* const* tasks, size_t n, int status, const std::atomic<bool>* revoked) {
  for (size_t i = 0; i < n; ++i) static_cast<WorkItem*>(tasks[i])->execute(status, revoked);
}

// Finished items travel back to their batch's loop in chains: one queue push
// and at most one wake-up per run of consecutive items of one batch.
void return_items_of(Task* const* tasks, size_t n) {
  WorkItem* first = nullptr;
  WorkItem* last = nullptr;
  for (size_t i = 0; i < n; ++i) {
    WorkItem* it = static_cast<WorkItem*>(tasks[i]);
    if (first && first->batch != it->batch) {
      Batch::return_items(first, last);
      first = nullptr;
    }
    if (first)
      last->next.store(it, std::memory_order_relaxed);
    else
      first = it;
    last = it;
  }
  if (first) Batch::return_items(first, last);
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
