// run_tasks: what an executor calls for the tasks it hands back. Each item
// runs (or records why it never ran); finished items then travel back to
// their batch's loop in chains, one queue push and at most one wake-up per
// run of consecutive items of one batch, instead of one per item.
#include "batch.hpp"
#include "task.hpp"
#include "thread_roles.hpp"
#include "work_item.hpp"

namespace wg {

namespace {

// A direct lease task (wg_lease_submit): its done runs here, on the worker.
void finish_direct(WorkItem* it) {
  wg_outcome_t o = it->outcome();
  if (it->done) it->done(&o, it->opaque);
  it->unref();
}

}  // namespace

void run_tasks(Task* const* tasks, size_t n, int status) {
  WorkItem* first = nullptr;
  WorkItem* last = nullptr;
  for (size_t i = 0; i < n; ++i) {
    WorkItem* it = static_cast<WorkItem*>(tasks[i]);
    ThreadRole::RunningFor running(it->batch ? it->batch->grinder : nullptr);
    it->execute(status);
    if (!it->batch) {
      finish_direct(it);
      continue;
    }
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

}  // namespace wg
