// Backends: libworkgrinder and the baselines it is measured against, behind
// one interface, so that every scenario drives them all the same way.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench_support.hpp"

namespace bench {

class Backend {
 public:
  virtual ~Backend() = default;
  // Hands the job over; its completion calls it->complete() (callback style).
  virtual void submit(Item* it) = 0;
  // Sleeps until `it` (submitted by this thread) has completed.
  virtual void wait(Item* it) { it->wait(); }
  // One job, waited for (wg_submit_wait style).
  virtual void submit_wait(Item* it) {
    submit(it);
    wait(it);
  }
  // Futures style: enqueue, later await (on the enqueuing thread).
  virtual void* enqueue(Item* it) {
    submit(it);
    return it;
  }
  virtual void await(void* handle, Item* it) {
    (void)handle;
    wait(it);
  }
  // Returns once every submitted job has completed; then tears down.
  virtual void finish() = 0;
};

struct BackendSpec {
  std::string name;
  bool multi_producer;  // false: one producer thread only (the SPSC ring)
  std::function<std::unique_ptr<Backend>()> make;
};

// libworkgrinder's knobs in the benchmarks.
struct GrinderSetup {
  unsigned threshold = 256;
  double max_wait_seconds = 0.0005;
  unsigned max_inflight = 2;
  unsigned workers = 2;  // in total: one per pool, `workers` pools
  // 0: no bound. Otherwise a producer that finds max_pending reached waits
  // for room (admit_timeout_seconds -1) instead of spinning on WG_EFULL.
  unsigned max_pending = 0;
  unsigned max_batch_size = 0;  // 0: the library's default
  bool histograms = true;       // the `histograms` key
};

BackendSpec grinder_backend(const GrinderSetup& setup, std::string name = "libworkgrinder");
// The baselines, each with `workers` worker threads.
BackendSpec mutex_batcher_backend(unsigned workers);
BackendSpec uv_queue_work_backend();  // libuv's pool: UV_THREADPOOL_SIZE, set by main
BackendSpec asio_backend(unsigned workers);
BackendSpec spsc_backend();

}  // namespace bench
