// PendingQueue: the loop thread's FIFO of items waiting for a batch, oldest
// first, linked through the items' queue node. Loop thread only. Items
// cancelled while pending stay linked until the loop sweeps them (the stats
// already count them as cancelled); sweep_front keeps the head live so that
// the oldest item's deadline is right. The sweeps report how many they
// dropped so that the loop can tell how many live items the queue holds.
#pragma once

#include <cstddef>

#include "work_item.hpp"

namespace wg {

class PendingQueue {
 public:
  bool empty() const { return head_ == nullptr; }
  size_t size() const { return size_; }
  WorkItem* front() const { return head_; }
  WorkItem* back() const { return tail_; }

  void push_back(WorkItem* it) {
    it->next.store(nullptr, std::memory_order_relaxed);
    if (tail_)
      tail_->next.store(it, std::memory_order_relaxed);
    else
      head_ = it;
    tail_ = it;
    ++size_;
  }

  WorkItem* pop_front() {
    WorkItem* it = head_;
    if (!it) return nullptr;
    head_ = next_of(it);
    if (head_)
      __builtin_prefetch(head_);  // the next pop reads it: start the miss now
    else
      tail_ = nullptr;
    --size_;
    return it;
  }

  // Drops cancelled items from the head; returns how many.
  size_t sweep_front() {
    size_t dropped = 0;
    while (head_ && head_->state.load(std::memory_order_acquire) != kQueued) {
      pop_front()->leave_pipeline();
      ++dropped;
    }
    return dropped;
  }

  // Drops every cancelled item; returns how many.
  size_t compact() {
    size_t before = size_;
    PendingQueue kept;
    while (WorkItem* it = pop_front()) {
      if (it->state.load(std::memory_order_acquire) != kQueued)
        it->leave_pipeline();
      else
        kept.push_back(it);
    }
    *this = kept;
    return before - size_;
  }

 private:
  static WorkItem* next_of(WorkItem* it) {
    return static_cast<WorkItem*>(it->next.load(std::memory_order_relaxed));
  }

  WorkItem* head_ = nullptr;
  WorkItem* tail_ = nullptr;
  size_t size_ = 0;
};

}  // namespace wg
