#include "batch.hpp"

#include "grinder.hpp"

namespace wg {

void Batch::return_item(WorkItem* it) {
  Batch* b = it->batch;  // read before the push: the loop may free `it` after it
  if (b->gate.enter()) {
    Grinder* g = b->grinder;
    g->completions_.push(it);
    g->wake();
    b->gate.leave();
    return;
  }
  // The loop abandoned this batch at a cancelling stop; the item's outcome was
  // delivered then (and a late result disposed by run_task).
  it->leave_pipeline();
  b->unref();
}

}  // namespace wg
