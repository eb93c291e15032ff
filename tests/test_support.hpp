// Helpers shared by the tests: configuration builders, a gate that blocks
// work functions until the test opens it, and a counter that tests can wait
// on. Tests wait on events, never on sleeps, except where the behaviour under
// test is a duration.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <initializer_list>
#include <mutex>
#include <string>
#include <utility>

#include "workgrinder/workgrinder.h"

namespace wgtest {

using KeyValues = std::initializer_list<std::pair<const char*, const char*>>;

inline wg_conf_t* make_conf(KeyValues kv) {
  wg_conf_t* c = wg_conf_new();
  char err[256];
  for (auto& p : kv) {
    int rc = wg_conf_set(c, p.first, p.second, err, sizeof err);
    EXPECT_EQ(rc, WG_OK) << p.first << "=" << p.second << ": " << err;
  }
  return c;
}

inline wg_grinder_t* make_grinder(KeyValues kv, wg_manager_t* m = nullptr, bool start = true) {
  wg_conf_t* c = make_conf(kv);
  wg_grinder_t* g = nullptr;
  char err[256];
  EXPECT_EQ(wg_create(&g, c, m, err, sizeof err), WG_OK) << err;
  wg_conf_destroy(c);
  if (start) {
    EXPECT_EQ(wg_start(g), WG_OK);
  }
  return g;
}

inline wg_manager_t* make_manager(KeyValues kv, bool start = true) {
  wg_conf_t* c = make_conf(kv);
  wg_manager_t* m = nullptr;
  char err[256];
  EXPECT_EQ(wg_manager_create(&m, c, err, sizeof err), WG_OK) << err;
  wg_conf_destroy(c);
  if (start) {
    EXPECT_EQ(wg_manager_start(m), WG_OK);
  }
  return m;
}

inline wg_stats_t stats_of(wg_grinder_t* g) {
  wg_stats_t s{};
  s.version = WG_STATS_VERSION;
  EXPECT_EQ(wg_stats(g, &s), WG_OK);
  return s;
}

inline wg_manager_stats_t manager_stats_of(wg_manager_t* m) {
  wg_manager_stats_t s{};
  s.version = WG_MANAGER_STATS_VERSION;
  EXPECT_EQ(wg_manager_stats(m, &s, nullptr, 0, nullptr), WG_OK);
  return s;
}

// Blocks work functions until opened.
class Gate {
 public:
  void open() {
    std::lock_guard<std::mutex> lk(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void pass() {
    std::unique_lock<std::mutex> lk(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lk, [&] { return open_; });
  }
  // Waits until n threads are blocked in pass() (or passed it).
  bool wait_for_waiters(int n, double seconds = 10) {
    std::unique_lock<std::mutex> lk(mu_);
    return cv_.wait_for(lk, std::chrono::duration<double>(seconds), [&] { return waiting_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int waiting_ = 0;
};

// A counter that can be waited on.
class Counter {
 public:
  void add(int n = 1) {
    std::lock_guard<std::mutex> lk(mu_);
    value_ += n;
    cv_.notify_all();
  }
  int value() {
    std::lock_guard<std::mutex> lk(mu_);
    return value_;
  }
  bool wait_for(int n, double seconds = 20) {
    std::unique_lock<std::mutex> lk(mu_);
    return cv_.wait_for(lk, std::chrono::duration<double>(seconds), [&] { return value_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int value_ = 0;
};

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Work functions.
inline int work_ok(void*, void** result) {
  *result = nullptr;
  return 0;
}
inline int work_plus_one(void* arg, void** result) {
  *result = reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(arg) + 1);
  return 0;
}
inline int work_gate(void* arg, void**) {
  static_cast<Gate*>(arg)->pass();
  return 0;
}

// Records outcomes delivered to done callbacks.
struct OutcomeLog {
  std::mutex mu;
  std::vector<wg_outcome_t> outcomes;
  Counter count;
  static void done(const wg_outcome_t* o, void* opaque) {
    auto* log = static_cast<OutcomeLog*>(opaque);
    {
      std::lock_guard<std::mutex> lk(log->mu);
      log->outcomes.push_back(*o);
    }
    log->count.add();
  }
  std::vector<wg_outcome_t> snapshot() {
    std::lock_guard<std::mutex> lk(mu);
    return outcomes;
  }
};

}  // namespace wgtest
