#include "work_item.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

#include "allocator.hpp"
#include "batch.hpp"
#include "clock.hpp"
#include "futex.hpp"
#include "grinder.hpp"

namespace wg {

WorkItem* WorkItem::create(wg_work_fn fn, void* arg, const wg_submit_opts_t* opts) {
  const char* owner = opts ? opts->owner : nullptr;
  size_t owner_len = owner ? std::strlen(owner) + 1 : 0;
  void* mem = allocate(sizeof(WorkItem) + owner_len);
  if (!mem) return nullptr;
  WorkItem* it = new (mem) WorkItem();
  it->run = &WorkItem::run_task;
  it->fn = fn;
  it->arg = arg;
  if (opts) {
    it->dispose = opts->dispose;
    it->dispose_opaque = opts->dispose_opaque;
    it->release_arg = opts->release_arg;
  }
  if (owner) {
    char* copy = static_cast<char*>(mem) + sizeof(WorkItem);
    std::memcpy(copy, owner, owner_len);
    it->owner = copy;
  }
  return it;
}

void WorkItem::unref() {
  if (refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  Grinder* g = is_future ? grinder : nullptr;
  this->~WorkItem();
  deallocate(this);
  if (g) g->unref();
}

// Runs on a worker thread (status WG_OK), or wherever a retired executor hands
// back a task that never started (status WG_ELEASE).
void WorkItem::run_task(Task* self, int status) {
  WorkItem* it = static_cast<WorkItem*>(self);
  uint32_t expected = kDispatched;
  if (status == WG_OK) {
    if (it->state.compare_exchange_strong(expected, kRunning, std::memory_order_acq_rel)) {
      void* result = nullptr;
      int code = it->fn(it->arg, &result);
      expected = kRunning;
      if (it->state.compare_exchange_strong(expected, kFinished, std::memory_order_acq_rel))
        it->outcome = wg_outcome_t{code == 0 ? WG_OK : WG_EWORK, code, result};
      else
        it->dispose_result(result);  // cancelled while running
    }
  } else if (it->state.compare_exchange_strong(expected, kFinished, std::memory_order_acq_rel)) {
    it->outcome = wg_outcome_t{status, 0, nullptr};
  }
  Batch::return_item(it);
}

// The caller holds a reference (the pipeline's, or the canceller's handle),
// so the item outlives this call.
void WorkItem::publish_future() {
  uint32_t old = future_flags.fetch_or(kReady, std::memory_order_acq_rel);
  if (old & kReleased) dispose_result(outcome.result);  // nobody will take it
  if (old & kWaiter) futex_wake_all(&future_flags);
  if (old & kHasNotify) ready_fn(ready_opaque);
  // Only now may arg go: after the outcome and its notification.
  old = future_flags.fetch_or(kPublished, std::memory_order_acq_rel);
  if ((old & kPipelineLeft) && release_arg) release_arg(arg, dispose_opaque);
}

int WorkItem::on_ready(wg_ready_fn fn, void* opaque) {
  if (future_flags.load(std::memory_order_acquire) & kHasNotify) return WG_EINVAL;
  ready_fn = fn;
  ready_opaque = opaque;
  uint32_t old = future_flags.fetch_or(kHasNotify, std::memory_order_acq_rel);
  if (old & kReady) fn(opaque);  // already decided: call it here
  return WG_OK;
}

int WorkItem::wait_future(double timeout_seconds, wg_outcome_t* out) {
  uint64_t deadline = timeout_seconds < 0 ? UINT64_MAX : now_ns() + seconds_to_ns(timeout_seconds);
  uint32_t flags = future_flags.load(std::memory_order_acquire);
  while (!(flags & kReady)) {
    uint64_t now = now_ns();
    if (timeout_seconds == 0 || (deadline != UINT64_MAX && now >= deadline)) return WG_ETIMEDOUT;
    if (!(flags & kWaiter)) {
      if (!future_flags.compare_exchange_weak(flags, flags | kWaiter, std::memory_order_acq_rel))
        continue;
      flags |= kWaiter;
    }
    futex_wait(&future_flags, flags, deadline == UINT64_MAX ? UINT64_MAX : deadline - now);
    flags = future_flags.load(std::memory_order_acquire);
  }
  *out = outcome;
  result_taken = true;
  return WG_OK;
}

void WorkItem::release_future() {
  uint32_t old = future_flags.fetch_or(kReleased, std::memory_order_acq_rel);
  if ((old & kReady) && !result_taken) dispose_result(outcome.result);
  unref();
}

}  // namespace wg
