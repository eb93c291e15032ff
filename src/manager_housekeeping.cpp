// ExecutorManager, housekeeping: the thread that revokes expired leases,
// retires idle executors beyond the floor, asks the size provider, joins
// retired executors' threads and hands back tasks that never started. It
// sleeps until the earliest of those is due (next_due_locked), never polls.
#include <pthread.h>

#include <algorithm>

#include "clock.hpp"
#include "executor_manager.hpp"
#include "thread_roles.hpp"

namespace wg {

// Revokes a lease past its hard expiry and replaces its executor.
void ExecutorManager::expire_locked(Lease* lease, Aftermath* after, LogLines& log) {
  size_t capacity = std::min<uint64_t>(slots_.size(), cap_locked());
  // By reference, not a copy (which could fail): after keeps the lease alive.
  const std::string& owner = lease->owner();
  uint64_t id = lease->id();
  revoke_locked(lease, after);
  ++expired_;
  log.addf(WG_LOG_WARNING, "lease %llu of %s expired: executor retired and replaced",
           static_cast<unsigned long long>(id), owner.c_str());
  while (slots_.size() < capacity) {
    Slot* s;
    if (add_slot_locked(&s) != WG_OK) break;
  }
}

// Moves the tasks to hand back into *after (a splice: no allocation).
void ExecutorManager::take_handback_locked(Aftermath* after) {
  after->unstarted.splice(after->unstarted.end(), handback_);
}

// Joins the threads of retired executors (a thread still inside a task is
// left to finish on its own); counts those retired by shrinking.
void ExecutorManager::reap_retired() {
  std::list<Retired> retired;
  {
    std::lock_guard<std::mutex> lk(mu_);
    retired.swap(retired_);
  }
  uint64_t shrunk = 0;
  for (auto& r : retired) {
    r.executor->reap();
    if (r.shrink) ++shrunk;
  }
  if (shrunk == 0) return;
  std::lock_guard<std::mutex> lk(mu_);
  retired_count_ += shrunk;
}

// The earliest time something is due: a lease's hard expiry, an idle
// executor above the floor reaching idle_pool_seconds, the periodic size
// check; now when executors wait to be reaped or a rescale was requested.
uint64_t ExecutorManager::next_due_locked(uint64_t now) const {
  if (!retired_.empty() || !handback_.empty() || rescale_requested_) return now;
  uint64_t due = next_check_ns_;
  for (auto& l : leases_) due = std::min(due, l->hard_ns());
  if (slots_.size() > floor_locked()) {
    const uint64_t idle_ns = seconds_to_ns(cfg_.idle_pool_seconds);
    for (auto& s : slots_)
      if (s->state == Slot::kAvailable)
        due = std::min(due, deadline_after(s->idle_since_ns, idle_ns));
  }
  return due;
}

void ExecutorManager::wake_housekeeping_locked(uint64_t due_ns) {
  if (due_ns < housekeeping_wake_ns_) housekeeping_cv_.notify_one();
}

// The housekeeping thread. It sleeps holding no reference to the manager (a
// destructor running meanwhile stops and joins it) and does each pass holding
// one, so that user code in the pass may drop every other reference or even
// destroy the manager: the last reference is then dropped here, unlocked, the
// destructor's stop() detaches this thread, and the loop ends without
// touching the freed manager.
void ExecutorManager::housekeeping_main(std::weak_ptr<ExecutorManager> weak, uint64_t generation) {
  pthread_setname_np(pthread_self(), "wg-housekeeping");
  ThreadRole::set_expiry();  // blocking library calls refuse to run here
  for (;;) {
    {
      std::unique_lock<std::mutex> lk(mu_);
      for (;;) {
        if (!running_ || generation != generation_) return;
        uint64_t now = now_ns();
        uint64_t due = next_due_locked(now);
        if (due <= now) break;
        housekeeping_wake_ns_ = due;
        wait_until_ns(housekeeping_cv_, lk, due);
        housekeeping_wake_ns_ = 0;
        ++wakeups_;
      }
    }
    std::shared_ptr<ExecutorManager> self = weak.lock();
    if (!self) return;  // being destroyed: its stop() joins this thread
    self->housekeeping_pass(generation);
    self.reset();
    if (weak.expired()) return;  // that was the last reference
  }
}

void ExecutorManager::housekeeping_pass(uint64_t generation) {
  bool ask;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (!running_ || generation != generation_) return;
    uint64_t now = now_ns();
    ask = cfg_.size_fn && (rescale_requested_ || now >= next_check_ns_);
    rescale_requested_ = false;
    if (now >= next_check_ns_)
      next_check_ns_ = deadline_after(now, seconds_to_ns(cfg_.check_interval_seconds));
  }
  uint64_t target = ask ? ask_size_provider() : 0;
  Aftermath after;
  {
    LogLines log(logger_);
    std::unique_lock<std::mutex> lk(mu_);
    if (running_ && generation == generation_) {
      uint64_t now = now_ns();
      // Expiry moves a lease from leases_ into after (which keeps it alive):
      // step on before it does. No list of due leases: that would allocate.
      for (auto l = leases_.begin(); l != leases_.end();) {
        Lease* lease = (l++)->get();
        if (lease->hard_ns() <= now) expire_locked(lease, &after, log);
      }
      if (ask && target != target_pools_) {
        log.addf(WG_LOG_INFO, "pool target %llu -> %llu",
                 static_cast<unsigned long long>(target_pools_),
                 static_cast<unsigned long long>(target));
        set_target_locked(target);
      }
      grow_to_floor_locked(log);
      shrink_to_cap_locked(&after);
      retire_idle_locked(now, &after);
      serve_waiters_locked(log);
    }
    take_handback_locked(&after);
    lk.unlock();
    log.flush();
  }
  after.finish();
  reap_retired();
}

}  // namespace wg
