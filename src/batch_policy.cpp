#include "batch_policy.hpp"

#include <algorithm>
#include <new>

#include "clock.hpp"

namespace wg {

BatchPolicy::BatchPolicy(const Config& cfg, GrinderCounters& counters, Admission& admission)
    : threshold_(cfg.batch_size_threshold),
      max_batch_(cfg.max_batch_size),
      max_wait_ns_(seconds_to_ns(cfg.max_wait_seconds)),
      counters_(counters),
      admission_(admission) {}

// Items submitted while others were pending carry no time yet: they get the
// time of this drain. Shards are drained one after another, so the item taken
// first can be younger than one taken after it; when the queue was empty, the
// front item takes the drain's oldest time, so that the timer is armed for the
// oldest item's deadline (the batch that flushes then holds that item).
// Nothing is reordered: each thread's items keep their order.
void BatchPolicy::take_inbound() {
  bool was_empty = pending_.empty();
  uint64_t oldest_ns = UINT64_MAX;
  uint64_t taken_ns = 0;
  admission_.drain([&](WorkItem* it) {
    if (it->state.load(std::memory_order_acquire) != kQueued) {
      drop(it);  // cancelled before we saw it
      return;
    }
    if (it->submit_ns == 0) {
      if (taken_ns == 0) taken_ns = now_ns();
      it->submit_ns = taken_ns;
    }
    oldest_ns = std::min(oldest_ns, it->submit_ns);
    if (uint64_t d = it->deadline_ns()) {
      try {
        expiries_.push(d);
      } catch (const std::bad_alloc&) {
        // Out of memory: this item expires only if a worker reaches it late.
      }
    }
    pending_.push_back(it);
  });
  if (oldest_ns == UINT64_MAX) return;
  if (was_empty) pending_.front()->submit_ns = oldest_ns;
  publish_oldest();
}

void BatchPolicy::compact_if_worthwhile() {
  if (pending_.size() - live_count() > pending_.size() / 2 + 64)
    cancelled_dropped_ += pending_.compact();
  publish_oldest();
}

void BatchPolicy::drop(WorkItem* it) {
  it->leave_pipeline();
  ++cancelled_dropped_;
}

WorkItem* BatchPolicy::live_front() {
  cancelled_dropped_ += pending_.sweep_front();
  return pending_.front();
}

// Live items: the queue's size less the cancelled ones still linked. An item
// cancelled while its push is still in progress is counted as linked: the
// estimate can only be low, and that push's own wake-up corrects it.
size_t BatchPolicy::live_count() const {
  uint64_t cancelled = counters_.cancelled_pending.load(std::memory_order_acquire);
  uint64_t linked_dead = cancelled > cancelled_dropped_ ? cancelled - cancelled_dropped_ : 0;
  return pending_.size() > linked_dead ? pending_.size() - linked_dead : 0;
}

void BatchPolicy::publish_oldest() {
  WorkItem* front = live_front();
  admission_.publish_oldest(front ? front->submit_ns : 0);
}

bool BatchPolicy::due(uint64_t now, bool draining) {
  WorkItem* front = live_front();
  if (!front) return false;
  return draining || backlog_due_ || now >= front->submit_ns + max_wait_ns_ ||
         live_count() >= threshold_;
}

uint64_t BatchPolicy::deadline() {
  WorkItem* front = live_front();
  return front ? front->submit_ns + max_wait_ns_ : 0;
}

size_t BatchPolicy::form(Batch* b) {
  size_t cap = max_batch_ > 0 ? max_batch_ : SIZE_MAX;
  b->items.reserve(std::min(pending_.size(), cap));  // may throw std::bad_alloc
  while (b->items.size() < cap) {
    WorkItem* it = pending_.pop_front();
    if (!it) break;
    if (!it->try_transition(kQueued, kDispatched)) {
      drop(it);  // cancelled while pending
      continue;
    }
    it->batch = b;
    it->batch_index = static_cast<uint32_t>(b->items.size());
    b->items.push_back(it);
  }
  // Items left behind by the cap form the next batch as soon as a slot is
  // free, without waiting for their timer.
  backlog_due_ = live_front() != nullptr;
  if (!backlog_due_) expiries_ = {};  // nothing pending: every entry is stale
  publish_oldest();
  return b->items.size();
}

void BatchPolicy::cancel_all(Delivery& delivery) {
  while (WorkItem* it = pending_.pop_front()) {
    if (it->try_transition(kQueued, kCancelled)) {
      counters_.cancelled_pending.fetch_add(1, std::memory_order_acq_rel);
      admission_.release_slots(1);
      delivery.deliver_cancelled(it);
    }
    drop(it);
  }
  backlog_due_ = false;
  expiries_ = {};
  publish_oldest();
}

void BatchPolicy::expire_due(uint64_t now, Delivery& delivery) {
  if (expiries_.empty() || expiries_.top() > now) return;
  while (!expiries_.empty() && expiries_.top() <= now) expiries_.pop();
  PendingQueue kept;
  while (WorkItem* it = pending_.pop_front()) {
    if (it->state.load(std::memory_order_acquire) != kQueued) {
      drop(it);  // cancelled while pending
      continue;
    }
    uint64_t d = it->deadline_ns();
    if (d == 0 || d > now || !it->try_transition(kQueued, kFinished)) {
      kept.push_back(it);  // (a failed move: cancelled just now; dropped later)
      continue;
    }
    it->set_outcome(WG_ETIMEDOUT, 0, nullptr);
    GrinderCounters::bump(counters_.expired_pending);  // before deliver_finished counts it failed
    admission_.release_slots(1);
    delivery.deliver_finished(it);
    it->leave_pipeline();
  }
  pending_ = kept;
  if (pending_.empty()) expiries_ = {};
  publish_oldest();
}

}  // namespace wg
