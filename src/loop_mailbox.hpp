// LoopMailbox: how other threads hand things to a grinder's loop thread and
// wake it. Workers push finished items (completions), the manager pushes
// batches whose lease request it served (grants); producers and cancellers
// only wake the loop. One uv_async_t is sent only when the wake flag goes
// from clear to set, so a burst of hand-overs costs one wake-up.
//
// Threads: push and wake from any thread; drain() (clear the flag, then pop)
// on the loop thread only. The loop initialises and closes `async` (uv handles
// belong to their loop's thread).
#pragma once

#include <uv.h>

#include <atomic>

#include "full_barrier.hpp"
#include "mpsc_queue.hpp"

namespace wg {

struct LoopMailbox {
  alignas(64) std::atomic<bool> wake_flag{false};
  uv_async_t async;
  MpscQueue completions;  // finished items, pushed in chains by workers
  MpscQueue grants;       // batches whose lease request was answered

  // Any thread: wakes the loop unless a wake-up is already on its way. The
  // fence orders the caller's push before the flag read (the loop clears the
  // flag, then pops: one of the two sees the other).
  void wake() {
    full_barrier();
    if (!wake_flag.load(std::memory_order_seq_cst) &&
        !wake_flag.exchange(true, std::memory_order_seq_cst))
      uv_async_send(&async);
  }

  // Loop thread, at the start of a wake-up: later hand-overs wake it again.
  void begin_drain() {
    wake_flag.store(false, std::memory_order_seq_cst);
    full_barrier();
  }
};

}  // namespace wg
