#include "lease_task.hpp"

#include "work_item.hpp"

namespace wg {

namespace {

void run(Task* const* tasks, size_t n, int status, const std::atomic<bool>* revoked) {
  // Not timed: a lease task belongs to no grinder's histograms.
  for (size_t i = 0; i < n; ++i) static_cast<WorkItem*>(tasks[i])->execute(status, revoked, false);
}

void finish(Task* const* tasks, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    WorkItem* it = static_cast<WorkItem*>(tasks[i]);
    wg_outcome_t o = it->outcome();
    if (it->done) it->done(&o, it->opaque);
    it->unref();
  }
}

const TaskRunner kLeaseTaskRunner = {run, finish};

}  // namespace

int submit_lease_task(Lease& lease, wg_work_fn fn, void* arg, wg_done_fn done, void* opaque) {
  if (!fn) return WG_EINVAL;
  WorkItem* t = WorkItem::create(fn, arg, nullptr, false);
  if (!t) return WG_ENOMEM;
  t->done = done;
  t->opaque = opaque;
  t->try_transition(kQueued, kDispatched);  // handed straight to the executor
  Task* task = t;
  size_t accepted = 0;
  int rc = lease.submit_many(&kLeaseTaskRunner, &task, 1, &accepted);
  if (accepted == 0) {
    t->discard();
    return rc == WG_OK ? WG_ENOMEM : rc;
  }
  return WG_OK;
}

}  // namespace wg
