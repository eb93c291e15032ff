#include "admission.hpp"

#include "clock.hpp"

namespace wg {

Admission::Admission(uint64_t max_pending, GrinderCounters& counters, LoopMailbox& mailbox)
    : max_pending_(max_pending), counters_(counters), mailbox_(mailbox) {
  producers_.close_and_wait();  // closed until the grinder starts
}

int Admission::admit(WorkItem* it) {
  ProducerShards::Shard* shard = producers_.enter();
  if (!shard) {
    counters_.rejected.fetch_add(1, std::memory_order_relaxed);
    return kClosed;
  }
  if (max_pending_ > 0 &&
      counters_.pending_slots.fetch_add(1, std::memory_order_acq_rel) >= max_pending_) {
    counters_.pending_slots.fetch_sub(1, std::memory_order_acq_rel);
    ProducerShards::leave(shard);
    counters_.rejected.fetch_add(1, std::memory_order_relaxed);
    return WG_EFULL;
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
  mailbox_.wake();
  ProducerShards::leave(shard);
  return WG_OK;
}

}  // namespace wg
