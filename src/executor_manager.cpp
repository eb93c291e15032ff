#include "executor_manager.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <new>

#include "clock.hpp"
#include "thread_pool_executor.hpp"
#include "workgrinder/workgrinder.h"

namespace wg {

namespace {

std::chrono::steady_clock::time_point to_time_point(uint64_t ns) {
  // steady_clock is CLOCK_MONOTONIC, the clock of now_ns().
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns));
}

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
    : cfg_(cfg), factory_(std::move(factory)), logger_(cfg.log_fn, cfg.log_opaque) {}

ExecutorManager::~ExecutorManager() {
  stop();
  if (expiry_thread_.joinable()) expiry_thread_.detach();  // destroyed on its own thread
}

bool ExecutorManager::started() const {
  std::lock_guard<std::mutex> lk(mu_);
  return running_;
}

int ExecutorManager::start() {
  LogLines log(logger_);
  std::unique_lock<std::mutex> lk(mu_);
  if (running_) return WG_OK;
  if (expiry_thread_.joinable()) return WG_ESTOPPING;  // a stop is still joining it
  for (uint64_t i = 0; i < cfg_.min_pools; ++i) {
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
  try {
    expiry_thread_ = std::thread([this] { expiry_main(); });
  } catch (const std::system_error&) {
    running_ = false;
    retire_all_slots_locked(nullptr);
    lk.unlock();
    reap_retired();
    return WG_ENOMEM;
  }
  log.addf(WG_LOG_INFO, "manager started: %zu executor(s) of %llu worker(s), at most %llu",
           slots_.size(), static_cast<unsigned long long>(cfg_.workers_per_pool),
           static_cast<unsigned long long>(cfg_.max_pools));
  return WG_OK;
}

int ExecutorManager::stop() {
  Unstarted unstarted;
  std::thread expiry;
  {
    LogLines log(logger_);
    std::unique_lock<std::mutex> lk(mu_);
    if (!running_ && !expiry_thread_.joinable()) return WG_OK;
    running_ = false;
    while (wait_head_) {
      LeaseRequest* r = wait_head_;
      unlink_locked(r);
      r->served(r, WG_ESTOPPING, nullptr);
    }
    while (!leases_.empty()) revoke_locked(leases_.front().get(), &unstarted);
    retire_all_slots_locked(&unstarted);
    expiry = std::move(expiry_thread_);
    log.addf(WG_LOG_INFO, "manager stopped");
    lk.unlock();
    log.flush();
  }
  expiry_cv_.notify_all();
  if (expiry.joinable()) {
    if (expiry.get_id() == std::this_thread::get_id())
      expiry.detach();
    else
      expiry.join();
  }
  finish_unlocked(unstarted);
  return WG_OK;
}

// Retires every executor; their unstarted tasks go to *unstarted (none exist
// when the manager never ran).
void ExecutorManager::retire_all_slots_locked(Unstarted* unstarted) {
  for (auto& slot : slots_) {
    UnstartedTasks t = slot->executor->retire();
    if (unstarted && !t.empty()) unstarted->emplace_back(slot->executor, std::move(t));
    retired_.push_back(slot->executor);
  }
  slots_.clear();
}

int ExecutorManager::add_slot_locked(Slot** out) {
  int err = WG_ENOMEM;
  std::shared_ptr<Executor> ex = factory_(cfg_.workers_per_pool, &err);
  if (!ex) return err;
  auto slot = std::make_unique<Slot>();
  slot->id = next_slot_id_++;
  slot->executor = ex;
  std::weak_ptr<ExecutorManager> weak = weak_from_this();
  uint64_t id = slot->id;
  ex->set_idle_hook([weak, id] {
    if (auto m = weak.lock()) m->on_executor_idle(id);
  });
  *out = slot.get();
  slots_.push_back(std::move(slot));
  return WG_OK;
}

// An available executor, creating one if fewer than max_pools exist.
int ExecutorManager::take_slot_locked(Slot** out) {
  for (auto& s : slots_) {
    if (s->state == Slot::kAvailable) {
      *out = s.get();
      return WG_OK;
    }
  }
  if (slots_.size() >= cfg_.max_pools) return WG_EUNAVAILABLE;
  return add_slot_locked(out);
}

std::shared_ptr<Lease> ExecutorManager::lease_slot_locked(Slot* slot, uint64_t lease_ns,
                                                          const std::string& owner, LogLines& log) {
  uint64_t now = now_ns();
  uint64_t soft = now + lease_ns;
  uint64_t hard = soft + seconds_to_ns(cfg_.lease_grace_seconds);
  auto lease = std::make_shared<Lease>(shared_from_this(), slot->executor, next_lease_id_++, owner,
                                       soft, hard, slot->id);
  leases_.push_back(lease);
  slot->state = Slot::kLeased;
  slot->lease = lease.get();
  if (hard < expiry_wake_ns_) expiry_cv_.notify_one();
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
    auto deadline = to_time_point(now_ns() + seconds_to_ns(timeout_seconds));
    if (!req.cv.wait_until(lk, deadline, [&] { return req.done; })) {
      unlink_locked(&req);
      return WG_ETIMEDOUT;
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

int ExecutorManager::release(Lease* lease) {
  LogLines log(logger_);
  std::lock_guard<std::mutex> lk(mu_);
  if (lease->state() != Lease::kActive) return WG_ELEASE;
  lease->state_.store(Lease::kReleased, std::memory_order_release);
  Slot* slot = find_slot_locked(lease->slot_id_);
  if (slot) {
    slot->lease = nullptr;
    slot->state = slot->executor->outstanding() == 0 ? Slot::kAvailable : Slot::kDraining;
  }
  log.addf(WG_LOG_DEBUG, "lease %llu released by %s%s",
           static_cast<unsigned long long>(lease->id()), lease->owner().c_str(),
           slot && slot->state == Slot::kDraining ? " (draining running work)" : "");
  leases_.erase(std::remove_if(leases_.begin(), leases_.end(),
                               [&](const std::shared_ptr<Lease>& l) { return l.get() == lease; }),
                leases_.end());
  serve_waiters_locked(log);
  return WG_OK;
}

void ExecutorManager::on_executor_idle(uint64_t slot_id) {
  LogLines log(logger_);
  std::lock_guard<std::mutex> lk(mu_);
  Slot* slot = find_slot_locked(slot_id);
  if (!slot || slot->state != Slot::kDraining || slot->executor->outstanding() != 0) return;
  slot->state = Slot::kAvailable;
  serve_waiters_locked(log);
}

ExecutorManager::Slot* ExecutorManager::find_slot_locked(uint64_t id) {
  for (auto& s : slots_)
    if (s->id == id) return s.get();
  return nullptr;
}

void ExecutorManager::revoke_locked(Lease* lease, Unstarted* unstarted) {
  lease->state_.store(Lease::kRevoked, std::memory_order_release);
  auto it = std::find_if(slots_.begin(), slots_.end(),
                         [&](const std::unique_ptr<Slot>& s) { return s->id == lease->slot_id_; });
  if (it != slots_.end()) {
    std::shared_ptr<Executor> ex = (*it)->executor;
    UnstartedTasks t = ex->retire();
    if (!t.empty()) unstarted->emplace_back(ex, std::move(t));
    retired_.push_back(ex);
    slots_.erase(it);
  }
  leases_.erase(std::remove_if(leases_.begin(), leases_.end(),
                               [&](const std::shared_ptr<Lease>& l) { return l.get() == lease; }),
                leases_.end());
}

void ExecutorManager::finish_unlocked(Unstarted& unstarted) {
  for (auto& u : unstarted) u.first->hand_back(u.second, WG_ELEASE);
  unstarted.clear();
  reap_retired();
}

void ExecutorManager::reap_retired() {
  std::vector<std::shared_ptr<Executor>> retired;
  {
    std::lock_guard<std::mutex> lk(mu_);
    retired.swap(retired_);
  }
  for (auto& ex : retired) ex->reap();
}

void ExecutorManager::expiry_main() {
  pthread_setname_np(pthread_self(), "wg-expiry");
  std::unique_lock<std::mutex> lk(mu_);
  while (running_) {
    uint64_t now = now_ns();
    uint64_t wake = now + seconds_to_ns(cfg_.check_interval_seconds);
    for (auto& l : leases_) wake = std::min(wake, l->hard_ns());
    if (wake > now) {
      expiry_wake_ns_ = wake;
      expiry_cv_.wait_until(lk, to_time_point(wake));
      expiry_wake_ns_ = 0;
      continue;  // re-evaluate: a new lease may expire sooner, or we were stopped
    }
    Unstarted unstarted;
    LogLines log(logger_);
    std::vector<std::shared_ptr<Lease>> due;
    size_t capacity = slots_.size();
    for (auto& l : leases_)
      if (l->hard_ns() <= now) due.push_back(l);
    for (auto& l : due) {
      revoke_locked(l.get(), &unstarted);
      ++expired_;
      log.addf(WG_LOG_WARNING, "lease %llu of %s expired: executor retired and replaced",
               static_cast<unsigned long long>(l->id()), l->owner().c_str());
    }
    // Keep capacity up: a fresh executor for each retired one.
    while (slots_.size() < capacity) {
      Slot* s;
      if (add_slot_locked(&s) != WG_OK) break;
    }
    serve_waiters_locked(log);
    lk.unlock();
    log.flush();
    finish_unlocked(unstarted);
    lk.lock();
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
  if (!leases) return;
  uint64_t now = now_ns();
  for (auto& l : leases_) {
    wg_lease_info_t info{};
    info.id = l->id();
    snprintf(info.owner, sizeof info.owner, "%s", l->owner().c_str());
    info.soft_remaining = ns_to_seconds(static_cast<int64_t>(l->soft_ns() - now));
    info.hard_remaining = ns_to_seconds(static_cast<int64_t>(l->hard_ns() - now));
    leases->push_back(info);
  }
}

}  // namespace wg
