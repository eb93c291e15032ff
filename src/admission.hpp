// Admission: how a submitted item gets into the grinder. Each producer thread
// enters its own shard of ProducerShards (rundown gate, submitted count,
// inbound queue), takes a slot when max_pending bounds the pending items,
// pushes, and wakes the loop only when the wake flag goes from clear to set.
// Closing the gates (a stop) and waiting until no producer is inside is what
// guarantees that no item arrives after the loop's last drain.
//
// Waiting admission: a producer that finds max_pending reached and may wait
// leaves its gate (a stop must not wait for it), queues a Waiter (FIFO, each
// with its own condition variable) under wait_mu_ and sleeps. Whoever frees
// slots (release_slots) hands them to the oldest waiters first; newcomers do
// not take a slot while anyone waits. Waiters are granted only once a quarter
// of max_pending is free (at least one slot): with many producers blocked on a
// full grinder, granting each freed slot at once costs a wake-up and a context
// switch per item, most of it on the loop thread (64 producers: 0.1 switches
// and 4x the CPU per item). Linux wakes blocked socket writers the same way,
// once a third of the send buffer is free. The fast path takes no lock: only
// release_slots reads waiters_ (an atomic count) and locks when it is not 0.
// Lost wake-ups are excluded by ordering (seq_cst): a releaser frees its slot
// and then reads waiters_; a waiter counts itself and then tries for a slot.
//
// Threads: admit from any thread; open/close_and_wait from start and stop
// (serialized by the grinder's lifecycle lock); drain and publish_oldest on
// the loop thread; release_slots from the loop or a canceller. wait_mu_
// guards the waiter queue and closed_; no user code runs under it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "grinder_counters.hpp"
#include "loop_mailbox.hpp"
#include "producer_shards.hpp"
#include "work_item.hpp"

namespace wg {

class Admission {
 public:
  static constexpr int kClosed = 1;  // admit(): the gates are closed

  Admission(uint64_t max_pending, GrinderCounters& counters, LoopMailbox& mailbox);

  // WG_OK: `it` is pushed and taken over. kClosed, WG_EFULL or (after a wait
  // for room) WG_ESTOPPING: refused (and counted as rejected); the caller
  // still owns `it`. wait_ns: how long to
  // wait for room when max_pending is reached (0: not at all; < 0: no limit).
  int admit(WorkItem* it, int64_t wait_ns = 0);

  void open();
  // Shuts producers out: waits until none is inside a gate, then wakes every
  // waiter for room (they return WG_ESTOPPING).
  void close_and_wait();

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
  // Lock-free unless a submitter waits for room.
  void release_slots(uint64_t n) {
    if (max_pending_ == 0) return;
    counters_.pending_slots.fetch_sub(n, std::memory_order_seq_cst);
    if (waiters_.load(std::memory_order_seq_cst) != 0) grant_waiters();
  }

  const ProducerShards& producers() const { return producers_; }

 private:
  struct Waiter {
    std::condition_variable cv;
    Waiter* next = nullptr;
    bool granted = false;  // a slot was taken for it
  };

  // Free slots, enough to grant waiters: a quarter of max_pending, at least 1.
  static uint64_t wake_room_for(uint64_t max_pending) {
    return max_pending / 4 > 0 ? max_pending / 4 : 1;
  }
  // Enough room to grant waiters (see wake_room_).
  bool room_to_wake() const;
  // One slot, if there is room and nobody waits (newcomers never overtake
  // waiters).
  bool try_take_slot();
  bool take_slot_if_room();
  // Hands free slots to the oldest waiters.
  void grant_waiters();
  void grant_waiters_locked();
  // WG_OK (a slot is held), WG_EFULL (timed out) or WG_ESTOPPING (a stop
  // closed the gates).
  int wait_for_slot(int64_t wait_ns);

  const uint64_t max_pending_;
  const uint64_t wake_room_;  // free slots before waiters are granted
  GrinderCounters& counters_;
  LoopMailbox& mailbox_;
  alignas(64) std::atomic<uint64_t> oldest_ns_{0};
  ProducerShards producers_;
  alignas(64) std::atomic<uint32_t> waiters_{0};  // queued waiters (written under wait_mu_)
  std::mutex wait_mu_;
  Waiter* wait_head_ = nullptr;  // oldest first
  Waiter* wait_tail_ = nullptr;
  bool closed_ = true;  // no waiting while the gates are closed
};

}  // namespace wg
