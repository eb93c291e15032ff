#include "stats_reporter.hpp"

#include <new>

namespace wg {

void StatsReporter::init(uv_loop_t* loop, Build build, void* ctx) {
  active_ = fn_ != nullptr && interval_seconds_ > 0;
  if (!active_) return;
  build_ = build;
  ctx_ = ctx;
  uv_timer_init(loop, &timer_);
  timer_.data = this;
  double ms = interval_seconds_ * 1000.0;
  uint64_t interval_ms = ms < 1 ? 1 : ms > 9.2e15 ? UINT64_C(9200000000000000) : uint64_t(ms);
  uv_timer_start(&timer_, &StatsReporter::on_tick, interval_ms, interval_ms);
}

void StatsReporter::close() {
  if (!active_) return;
  active_ = false;
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
}

void StatsReporter::on_tick(uv_timer_t* t) {
  StatsReporter* r = static_cast<StatsReporter*>(t->data);
  std::string json;
  try {
    json = r->build_(r->ctx_);
  } catch (const std::bad_alloc&) {
    return;  // out of memory: this report is skipped, the next one tries again
  }
  r->fn_(json.c_str(), json.size(), r->opaque_);
}

}  // namespace wg
