// RundownGate: lets many threads briefly use a resource (enter/leave) until its
// owner closes it; close_and_wait returns once nobody is inside, after which
// enter() fails. Producers use it so that no item is pushed after the loop's
// final drain; workers use a batch's gate so that no completion is pushed to a
// loop that is gone. The owner sleeps on a futex, never spins.
#pragma once

#include <atomic>
#include <cstdint>

#include "futex.hpp"

namespace wg {

class RundownGate {
 public:
  explicit RundownGate(bool open) : word_(open ? 0u : kClosed) {}

  // True: the caller is inside and must call leave(). False: closed.
  bool enter() {
    uint32_t v = word_.fetch_add(1, std::memory_order_acquire);
    if (v & kClosed) {
      leave();
      return false;
    }
    return true;
  }

  void leave() {
    uint32_t v = word_.fetch_sub(1, std::memory_order_release);
    if (v == (kClosed | 1u)) futex_wake_all(&word_);
  }

  // Closes the gate and sleeps until every thread inside has left.
  void close_and_wait() {
    uint32_t v = word_.fetch_or(kClosed, std::memory_order_acq_rel) | kClosed;
    while (v != kClosed) {
      futex_wait(&word_, v, UINT64_MAX);
      v = word_.load(std::memory_order_acquire);
    }
  }

  // Re-opens a closed gate (a grinder started again).
  void open() { word_.fetch_and(~kClosed, std::memory_order_release); }

 private:
  static constexpr uint32_t kClosed = 0x80000000u;
  std::atomic<uint32_t> word_;
};

}  // namespace wg
