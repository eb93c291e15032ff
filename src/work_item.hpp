// WorkItem: one submitted job, from submission to its outcome.
//
// Memory: one allocation per item. A plain callback item is one 88-byte block
// from the ItemPool (a 96-byte malloc chunk when the pool has to grow);
// futures and items with options carry ItemExtras in the same block, a
// 128-byte one from the pool, or a malloc'ed one that also holds the owner
// label. The loop reads every field of a pending item, so
// keeping the item small is what keeps memory per pending item low.
//
// Ownership: `refs` counts the pipeline (1, dropped by whoever handles the
// item last: the loop, or a worker for an abandoned batch or a direct lease
// task) plus the user's future handle (1, for wg_enqueue). A future item also
// holds a reference on its grinder so that cancel and wait never touch freed
// memory.
//
// State: kQueued -> kDispatched -> kRunning -> kFinished, or -> kCancelled
// from any of the first three; every move goes through try_transition (a
// compare-and-swap), and the outcome is decided once, by whoever wins the move
// into kFinished (a worker, or the loop for an item that was never submitted)
// or kCancelled (a canceller, or the loop at a cancelling stop). Only the
// winner writes the outcome fields; a work result that arrives after a cancel
// is disposed.
#pragma once

#include <atomic>
#include <cstdint>

#include "mpsc_queue.hpp"
#include "task.hpp"
#include "workgrinder/workgrinder.h"

namespace wg {

class Grinder;
struct Batch;

enum ItemState : uint8_t { kQueued, kDispatched, kRunning, kFinished, kCancelled };

// What only futures and items with submit options need.
struct ItemExtras {
  Grinder* grinder = nullptr;  // futures: set at submission
  wg_dispose_fn dispose = nullptr;
  void* dispose_opaque = nullptr;
  wg_dispose_fn release_arg = nullptr;
  const char* owner = nullptr;  // points into the item's allocation, or nullptr
  uint64_t deadline_ns = 0;     // not started by then: WG_ETIMEDOUT (CLOCK_MONOTONIC; 0: none)
};

struct WorkItem : MpscNode, Task {
  // Flags.
  static constexpr uint32_t kReady = 1;            // outcome published
  static constexpr uint32_t kWaiter = 2;           // a thread sleeps on flags
  static constexpr uint32_t kReleased = 4;         // the user gave up the handle
  static constexpr uint32_t kPipelineLeft = 8;     // release_arg waits for the outcome
  static constexpr uint32_t kHasNotify = 16;       // ready_fn is set
  static constexpr uint32_t kPublished = 32;       // publish_future has finished its calls
  static constexpr uint32_t kFuture = 64;          // wg_enqueue / wg_submit_wait item
  static constexpr uint32_t kResultTaken = 128;    // the handle owner received the result
  static constexpr uint32_t kNotifyClaimed = 256;  // an on_ready registration won

  union {
    wg_work_fn fn = nullptr;  // until the work ran
    uint64_t run_ns;          // then: how long it ran (written by the worker; metrics)
  };
  void* arg = nullptr;
  union {
    wg_done_fn done = nullptr;  // callback items, direct lease tasks
    wg_ready_fn ready_fn;       // futures: wg_future_on_ready
  };
  void* opaque = nullptr;  // done's or ready_fn's
  ItemExtras* extras = nullptr;
  Batch* batch = nullptr;  // set by the loop at dispatch; nullptr: a direct lease task
  uint64_t submit_ns = 0;  // 0 until stamped (by the producer or the loop)
  void* result = nullptr;  // the outcome, written by the winner of `state`
  int32_t work_code = 0;
  std::atomic<uint8_t> state{kQueued};
  int8_t status = WG_OK;
  std::atomic<uint16_t> refs{1};
  std::atomic<uint32_t> flags{0};
  uint32_t batch_index = 0;

  // nullptr when out of memory. `future` items get extras and two references.
  static WorkItem* create(wg_work_fn fn, void* arg, const wg_submit_opts_t* opts, bool future);
  // Frees an item that was never accepted (no grinder reference taken).
  void discard();
  void unref();

  // The one way an item's state moves: from `from` to `to`, if it still is
  // `from`. Whoever wins a move into kFinished or kCancelled writes the
  // outcome.
  bool try_transition(uint8_t from, uint8_t to) {
    return state.compare_exchange_strong(from, to, std::memory_order_acq_rel);
  }

  bool is_future() const { return flags.load(std::memory_order_relaxed) & kFuture; }
  uint64_t deadline_ns() const { return extras ? extras->deadline_ns : 0; }
  // Ends a dispatched item that has not started and whose deadline has
  // passed with WG_ETIMEDOUT (it never runs); true if it did. Worker side.
  bool expire_if_late();
  const char* owner() const { return extras ? extras->owner : nullptr; }
  Grinder* future_grinder() const { return extras->grinder; }
  wg_outcome_t outcome() const { return wg_outcome_t{status, work_code, result}; }
  void set_outcome(int st, int code, void* res) {
    status = static_cast<int8_t>(st);
    work_code = code;
    result = res;
  }

  // The pipeline is done with the item (its work function, if it ran, has
  // returned): release arg once the outcome is out, drop the reference. A
  // canceller may still be publishing a future's outcome; it then releases
  // arg itself (publish_future), so that arg never goes before the outcome.
  void leave_pipeline() {
    wg_dispose_fn release = extras ? extras->release_arg : nullptr;
    if (release && is_future() &&
        !(flags.fetch_or(kPipelineLeft, std::memory_order_acq_rel) & kPublished))
      release = nullptr;
    if (release) release(arg, extras->dispose_opaque);
    unref();
  }

  // Frees a result that no caller will receive.
  void dispose_result(void* res) const {
    if (res && extras && extras->dispose) extras->dispose(res, extras->dispose_opaque);
  }

  // Runs the work on a worker (status WG_OK) or records why it never ran
  // (WG_ELEASE also once *revoked is true: claimed work never starts after
  // its executor was retired). timed: stores the work's run time in run_ns
  // (two clock reads); otherwise the caller does.
  void execute(int run_status, const std::atomic<bool>* revoked, bool timed = true);

  // Makes a future's outcome visible to waiters (after the outcome is written).
  void publish_future();
  // Waits for a future's outcome (timeout: 0 poll, < 0 no limit).
  int wait_future(double timeout_seconds, wg_outcome_t* out);
  // The user's wg_future_release.
  void release_future();
  // wg_future_on_ready: WG_EINVAL if one is already set.
  int on_ready(wg_ready_fn fn, void* opaque);
  bool future_ready() const { return flags.load(std::memory_order_acquire) & kReady; }

 private:
  WorkItem() {}
  ~WorkItem() = default;
};

}  // namespace wg
