// Grinder: creation, lifecycle, submission, cancellation and stats. The loop
// thread's side is in grinder_loop.cpp.
#include "grinder.hpp"

#include <pthread.h>

#include <new>

#include "clock.hpp"
#include "full_barrier.hpp"

namespace wg {

namespace {
thread_local const Grinder* tls_loop_grinder = nullptr;
}

int Grinder::create(const Config& cfg, std::shared_ptr<ExecutorManager> manager, Grinder** out,
                    std::string* err) {
  if (config_validate(cfg, err) != WG_OK) return WG_EINVAL;
  bool owns = !manager;
  if (!owns && (cfg.worker_on_start || cfg.worker_on_stop)) {
    *err = "worker hooks belong to the shared manager's conf";
    return WG_EINVAL;
  }
  if (owns) {
    manager = ExecutorManager::create(cfg);
    if (!manager) return WG_ENOMEM;
  }
  Grinder* g = new (std::nothrow) Grinder(cfg, std::move(manager), owns);
  if (!g) return WG_ENOMEM;
  *out = g;
  return WG_OK;
}

Grinder::Grinder(const Config& cfg, std::shared_ptr<ExecutorManager> manager, bool owns_manager)
    : cfg_(cfg),
      max_wait_ns_(seconds_to_ns(cfg.max_wait_seconds)),
      lease_ns_(seconds_to_ns(cfg.lease_seconds)),
      logger_(cfg.log_fn, cfg.log_opaque),
      manager_(std::move(manager)),
      owns_manager_(owns_manager) {
  producers_.close_and_wait();
  control_gate_.close_and_wait();
}

Grinder::~Grinder() {
  // wg_destroy stopped us; the loop is closed and joined.
  if (loop_thread_.joinable()) loop_thread_.detach();
}

bool Grinder::on_loop_thread() const { return tls_loop_grinder == this; }
bool Grinder::any_loop_thread() { return tls_loop_grinder != nullptr; }

int Grinder::start() {
  {
    std::unique_lock<std::mutex> lk(lifecycle_mu_);
    lifecycle_cv_.wait(lk, [&] { return lifecycle_.load() != kLifecycleStarting; });
    int state = lifecycle_.load(std::memory_order_acquire);
    if (state == kLifecycleRunning) return WG_OK;
    if (state == kLifecycleStopping) return WG_ESTOPPING;
    lifecycle_.store(kLifecycleStarting, std::memory_order_release);
  }
  int rc = start_loop();
  {
    std::lock_guard<std::mutex> lk(lifecycle_mu_);
    lifecycle_.store(rc == WG_OK ? kLifecycleRunning : kLifecycleStopped,
                     std::memory_order_release);
    lifecycle_cv_.notify_all();
  }
  if (rc != WG_OK) return rc;
  control_gate_.open();
  producers_.open();
  logger_.logf(WG_LOG_INFO, "grinder started: batch_size_threshold %llu, max_wait_seconds %g",
               static_cast<unsigned long long>(cfg_.batch_size_threshold), cfg_.max_wait_seconds);
  return WG_OK;
}

// Starts the manager (if private) and the loop thread; undoes both on failure.
int Grinder::start_loop() {
  if (owns_manager_) {
    int rc = manager_->start();
    if (rc != WG_OK) return rc;
  } else if (!manager_->started()) {
    return WG_ENOTSTARTED;
  }
  if (uv_loop_init(&loop_) != 0) {
    if (owns_manager_) manager_->stop();
    return WG_ENOMEM;
  }
  uv_async_init(&loop_, &async_, &Grinder::on_async);
  uv_timer_init(&loop_, &timer_);
  async_.data = this;
  timer_.data = this;
  closing_ = false;
  backlog_due_ = false;
  timer_due_ns_ = 0;
  stop_request_.store(kNoStop, std::memory_order_relaxed);
  wake_flag_.store(false, std::memory_order_relaxed);
  try {
    loop_thread_ = std::thread([this] { loop_main(); });
  } catch (const std::system_error&) {
    uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
    if (owns_manager_) manager_->stop();
    return WG_ENOMEM;
  }
  return WG_OK;
}

void Grinder::request_stop(StopRequest mode) {
  uint32_t cur = stop_request_.load(std::memory_order_acquire);
  while (cur < mode && !stop_request_.compare_exchange_weak(cur, mode, std::memory_order_acq_rel)) {
  }
  if (control_gate_.enter()) {
    wake();
    control_gate_.leave();
  }
}

int Grinder::stop(bool cancel) {
  if (on_loop_thread()) return WG_EWRONGTHREAD;
  std::unique_lock<std::mutex> lk(lifecycle_mu_);
  lifecycle_cv_.wait(lk, [&] { return lifecycle_.load() != kLifecycleStarting; });
  int state = lifecycle_.load(std::memory_order_acquire);
  if (state == kLifecycleStopped) return WG_OK;
  if (state == kLifecycleStopping) {  // another thread is stopping: escalate if asked, then wait
    if (cancel) request_stop(kCancelStop);
    lifecycle_cv_.wait(lk, [&] { return lifecycle_.load() == kLifecycleStopped; });
    return WG_OK;
  }
  lifecycle_.store(kLifecycleStopping, std::memory_order_release);
  lk.unlock();

  producers_.close_and_wait();  // from here on no producer can push
  logger_.logf(WG_LOG_INFO, "grinder stopping (%s)", cancel ? "cancel" : "drain");
  request_stop(cancel ? kCancelStop : kDrainStop);
  loop_thread_.join();
  uv_loop_close(&loop_);
  if (owns_manager_) manager_->stop();

  lk.lock();
  lifecycle_.store(kLifecycleStopped, std::memory_order_release);
  lifecycle_cv_.notify_all();
  lk.unlock();
  logger_.logf(WG_LOG_INFO, "grinder stopped");
  return WG_OK;
}

void Grinder::loop_main() {
  pthread_setname_np(pthread_self(), "wg-loop");
  tls_loop_grinder = this;
  uv_run(&loop_, UV_RUN_DEFAULT);
  tls_loop_grinder = nullptr;
}

void Grinder::wake() {
  full_barrier();
  if (!wake_flag_.load(std::memory_order_seq_cst) &&
      !wake_flag_.exchange(true, std::memory_order_seq_cst))
    uv_async_send(&async_);
}

int Grinder::submit(WorkItem* it) {
  ProducerShards::Shard* shard = producers_.enter();
  if (!shard) {
    counters_.rejected.fetch_add(1, std::memory_order_relaxed);
    return lifecycle_.load(std::memory_order_acquire) == kLifecycleStopping ? WG_ESTOPPING
                                                                            : WG_ENOTSTARTED;
  }
  if (cfg_.max_pending > 0 &&
      counters_.pending_slots.fetch_add(1, std::memory_order_acq_rel) >= cfg_.max_pending) {
    counters_.pending_slots.fetch_sub(1, std::memory_order_acq_rel);
    ProducerShards::leave(shard);
    counters_.rejected.fetch_add(1, std::memory_order_relaxed);
    return WG_EFULL;
  }
  if (it->is_future()) {
    it->extras->grinder = this;
    ref();
  }
  // Only an item that may be the oldest pending one reads the clock here. The
  // others are stamped by the loop when it takes them, a few microseconds
  // later (never earlier, so no flush comes early); under a flood that saves
  // a clock read per item.
  shard->submitted.fetch_add(1, std::memory_order_acq_rel);
  if (oldest_ns_.load(std::memory_order_relaxed) == 0) {
    it->submit_ns = now_ns();
    uint64_t zero = 0;
    oldest_ns_.compare_exchange_strong(zero, it->submit_ns, std::memory_order_relaxed);
  }
  shard->inbound.push(it);
  wake();
  ProducerShards::leave(shard);
  return WG_OK;
}

int Grinder::cancel(WorkItem* it) {
  uint8_t st = it->state.load(std::memory_order_acquire);
  do {
    if (st == kFinished || st == kCancelled) return WG_EALREADY;
  } while (!it->state.compare_exchange_weak(st, kCancelled, std::memory_order_acq_rel));
  it->set_outcome(WG_ECANCELED, 0, nullptr);
  if (st == kQueued) {
    counters_.cancelled_pending.fetch_add(1, std::memory_order_acq_rel);
    if (cfg_.max_pending > 0) counters_.pending_slots.fetch_sub(1, std::memory_order_acq_rel);
    // Let the loop drop it from the pending queue and re-aim its timer.
    sweep_request_.store(true, std::memory_order_release);
    if (control_gate_.enter()) {
      wake();
      control_gate_.leave();
    }
  } else {
    counters_.cancelled_inflight.fetch_add(1, std::memory_order_acq_rel);
  }
  if (logger_.enabled())
    logger_.logf(WG_LOG_DEBUG, "item%s%s cancelled %s", it->owner() ? " of " : "",
                 it->owner() ? it->owner() : "", st == kQueued ? "while pending" : "in flight");
  if (it->is_future()) it->publish_future();
  return WG_OK;
}

void Grinder::stats(wg_stats_t* out) const {
  GrinderCounters::Snapshot s = counters_.snapshot(producers_);
  int state = lifecycle_.load(std::memory_order_acquire);
  out->started = state == kLifecycleRunning || state == kLifecycleStopping;
  out->stopping = state == kLifecycleStopping;
  out->pending = s.pending;
  out->batch_size_threshold = cfg_.batch_size_threshold;
  out->max_wait_seconds = cfg_.max_wait_seconds;
  out->lease_seconds = cfg_.lease_seconds;
  uint64_t oldest = oldest_ns_.load(std::memory_order_acquire);
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
}

}  // namespace wg
