// FlushTimer: the libuv timer that wakes the loop when the oldest pending
// item's wait is over. Armed for an absolute deadline, never early: libuv
// counts a timeout from its cached time and epoll sleeps whole milliseconds,
// so the timer refreshes that time and rounds the real remainder up; a flush
// that still comes early (another wake-up refreshed the clock) finds the item
// not yet due, and the loop arms again.
//
// Threads: loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>

namespace wg {

class FlushTimer {
 public:
  void init(uv_loop_t* loop, uv_timer_cb fired, void* data);
  void close();
  // Fires once at `due_ns` (CLOCK_MONOTONIC); 0 disarms.
  void arm(uint64_t due_ns);
  // Call first thing when it fired: it is no longer armed.
  void fired() { due_ns_ = 0; }

 private:
  uv_loop_t* loop_ = nullptr;
  uv_timer_t timer_;
  uv_timer_cb fired_cb_ = nullptr;
  uint64_t due_ns_ = 0;  // what it is armed for; 0: disarmed
};

}  // namespace wg
