#include "executor_manager.hpp"

#include <algorithm>
#include <cstdio>
#include <new>
#include <system_error>

#include "clock.hpp"
#include "thread_pool_executor.hpp"
#include "thread_start.hpp"
#include "workgrinder/workgrinder.h"

namespace wg {

namespace {

// A thread blocked in acquire().
struct BlockingRequest : LeaseRequest {
  std::condition_variable cv;
  bool done = false;
  int status = WG_OK;
  std::shared_ptr<Lease> lease;

  static void on_served(LeaseRequest* self, int status, std::shared_ptr<Lease> lease) {
    auto* r = static_cast<BlockingRequest*>(self);
    r->done = true;
    r->status = status;
    r->lease = std::move(lease);
    r->cv.notify_one();
  }
};

}  // namespace

std::shared_ptr<ExecutorManager> ExecutorManager::create(const Config& cfg,
                                                         ExecutorFactory factory) {
  if (!factory) {
    WorkerHooks hooks{cfg.worker_on_start, cfg.worker_on_stop, cfg.worker_opaque};
    factory = [hooks](size_t workers, int* err) -> std::shared_ptr<Executor> {
      return ThreadPoolExecutor::create(workers, hooks, err);
    };
  }
  return std::shared_ptr<ExecutorManager>(new ExecutorManager(cfg, std::move(factory)));
}

ExecutorManager::ExecutorManager(const Config& cfg, ExecutorFactory factory)
    : cfg_(cfg), factory_(std::move(factory)), logger_(cfg.log_fn, cfg.log_opaque) {
  if (cfg_.size_fn) target_pools_ = cfg_.min_pools;  // until the provider is first asked
  pool_limit_.store(cfg_.size_fn ? cfg_.min_pools : cfg_.max_pools, std::memory_order_relaxed);
}

ExecutorManager::~ExecutorManager() {
  stop();  // on the housekeeping thread itself, stop() detached it
}

void ExecutorManager::Aftermath::finish() {
  for (auto& u : unstarted) u.first->hand_back(u.second, WG_ELEASE);
  unstarted.clear();
  leases.clear();
}

bool ExecutorManager::started() const {
  std::lock_guard<std::mutex> lk(mu_);
  return running_;
}

int ExecutorManager::start() {
  uint64_t target = cfg_.size_fn ? ask_size_provider() : 0;
  LogLines log(logger_);
  std::unique_lock<std::mutex> lk(mu_);
  if (running_) return WG_OK;
  if (housekeeping_thread_.joinable()) return WG_ESTOPPING;  // a stop is still joining it
  set_target_locked(target);
  for (uint64_t i = 0; i < floor_locked(); ++i) {
    Slot* s;
    int rc = add_slot_locked(&s);
    if (rc != WG_OK) {
      retire_all_slots_locked(nullptr);
      lk.unlock();
      reap_retired();
      return rc;
    }
  }
  running_ = true;
  uint64_t generation = ++generation_;
  next_check_ns_ = deadline_after(now_ns(), seconds_to_ns(cfg_.check_interval_seconds));
  try {
    housekeeping_thread_ = start_thread(
        [this, weak = weak_from_this(), generation] { housekeeping_main(weak, generation); });
  } catch (const std::exception&) {  // no thread (system_error) or no memory for its state
    running_ = false;
    retire_all_slots_locked(nullptr);
    lk.unlock();
    reap_retired();
    return WG_ENOMEM;
  }
  log.addf(WG_LOG_INFO, "manager started: %zu executor(s) of %llu worker(s), at most %llu",
           slots_.size(), static_cast<unsigned long long>(cfg_.workers_per_pool),
           static_cast<unsigned long long>(cap_locked()));
  return WG_OK;
}

int ExecutorManager::stop() {
  Aftermath after;
  std::thread housekeeping;
  {
    LogLines log(logger_);
    std::unique_lock<std::mutex> lk(mu_);
    if (!running_ && !housekeeping_thread_.joinable()) return WG_OK;
    running_ = false;
    while (wait_head_) {
      LeaseRequest* r = wait_head_;
      unlink_locked(r);
      r->served(r, WG_ESTOPPING, nullptr);
    }
    while (!leases_.empty()) revoke_locked(leases_.front().get(), &after);
    retire_all_slots_locked(&after);
    take_handback_locked(&after);
    housekeeping = std::move(housekeeping_thread_);
    log.addf(WG_LOG_INFO, "manager stopped");
    lk.unlock();
    log.flush();
  }
  housekeeping_cv_.notify_all();
  if (housekeeping.joinable()) {
    if (housekeeping.get_id() == std::this_thread::get_id())
      housekeeping.detach();  // called from user code the thread runs; it exits after
    else
      housekeeping.join();
  }
  after.finish();
  reap_retired();
  return WG_OK;
}

// Retires every executor; their unstarted tasks go to *after (none exist when
// the manager never ran).
void ExecutorManager::retire_all_slots_locked(Aftermath* after) {
  for (auto& slot : slots_) retire_executor_locked(slot.get(), false, after);
  slots_.clear();
}

std::shared_ptr<Lease> ExecutorManager::lease_slot_locked(Slot* slot, uint64_t lease_ns,
                                                          const std::string& owner, LogLines& log) {
  uint64_t now = now_ns();
  uint64_t soft = deadline_after(now, lease_ns);
  uint64_t hard = deadline_after(soft, seconds_to_ns(cfg_.lease_grace_seconds));
  // Everything that allocates comes first: out of memory, nothing has changed.
  std::shared_ptr<Lease> lease;
  try {
    lease = std::make_shared<Lease>(shared_from_this(), slot->executor, next_lease_id_, owner, soft,
                                    hard, slot->id);
    leases_.push_back(lease);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
  ++next_lease_id_;
  slot->state = Slot::kLeased;
  slot->lease = lease.get();
  wake_housekeeping_locked(hard);
  log.addf(WG_LOG_DEBUG, "lease %llu acquired by %s for %.3f s",
           static_cast<unsigned long long>(lease->id()), owner.c_str(), ns_to_seconds(lease_ns));
  return lease;
}

void ExecutorManager::enqueue_locked(LeaseRequest* req) {
  req->queued = true;
  req->next = nullptr;
  req->prev = wait_tail_;
  if (wait_tail_)
    wait_tail_->next = req;
  else
    wait_head_ = req;
  wait_tail_ = req;
  ++waiters_;
}

void ExecutorManager::unlink_locked(LeaseRequest* req) {
  if (req->prev)
    req->prev->next = req->next;
  else
    wait_head_ = req->next;
  if (req->next)
    req->next->prev = req->prev;
  else
    wait_tail_ = req->prev;
  req->prev = req->next = nullptr;
  req->queued = false;
  --waiters_;
}

void ExecutorManager::serve_waiters_locked(LogLines& log) {
  while (wait_head_ && running_) {
    Slot* slot;
    if (take_slot_locked(&slot) != WG_OK) return;
    LeaseRequest* r = wait_head_;
    // Out of memory for the lease, the waiter is answered WG_ENOMEM rather
    // than left waiting for a retry that nothing would trigger.
    std::shared_ptr<Lease> lease = lease_slot_locked(slot, r->lease_ns, r->owner, log);
    const int status = lease ? WG_OK : WG_ENOMEM;  // before the lease moves into the call
    unlink_locked(r);
    r->served(r, status, std::move(lease));
  }
}

int ExecutorManager::acquire(double lease_seconds, const std::string& owner, double timeout_seconds,
                             std::shared_ptr<Lease>* out) {
  BlockingRequest req;
  req.lease_ns = seconds_to_ns(lease_seconds > 0 ? lease_seconds : cfg_.default_lease_seconds);
  req.owner = owner;
  req.served = &BlockingRequest::on_served;
  LogLines log(logger_);
  std::unique_lock<std::mutex> lk(mu_);
  if (!running_) return WG_ENOTSTARTED;
  int rc = lease_now_locked(req, log, out);
  if (rc != WG_EUNAVAILABLE || timeout_seconds == 0) return rc;
  enqueue_locked(&req);
  if (timeout_seconds < 0) {
    req.cv.wait(lk, [&] { return req.done; });
  } else {
    const uint64_t deadline = deadline_after(now_ns(), seconds_to_ns(timeout_seconds));
    while (!req.done) {
      if (now_ns() >= deadline) {
        unlink_locked(&req);
        return WG_ETIMEDOUT;
      }
      wait_until_ns(req.cv, lk, deadline);
    }
  }
  if (req.status == WG_OK) *out = std::move(req.lease);
  return req.status;
}

int ExecutorManager::acquire_or_enqueue(LeaseRequest* req, std::shared_ptr<Lease>* out) {
  LogLines log(logger_);
  std::lock_guard<std::mutex> lk(mu_);
  if (!running_) return WG_ESTOPPING;
  int rc = lease_now_locked(*req, log, out);
  if (rc != WG_EUNAVAILABLE) return rc;
  enqueue_locked(req);
  return kQueued;
}

// A lease right away, unless others wait first (FIFO) or nothing is free
// (WG_EUNAVAILABLE).
int ExecutorManager::lease_now_locked(const LeaseRequest& req, LogLines& log,
                                      std::shared_ptr<Lease>* out) {
  if (wait_head_) return WG_EUNAVAILABLE;
  Slot* slot;
  int rc = take_slot_locked(&slot);
  if (rc != WG_OK) return rc;
  *out = lease_slot_locked(slot, req.lease_ns, req.owner, log);
  return *out ? WG_OK : WG_ENOMEM;
}

bool ExecutorManager::cancel_request(LeaseRequest* req) {
  std::lock_guard<std::mutex> lk(mu_);
  if (!req->queued) return false;
  unlink_locked(req);
  return true;
}

int ExecutorManager::notify_scale_changed() {
  std::lock_guard<std::mutex> lk(mu_);
  if (!running_) return WG_ENOTSTARTED;
  if (!cfg_.size_fn) return WG_OK;  // nothing to ask
  rescale_requested_ = true;
  wake_housekeeping_locked(0);
  return WG_OK;
}

// A lease past its hard expiry is revoked here even if the housekeeping
// thread has not got to it yet: its executor must not come back as if
// nothing happened (submissions through it already fail).
int ExecutorManager::release(Lease* lease) {
  Aftermath after;  // after the lock: its references are dropped unlocked
  int rc = WG_OK;
  {
    LogLines log(logger_);
    std::unique_lock<std::mutex> lk(mu_);
    if (lease->state() != Lease::kActive) return WG_ELEASE;
    uint64_t now = now_ns();
    if (now >= lease->hard_ns()) {
      expire_locked(lease, &after, log);
      rc = WG_ELEASE;
    } else {
      lease->state_.store(Lease::kReleased, std::memory_order_release);
      Slot* slot = find_slot_locked(lease->slot_id_);
      if (slot) {
        slot->lease = nullptr;
        if (slot->executor->outstanding() == 0)
          make_available_locked(slot, now);
        else
          slot->state = Slot::kDraining;
      }
      log.addf(WG_LOG_DEBUG, "lease %llu released by %s%s",
               static_cast<unsigned long long>(lease->id()), lease->owner().c_str(),
               slot && slot->state == Slot::kDraining ? " (draining running work)" : "");
      for (auto it = leases_.begin(); it != leases_.end(); ++it)
        if (it->get() == lease) {
          after.leases.splice(after.leases.end(), leases_, it);  // dropped unlocked
          break;
        }
    }
    shrink_to_cap_locked(&after);
    serve_waiters_locked(log);
    // Tasks that never started get their outcome on the housekeeping thread,
    // as at expiry: never nested inside the caller's release (which may run
    // in a done callback or on a grinder's loop thread).
    handback_.splice(handback_.end(), after.unstarted);
    if (!handback_.empty()) wake_housekeeping_locked(0);
    lk.unlock();
    log.flush();
  }
  return rc;  // after drops the released lease's references here, unlocked
}

void ExecutorManager::on_executor_idle(uint64_t slot_id) {
  Aftermath after;
  {
    LogLines log(logger_);
    std::unique_lock<std::mutex> lk(mu_);
    Slot* slot = find_slot_locked(slot_id);
    if (!slot || slot->state != Slot::kDraining || slot->executor->outstanding() != 0) return;
    make_available_locked(slot, now_ns());
    shrink_to_cap_locked(&after);
    serve_waiters_locked(log);
    lk.unlock();
    log.flush();
  }
  after.finish();
}

ExecutorManager::Slot* ExecutorManager::find_slot_locked(uint64_t id) {
  for (auto& s : slots_)
    if (s->id == id) return s.get();
  return nullptr;
}

// Retires the lease's executor and forgets the lease; the lease's last
// references and the unstarted tasks go to *after.
void ExecutorManager::revoke_locked(Lease* lease, Aftermath* after) {
  lease->state_.store(Lease::kRevoked, std::memory_order_release);
  auto it = std::find_if(slots_.begin(), slots_.end(),
                         [&](const std::unique_ptr<Slot>& s) { return s->id == lease->slot_id_; });
  if (it != slots_.end()) {
    retire_executor_locked(it->get(), false, after);
    slots_.erase(it);
    wake_housekeeping_locked(0);  // to join its threads
  }
  for (auto l = leases_.begin(); l != leases_.end(); ++l)
    if (l->get() == lease) {
      after->leases.splice(after->leases.end(), leases_, l);
      break;
    }
}

void ExecutorManager::stats(wg_manager_stats_t* out, std::vector<wg_lease_info_t>* leases) {
  std::lock_guard<std::mutex> lk(mu_);
  out->started = running_ ? 1 : 0;
  out->available = out->leased = out->draining = 0;
  for (auto& s : slots_) {
    if (s->state == Slot::kAvailable) ++out->available;
    if (s->state == Slot::kLeased) ++out->leased;
    if (s->state == Slot::kDraining) ++out->draining;
  }
  out->total = slots_.size();
  out->waiters = waiters_;
  out->expired = expired_;
  out->target_pools = cap_locked();
  out->retired = retired_count_;
  out->started_pools = started_pools_;
  if (!leases) return;
  uint64_t now = now_ns();
  for (auto& l : leases_) {
    wg_lease_info_t info{};
    info.id = l->id();
    snprintf(info.owner, sizeof info.owner, "%s", l->owner().c_str());
    info.soft_remaining = seconds_between(now, l->soft_ns());
    info.hard_remaining = seconds_between(now, l->hard_ns());
    leases->push_back(info);
  }
}

}  // namespace wg
