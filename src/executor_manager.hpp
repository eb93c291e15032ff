// ExecutorManager: owns at most max_pools executors (min_pools kept ready) and
// leases them out, one lease per executor. Acquirers wait in FIFO order. A
// lease that passes its hard expiry is revoked by the expiry thread, which
// sleeps on a timed wait until the earliest hard expiry: the executor is
// retired (its threads finish what they run, then exit), its unstarted tasks
// get WG_ELEASE, and a fresh executor takes its place. A released lease whose
// work still runs drains: its executor is leased again only once idle.
//
// Threads: every public function may be called from any thread. All state
// below mu_ is guarded by it. No user code runs under mu_: log lines are
// collected and emitted after unlocking, unstarted tasks are handed back after
// unlocking; only LeaseRequest::served runs under it (internal, non-blocking).
#pragma once

#include <condition_variable>
#include <functional>
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
  // Makes an executor of `workers` threads; nullptr with *err set on failure.
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

  void stats(wg_manager_stats_t* out, std::vector<wg_lease_info_t>* leases);

 private:
  friend class Lease;

  struct Slot {
    enum State { kAvailable, kLeased, kDraining };
    uint64_t id;
    std::shared_ptr<Executor> executor;
    State state = kAvailable;
    Lease* lease = nullptr;
  };

  ExecutorManager(const Config& cfg, ExecutorFactory factory);

  int release(Lease* lease);
  void on_executor_idle(uint64_t slot_id);
  void expiry_main();

  int add_slot_locked(Slot** out);
  int take_slot_locked(Slot** out);
  std::shared_ptr<Lease> lease_slot_locked(Slot* slot, uint64_t lease_ns, const std::string& owner,
                                           LogLines& log);
  int lease_now_locked(const LeaseRequest& req, LogLines& log, std::shared_ptr<Lease>* out);
  void serve_waiters_locked(LogLines& log);
  void enqueue_locked(LeaseRequest* req);
  void unlink_locked(LeaseRequest* req);
  // Accepted tasks of retired executors, handed back after unlocking.
  using Unstarted = std::vector<std::pair<std::shared_ptr<Executor>, UnstartedTasks>>;
  void revoke_locked(Lease* lease, Unstarted* unstarted);
  void retire_all_slots_locked(Unstarted* unstarted);
  Slot* find_slot_locked(uint64_t id);
  void finish_unlocked(Unstarted& unstarted);
  void reap_retired();

  const Config cfg_;
  const ExecutorFactory factory_;
  const Logger logger_;

  mutable std::mutex mu_;
  std::condition_variable expiry_cv_;
  // When the expiry thread will wake by itself; 0 while it is awake (it
  // re-reads leases_ before sleeping again). A new lease wakes it only if it
  // expires sooner than that: most leases cost no wake-up at all. (mu_)
  uint64_t expiry_wake_ns_ = 0;
  bool running_ = false;
  std::thread expiry_thread_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::shared_ptr<Lease>> leases_;      // active leases
  std::vector<std::shared_ptr<Executor>> retired_;  // to reap
  LeaseRequest* wait_head_ = nullptr;
  LeaseRequest* wait_tail_ = nullptr;
  uint64_t waiters_ = 0;
  uint64_t next_slot_id_ = 1;
  uint64_t next_lease_id_ = 1;
  uint64_t expired_ = 0;
};

}  // namespace wg
