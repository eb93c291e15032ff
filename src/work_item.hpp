// WorkItem: one submitted job, from submission to its outcome. One allocation
// per item (the owner label, if any, lives in the same block).
//
// Ownership: `refs` counts the pipeline (1, dropped by whoever handles the
// item last: the loop, or a worker for an abandoned batch) plus the user's
// future handle (1, for wg_enqueue). A future item also holds a reference on
// its grinder so that cancel and wait never touch freed memory.
//
// The outcome is decided once, by whoever wins the CAS on `state` into
// kFinished (a worker, or the loop for an item that was never submitted) or
// kCancelled (a canceller, or the loop at a cancelling stop). Only the winner
// writes `outcome`; a work result that arrives after a cancel is disposed.
#pragma once

#include <atomic>
#include <cstdint>

#include "mpsc_queue.hpp"
#include "task.hpp"
#include "workgrinder/workgrinder.h"

namespace wg {

class Grinder;
struct Batch;

enum ItemState : uint32_t { kQueued, kDispatched, kRunning, kFinished, kCancelled };

struct WorkItem : MpscNode, Task {
  // Future flags.
  static constexpr uint32_t kReady = 1;         // outcome published
  static constexpr uint32_t kWaiter = 2;        // a thread sleeps on future_flags
  static constexpr uint32_t kReleased = 4;      // the user gave up the handle
  static constexpr uint32_t kPipelineLeft = 8;  // release_arg waits for the outcome
  static constexpr uint32_t kHasNotify = 16;    // ready_fn is set
  static constexpr uint32_t kPublished = 32;    // publish_future has finished its calls

  wg_work_fn fn = nullptr;
  void* arg = nullptr;
  wg_done_fn done = nullptr;
  void* opaque = nullptr;
  wg_dispose_fn dispose = nullptr;
  void* dispose_opaque = nullptr;
  wg_dispose_fn release_arg = nullptr;
  wg_ready_fn ready_fn = nullptr;  // futures: wg_future_on_ready
  void* ready_opaque = nullptr;
  const char* owner = nullptr;  // points into this allocation, or nullptr
  Grinder* grinder = nullptr;
  Batch* batch = nullptr;  // set by the loop at dispatch
  uint32_t batch_index = 0;
  bool is_future = false;
  bool result_taken = false;  // the user received the result (future handle owner)
  std::atomic<uint32_t> state{kQueued};
  std::atomic<uint32_t> refs{1};
  std::atomic<uint32_t> future_flags{0};
  uint64_t submit_ns = 0;
  wg_outcome_t outcome{WG_OK, 0, nullptr};

  // nullptr when out of memory.
  static WorkItem* create(wg_work_fn fn, void* arg, const wg_submit_opts_t* opts);
  void unref();
  // The pipeline is done with the item (its work function, if it ran, has
  // returned): release arg once the outcome is out, drop the reference. A
  // canceller may still be publishing a future's outcome; it then releases
  // arg itself (publish_future), so that arg never goes before the outcome.
  void leave_pipeline() {
    bool release = release_arg != nullptr;
    if (release && is_future)
      release = future_flags.fetch_or(kPipelineLeft, std::memory_order_acq_rel) & kPublished;
    if (release) release_arg(arg, dispose_opaque);
    unref();
  }

  // Frees a result that no caller will receive.
  void dispose_result(void* result) const {
    if (result && dispose) dispose(result, dispose_opaque);
  }

  // Makes a future's outcome visible to waiters (after `outcome` is written).
  void publish_future();
  // Waits for a future's outcome (timeout: 0 poll, < 0 no limit).
  int wait_future(double timeout_seconds, wg_outcome_t* out);
  // The user's wg_future_release.
  void release_future();
  // wg_future_on_ready: WG_EINVAL if one is already set.
  int on_ready(wg_ready_fn fn, void* opaque);
  bool future_ready() const { return future_flags.load(std::memory_order_acquire) & kReady; }

 private:
  WorkItem() = default;
  ~WorkItem() = default;
  static void run_task(Task* self, int status);
};

}  // namespace wg
