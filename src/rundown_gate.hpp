// RundownGate: lets many threads briefly use a resource (enter/leave) until its
// owner closes it; once closed and empty, nobody is inside and enter() fails.
// Producers use it so that no item is pushed after the loop's final drain;
// workers use a batch's gate so that no completion is pushed to a loop that
// is gone. The owner sleeps on a futex, never spins, and a leaving thread
// makes the wake-up system call only when the owner actually sleeps.
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
    if ((v & kInside) == 1 && (v & kWaiter)) futex_wake_all(&word_);
  }

  // Closes the gate and sleeps until every thread inside has left.
  void close_and_wait() {
    close();
    wait_empty();
  }

  // Closes the gate without waiting; true if nobody was inside.
  bool close() { return (word_.fetch_or(kClosed, std::memory_order_acq_rel) & kInside) == 0; }

  // Nobody is inside a closed gate.
  bool empty() const { return (word_.load(std::memory_order_acquire) & kInside) == 0; }

  // Sleeps until nobody is inside a closed gate.
  void wait_empty() {
    uint32_t v = word_.load(std::memory_order_acquire);
    while (v & kInside) {
      if (!(v & kWaiter)) {
        if (!word_.compare_exchange_weak(v, v | kWaiter, std::memory_order_acq_rel)) continue;
        v |= kWaiter;
      }
      futex_wait(&word_, v, UINT64_MAX);
      v = word_.load(std::memory_order_acquire);
    }
  }

  // Re-opens a closed, empty gate (a grinder started again).
  void open() { word_.fetch_and(~(kClosed | kWaiter), std::memory_order_release); }

 private:
  static constexpr uint32_t kClosed = 0x80000000u;
  static constexpr uint32_t kWaiter = 0x40000000u;  // the owner sleeps in wait_empty
  static constexpr uint32_t kInside = 0x3fffffffu;  // threads inside
  std::atomic<uint32_t> word_;
};

}  // namespace wg
