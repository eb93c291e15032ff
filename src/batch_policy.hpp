// BatchPolicy: which pending items form the next batch, and when. It owns the
// pending queue (items taken from the producers' shards, oldest first, each
// thread's items in the order it submitted them) and decides that a batch is
// due when the pending count reaches batch_size_threshold, when the oldest
// item has waited max_wait_seconds, when a batch cut by max_batch_size left
// items behind, or when a draining stop wants everything out.
//
// Threads: loop thread only. Items cancelled while pending stay linked until
// the policy drops them (the stats already count them as cancelled); it keeps
// the front live so that the oldest item's deadline is right.
//
// Per-item deadlines: a min-heap of the deadlines of items taken in (values
// only: an entry never points at an item, which may be gone). Its top is when
// the loop must look next; expire_due then walks the pending queue once and
// ends every item past its deadline with WG_ETIMEDOUT. Entries of items that
// left meanwhile cost at most one early look each; the heap is emptied with
// the queue.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "admission.hpp"
#include "batch.hpp"
#include "config.hpp"
#include "delivery.hpp"
#include "grinder_counters.hpp"
#include "pending_queue.hpp"

namespace wg {

class BatchPolicy {
 public:
  BatchPolicy(const Config& cfg, GrinderCounters& counters, Admission& admission);

  // Takes every item the producers pushed so far into the pending queue.
  void take_inbound();
  // After cancels: drops cancelled items when they are many (amortized O(1)).
  void compact_if_worthwhile();

  bool empty() { return live_front() == nullptr; }
  // Whether a batch should be dispatched now.
  bool due(uint64_t now, bool draining);
  // Whether max_batch_size items (a cap is set) are pending: a batch that
  // taking more items in could not make larger.
  bool full_batch_pending() { return max_batch_ > 0 && live_front() && live_count() >= max_batch_; }
  // When the oldest pending item's wait is over (0: nothing pending).
  uint64_t deadline();

  // Moves the next batch's items (oldest first, at most max_batch_size) into
  // b->items, each now kDispatched; returns how many.
  size_t form(Batch* b);

  // A cancelling stop: every pending item ends WG_ECANCELED now.
  void cancel_all(Delivery& delivery);

  // When the earliest per-item deadline among pending items may be due (0:
  // none).
  uint64_t next_expiry() const { return expiries_.empty() ? 0 : expiries_.top(); }
  // Ends every pending item whose deadline is at or before `now` with
  // WG_ETIMEDOUT (it leaves the pending count, as a cancel does).
  void expire_due(uint64_t now, Delivery& delivery);

  // Forgets a stop's leftovers before a restart.
  void reset() {
    backlog_due_ = false;
    expiries_ = {};
  }

 private:
  // A cancelled item leaves the pipeline without a batch.
  void drop(WorkItem* it);
  WorkItem* live_front();
  size_t live_count() const;
  void publish_oldest();

  const uint64_t threshold_;
  const uint64_t max_batch_;  // 0: no cap
  const uint64_t max_wait_ns_;
  GrinderCounters& counters_;
  Admission& admission_;
  PendingQueue pending_;
  // Items cancelled while pending that have been dropped so far; with
  // counters_.cancelled_pending it tells how many dead items pending_ holds.
  uint64_t cancelled_dropped_ = 0;
  bool backlog_due_ = false;  // the cap left items behind: dispatch them at once
  std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<uint64_t>> expiries_;
};

}  // namespace wg
