// StatsReporter: the stats callback (wg_conf_set_stats_cb). A repeating libuv
// timer on the grinder's loop calls the user's fn with the stats JSON every
// interval, as librdkafka's statistics.interval.ms does. The JSON comes from
// the `build` function the owner passes (the reporter does not know the
// grinder). No lock is held during the call.
//
// Threads: loop thread only (init before the loop runs, close while closing).
#pragma once

#include <uv.h>

#include <string>

#include "workgrinder/workgrinder.h"

namespace wg {

class StatsReporter {
 public:
  using Build = std::string (*)(void* ctx);

  StatsReporter(wg_stats_fn fn, double interval_seconds, void* opaque)
      : fn_(fn), interval_seconds_(interval_seconds), opaque_(opaque) {}

  // Does nothing without a callback.
  void init(uv_loop_t* loop, Build build, void* ctx);
  void close();

 private:
  static void on_tick(uv_timer_t* t);

  const wg_stats_fn fn_;
  const double interval_seconds_;
  void* const opaque_;
  Build build_ = nullptr;
  void* ctx_ = nullptr;
  bool active_ = false;
  uv_timer_t timer_;
};

}  // namespace wg
