// GrinderCounters: the item counters behind wg_stats. Every item moves
// submitted -> (pending) -> dispatched -> completed | failed | cancelled, or
// pending -> cancelled, or pending -> expired (counted in expired_pending and
// in failed), and each move bumps exactly one counter (and `expired`); pending and
// inflight_items are derived, so the documented sum holds by construction in
// a snapshot taken on the loop thread. pending is exact: see snapshot().
#pragma once

#include <atomic>
#include <cstdint>

#include "grinder_metrics.hpp"
#include "producer_shards.hpp"

namespace wg {

struct GrinderCounters {
  // Producers: `submitted` lives in the ProducerShards (one line per thread).
  alignas(64) std::atomic<uint64_t> rejected{0};
  // Loop thread only (single writer: plain load + store).
  alignas(64) std::atomic<uint64_t> dispatched{0};
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> inflight_batches{0};
  // Items ended WG_ETIMEDOUT while pending (never dispatched); also counted
  // in `expired` and `failed`.
  std::atomic<uint64_t> expired_pending{0};
  // The loop, and workers for the futures they publish themselves
  // (Delivery::publish_on_worker): added to, never stored.
  alignas(64) std::atomic<uint64_t> completed{0};
  std::atomic<uint64_t> failed{0};
  // Items ended WG_ETIMEDOUT by their deadline (also counted in `failed`).
  std::atomic<uint64_t> expired{0};
  // Any thread (cancellers).
  alignas(64) std::atomic<uint64_t> cancelled_pending{0};
  std::atomic<uint64_t> cancelled_inflight{0};
  // Submitters that found max_pending reached and waited (any thread, rare).
  std::atomic<uint64_t> admission_waits{0};
  // Only maintained when max_pending > 0: admitted and not yet dispatched or cancelled.
  alignas(64) std::atomic<uint64_t> pending_slots{0};
  // Histograms (grinder_metrics.hpp): loop thread writes, any thread reads.
  alignas(64) GrinderMetrics metrics;

  static void bump(std::atomic<uint64_t>& loop_counter, uint64_t by = 1) {
    loop_counter.store(loop_counter.load(std::memory_order_relaxed) + by,
                       std::memory_order_release);
  }

  // Counters with several writers.
  static void add(std::atomic<uint64_t>& counter, uint64_t by = 1) {
    counter.fetch_add(by, std::memory_order_acq_rel);
  }

  static constexpr int kSnapshotAttempts = 4;

  struct Snapshot {
    uint64_t submitted, rejected, completed, failed, cancelled, pending, inflight_items, batches,
        inflight_batches, admission_waits, expired;
  };

  Snapshot snapshot(const ProducerShards& producers) const {
    Snapshot s;
    s.completed = completed.load(std::memory_order_acquire);
    s.failed = failed.load(std::memory_order_acquire);
    s.expired = expired.load(std::memory_order_acquire);
    // The loop bumps expired_pending before `failed`: read after it.
    uint64_t ep = expired_pending.load(std::memory_order_acquire);
    uint64_t ci = cancelled_inflight.load(std::memory_order_acquire);
    // pending = submitted - dispatched - cancelled_pending needs all three
    // from one instant. Read before `submitted`, an item submitted and then
    // cancelled or dispatched in between would count as pending (above
    // max_pending under racing cancels); read after it, one submitted in
    // between would be subtracted without being counted. So: read both
    // around `submitted` and take the snapshot when neither moved. That
    // instant's pending is at most max_pending, as admission counts an item
    // before `submitted` and releases it only after those counters moved.
    // Under a storm of cancels, after a few tries take the reads after
    // `submitted`: an undercount, never above max_pending.
    uint64_t d = 0, cp = 0;
    for (int attempt = 1;; ++attempt) {
      d = dispatched.load(std::memory_order_acquire);
      cp = cancelled_pending.load(std::memory_order_acquire);
      s.submitted = producers.submitted();
      uint64_t d_after = dispatched.load(std::memory_order_acquire);
      uint64_t cp_after = cancelled_pending.load(std::memory_order_acquire);
      bool steady = d_after == d && cp_after == cp;
      d = d_after;
      cp = cp_after;
      if (steady || attempt == kSnapshotAttempts) break;
    }
    s.rejected = rejected.load(std::memory_order_acquire);
    s.admission_waits = admission_waits.load(std::memory_order_acquire);
    s.batches = batches.load(std::memory_order_acquire);
    s.inflight_batches = inflight_batches.load(std::memory_order_acquire);
    s.cancelled = cp + ci;
    s.pending = clamped_difference(s.submitted, d + cp + ep);
    // A canceller may count an item as cancelled just before the loop counts
    // its dispatch; only a snapshot from another thread can see that instant.
    s.inflight_items = clamped_difference(d + ep, s.completed + s.failed + ci);
    return s;
  }

  static uint64_t clamped_difference(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }
};

}  // namespace wg
