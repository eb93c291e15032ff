#include "flush_timer.hpp"

#include "clock.hpp"

namespace wg {

void FlushTimer::init(uv_loop_t* loop, uv_timer_cb fired, void* data) {
  loop_ = loop;
  fired_cb_ = fired;
  uv_timer_init(loop, &timer_);
  timer_.data = data;
  due_ns_ = 0;
}

void FlushTimer::close() {
  arm(0);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
}

void FlushTimer::arm(uint64_t due_ns) {
  if (due_ns == due_ns_) return;
  due_ns_ = due_ns;
  if (due_ns == 0) {
    uv_timer_stop(&timer_);
    return;
  }
  uv_update_time(loop_);
  uint64_t now = now_ns();
  uint64_t timeout_ms = due_ns > now ? (due_ns - now + 999999) / 1000000 : 0;
  uv_timer_start(&timer_, fired_cb_, timeout_ms, 0);
}

}  // namespace wg
