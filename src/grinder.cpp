// Grinder: creation, lifecycle (start and the two stops), submission,
// cancellation and stats. The loop thread's side is in grinder_loop.cpp.
#include "grinder.hpp"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <new>

#include "clock.hpp"
#include "descriptors.hpp"
#include "thread_roles.hpp"
#include "thread_start.hpp"

namespace wg {

int Grinder::create(const Config& cfg, std::shared_ptr<ExecutorManager> manager, Grinder** out,
                    std::string* err) {
  if (config_validate(cfg, err) != WG_OK) return WG_EINVAL;
  bool owns = !manager;
  if (!owns && (cfg.worker_on_start || cfg.worker_on_stop)) {
    *err = "worker hooks belong to the shared manager's conf";
    return WG_EINVAL;
  }
  if (owns) {
    // A private manager has a pool for every batch the grinder may run at once.
    Config manager_cfg = cfg;
    manager_cfg.max_pools = std::max(cfg.max_pools, cfg.max_inflight_batches);
    manager = ExecutorManager::create(manager_cfg);
    if (!manager) return WG_ENOMEM;
  }
  Grinder* g = new (std::nothrow) Grinder(cfg, std::move(manager), owns);
  if (!g) return WG_ENOMEM;
  *out = g;
  return WG_OK;
}

Grinder::Grinder(const Config& cfg, std::shared_ptr<ExecutorManager> manager, bool owns_manager)
    : cfg_(cfg),
      logger_(cfg.log_fn, cfg.log_opaque),
      owns_manager_(owns_manager),
      admission_(cfg_.max_pending, counters_, mailbox_),
      delivery_(counters_, logger_),
      policy_(cfg_, counters_, admission_),
      dispatcher_(cfg_, std::move(manager), counters_, delivery_, mailbox_, logger_),
      reporter_(cfg_.stats_fn, cfg_.stats_interval_seconds, cfg_.stats_opaque) {
  control_gate_.close_and_wait();  // closed until started
  counters_.metrics.enabled = cfg_.histograms != 0;
}

bool Grinder::on_loop_thread() const { return ThreadRole::loop() == this; }
bool Grinder::any_loop_thread() { return ThreadRole::loop() != nullptr; }
// A batch knows its grinder only by its mailbox: that is the workers' mark.
bool Grinder::on_own_worker() const { return ThreadRole::running_for() == &mailbox_; }

int Grinder::start() {
  {
    std::unique_lock<std::mutex> lk(lifecycle_mu_);
    lifecycle_cv_.wait(lk, [&] { return lifecycle_.load() != kLifecycleStarting; });
    int state = lifecycle_.load(std::memory_order_acquire);
    if (state == kLifecycleRunning) return WG_OK;
    if (state == kLifecycleStopping) return WG_ESTOPPING;
    lifecycle_.store(kLifecycleStarting, std::memory_order_release);
  }
  int rc;
  try {
    rc = start_loop();
  } catch (...) {  // out of memory in the manager's start: never stay "starting"
    rc = WG_ENOMEM;
  }
  // The gates open while we are still "starting": a stop waits until start
  // is over, so it cannot close them first and then have them reopened (its
  // producers would push to a loop that is closing).
  if (rc == WG_OK) {
    control_gate_.open();
    admission_.open();
  }
  {
    std::lock_guard<std::mutex> lk(lifecycle_mu_);
    lifecycle_.store(rc == WG_OK ? kLifecycleRunning : kLifecycleStopped,
                     std::memory_order_release);
    lifecycle_cv_.notify_all();
  }
  if (rc != WG_OK) return rc;
  warn_if_few_pools();
  logger_.logf(WG_LOG_INFO, "grinder started: batch_size_threshold %llu, max_wait_seconds %g",
               static_cast<unsigned long long>(cfg_.batch_size_threshold), cfg_.max_wait_seconds);
  return WG_OK;
}

// A shared manager with fewer pools than batches in flight makes batches wait
// for a lease; said once per grinder.
void Grinder::warn_if_few_pools() {
  if (owns_manager_) return;
  uint64_t pools = dispatcher_.manager().max_pools();
  {
    std::lock_guard<std::mutex> lk(lifecycle_mu_);
    if (pools >= cfg_.max_inflight_batches || pool_warning_logged_) return;
    pool_warning_logged_ = true;
  }
  logger_.logf(WG_LOG_WARNING,
               "shared manager has max_pools %llu, fewer than max_inflight_batches %llu: batches "
               "beyond %llu wait for a lease",
               static_cast<unsigned long long>(pools),
               static_cast<unsigned long long>(cfg_.max_inflight_batches),
               static_cast<unsigned long long>(pools));
}

// Starts the manager (if private) and the loop thread; undoes both on failure.
int Grinder::start_loop() {
  // libuv aborts instead of failing when it cannot get its descriptors.
  if (!descriptors_available(kLoopDescriptors)) return WG_ENOMEM;
  if (dispatcher_.reserve() != WG_OK) return WG_ENOMEM;
  ExecutorManager& manager = dispatcher_.manager();
  if (owns_manager_) {
    int rc = manager.start();
    if (rc != WG_OK) return rc;
  } else if (!manager.started()) {
    return WG_ENOTSTARTED;
  }
  if (uv_loop_init(&loop_) != 0) {
    if (owns_manager_) manager.stop();
    return WG_ENOMEM;
  }
  if (uv_async_init(&loop_, &mailbox_.async, &Grinder::on_async) != 0) {  // no descriptor left
    uv_loop_close(&loop_);
    if (owns_manager_) manager.stop();
    return WG_ENOMEM;
  }
  mailbox_.async.data = this;
  timer_.init(&loop_, &Grinder::on_timer, this);
  reporter_.init(
      &loop_, [](void* g) { return static_cast<Grinder*>(g)->stats_json(); }, this);
  closing_ = false;
  loop_exited_ = false;  // no loop thread yet: nobody else writes it
  policy_.reset();
  stop_request_.store(kNoStop, std::memory_order_relaxed);
  producers_shut_out_.store(false, std::memory_order_relaxed);
  mailbox_.wake_flag.store(false, std::memory_order_relaxed);
  try {
    loop_thread_ = start_thread([this] { loop_main(); });
  } catch (const std::exception&) {  // no thread (system_error) or no memory for its state
    uv_close(reinterpret_cast<uv_handle_t*>(&mailbox_.async), nullptr);
    timer_.close();
    reporter_.close();
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
    if (owns_manager_) manager.stop();
    return WG_ENOMEM;
  }
  return WG_OK;
}

// Wakes the loop for a stop or a sweep, unless it has closed.
void Grinder::wake_for_control() {
  if (control_gate_.enter()) {
    mailbox_.wake();
    control_gate_.leave();
  }
}

void Grinder::request_stop(StopRequest mode) {
  uint32_t cur = stop_request_.load(std::memory_order_acquire);
  while (cur < mode && !stop_request_.compare_exchange_weak(cur, mode, std::memory_order_acq_rel)) {
  }
  wake_for_control();
}

int Grinder::stop(bool cancel, double drain_seconds) {
  if (on_loop_thread()) return WG_EWRONGTHREAD;
  using Clock = std::chrono::steady_clock;
  const bool bounded = !cancel && drain_seconds >= 0;
  // Beyond a year the bound is no bound (and time_point arithmetic could overflow).
  const Clock::time_point drain_end =
      bounded && drain_seconds < 3e7
          ? Clock::now() + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(drain_seconds))
          : Clock::time_point::max();
  auto stopped = [&] { return lifecycle_.load() == kLifecycleStopped; };
  std::unique_lock<std::mutex> lk(lifecycle_mu_);
  lifecycle_cv_.wait(lk, [&] { return lifecycle_.load() != kLifecycleStarting; });
  int state = lifecycle_.load(std::memory_order_acquire);
  if (state == kLifecycleStopped) return WG_OK;
  if (state == kLifecycleStopping) {  // another thread is stopping: escalate if asked, then wait
    if (cancel) request_stop(kCancelStop);
    int rc = WG_OK;
    if (bounded && !lifecycle_cv_.wait_until(lk, drain_end, stopped)) {
      request_stop(kCancelStop);
      rc = WG_ETIMEDOUT;
    }
    lifecycle_cv_.wait(lk, stopped);
    return rc;
  }
  lifecycle_.store(kLifecycleStopping, std::memory_order_release);
  lk.unlock();

  admission_.close_and_wait();  // from here on no producer can push
  producers_shut_out_.store(true, std::memory_order_release);
  logger_.logf(WG_LOG_INFO, "grinder stopping (%s)", cancel ? "cancel" : "drain");
  request_stop(cancel ? kCancelStop : kDrainStop);
  int rc = WG_OK;
  if (bounded) {  // the loop says when it has drained (loop_main); past the bound, cancel
    lk.lock();
    if (!lifecycle_cv_.wait_until(lk, drain_end, [&] { return loop_exited_; })) rc = WG_ETIMEDOUT;
    lk.unlock();
    if (rc == WG_ETIMEDOUT) {
      logger_.logf(WG_LOG_WARNING, "grinder drain not finished after %g s: cancelling the rest",
                   drain_seconds);
      request_stop(kCancelStop);
    }
  }
  loop_thread_.join();
  uv_loop_close(&loop_);
  if (owns_manager_) dispatcher_.manager().stop();

  lk.lock();
  lifecycle_.store(kLifecycleStopped, std::memory_order_release);
  lifecycle_cv_.notify_all();
  lk.unlock();
  logger_.logf(WG_LOG_INFO, "grinder stopped");
  return rc;
}

void Grinder::loop_main() {
  pthread_setname_np(pthread_self(), "wg-loop");
  ThreadRole::set_loop(this);
  uv_run(&loop_, UV_RUN_DEFAULT);
  ThreadRole::set_loop(nullptr);
  std::lock_guard<std::mutex> lk(lifecycle_mu_);  // a bounded stop waits for this
  loop_exited_ = true;
  lifecycle_cv_.notify_all();
}

int Grinder::submit(WorkItem* it, double admit_timeout_seconds) {
  // A loop thread that waited for room could be the one that makes it.
  if (admit_timeout_seconds != 0 && any_loop_thread()) {
    count_rejected();
    return WG_EWRONGTHREAD;
  }
  // Beyond a year a wait has no limit (and stays clear of int64 overflow).
  int64_t wait_ns = admit_timeout_seconds < 0 || admit_timeout_seconds > 3e7
                        ? -1
                        : static_cast<int64_t>(seconds_to_ns(admit_timeout_seconds));
  if (admit_timeout_seconds > 0 && wait_ns == 0) wait_ns = 1;  // still a wait, however short
  if (it->is_future()) {  // before the push: the outcome may follow at once
    it->extras->grinder = this;
    ref();
  }
  int rc = admission_.admit(it, wait_ns);
  if (rc == WG_OK) return WG_OK;
  if (it->is_future()) {
    it->extras->grinder = nullptr;
    unref();
  }
  if (rc != Admission::kClosed) return rc;
  return lifecycle_.load(std::memory_order_acquire) == kLifecycleStopping ? WG_ESTOPPING
                                                                          : WG_ENOTSTARTED;
}

int Grinder::cancel(WorkItem* it) {
  uint8_t st;
  do {
    st = it->state.load(std::memory_order_acquire);
    if (st == kFinished || st == kCancelled) return WG_EALREADY;
  } while (!it->try_transition(st, kCancelled));
  if (st == kQueued) {
    counters_.cancelled_pending.fetch_add(1, std::memory_order_acq_rel);
    admission_.release_slots(1);
    // Let the loop drop it from the pending queue and re-aim its timer.
    sweep_request_.store(true, std::memory_order_release);
    wake_for_control();
  } else {
    counters_.cancelled_inflight.fetch_add(1, std::memory_order_acq_rel);
  }
  if (logger_.enabled())
    logger_.logf(WG_LOG_DEBUG, "item%s%s cancelled %s", it->owner() ? " of " : "",
                 it->owner() ? it->owner() : "", st == kQueued ? "while pending" : "in flight");
  delivery_.deliver_cancelled(it);
  return WG_OK;
}

void Grinder::stats(wg_stats_t* out) const {
  GrinderCounters::Snapshot s = counters_.snapshot(admission_.producers());
  int state = lifecycle_.load(std::memory_order_acquire);
  out->started = state == kLifecycleRunning || state == kLifecycleStopping;
  out->stopping = state == kLifecycleStopping;
  out->pending = s.pending;
  out->batch_size_threshold = cfg_.batch_size_threshold;
  out->max_wait_seconds = cfg_.max_wait_seconds;
  out->lease_seconds = cfg_.lease_seconds;
  uint64_t oldest = admission_.oldest_ns();
  uint64_t now = now_ns();
  out->oldest_wait_seconds = (s.pending > 0 && oldest != 0 && now > oldest)
                                 ? ns_to_seconds(static_cast<int64_t>(now - oldest))
                                 : 0;
  out->submitted = s.submitted;
  out->completed = s.completed;
  out->failed = s.failed;
  out->cancelled = s.cancelled;
  out->rejected = s.rejected;
  out->batches = s.batches;
  out->inflight_items = s.inflight_items;
  out->inflight_batches = s.inflight_batches;
  out->expired = s.expired;
  out->admission_waits = s.admission_waits;
}

}  // namespace wg
