// Grinder: batches submitted items and runs each batch on a leased executor.
//
// Threads and ownership
// - Producers (any thread): submit() enters the thread's shard of producers_
//   (gate, submitted count, inbound queue), pushes there, and wakes the loop only
//   when the wake flag goes from clear to set.
// - The loop thread (loop_main) owns loop_, the uv handles, pending_,
//   batches_ and every "loop-owned" field below. It drains the inbound queues,
//   completions_ and grants_ on each wake-up, dispatches batches, and calls
//   `done` callbacks.
// - Workers return items through their batch's gate into completions_.
// - The manager serves a queued lease request (under its lock) by pushing the
//   batch into grants_ and waking the loop.
// - Cancellers (future holders, any thread) decide an item's outcome by CAS
//   and bump the cancel counters; they hold a grinder reference.
// - start/stop are serialized by lifecycle_mu_ (never taken per item).
// The Grinder is reference counted: the handle, plus one per live future.
#pragma once

#include <uv.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "batch.hpp"
#include "config.hpp"
#include "executor_manager.hpp"
#include "grinder_counters.hpp"
#include "logger.hpp"
#include "mpsc_queue.hpp"
#include "pending_queue.hpp"
#include "rundown_gate.hpp"
#include "work_item.hpp"

namespace wg {

class Grinder {
 public:
  // manager nullptr: a private manager built from cfg.
  static int create(const Config& cfg, std::shared_ptr<ExecutorManager> manager, Grinder** out,
                    std::string* err);

  void ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  int start();
  int stop(bool cancel);

  // Submissions to a grinder with a batch function carry no work function.
  bool has_batch_fn() const { return cfg_.batch_fn != nullptr; }
  // Takes `it` over on WG_OK; on error the caller still owns it.
  int submit(WorkItem* it);
  // Counts a submission call refused before an item existed.
  void count_rejected() { counters_.rejected.fetch_add(1, std::memory_order_relaxed); }
  // Any thread: WG_OK if the item became cancelled, WG_EALREADY if decided.
  int cancel(WorkItem* it);
  void stats(wg_stats_t* out) const;

  // True on this grinder's loop thread; any_loop_thread: on any grinder's.
  bool on_loop_thread() const;
  static bool any_loop_thread();

 private:
  enum Lifecycle : int {
    kLifecycleStopped,
    kLifecycleStarting,
    kLifecycleRunning,
    kLifecycleStopping
  };
  enum StopRequest : uint32_t { kNoStop, kDrainStop, kCancelStop };

  friend struct Batch;
  Grinder(const Config& cfg, std::shared_ptr<ExecutorManager> manager, bool owns_manager);
  ~Grinder();

  int start_loop();
  void wake();
  void request_stop(StopRequest mode);
  void loop_main();

  // Loop thread (grinder_loop.cpp).
  static void on_async(uv_async_t* h);
  static void on_timer(uv_timer_t* h);
  static void on_lease_served(LeaseRequest* req, int status, std::shared_ptr<Lease> lease);
  void on_wake();
  void take_inbound();
  void take_grants();
  void take_completions();
  void dispatch_ready();
  bool dispatch_batch();
  void run_batch(Batch* b);
  void item_returned(Batch* b, WorkItem* it);
  void finish_batch(Batch* b);
  void free_left_batches(bool wait);
  void fail_unsubmitted(Batch* b, WorkItem* it, int status);
  void deliver(WorkItem* it);
  void cancel_everything();
  bool cancel_dispatched(WorkItem* it);
  void deliver_cancelled(WorkItem* it);
  void advance_stop();
  void rearm_timer();
  void publish_oldest();
  void drop_cancelled_front();
  size_t live_pending_in_queue() const;
  void remove_batch(Batch* b);

  const Config cfg_;
  const uint64_t max_wait_ns_;
  const uint64_t lease_ns_;
  const Logger logger_;
  std::shared_ptr<ExecutorManager> manager_;
  const bool owns_manager_;
  std::atomic<uint64_t> refs_{1};

  // Shared between threads.
  alignas(64) std::atomic<bool> wake_flag_{false};
  MpscQueue completions_;
  MpscQueue grants_;
  GrinderCounters counters_;
  alignas(64) std::atomic<uint64_t> oldest_ns_{0};  // submit time of the oldest pending item
  std::atomic<uint32_t> stop_request_{kNoStop};
  std::atomic<bool> sweep_request_{false};
  std::atomic<int> lifecycle_{kLifecycleStopped};
  ProducerShards producers_;
  RundownGate control_gate_{false};  // stop escalation and sweep wake-ups

  // start/stop. lifecycle_mu_ only guards the state transitions; no user code
  // (log callback) and no manager call runs under it.
  std::mutex lifecycle_mu_;
  std::condition_variable lifecycle_cv_;
  std::thread loop_thread_;

  // Loop-owned.
  uv_loop_t loop_;
  uv_async_t async_;
  uv_timer_t timer_;
  PendingQueue pending_;
  std::vector<Batch*> batches_;
  std::vector<Batch*> leaving_batches_;  // finished; a worker may still be in the gate
  uint64_t timer_due_ns_ = 0;
  // Items cancelled while pending that the loop has dropped so far; with
  // counters_.cancelled_pending it tells how many dead items pending_ holds.
  uint64_t cancelled_dropped_ = 0;
  uint64_t next_batch_id_ = 1;
  bool backlog_due_ = false;  // the cap left items behind: dispatch them at once
  bool closing_ = false;
};

}  // namespace wg
