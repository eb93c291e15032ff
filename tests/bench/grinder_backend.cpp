// libworkgrinder behind the benchmark's Backend interface, using each of its
// APIs natively: wg_submit with a done callback, wg_enqueue + wg_future_wait,
// wg_submit_wait.
#include <workgrinder/workgrinder.h>

#include <cstdio>
#include <cstdlib>
#include <string>

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
    if (s.max_pending) set(c, "max_pending", std::to_string(s.max_pending));
    if (s.max_batch_size) set(c, "max_batch_size", std::to_string(s.max_batch_size));
    if (!s.histograms) set(c, "histograms", "0");
    opts_.admit_timeout_seconds = -1;  // wait for room: no spinning on WG_EFULL
    char err[256];
    if (wg_create(&g_, c, nullptr, err, sizeof err) != WG_OK || wg_start(g_) != WG_OK) {
      std::fprintf(stderr, "workgrinder_bench: %s\n", err);
      std::exit(1);
    }
    wg_conf_destroy(c);
  }
  void submit(Item* it) override {
    int rc = wg_submit_ex(g_, tiny_work, it, on_done, it, &opts_);
    if (rc != WG_OK) fail("wg_submit_ex", rc);
  }
  void submit_wait(Item* it) override {
    wg_outcome_t o;
    int rc = wg_submit_wait(g_, tiny_work, it, &opts_, -1, &o);
    if (rc != WG_OK) fail("wg_submit_wait", rc);
    it->complete(reinterpret_cast<uintptr_t>(o.result));
  }
  void* enqueue(Item* it) override {
    wg_future_t* f = nullptr;
    int rc = wg_enqueue(g_, tiny_work, it, &opts_, &f);
    if (rc != WG_OK) fail("wg_enqueue", rc);
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
  [[noreturn]] static void fail(const char* what, int rc) {
    std::fprintf(stderr, "workgrinder_bench: %s: %s\n", what, wg_err_name(rc));
    std::exit(1);
  }
  static void set(wg_conf_t* c, const char* key, const std::string& value) {
    char err[256];
    if (wg_conf_set(c, key, value.c_str(), err, sizeof err) != WG_OK) {
      std::fprintf(stderr, "workgrinder_bench: %s\n", err);
      std::exit(1);
    }
  }
  wg_grinder_t* g_ = nullptr;
  wg_submit_opts_t opts_ = WG_SUBMIT_OPTS_INIT;
};

}  // namespace

BackendSpec grinder_backend(const GrinderSetup& setup, std::string name) {
  return {std::move(name), true, [setup] { return std::make_unique<GrinderBackend>(setup); }};
}

}  // namespace bench
