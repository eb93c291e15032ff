#include "batch_call.hpp"

#include <memory>
#include <new>

#include "clock.hpp"
#include "delivery.hpp"
#include "thread_roles.hpp"

namespace wg {

namespace {

int code_status(int work_code) { return work_code == 0 ? WG_OK : WG_EWORK; }

// Every item still dispatched ends with `status` without running.
void fail_items(Batch* b, int status) {
  for (WorkItem* it : b->items)
    if (it) it->execute(status, nullptr);
}

void call(Batch* b) {
  size_t n = b->items.size();
  std::unique_ptr<WorkItem*[]> live(new (std::nothrow) WorkItem*[n]);
  std::unique_ptr<uint8_t[]> decided(new (std::nothrow) uint8_t[n]());
  if (!live || !decided) return fail_items(b, WG_ENOMEM);
  size_t k = 0;
  for (WorkItem* it : b->items)
    if (it && !it->expire_if_late() && it->try_transition(kDispatched, kRunning)) live[k++] = it;
  if (k == 0) return;  // every item was cancelled: nothing to call for
  wg_batch view{b, live.get(), decided.get(), k};
  ThreadRole::RunningFor running(b->mailbox);
  uint64_t t0 = now_ns();
  int rc = b->batch_fn(&view, b->batch_opaque);
  uint64_t took = now_ns() - t0;
  for (size_t i = 0; i < k; ++i) live[i]->run_ns = took;  // items go back only after this
  for (size_t i = 0; i < k; ++i)
    if (!decided[i] && live[i]->try_transition(kRunning, kFinished))
      live[i]->set_outcome(code_status(rc), rc, nullptr);
}

void run(Task* const* tasks, size_t n, int status, const std::atomic<bool>* revoked) {
  for (size_t i = 0; i < n; ++i) {
    Batch* b = static_cast<Batch*>(tasks[i]);
    if (status == WG_OK && revoked && revoked->load(std::memory_order_acquire))
      fail_items(b, WG_ELEASE);
    else if (status != WG_OK)
      fail_items(b, status);
    else
      call(b);
    // Futures decided here are out now, not after a hop through the loop.
    ThreadRole::RunningFor running(b->mailbox);
    for (WorkItem* it : b->items)
      if (it) Delivery::publish_on_worker(b->counters, it);
  }
}

// Every item goes back to the loop in one chain.
void finish(Task* const* tasks, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    Batch::Returns returns;
    for (WorkItem* it : static_cast<Batch*>(tasks[i])->items)
      if (it) returns.add(it);
  }
}

}  // namespace

const TaskRunner kBatchCallRunner = {run, finish};

int batch_set(wg_batch* view, size_t i, int work_code, void* result) {
  if (!view || i >= view->n) return WG_EINVAL;
  if (view->decided[i]) return WG_EALREADY;
  view->decided[i] = 1;
  WorkItem* it = view->items[i];
  if (it->try_transition(kRunning, kFinished)) {
    it->set_outcome(code_status(work_code), work_code, result);
    return WG_OK;
  }
  it->dispose_result(result);  // cancelled while the batch ran
  return WG_ECANCELED;
}

}  // namespace wg
