// MpscQueue: an intrusive multi-producer single-consumer FIFO (Vyukov). push()
// is wait-free (one exchange); pop() may return nullptr while a producer is
// between its two steps, which is why every producer checks the wake flag after
// pushing: a pop that misses a half-pushed node is always followed by a wake.
#pragma once

#include <atomic>

namespace wg {

struct MpscNode {
  std::atomic<MpscNode*> next{nullptr};
};

class MpscQueue {
 public:
  MpscQueue() : head_(&stub_), tail_(&stub_) {}
  MpscQueue(const MpscQueue&) = delete;
  MpscQueue& operator=(const MpscQueue&) = delete;

  // Any thread.
  void push(MpscNode* n) { push_chain(n, n); }

  // Any thread: pushes first..last, already linked through `next`, at once.
  void push_chain(MpscNode* first, MpscNode* last) {
    last->next.store(nullptr, std::memory_order_relaxed);
    MpscNode* prev = head_.exchange(last, std::memory_order_acq_rel);
    prev->next.store(first, std::memory_order_seq_cst);
  }

  // Consumer thread only.
  MpscNode* pop() {
    MpscNode* tail = tail_;
    MpscNode* next = tail->next.load(std::memory_order_acquire);
    if (tail == &stub_) {
      if (next == nullptr) return nullptr;
      tail_ = next;
      tail = next;
      next = next->next.load(std::memory_order_acquire);
    }
    if (next != nullptr) {
      tail_ = next;
      __builtin_prefetch(next);  // the next pop reads it: start the miss now
      return tail;
    }
    if (tail != head_.load(std::memory_order_acquire)) return nullptr;  // push in progress
    push(&stub_);
    next = tail->next.load(std::memory_order_acquire);
    if (next != nullptr) {
      tail_ = next;
      return tail;
    }
    return nullptr;
  }

 private:
  alignas(64) std::atomic<MpscNode*> head_;  // producers
  alignas(64) MpscNode* tail_;               // consumer
  MpscNode stub_;
};

}  // namespace wg
