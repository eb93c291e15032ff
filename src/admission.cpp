#include "admission.hpp"

#include <chrono>

#include "clock.hpp"

namespace wg {

Admission::Admission(uint64_t max_pending, GrinderCounters& counters, LoopMailbox& mailbox)
    : max_pending_(max_pending),
      wake_room_(wake_room_for(max_pending)),
      counters_(counters),
      mailbox_(mailbox) {
  producers_.close_and_wait();  // closed until the grinder starts
}

void Admission::open() {
  {
    std::lock_guard<std::mutex> lk(wait_mu_);
    closed_ = false;
  }
  producers_.open();
}

void Admission::close_and_wait() {
  producers_.close_and_wait();
  std::lock_guard<std::mutex> lk(wait_mu_);
  closed_ = true;
  for (Waiter* w = wait_head_; w; w = w->next) w->cv.notify_one();
}

bool Admission::take_slot_if_room() {
  if (counters_.pending_slots.fetch_add(1, std::memory_order_seq_cst) < max_pending_) return true;
  counters_.pending_slots.fetch_sub(1, std::memory_order_seq_cst);
  return false;
}

bool Admission::try_take_slot() {
  if (waiters_.load(std::memory_order_seq_cst) != 0) return false;
  if (take_slot_if_room()) return true;
  // Our brief over-count may have made a releaser's grant fail: pass it on.
  if (waiters_.load(std::memory_order_seq_cst) != 0) grant_waiters();
  return false;
}

void Admission::grant_waiters() {
  std::lock_guard<std::mutex> lk(wait_mu_);
  grant_waiters_locked();
}

bool Admission::room_to_wake() const {
  uint64_t taken = counters_.pending_slots.load(std::memory_order_seq_cst);
  return taken < max_pending_ && max_pending_ - taken >= wake_room_;
}

void Admission::grant_waiters_locked() {
  // Once granting starts, every waiter that finds a slot gets it: they all
  // arrived before the room did.
  if (!wait_head_ || !room_to_wake()) return;
  while (wait_head_ && take_slot_if_room()) {
    Waiter* w = wait_head_;
    wait_head_ = w->next;
    if (!wait_head_) wait_tail_ = nullptr;
    waiters_.fetch_sub(1, std::memory_order_seq_cst);
    w->granted = true;
    w->cv.notify_one();
  }
}

int Admission::wait_for_slot(int64_t wait_ns) {
  std::unique_lock<std::mutex> lk(wait_mu_);
  if (closed_) return WG_ESTOPPING;  // the gate was open a moment ago: a stop has begun
  counters_.admission_waits.fetch_add(1, std::memory_order_relaxed);
  Waiter w;
  if (wait_tail_)
    wait_tail_->next = &w;
  else
    wait_head_ = &w;
  wait_tail_ = &w;
  waiters_.fetch_add(1, std::memory_order_seq_cst);
  grant_waiters_locked();  // room may have appeared before we were counted
  auto woken = [&] { return w.granted || closed_; };
  if (wait_ns < 0) {
    w.cv.wait(lk, woken);
  } else {
    w.cv.wait_for(lk, std::chrono::nanoseconds(wait_ns), woken);
  }
  if (w.granted) return WG_OK;  // a closed gate is found by the caller, who gives it back
  // Still queued: unlink.
  Waiter** link = &wait_head_;
  Waiter* prev = nullptr;
  while (*link != &w) {
    prev = *link;
    link = &(*link)->next;
  }
  *link = w.next;
  if (wait_tail_ == &w) wait_tail_ = prev;
  waiters_.fetch_sub(1, std::memory_order_seq_cst);
  return closed_ ? WG_ESTOPPING : WG_EFULL;
}

int Admission::admit(WorkItem* it, int64_t wait_ns) {
  ProducerShards::Shard* shard = producers_.enter();
  if (!shard) {
    counters_.rejected.fetch_add(1, std::memory_order_relaxed);
    return kClosed;
  }
  if (max_pending_ > 0 && !try_take_slot()) {
    ProducerShards::leave(shard);  // never wait inside the gate: a stop waits for it
    int rc = wait_ns == 0 ? WG_EFULL : wait_for_slot(wait_ns);
    if (rc == WG_OK) {
      shard = producers_.enter();
      if (!shard) {
        release_slots(1);
        rc = WG_ESTOPPING;
      }
    }
    if (rc != WG_OK) {
      counters_.rejected.fetch_add(1, std::memory_order_relaxed);
      return rc;
    }
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
