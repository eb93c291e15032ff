#include "executor_manager.hpp"

#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <new>
#include <system_error>

#include "clock.hpp"
#include "thread_pool_executor.hpp"
#include "thread_roles.hpp"
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

// The size provider's answer clamped to min_pools..max_pools. User code: never
// called under mu_.
uint64_t ExecutorManager::ask_size_provider() const {
  uint64_t want = cfg_.size_fn(cfg_.size_opaque);
  return std::min<uint64_t>(std::max<uint64_t>(want, cfg_.min_pools), cfg_.max_pools);
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
    housekeeping_thread_ = std::thread(
        [this, weak = weak_from_this(), generation] { housekeeping_main(weak, generation); });
  } catch (const std::system_error&) {
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
    for (auto& u : handback_) after.unstarted.push_back(std::move(u));
    handback_.clear();
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
  for (auto& slot : slots_) {
    UnstartedTasks t = slot->executor->retire();
    if (after && !t.empty()) after->unstarted.emplace_back(slot->executor, std::move(t));
    retired_.push_back({slot->executor, false});
  }
  slots_.clear();
}

uint64_t ExecutorManager::floor_locked() const {
  return cfg_.size_fn ? target_pools_ : cfg_.min_pools;
}

uint64_t ExecutorManager::cap_locked() const {
  return cfg_.size_fn ? target_pools_ : cfg_.max_pools;
}

void ExecutorManager::set_target_locked(uint64_t target) {
  if (!cfg_.size_fn) return;
  target_pools_ = target;
  pool_limit_.store(target, std::memory_order_relaxed);
}

int ExecutorManager::add_slot_locked(Slot** out) {
  int err = WG_ENOMEM;
  std::shared_ptr<Executor> ex = factory_(cfg_.workers_per_pool, &err);
  if (!ex) return err;
  auto slot = std::make_unique<Slot>();
  slot->id = next_slot_id_++;
  slot->executor = ex;
  slot->idle_since_ns = now_ns();
  std::weak_ptr<ExecutorManager> weak = weak_from_this();
  uint64_t id = slot->id;
  ex->set_idle_hook([weak, id] {
    if (auto m = weak.lock()) m->on_executor_idle(id);
  });
  *out = slot.get();
  slots_.push_back(std::move(slot));
  ++started_pools_;
  return WG_OK;
}

// An available executor, creating one if fewer than the cap exist. The most
// recently idle one is reused, so that the others can reach idle_pool_seconds.
int ExecutorManager::take_slot_locked(Slot** out) {
  Slot* best = nullptr;
  for (auto& s : slots_)
    if (s->state == Slot::kAvailable && (!best || s->idle_since_ns > best->idle_since_ns))
      best = s.get();
  if (best) {
    *out = best;
    return WG_OK;
  }
  if (slots_.size() >= cap_locked()) return WG_EUNAVAILABLE;
  return add_slot_locked(out);
}

void ExecutorManager::make_available_locked(Slot* slot, uint64_t now) {
  slot->state = Slot::kAvailable;
  slot->lease = nullptr;
  slot->idle_since_ns = now;
  if (slots_.size() > floor_locked())
    wake_housekeeping_locked(deadline_after(now, seconds_to_ns(cfg_.idle_pool_seconds)));
}

// Keeps at least the floor running (after revocations, or when the target grew).
void ExecutorManager::grow_to_floor_locked(LogLines& log) {
  while (slots_.size() < floor_locked()) {
    Slot* s;
    int rc = add_slot_locked(&s);
    if (rc != WG_OK) {
      log.addf(WG_LOG_ERROR, "could not start an executor (error %d); %zu running", rc,
               slots_.size());
      return;
    }
  }
}

void ExecutorManager::retire_slot_locked(size_t index, Aftermath* after) {
  std::shared_ptr<Executor> ex = slots_[index]->executor;
  // Available, so normally nothing is left unstarted; a submission that raced
  // with the release may have been, and still gets its outcome.
  UnstartedTasks t = ex->retire();
  if (!t.empty()) after->unstarted.emplace_back(ex, std::move(t));
  retired_.push_back({ex, true});
  slots_.erase(slots_.begin() + static_cast<std::ptrdiff_t>(index));
  wake_housekeeping_locked(0);  // to join its threads
}

// Above the cap (the target shrank): idle executors go at once, the longest
// idle first; leased and draining ones when they come back.
void ExecutorManager::shrink_to_cap_locked(Aftermath* after) {
  while (slots_.size() > cap_locked()) {
    size_t oldest = slots_.size();
    for (size_t i = 0; i < slots_.size(); ++i)
      if (slots_[i]->state == Slot::kAvailable &&
          (oldest == slots_.size() || slots_[i]->idle_since_ns < slots_[oldest]->idle_since_ns))
        oldest = i;
    if (oldest == slots_.size()) return;
    retire_slot_locked(oldest, after);
  }
}

// Above the floor: executors idle for idle_pool_seconds go.
void ExecutorManager::retire_idle_locked(uint64_t now, Aftermath* after) {
  const uint64_t idle_ns = seconds_to_ns(cfg_.idle_pool_seconds);
  for (size_t i = 0; i < slots_.size() && slots_.size() > floor_locked();) {
    Slot* s = slots_[i].get();
    if (s->state == Slot::kAvailable && deadline_after(s->idle_since_ns, idle_ns) <= now)
      retire_slot_locked(i, after);
    else
      ++i;
  }
}

std::shared_ptr<Lease> ExecutorManager::lease_slot_locked(Slot* slot, uint64_t lease_ns,
                                                          const std::string& owner, LogLines& log) {
  uint64_t now = now_ns();
  uint64_t soft = deadline_after(now, lease_ns);
  uint64_t hard = deadline_after(soft, seconds_to_ns(cfg_.lease_grace_seconds));
  auto lease = std::make_shared<Lease>(shared_from_this(), slot->executor, next_lease_id_++, owner,
                                       soft, hard, slot->id);
  leases_.push_back(lease);
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
    unlink_locked(r);
    r->served(r, WG_OK, lease_slot_locked(slot, r->lease_ns, r->owner, log));
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
  if (rc == WG_OK) *out = lease_slot_locked(slot, req.lease_ns, req.owner, log);
  return rc;
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
  Aftermath after;
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
          after.leases.push_back(std::move(*it));  // dropped unlocked
          leases_.erase(it);
          break;
        }
    }
    shrink_to_cap_locked(&after);
    serve_waiters_locked(log);
    // Tasks that never started get their outcome on the housekeeping thread,
    // as at expiry: never nested inside the caller's release (which may run
    // in a done callback or on a grinder's loop thread).
    for (auto& u : after.unstarted) handback_.push_back(std::move(u));
    after.unstarted.clear();
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
    std::shared_ptr<Executor> ex = (*it)->executor;
    UnstartedTasks t = ex->retire();
    if (!t.empty()) after->unstarted.emplace_back(ex, std::move(t));
    retired_.push_back({ex, false});
    slots_.erase(it);
    wake_housekeeping_locked(0);  // to join its threads
  }
  for (auto l = leases_.begin(); l != leases_.end(); ++l)
    if (l->get() == lease) {
      after->leases.push_back(std::move(*l));
      leases_.erase(l);
      break;
    }
}

// Revokes a lease past its hard expiry and replaces its executor.
void ExecutorManager::expire_locked(Lease* lease, Aftermath* after, LogLines& log) {
  size_t capacity = std::min<uint64_t>(slots_.size(), cap_locked());
  std::string owner = lease->owner();
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

// Joins the threads of retired executors (a thread still inside a task is
// left to finish on its own); counts those retired by shrinking.
void ExecutorManager::reap_retired() {
  std::vector<Retired> retired;
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
      std::vector<Lease*> due;
      for (auto& l : leases_)
        if (l->hard_ns() <= now) due.push_back(l.get());
      for (Lease* l : due) expire_locked(l, &after, log);  // after keeps each alive
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
    for (auto& u : handback_) after.unstarted.push_back(std::move(u));
    handback_.clear();
    lk.unlock();
    log.flush();
  }
  after.finish();
  reap_retired();
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
