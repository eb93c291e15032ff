// ExecutorManager: owns at most max_pools executors and leases them out, one
// lease per executor. Acquirers wait in FIFO order. A released lease whose
// work still runs drains: its executor is leased again only once idle.
//
// Pool count. Without a size provider, min_pools executors are kept ready and
// more are started on demand up to max_pools; an executor idle for
// idle_pool_seconds beyond min_pools is retired. With a size provider
// (Config::size_fn), its answer clamped to min_pools..max_pools is the target:
// exactly that many executors are kept, more are never started, and on
// shrinking idle executors are retired at once while leased or draining ones
// are retired when they come back (leased work is never interrupted).
//
// The housekeeping thread does everything that is due at a time rather than
// on a call: it revokes leases past their hard expiry (their executor is
// retired, its unstarted tasks get WG_ELEASE, a fresh one takes its place),
// retires idle executors, asks the size provider every check_interval_seconds
// and after notify_scale_changed, and joins the threads of retired executors
// (so that no caller's thread joins them), and hands back with WG_ELEASE the
// unstarted tasks of executors that a release retired. It sleeps until the earliest of
// those deadlines and is woken only when something sooner becomes due.
//
// Threads: every public function may be called from any thread. All state
// below mu_ is guarded by it. No user code runs under mu_ and no reference
// that might be the manager's last is dropped under it: log lines, unstarted
// tasks and revoked leases are collected and dealt with after unlocking; only
// LeaseRequest::served runs under it (internal, non-blocking). The size
// provider runs on the housekeeping thread (and once in start()), unlocked.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config.hpp"
#include "executor.hpp"
#include "lease.hpp"
#include "lease_request.hpp"
#include "logger.hpp"

namespace wg {

class ExecutorManager : public std::enable_shared_from_this<ExecutorManager> {
 public:
  // Makes an executor of `workers` threads. On failure sets *err and returns
  // nullptr, or a retired executor whose started threads must be reaped.
  using ExecutorFactory = std::function<std::shared_ptr<Executor>(size_t workers, int* err)>;
  static constexpr int kQueued = 1;  // acquire_or_enqueue: the request waits

  // The default factory builds ThreadPoolExecutors.
  static std::shared_ptr<ExecutorManager> create(const Config& cfg, ExecutorFactory factory = {});
  ~ExecutorManager();

  int start();
  // Wakes waiters with WG_ESTOPPING, revokes leases, retires executors and
  // joins their idle threads. Never waits for a running work function.
  int stop();
  bool started() const;
  uint64_t max_pools() const { return cfg_.max_pools; }

  // Blocking acquire: timeout 0 = don't wait, < 0 = no limit.
  int acquire(double lease_seconds, const std::string& owner, double timeout_seconds,
              std::shared_ptr<Lease>* out);

  // Non-blocking acquire for event loops: WG_OK with *out set, kQueued (req is
  // queued; req->served will be called), or an error.
  int acquire_or_enqueue(LeaseRequest* req, std::shared_ptr<Lease>* out);

  // Removes a queued request. True if it was still queued; false if it has
  // already been served (its served() call has returned).
  bool cancel_request(LeaseRequest* req);

  // Asks the housekeeping thread to call the size provider now. WG_OK, or
  // WG_ENOTSTARTED when the manager is not running.
  int notify_scale_changed();

  // How many executors may be leased at once right now: the size provider's
  // current target, or max_pools without one. Any thread, lock-free (an atomic
  // the manager keeps current); a hint that may change right after reading.
  uint64_t pool_limit() const { return pool_limit_.load(std::memory_order_relaxed); }
  // Whether a size provider sizes the pool (wg_conf_set_size_provider).
  bool adaptive() const { return cfg_.size_fn != nullptr; }

  // Tests only: how often the housekeeping thread's sleep has ended.
  uint64_t housekeeping_wakeups_for_testing() const {
    return wakeups_.load(std::memory_order_relaxed);
  }

  // Fills every field of the current wg_manager_stats_t except version.
  void stats(wg_manager_stats_t* out, std::vector<wg_lease_info_t>* leases);

 private:
  friend class Lease;

  struct Retired {
    std::shared_ptr<Executor> executor;
    bool shrink;  // counted in stats.retired once reaped
  };
  // An executor's tasks that never started, to hand back with WG_ELEASE.
  using Handback = std::list<std::pair<std::shared_ptr<Executor>, UnstartedTasks>>;
  struct Slot {
    enum State { kAvailable, kLeased, kDraining };
    uint64_t id;
    std::shared_ptr<Executor> executor;
    State state = kAvailable;
    Lease* lease = nullptr;
    uint64_t idle_since_ns = 0;  // when it last became available
    // The executor's entry in retired_, made with the slot: retiring it is a
    // splice, which cannot fail (it runs on stop and failure paths).
    std::list<Retired> retirement;
    // Likewise its entry for the tasks a retirement finds unstarted.
    Handback handback;
  };
  // What a locked section leaves to do after unlocking: user callbacks
  // (unstarted tasks get WG_ELEASE) and dropping references that may be the
  // manager's last.
  struct Aftermath {
    Handback unstarted;                        // entries spliced from the slots: never allocates
    std::list<std::shared_ptr<Lease>> leases;  // spliced from leases_: never allocates
    void finish();                             // hands the unstarted tasks back; call unlocked
  };

  ExecutorManager(const Config& cfg, ExecutorFactory factory);

  int release(Lease* lease);
  void on_executor_idle(uint64_t slot_id);
  void housekeeping_main(std::weak_ptr<ExecutorManager> weak, uint64_t generation);
  void housekeeping_pass(uint64_t generation);
  uint64_t next_due_locked(uint64_t now) const;
  void wake_housekeeping_locked(uint64_t due_ns);
  uint64_t ask_size_provider() const;

  uint64_t floor_locked() const;
  uint64_t cap_locked() const;
  void set_target_locked(uint64_t target);
  int add_slot_locked(Slot** out);
  int take_slot_locked(Slot** out);
  void make_available_locked(Slot* slot, uint64_t now);
  void grow_to_floor_locked(LogLines& log);
  void shrink_to_cap_locked(Aftermath* after);
  void retire_idle_locked(uint64_t now, Aftermath* after);
  void retire_slot_locked(size_t index, Aftermath* after);
  void move_to_retired_locked(Slot* slot, bool shrink);
  void retire_executor_locked(Slot* slot, bool shrink, Aftermath* after);
  std::shared_ptr<Lease> lease_slot_locked(Slot* slot, uint64_t lease_ns, const std::string& owner,
                                           LogLines& log);
  int lease_now_locked(const LeaseRequest& req, LogLines& log, std::shared_ptr<Lease>* out);
  void serve_waiters_locked(LogLines& log);
  void enqueue_locked(LeaseRequest* req);
  void unlink_locked(LeaseRequest* req);
  void revoke_locked(Lease* lease, Aftermath* after);
  void expire_locked(Lease* lease, Aftermath* after, LogLines& log);
  void retire_all_slots_locked(Aftermath* after);
  Slot* find_slot_locked(uint64_t id);
  void reap_retired();
  void take_handback_locked(Aftermath* after);

  const Config cfg_;
  const ExecutorFactory factory_;
  const Logger logger_;

  mutable std::mutex mu_;
  std::condition_variable housekeeping_cv_;
  // When the housekeeping thread will wake by itself; 0 while it is awake (it
  // re-reads the state before sleeping again). A change wakes it only if it
  // makes something due sooner than that: most cost no wake-up at all. (mu_)
  uint64_t housekeeping_wake_ns_ = 0;
  uint64_t next_check_ns_ = 0;      // next periodic size-provider call (mu_)
  bool rescale_requested_ = false;  // notify_scale_changed since the last call (mu_)
  // Bumped by start(): a housekeeping thread detached by a stop() on itself
  // sees that it belongs to an earlier run and exits. (mu_)
  uint64_t generation_ = 0;
  bool running_ = false;
  std::thread housekeeping_thread_;
  std::vector<std::unique_ptr<Slot>> slots_;
  // Lists, so that a lease or executor moves between them by a splice, which
  // cannot fail; only adding a lease allocates, before anything changes.
  std::list<std::shared_ptr<Lease>> leases_;  // active leases
  std::list<Retired> retired_;                // to reap
  // Unstarted tasks of executors retired by a call (release), for the
  // housekeeping thread to hand back.
  Handback handback_;
  LeaseRequest* wait_head_ = nullptr;
  LeaseRequest* wait_tail_ = nullptr;
  uint64_t waiters_ = 0;
  uint64_t next_slot_id_ = 1;
  uint64_t next_lease_id_ = 1;
  uint64_t expired_ = 0;
  uint64_t target_pools_ = 0;         // the size provider's clamped answer (mu_)
  uint64_t retired_count_ = 0;        // executors retired by shrinking and reaped (mu_)
  uint64_t started_pools_ = 0;        // executors ever started (mu_)
  std::atomic<uint64_t> wakeups_{0};  // housekeeping sleeps ended (lock-free for tests)
  // Written under mu_ whenever the target changes; read lock-free.
  std::atomic<uint64_t> pool_limit_{0};
};

}  // namespace wg
