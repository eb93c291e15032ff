// Grinder, loop-thread side: draining the queues, batching, leasing, timer
// flushes, delivering outcomes and the two kinds of stop. Everything here runs
// on the loop thread.
#include <algorithm>
#include <cmath>
#include <new>

#include "batch_call.hpp"
#include "clock.hpp"
#include "full_barrier.hpp"
#include "grinder.hpp"

namespace wg {

void Grinder::on_async(uv_async_t* h) { static_cast<Grinder*>(h->data)->on_wake(); }

void Grinder::on_timer(uv_timer_t* h) {
  Grinder* g = static_cast<Grinder*>(h->data);
  g->timer_due_ns_ = 0;
  g->dispatch_ready();
  g->rearm_timer();
}

// Under the manager lock, on any thread: record the answer, wake the loop.
void Grinder::on_lease_served(LeaseRequest* req, int status, std::shared_ptr<Lease> lease) {
  Batch* b = static_cast<Batch*>(req->context);
  b->lease_status = status;
  b->lease = std::move(lease);
  b->grinder->grants_.push(b);
  b->grinder->wake();
}

void Grinder::on_wake() {
  wake_flag_.store(false, std::memory_order_seq_cst);
  full_barrier();
  take_grants();
  take_completions();
  take_inbound();
  if (sweep_request_.exchange(false, std::memory_order_acq_rel)) {
    // Many cancelled items in the middle: drop them too (amortized O(1)).
    if (pending_.size() - live_pending_in_queue() > pending_.size() / 2 + 64)
      cancelled_dropped_ += pending_.compact();
    publish_oldest();
  }
  dispatch_ready();
  advance_stop();
  rearm_timer();
  if (!leaving_batches_.empty()) free_left_batches(false);
}

// Takes every shard's inbound items into pending_, in the order each shard
// received them (so one thread's items keep their order). Items submitted
// while others were pending carry no time yet: they get the time of this
// drain. Shards are drained one after another, so the item taken first can be
// younger than one taken after it; when pending_ was empty, the front item
// takes the drain's oldest time, so that the timer is armed for the oldest
// item's deadline (the batch that flushes then holds that item).
void Grinder::take_inbound() {
  bool was_empty = pending_.empty();
  uint64_t oldest_ns = UINT64_MAX;
  uint64_t taken_ns = 0;
  for (size_t s = 0; s < ProducerShards::kShards; ++s) {
    MpscQueue& inbound = producers_.shard(s).inbound;
    while (MpscNode* n = inbound.pop()) {
      WorkItem* it = static_cast<WorkItem*>(n);
      if (it->state.load(std::memory_order_acquire) != kQueued) {
        it->leave_pipeline();  // cancelled before we saw it
        ++cancelled_dropped_;
        continue;
      }
      if (it->submit_ns == 0) {
        if (taken_ns == 0) taken_ns = now_ns();
        it->submit_ns = taken_ns;
      }
      oldest_ns = std::min(oldest_ns, it->submit_ns);
      pending_.push_back(it);
    }
  }
  if (oldest_ns == UINT64_MAX) return;
  if (was_empty) pending_.front()->submit_ns = oldest_ns;
  publish_oldest();
}

void Grinder::drop_cancelled_front() { cancelled_dropped_ += pending_.sweep_front(); }

// Live items in pending_: its size less the cancelled ones still linked
// (cancelled while pending, not yet dropped). An item cancelled while its push
// is still in progress is counted as linked: the estimate can only be low,
// and that push's own wake-up corrects it.
size_t Grinder::live_pending_in_queue() const {
  uint64_t cancelled = counters_.cancelled_pending.load(std::memory_order_acquire);
  uint64_t linked_dead = cancelled > cancelled_dropped_ ? cancelled - cancelled_dropped_ : 0;
  return pending_.size() > linked_dead ? pending_.size() - linked_dead : 0;
}

// Producers read oldest_ns_ on every submission: store only a change, so that
// its cache line is not taken from them at every wake-up.
void Grinder::publish_oldest() {
  drop_cancelled_front();
  uint64_t oldest = pending_.empty() ? 0 : pending_.front()->submit_ns;
  if (oldest_ns_.load(std::memory_order_relaxed) != oldest)
    oldest_ns_.store(oldest, std::memory_order_release);
}

void Grinder::take_grants() {
  while (MpscNode* n = grants_.pop()) {
    Batch* b = static_cast<Batch*>(n);
    if (b->lease_status != WG_OK) {
      logger_.logf(WG_LOG_WARNING, "batch %llu: no lease (%s)",
                   static_cast<unsigned long long>(b->id), wg_err_name(b->lease_status));
      for (WorkItem* it : b->items) fail_unsubmitted(b, it, b->lease_status);
      finish_batch(b);
      continue;
    }
    logger_.logf(WG_LOG_DEBUG, "batch %llu: lease %llu granted after waiting",
                 static_cast<unsigned long long>(b->id),
                 static_cast<unsigned long long>(b->lease->id()));
    run_batch(b);
  }
}

void Grinder::take_completions() {
  while (MpscNode* n = completions_.pop()) {
    WorkItem* it = static_cast<WorkItem*>(n);
    Batch* b = it->batch;
    ++b->received;  // its reference goes with the loop's (Batch::release_by_loop)
    item_returned(b, it);
  }
}

// A batch is due when the threshold is reached, the oldest item's wait is
// over, or a draining stop wants everything out.
void Grinder::dispatch_ready() {
  uint32_t stop = stop_request_.load(std::memory_order_acquire);
  if (stop == kCancelStop || closing_) return;
  while (batches_.size() < cfg_.max_inflight_batches) {
    drop_cancelled_front();
    if (pending_.empty()) return;
    bool due = backlog_due_ || now_ns() >= pending_.front()->submit_ns + max_wait_ns_;
    if (!(due || stop == kDrainStop || live_pending_in_queue() >= cfg_.batch_size_threshold))
      return;
    if (!dispatch_batch()) return;
  }
}

bool Grinder::dispatch_batch() {
  Batch* b = new (std::nothrow) Batch(this, next_batch_id_);
  if (!b) return false;  // retried at the next wake-up or timer
  size_t cap = cfg_.max_batch_size > 0 ? cfg_.max_batch_size : SIZE_MAX;
  try {
    b->items.reserve(std::min(pending_.size(), cap));
  } catch (const std::bad_alloc&) {
    delete b;
    return false;
  }
  while (b->items.size() < cap) {
    WorkItem* it = pending_.pop_front();
    if (!it) break;
    uint8_t expected = kQueued;
    if (!it->state.compare_exchange_strong(expected, kDispatched, std::memory_order_acq_rel)) {
      it->leave_pipeline();  // cancelled while pending
      ++cancelled_dropped_;
      continue;
    }
    it->batch = b;
    it->batch_index = static_cast<uint32_t>(b->items.size());
    b->items.push_back(it);
  }
  // Items left behind by the cap form the next batch as soon as a slot is
  // free, without waiting for their timer.
  publish_oldest();
  backlog_due_ = !pending_.empty();
  if (b->items.empty()) {
    delete b;
    return false;
  }
  b->batch_fn = cfg_.batch_fn;
  b->batch_opaque = cfg_.batch_opaque;
  ++next_batch_id_;
  size_t n = b->items.size();
  GrinderCounters::bump(counters_.dispatched, n);
  GrinderCounters::bump(counters_.batches);
  GrinderCounters::bump(counters_.inflight_batches);
  if (cfg_.max_pending > 0) counters_.pending_slots.fetch_sub(n, std::memory_order_acq_rel);
  b->unreturned = n;
  b->started_ns = now_ns();
  batches_.push_back(b);

  b->request.lease_ns = lease_ns_;
  b->request.owner = cfg_.owner_prefix + "-" + std::to_string(b->id);
  b->request.served = &Grinder::on_lease_served;
  b->request.context = b;
  logger_.logf(WG_LOG_INFO, "batch %llu started: %zu item(s), lease owner %s",
               static_cast<unsigned long long>(b->id), n, b->request.owner.c_str());
  int rc = manager_->acquire_or_enqueue(&b->request, &b->lease);
  if (rc == WG_OK) {
    run_batch(b);
  } else if (rc == ExecutorManager::kQueued) {
    logger_.logf(WG_LOG_DEBUG, "batch %llu waits for a lease",
                 static_cast<unsigned long long>(b->id));
  } else {
    logger_.logf(WG_LOG_WARNING, "batch %llu: no lease (%s)",
                 static_cast<unsigned long long>(b->id), wg_err_name(rc));
    for (WorkItem* it : b->items) fail_unsubmitted(b, it, rc);
    finish_batch(b);
  }
  return true;
}

// Submits the batch's live items through its lease; items the lease does not
// take get the submission error, items it took get their real outcome.
void Grinder::run_batch(Batch* b) {
  // The batch stays kAwaitingLease until its submission is settled, so that
  // items returned here do not finish it under our feet.
  size_t n = b->items.size();
  // Returned items drop a reference each; hold them all before any can return.
  b->refs.fetch_add(static_cast<uint32_t>(n), std::memory_order_relaxed);
  if (b->batch_fn) {
    // The batch is one task: its items come back together after the call.
    Task* task = b;
    size_t accepted = 0;
    int rc = b->lease->submit_many(&kBatchCallRunner, &task, 1, &accepted);
    if (accepted == 0) {
      logger_.logf(WG_LOG_WARNING, "batch %llu: not submitted (%s)",
                   static_cast<unsigned long long>(b->id), wg_err_name(rc));
      b->refs.fetch_sub(static_cast<uint32_t>(n), std::memory_order_relaxed);
      for (WorkItem* it : b->items) fail_unsubmitted(b, it, rc);
    }
  } else {
    // Items cancelled while the batch waited for its lease go too (without
    // reading each item again): a worker finds them cancelled, does not run
    // them, and returns them.
    Task* const* tasks = reinterpret_cast<Task* const*>(b->items.data());
    static_assert(sizeof(Task*) == sizeof(WorkItem*), "an item array is a task array");
    size_t accepted = 0;
    int rc = b->lease->submit_many(&Batch::kItemRunner, tasks, n, &accepted);
    if (accepted < n) {
      logger_.logf(WG_LOG_WARNING, "batch %llu: %zu of %zu item(s) not submitted (%s)",
                   static_cast<unsigned long long>(b->id), n - accepted, n, wg_err_name(rc));
      b->refs.fetch_sub(static_cast<uint32_t>(n - accepted), std::memory_order_relaxed);
      for (size_t i = accepted; i < n; ++i) fail_unsubmitted(b, b->items[i], rc);
    }
  }
  b->state = Batch::kSubmitted;
  if (b->unreturned == 0) finish_batch(b);
}

// An item the executor never took: its outcome is the submission error.
void Grinder::fail_unsubmitted(Batch* b, WorkItem* it, int status) {
  if (!it || b->items[it->batch_index] == nullptr) return;  // already returned
  uint8_t expected = kDispatched;
  if (it->state.compare_exchange_strong(expected, kFinished, std::memory_order_acq_rel))
    it->set_outcome(status, 0, nullptr);
  item_returned(b, it);
}

// An item is back on the loop (from a worker, or never submitted): deliver a
// decided outcome, account, free. A worker's batch reference was dropped by
// the caller.
void Grinder::item_returned(Batch* b, WorkItem* it) {
  uint8_t st = it->state.load(std::memory_order_acquire);
  b->items[it->batch_index] = nullptr;
  --b->unreturned;
  if (st == kFinished) {
    if (b->state == Batch::kAbandoning) --b->must_arrive;
    if (it->status == WG_OK)
      ++b->ok;
    else
      ++b->failed;
    deliver(it);
  } else {
    ++b->cancelled;
  }
  it->leave_pipeline();
  if (b->unreturned == 0 && b->state == Batch::kSubmitted) finish_batch(b);
}

void Grinder::deliver(WorkItem* it) {
  const wg_outcome_t o = it->outcome();
  if (o.status == WG_OK)
    GrinderCounters::bump(counters_.completed);
  else
    GrinderCounters::bump(counters_.failed);
  if (o.status != WG_OK && logger_.enabled())
    logger_.logf(WG_LOG_DEBUG, "item%s%s failed: %s (work_code %d)", it->owner() ? " of " : "",
                 it->owner() ? it->owner() : "", wg_err_name(o.status), o.work_code);
  if (it->is_future())
    it->publish_future();
  else if (it->done)
    it->done(&o, it->opaque);
  else
    it->dispose_result(o.result);
}

void Grinder::remove_batch(Batch* b) {
  batches_.erase(std::find(batches_.begin(), batches_.end(), b));
  GrinderCounters::bump(counters_.inflight_batches, static_cast<uint64_t>(-1));
}

// Every item is back: close the gate, release the lease, and maybe dispatch
// the next batch. A worker may still be leaving the gate after its push (it
// is waking us): rather than sleep until it has, the loop keeps the batch
// until a later wake-up finds the gate empty (free_left_batches).
void Grinder::finish_batch(Batch* b) {
  bool empty = b->gate.close();
  if (b->lease) b->lease->release();
  logger_.logf(WG_LOG_INFO, "batch %llu finished: %zu ok, %zu failed, %zu cancelled in %.3f ms",
               static_cast<unsigned long long>(b->id), b->ok, b->failed, b->cancelled,
               static_cast<double>(now_ns() - b->started_ns) / 1e6);
  remove_batch(b);
  if (empty)
    b->release_by_loop();
  else
    leaving_batches_.push_back(b);
  dispatch_ready();
}

// Frees finished batches that every worker has left; with `wait`, sleeps
// until they have (closing: nobody may touch the loop after that).
void Grinder::free_left_batches(bool wait) {
  size_t kept = 0;
  for (Batch* b : leaving_batches_) {
    if (wait) b->gate.wait_empty();
    if (b->gate.empty())
      b->release_by_loop();
    else
      leaving_batches_[kept++] = b;
  }
  leaving_batches_.resize(kept);
}

// A cancelling stop: every undecided item gets WG_ECANCELED now.
void Grinder::cancel_everything() {
  while (WorkItem* it = pending_.pop_front()) {
    uint8_t expected = kQueued;
    if (it->state.compare_exchange_strong(expected, kCancelled, std::memory_order_acq_rel)) {
      counters_.cancelled_pending.fetch_add(1, std::memory_order_acq_rel);
      if (cfg_.max_pending > 0) counters_.pending_slots.fetch_sub(1, std::memory_order_acq_rel);
      deliver_cancelled(it);
    }
    it->leave_pipeline();
    ++cancelled_dropped_;
  }
  publish_oldest();

  // finish_batch and take_grants may remove batches: look them up afresh.
  for (;;) {
    auto found = std::find_if(batches_.begin(), batches_.end(),
                              [](Batch* x) { return x->state != Batch::kAbandoning; });
    if (found == batches_.end()) break;
    Batch* b = *found;
    if (b->state == Batch::kAwaitingLease) {
      if (!manager_->cancel_request(&b->request)) {
        take_grants();  // it was served just now: its grant is already queued
        continue;
      }
      // Never submitted: every item is still ours.
      size_t cancelled = 0;
      for (WorkItem* it : b->items) {
        if (!it) continue;
        if (cancel_dispatched(it)) ++cancelled;
        item_returned(b, it);
      }
      logger_.logf(WG_LOG_INFO, "batch %llu cancelled while waiting for a lease: %zu item(s)",
                   static_cast<unsigned long long>(b->id), cancelled);
      finish_batch(b);
      continue;
    }
    size_t cancelled = 0;
    for (WorkItem* it : b->items) {
      if (!it) continue;
      if (cancel_dispatched(it))
        ++cancelled;
      else if (it->state.load(std::memory_order_acquire) == kFinished)
        ++b->must_arrive;  // decided before us; on its way back
    }
    logger_.logf(WG_LOG_INFO, "batch %llu cancelled in flight: %zu item(s)",
                 static_cast<unsigned long long>(b->id), cancelled);
    if (b->lease) b->lease->release();  // the executor drains what still runs
    b->state = Batch::kAbandoning;
  }
}

// Cancels a dispatched or running item and delivers WG_ECANCELED. False if its
// outcome was already decided.
bool Grinder::cancel_dispatched(WorkItem* it) {
  uint8_t st = it->state.load(std::memory_order_acquire);
  do {
    if (st != kDispatched && st != kRunning) return false;
  } while (!it->state.compare_exchange_weak(st, kCancelled, std::memory_order_acq_rel));
  counters_.cancelled_inflight.fetch_add(1, std::memory_order_acq_rel);
  deliver_cancelled(it);
  return true;
}

// WG_ECANCELED for an item whose cancel CAS the loop won.
void Grinder::deliver_cancelled(WorkItem* it) {
  it->set_outcome(WG_ECANCELED, 0, nullptr);
  if (it->is_future()) {
    it->publish_future();
  } else if (it->done) {
    const wg_outcome_t o = it->outcome();
    it->done(&o, it->opaque);
  }
}

void Grinder::advance_stop() {
  uint32_t stop = stop_request_.load(std::memory_order_acquire);
  if (stop == kNoStop || closing_) return;
  take_inbound();  // producers are shut out: this is the last of them
  if (stop == kCancelStop) {
    cancel_everything();
    for (Batch* b : batches_)
      if (b->state != Batch::kAbandoning || b->must_arrive > 0) return;  // still arriving
    // Abandon: after its gate closes, workers drop their items themselves.
    for (Batch* b : batches_) b->gate.close_and_wait();
    take_completions();  // items pushed before the gates closed
    std::vector<Batch*> batches;
    batches.swap(batches_);
    for (Batch* b : batches) {
      GrinderCounters::bump(counters_.inflight_batches, static_cast<uint64_t>(-1));
      b->release_by_loop();
    }
  } else {
    dispatch_ready();
    if (!pending_.empty() || !batches_.empty()) return;
  }
  closing_ = true;
  free_left_batches(true);
  control_gate_.close_and_wait();
  take_completions();
  uv_timer_stop(&timer_);
  timer_due_ns_ = 0;
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
  sweep_request_.store(false, std::memory_order_relaxed);
  oldest_ns_.store(0, std::memory_order_release);
}

// Arms the timer for the oldest pending item's deadline.
void Grinder::rearm_timer() {
  if (closing_) return;
  drop_cancelled_front();
  bool inflight_full = batches_.size() >= cfg_.max_inflight_batches;
  if (pending_.empty() || inflight_full) {
    // Nothing to wait for, or a finishing batch will dispatch (and re-arm).
    if (timer_due_ns_ != 0) uv_timer_stop(&timer_);
    timer_due_ns_ = 0;
    return;
  }
  uint64_t due = pending_.front()->submit_ns + max_wait_ns_;
  if (due == timer_due_ns_) return;
  // libuv counts the timeout from its cached time, which we refresh; epoll
  // then sleeps whole milliseconds from the real now. Rounding the real
  // remainder up keeps the flush from being early and under 1 ms late; a
  // flush that still comes early (another wake-up refreshed the clock) finds
  // the item not yet due and re-arms.
  uv_update_time(&loop_);
  uint64_t now = now_ns();
  uint64_t timeout_ms = due > now ? (due - now + 999999) / 1000000 : 0;
  uv_timer_start(&timer_, &Grinder::on_timer, timeout_ms, 0);
  timer_due_ns_ = due;
}

}  // namespace wg
