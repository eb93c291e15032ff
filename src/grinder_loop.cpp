// Grinder, loop-thread side: what a wake-up and the max-wait timer do, when a
// batch is dispatched, and how the two kinds of stop finish. The work itself
// is done by the rooms (BatchPolicy, Dispatcher, Delivery); this file only
// orders it. Everything here runs on the loop thread.
#include <algorithm>
#include <new>

#include "clock.hpp"
#include "grinder.hpp"

namespace wg {

void Grinder::on_async(uv_async_t* h) { static_cast<Grinder*>(h->data)->on_wake(); }

void Grinder::on_timer(uv_timer_t* h) {
  Grinder* g = static_cast<Grinder*>(h->data);
  g->timer_.fired();
  g->expire_due();
  g->dispatch_ready();
  g->rearm_timer();
}

void Grinder::on_wake() {
  mailbox_.begin_drain();
  dispatcher_.take_grants();
  dispatcher_.take_completions();
  // A batch slot that just came free goes to a full batch already pending,
  // before the (possibly long) drain of the producers' shards: the executor
  // that waits for its next batch gets it one drain sooner. Only a full one:
  // a smaller batch formed before the drain would leave behind items that
  // were already submitted (a draining stop split into two batches, or the
  // rest of a cut batch sent without the items that arrived with it).
  dispatch_ready(true);
  policy_.take_inbound();
  if (sweep_request_.exchange(false, std::memory_order_acq_rel)) policy_.compact_if_worthwhile();
  expire_due();
  dispatch_ready();
  advance_stop();
  rearm_timer();
  if (!closing_) dispatcher_.free_left_batches(false);
}

// Pending items past their deadline end now (not at a cancelling stop, which
// cancels them all).
void Grinder::expire_due() {
  if (closing_ || stop_request_.load(std::memory_order_acquire) == kCancelStop) return;
  policy_.expire_due(now_ns(), delivery_);
}

// Dispatches batches while one is due and a batch slot is free.
void Grinder::dispatch_ready(bool full_only) {
  uint32_t stop = stop_request_.load(std::memory_order_acquire);
  if (stop == kCancelStop || closing_) return;
  while (!dispatcher_.full() && (!full_only || policy_.full_batch_pending()) &&
         policy_.due(now_ns(), stop == kDrainStop)) {
    Batch* b = dispatcher_.new_batch();
    if (!b) return;  // out of memory: retried at the next wake-up or timer
    size_t n;
    try {
      n = policy_.form(b);
    } catch (const std::bad_alloc&) {
      delete b;
      return;
    }
    admission_.release_slots(n);
    dispatcher_.launch(b);
  }
}

void Grinder::advance_stop() {
  uint32_t stop = stop_request_.load(std::memory_order_acquire);
  if (stop == kNoStop || closing_ || !producers_shut_out_.load(std::memory_order_acquire)) return;
  policy_.take_inbound();  // producers are shut out: this is the last of them
  if (stop == kCancelStop) {
    policy_.cancel_all(delivery_);
    dispatcher_.cancel_in_flight();
    if (!dispatcher_.abandoned_batches_settled()) return;  // decided items still arriving
    dispatcher_.drop_abandoned_batches();
  } else {
    dispatch_ready();
    if (!policy_.empty() || !dispatcher_.idle()) return;
  }
  close_loop();
}

// Nothing is left: after this, no other thread may touch the loop, and
// uv_run returns once the handles are closed.
void Grinder::close_loop() {
  closing_ = true;
  dispatcher_.free_left_batches(true);
  control_gate_.close_and_wait();
  dispatcher_.take_completions();
  timer_.close();
  reporter_.close();
  uv_close(reinterpret_cast<uv_handle_t*>(&mailbox_.async), nullptr);
  sweep_request_.store(false, std::memory_order_relaxed);
  admission_.publish_oldest(0);
}

// Arms the timer for the oldest pending item's flush, unless every batch slot
// is taken (a finishing batch dispatches, then re-arms) or a cancelling stop
// is under way (nothing will be dispatched), or for the earliest per-item
// deadline if that comes first (it is kept even while every slot is taken).
void Grinder::rearm_timer() {
  if (closing_) return;
  bool cancelling = stop_request_.load(std::memory_order_acquire) == kCancelStop;
  uint64_t flush = dispatcher_.full() || cancelling ? 0 : policy_.deadline();
  uint64_t expiry = cancelling ? 0 : policy_.next_expiry();
  timer_.arm(flush == 0 ? expiry : expiry == 0 ? flush : std::min(flush, expiry));
}

}  // namespace wg
