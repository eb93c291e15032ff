#include "batch.hpp"

#include "grinder.hpp"

namespace wg {

void Batch::return_items(WorkItem* first, WorkItem* last) {
  Batch* b = first->batch;  // read before the push: the loop may free the items after it
  if (b->gate.enter()) {
    Grinder* g = b->grinder;
    g->completions_.push_chain(first, last);
    g->wake();
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
