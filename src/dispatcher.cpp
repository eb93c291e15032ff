#include "dispatcher.hpp"

#include <algorithm>
#include <new>

#include "batch_call.hpp"
#include "clock.hpp"

namespace wg {

Dispatcher::Dispatcher(const Config& cfg, std::shared_ptr<ExecutorManager> manager,
                       GrinderCounters& counters, Delivery& delivery, LoopMailbox& mailbox,
                       const Logger& logger)
    : max_inflight_(cfg.max_inflight_batches),
      lease_ns_(seconds_to_ns(cfg.lease_seconds)),
      owner_prefix_(cfg.owner_prefix),
      batch_fn_(cfg.batch_fn),
      batch_opaque_(cfg.batch_opaque),
      manager_(std::move(manager)),
      counters_(counters),
      delivery_(delivery),
      mailbox_(mailbox),
      logger_(logger) {}

bool Dispatcher::full() const {
  uint64_t slots = max_inflight_;
  if (manager_->adaptive()) slots = std::min(slots, std::max<uint64_t>(1, manager_->pool_limit()));
  return batches_.size() >= slots;
}

int Dispatcher::reserve() {
  try {
    batches_.reserve(max_inflight_);
    leaving_batches_.reserve(max_inflight_);
  } catch (const std::bad_alloc&) {
    return WG_ENOMEM;
  }
  return WG_OK;
}

Batch* Dispatcher::new_batch() { return new (std::nothrow) Batch(&mailbox_, next_batch_id_); }

// Under the manager lock, on any thread: record the answer, wake the loop.
void Dispatcher::on_lease_served(LeaseRequest* req, int status, std::shared_ptr<Lease> lease) {
  Batch* b = static_cast<Batch*>(req->context);
  b->lease_status = status;
  b->lease = std::move(lease);
  b->mailbox->grants.push(b);
  b->mailbox->wake();
}

void Dispatcher::launch(Batch* b) {
  size_t n = b->items.size();
  if (n == 0) {
    delete b;
    return;
  }
  ++next_batch_id_;
  GrinderCounters::bump(counters_.dispatched, n);
  GrinderCounters::bump(counters_.batches);
  GrinderCounters::bump(counters_.inflight_batches);
  b->unreturned = n;
  b->started_ns = now_ns();
  counters_.metrics.on_dispatch(b->items.data(), n, b->started_ns);
  counters_.metrics.delivery_ns = b->started_ns;  // for items that fail here
  b->counters = &counters_;
  b->batch_fn = batch_fn_;
  b->batch_opaque = batch_opaque_;
  batches_.push_back(b);  // never beyond the room reserve() made: full() is checked first

  b->request.lease_ns = lease_ns_;
  try {
    b->request.owner = owner_prefix_ + "-" + std::to_string(b->id);
  } catch (const std::bad_alloc&) {
    b->request.owner.clear();  // out of memory: the lease goes unlabelled
  }
  b->request.served = &Dispatcher::on_lease_served;
  b->request.context = b;
  logger_.logf(WG_LOG_INFO, "batch %llu started: %zu item(s), lease owner %s",
               static_cast<unsigned long long>(b->id), n, b->request.owner.c_str());
  int rc = manager_->acquire_or_enqueue(&b->request, &b->lease);
  if (rc == WG_OK) {
    run(b);
  } else if (rc == ExecutorManager::kQueued) {
    logger_.logf(WG_LOG_DEBUG, "batch %llu waits for a lease",
                 static_cast<unsigned long long>(b->id));
  } else {
    fail_all(b, rc);
  }
}

// No lease: every item gets the reason, and the batch is over.
void Dispatcher::fail_all(Batch* b, int status) {
  logger_.logf(WG_LOG_WARNING, "batch %llu: no lease (%s)", static_cast<unsigned long long>(b->id),
               wg_err_name(status));
  for (WorkItem* it : b->items) fail_unsubmitted(b, it, status);
  finish(b);
}

void Dispatcher::take_grants() {
  while (MpscNode* n = mailbox_.grants.pop()) {
    Batch* b = static_cast<Batch*>(n);
    counters_.metrics.delivery_ns = now_ns();  // once per batch, for items that fail here
    if (b->lease_status != WG_OK) {
      fail_all(b, b->lease_status);
      continue;
    }
    logger_.logf(WG_LOG_DEBUG, "batch %llu: lease %llu granted after waiting",
                 static_cast<unsigned long long>(b->id),
                 static_cast<unsigned long long>(b->lease->id()));
    run(b);
  }
}

void Dispatcher::take_completions() {
  bool stamped = false;
  while (MpscNode* n = mailbox_.completions.pop()) {
    if (!stamped) counters_.metrics.delivery_ns = now_ns();  // once per run of deliveries
    stamped = true;
    WorkItem* it = static_cast<WorkItem*>(n);
    Batch* b = it->batch;
    ++b->received;  // its reference goes with the loop's (Batch::release_by_loop)
    item_returned(b, it);
  }
}

// Submits the batch through its lease: its items one by one, or the batch as
// one task for the batch function. Items the lease does not take get the
// submission error; items it took get their real outcome. Items cancelled
// while the batch waited for its lease go too (without reading each item
// again): a worker finds them cancelled, does not run them, and returns them.
void Dispatcher::run(Batch* b) {
  // The batch stays kAwaitingLease until its submission is settled, so that
  // items returned here do not finish it under our feet.
  size_t n = b->items.size();
  // Returned items drop a reference each; hold them all before any can return.
  b->refs.fetch_add(static_cast<uint32_t>(n), std::memory_order_relaxed);
  Task* whole = b;
  static_assert(sizeof(Task*) == sizeof(WorkItem*), "an item array is a task array");
  const TaskRunner* runner = b->batch_fn ? &kBatchCallRunner : &Batch::kItemRunner;
  Task* const* tasks = b->batch_fn ? &whole : reinterpret_cast<Task* const*>(b->items.data());
  size_t n_tasks = b->batch_fn ? 1 : n;
  size_t accepted = 0;
  int rc = b->lease->submit_many(runner, tasks, n_tasks, &accepted);
  if (accepted < n_tasks) {
    size_t first = b->batch_fn ? 0 : accepted;  // a batch call is all or nothing
    logger_.logf(WG_LOG_WARNING, "batch %llu: %zu of %zu item(s) not submitted (%s)",
                 static_cast<unsigned long long>(b->id), n - first, n, wg_err_name(rc));
    b->refs.fetch_sub(static_cast<uint32_t>(n - first), std::memory_order_relaxed);
    for (size_t i = first; i < n; ++i) fail_unsubmitted(b, b->items[i], rc);
  }
  b->state = Batch::kSubmitted;
  if (b->unreturned == 0) finish(b);
}

// An item the executor never took: its outcome is the submission error.
void Dispatcher::fail_unsubmitted(Batch* b, WorkItem* it, int status) {
  if (!it || b->items[it->batch_index] == nullptr) return;  // already returned
  if (it->try_transition(kDispatched, kFinished)) it->set_outcome(status, 0, nullptr);
  item_returned(b, it);
}

// An item is back on the loop (from a worker, or never submitted): deliver a
// decided outcome, account, free. A worker's batch reference was dropped by
// the caller.
void Dispatcher::item_returned(Batch* b, WorkItem* it) {
  uint8_t st = it->state.load(std::memory_order_acquire);
  b->items[it->batch_index] = nullptr;
  --b->unreturned;
  if (st == kFinished) {
    if (b->state == Batch::kAbandoning) --b->must_arrive;
    if (it->status == WG_OK)
      ++b->ok;
    else
      ++b->failed;
    delivery_.deliver_finished(it);
  } else {
    ++b->cancelled;  // its outcome went out when it was cancelled
  }
  it->leave_pipeline();
  if (b->unreturned == 0 && b->state == Batch::kSubmitted) finish(b);
}

void Dispatcher::remove(Batch* b) {
  batches_.erase(std::find(batches_.begin(), batches_.end(), b));
  GrinderCounters::bump(counters_.inflight_batches, static_cast<uint64_t>(-1));
}

// Every item is back: close the gate and release the lease. A worker may
// still be leaving the gate after its push (it is waking us): rather than
// sleep until it has, the loop keeps the batch until a later wake-up finds
// the gate empty (free_left_batches). The loop dispatches the next batch
// after this wake-up's work.
void Dispatcher::finish(Batch* b) {
  bool empty = b->gate.close();
  if (b->lease) b->lease->release();
  logger_.logf(WG_LOG_INFO, "batch %llu finished: %zu ok, %zu failed, %zu cancelled in %.3f ms",
               static_cast<unsigned long long>(b->id), b->ok, b->failed, b->cancelled,
               static_cast<double>(now_ns() - b->started_ns) / 1e6);
  remove(b);
  if (!empty) {
    try {
      leaving_batches_.push_back(b);
      return;
    } catch (const std::bad_alloc&) {
      b->gate.wait_empty();  // out of memory: wait for the worker, which is leaving now
    }
  }
  b->release_by_loop();
}

void Dispatcher::free_left_batches(bool wait) {
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

// Cancels a dispatched or running item and delivers WG_ECANCELED. False if its
// outcome was already decided.
bool Dispatcher::cancel_dispatched(WorkItem* it) {
  for (;;) {
    uint8_t st = it->state.load(std::memory_order_acquire);
    if (st != kDispatched && st != kRunning) return false;
    if (it->try_transition(st, kCancelled)) break;
  }
  counters_.cancelled_inflight.fetch_add(1, std::memory_order_acq_rel);
  delivery_.deliver_cancelled(it);
  return true;
}

void Dispatcher::cancel_in_flight() {
  // finish and take_grants may remove batches: look them up afresh.
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
      finish(b);
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

bool Dispatcher::abandoned_batches_settled() const {
  for (Batch* b : batches_)
    if (b->state != Batch::kAbandoning || b->must_arrive > 0) return false;
  return true;
}

void Dispatcher::drop_abandoned_batches() {
  for (Batch* b : batches_) b->gate.close_and_wait();
  take_completions();  // items pushed before the gates closed
  std::vector<Batch*> batches;
  batches.swap(batches_);
  for (Batch* b : batches) {
    GrinderCounters::bump(counters_.inflight_batches, static_cast<uint64_t>(-1));
    b->release_by_loop();
  }
}

}  // namespace wg
