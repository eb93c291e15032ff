// libworkgrinder behind the benchmark's Backend interface, using each of its
// APIs natively: wg_submit with a done callback, wg_enqueue + wg_future_wait,
// wg_submit_wait.
#include <workgrinder/workgrinder.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "backends.hpp"

namespace bench {

namespace {

void on_done(const wg_outcome_t* o, void* opaque) {
  static_cast<Item*>(opaque)->complete(reinterpret_cast<uintptr_t>(o->result));
}

class GrinderBackend : public Backend {
 public:
  explicit GrinderBackend(const GrinderSetup& s) {
    wg_conf_t* c = wg_conf_new();
    set(c, "batch_size_threshold", std::to_string(s.threshold));
    set(c, "max_wait_seconds", std::to_string(s.max_wait_seconds));
    set(c, "max_inflight_batches", std::to_string(s.max_inflight));
    set(c, "workers_per_pool", "1");
    set(c, "min_pools", std::to_string(s.workers));
    set(c, "max_pools", std::to_string(s.workers));
    char err[256];
    if (wg_create(&g_, c, nullptr, err, sizeof err) != WG_OK || wg_start(g_) != WG_OK) {
      std::fprintf(stderr, "workgrinder_bench: %s\n", err);
      std::exit(1);
    }
    wg_conf_destroy(c);
  }
  void submit(Item* it) override {
    while (wg_submit(g_, tiny_work, it, on_done, it) != WG_OK) std::this_thread::yield();
  }
  void submit_wait(Item* it) override {
    wg_outcome_t o;
    wg_submit_wait(g_, tiny_work, it, nullptr, -1, &o);
    it->complete(reinterpret_cast<uintptr_t>(o.result));
  }
  void* enqueue(Item* it) override {
    wg_future_t* f = nullptr;
    wg_enqueue(g_, tiny_work, it, nullptr, &f);
    return f;
  }
  void await(void* handle, Item* it) override {
    wg_future_t* f = static_cast<wg_future_t*>(handle);
    wg_outcome_t o;
    wg_future_wait(f, -1, &o);
    wg_future_release(f);
    it->complete(reinterpret_cast<uintptr_t>(o.result));
  }
  void finish() override {
    wg_stop(g_, 0);  // drains: every done callback has run
    wg_destroy(g_);
  }

 private:
  static void set(wg_conf_t* c, const char* key, const std::string& value) {
    char err[256];
    if (wg_conf_set(c, key, value.c_str(), err, sizeof err) != WG_OK) {
      std::fprintf(stderr, "workgrinder_bench: %s\n", err);
      std::exit(1);
    }
  }
  wg_grinder_t* g_ = nullptr;
};

}  // namespace

BackendSpec grinder_backend(const GrinderSetup& setup, std::string name) {
  return {std::move(name), true, [setup] { return std::make_unique<GrinderBackend>(setup); }};
}

}  // namespace bench
