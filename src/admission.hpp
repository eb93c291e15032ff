// Admission: how a submitted item gets into the grinder. Each producer thread
// enters its own shard of ProducerShards (rundown gate, submitted count,
// inbound queue), takes a slot when max_pending bounds the pending items,
// pushes, and wakes the loop only when the wake flag goes from clear to set.
// Closing the gates (a stop) and waiting until no producer is inside is what
// guarantees that no item arrives after the loop's last drain.
//
// Threads: admit from any thread; open/close_and_wait from start and stop
// (serialized by the grinder's lifecycle lock); drain and publish_oldest on
// the loop thread; release_slots from the loop or a canceller.
#pragma once

#include <cstdint>

#include "grinder_counters.hpp"
#include "loop_mailbox.hpp"
#include "producer_shards.hpp"
#include "work_item.hpp"

namespace wg {

class Admission {
 public:
  static constexpr int kClosed = 1;  // admit(): the gates are closed

  Admission(uint64_t max_pending, GrinderCounters& counters, LoopMailbox& mailbox);

  // WG_OK: `it` is pushed and taken over. kClosed or WG_EFULL: refused (and
  // counted as rejected); the caller still owns `it`.
  int admit(WorkItem* it);

  void open() { producers_.open(); }
  void close_and_wait() { producers_.close_and_wait(); }

  // Loop thread: calls take(item) for every item pushed so far, shard by
  // shard, each shard's items in the order they were pushed.
  template <typename F>
  void drain(F&& take) {
    for (size_t s = 0; s < ProducerShards::kShards; ++s) {
      MpscQueue& inbound = producers_.shard(s).inbound;
      while (MpscNode* n = inbound.pop()) take(static_cast<WorkItem*>(n));
    }
  }

  // Loop thread: the submission time of the oldest pending item (0: none).
  // Producers read it on every submission: it is stored only on a change, so
  // that its cache line is not taken from them at every wake-up.
  void publish_oldest(uint64_t ns) {
    if (oldest_ns_.load(std::memory_order_relaxed) != ns)
      oldest_ns_.store(ns, std::memory_order_release);
  }
  uint64_t oldest_ns() const { return oldest_ns_.load(std::memory_order_acquire); }

  // n admitted items left the pending count (dispatched or cancelled).
  void release_slots(uint64_t n) {
    if (max_pending_ > 0) counters_.pending_slots.fetch_sub(n, std::memory_order_acq_rel);
  }

  const ProducerShards& producers() const { return producers_; }

 private:
  const uint64_t max_pending_;
  GrinderCounters& counters_;
  LoopMailbox& mailbox_;
  alignas(64) std::atomic<uint64_t> oldest_ns_{0};
  ProducerShards producers_;
};

}  // namespace wg
