// Grinder: batches submitted items and runs each batch on a leased executor.
// It is the facade over its rooms, and owns the loop thread and the two
// kinds of stop:
// - Admission (admission.*): producers' shards, max_pending. Any thread.
// - BatchPolicy (batch_policy.*): the pending queue; which items form the
//   next batch, and when. Loop thread.
// - Dispatcher (dispatcher.*): batches in flight, their leases and executors.
//   Loop thread; workers and the manager reach it through the LoopMailbox.
// - Delivery (delivery.*): outcomes to done callbacks, futures, dispose.
// - FlushTimer (flush_timer.*): the max-wait timer. Loop thread.
// docs/architecture.md walks an item through them.
//
// Threads and ownership
// - Producers (any thread) go through admission_ only.
// - The loop thread (loop_main) owns loop_, closing_, policy_, dispatcher_
//   timer_ and reporter_ (the stats callback); it runs grinder_loop.cpp.
// - Cancellers (future holders, any thread) decide an item's outcome by its
//   state transition and bump the cancel counters; they hold a grinder
//   reference.
// - start/stop are serialized by lifecycle_mu_ (never taken per item); no
//   user code (log callback) and no manager call runs under it.
// The Grinder is reference counted: the handle, plus one per live future.
#pragma once

#include <uv.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "admission.hpp"
#include "batch_policy.hpp"
#include "config.hpp"
#include "delivery.hpp"
#include "dispatcher.hpp"
#include "executor_manager.hpp"
#include "flush_timer.hpp"
#include "grinder_counters.hpp"
#include "logger.hpp"
#include "loop_mailbox.hpp"
#include "rundown_gate.hpp"
#include "stats_reporter.hpp"
#include "work_item.hpp"

namespace wg {

struct StatsSnapshot;

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
  // cancel false drains; drain_seconds >= 0 bounds that drain, after which
  // the stop cancels what is left and returns WG_ETIMEDOUT (< 0: no bound).
  int stop(bool cancel, double drain_seconds = -1);

  // Submissions to a grinder with a batch function carry no work function.
  bool has_batch_fn() const { return cfg_.batch_fn != nullptr; }
  // Takes `it` over on WG_OK; on error the caller still owns it.
  // admit_timeout_seconds: wg_submit_opts_t's (0: WG_EFULL at once when
  // max_pending is reached; > 0: wait that long for room; < 0: no limit).
  int submit(WorkItem* it, double admit_timeout_seconds = 0);
  // Counts a submission call refused before an item existed.
  void count_rejected() { counters_.rejected.fetch_add(1, std::memory_order_relaxed); }
  // Any thread: WG_OK if the item became cancelled, WG_EALREADY if decided.
  int cancel(WorkItem* it);
  void stats(wg_stats_t* out) const;
  // Any thread: stats, the manager's stats and the histograms
  // (grinder_stats_export.cpp). Allocates.
  void snapshot(StatsSnapshot* out);
  std::string stats_json();

  // True on this grinder's loop thread; any_loop_thread: on any grinder's.
  bool on_loop_thread() const;
  static bool any_loop_thread();
  // True on a worker running one of this grinder's batches (thread_roles.hpp).
  bool on_own_worker() const;

 private:
  enum Lifecycle : int {
    kLifecycleStopped,
    kLifecycleStarting,
    kLifecycleRunning,
    kLifecycleStopping
  };
  enum StopRequest : uint32_t { kNoStop, kDrainStop, kCancelStop };

  Grinder(const Config& cfg, std::shared_ptr<ExecutorManager> manager, bool owns_manager);
  ~Grinder() = default;

  int start_loop();
  void warn_if_few_pools();
  void request_stop(StopRequest mode);
  void wake_for_control();
  void loop_main();

  // Loop thread (grinder_loop.cpp).
  static void on_async(uv_async_t* h);
  static void on_timer(uv_timer_t* h);
  void on_wake();
  // full_only: only batches of max_batch_size items (see on_wake).
  void dispatch_ready(bool full_only = false);
  void expire_due();
  void advance_stop();
  void close_loop();
  void rearm_timer();

  const Config cfg_;
  const Logger logger_;
  const bool owns_manager_;
  std::atomic<uint64_t> refs_{1};

  GrinderCounters counters_;
  LoopMailbox mailbox_;
  Admission admission_;
  Delivery delivery_;
  BatchPolicy policy_;
  Dispatcher dispatcher_;
  FlushTimer timer_;
  StatsReporter reporter_;

  // Requests to the loop from other threads.
  std::atomic<uint32_t> stop_request_{kNoStop};
  // Set by the stopping thread once no producer can push any more: only then
  // may the loop take its last drain and close. (A cancelling stop that joins
  // a stop in progress raises stop_request_ earlier than that.)
  std::atomic<bool> producers_shut_out_{false};
  std::atomic<bool> sweep_request_{false};  // items were cancelled while pending
  RundownGate control_gate_{false};         // no stop or sweep wake-up reaches a closed loop

  std::atomic<int> lifecycle_{kLifecycleStopped};
  std::mutex lifecycle_mu_;
  std::condition_variable lifecycle_cv_;
  std::thread loop_thread_;
  bool loop_exited_ = false;          // under lifecycle_mu_: uv_run has returned
  bool pool_warning_logged_ = false;  // under lifecycle_mu_ (start)

  // Loop-owned.
  uv_loop_t loop_;
  bool closing_ = false;
};

}  // namespace wg
