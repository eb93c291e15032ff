// What every benchmark scenario shares: the clock, the per-item record, a
// completion event a producer can sleep on, latency percentiles and RSS.
#pragma once

#include <linux/futex.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace bench {

inline uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

// One job: "return arg + 1". The backend's completion writes value and the
// latency; a producer waiting for this item sleeps on `state`.
struct Item {
  uint64_t submit_ns = 0;
  uint64_t latency_ns = 0;
  uintptr_t value = 0;
  std::atomic<uint32_t> state{0};  // 0 running, 1 done, 2 a waiter sleeps

  uintptr_t expected() const { return reinterpret_cast<uintptr_t>(this) + 1; }

  void complete(uintptr_t v) {
    value = v;
    latency_ns = now_ns() - submit_ns;
    if (state.exchange(1, std::memory_order_acq_rel) == 2)
      syscall(SYS_futex, &state, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }
  void wait() {
    uint32_t s = 0;
    if (state.compare_exchange_strong(s, 2, std::memory_order_acq_rel) || s == 2) {
      while (state.load(std::memory_order_acquire) == 2)
        syscall(SYS_futex, &state, FUTEX_WAIT_PRIVATE, 2, nullptr, nullptr, 0);
    }
  }
};

inline int tiny_work(void* arg, void** result) {
  *result = static_cast<char*>(arg) + 1;
  return 0;
}

// One measured run of one backend in one scenario.
struct Result {
  std::string name;
  double items_per_s = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0;
  double peak_rss_mib = 0;    // the process's peak during the run
  double rss_growth_mib = 0;  // that peak less the RSS when the run began
  size_t wrong = 0;           // items whose value was not arg + 1: a broken run
  // The whole process's context switches and CPU time during the run, per
  // item (getrusage): what a latency-bound path pays in wake-ups.
  double switches_per_item = 0, cpu_us_per_item = 0;
  std::vector<uint64_t> sorted_latency_ns;
};

inline double percentile_us(const std::vector<uint64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  return static_cast<double>(
             sorted[static_cast<size_t>(p * static_cast<double>(sorted.size() - 1))]) /
         1e3;
}

inline Result summarize(std::string name, std::vector<Item>& items, double seconds) {
  Result r;
  r.name = std::move(name);
  r.sorted_latency_ns.reserve(items.size());
  for (Item& it : items) {
    r.sorted_latency_ns.push_back(it.latency_ns);
    if (it.value != it.expected()) ++r.wrong;
  }
  std::sort(r.sorted_latency_ns.begin(), r.sorted_latency_ns.end());
  r.items_per_s = static_cast<double>(items.size()) / seconds;
  r.p50_us = percentile_us(r.sorted_latency_ns, 0.5);
  r.p99_us = percentile_us(r.sorted_latency_ns, 0.99);
  r.p999_us = percentile_us(r.sorted_latency_ns, 0.999);
  return r;
}

// /proc/self/status fields in KiB (VmRSS, VmHWM).
inline double proc_status_kib(const char* field) {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  double v = 0;
  size_t n = std::char_traits<char>::length(field);
  while (std::fgets(line, sizeof line, f))
    if (std::string(line, n) == field && line[n] == ':') v = std::atof(line + n + 1);
  std::fclose(f);
  return v;
}
// Context switches (voluntary and not) and CPU time of the whole process.
struct ProcessUsage {
  double switches = 0, cpu_us = 0;
  static ProcessUsage now() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto us = [](const timeval& t) {
      return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_usec);
    };
    return {static_cast<double>(u.ru_nvcsw + u.ru_nivcsw), us(u.ru_utime) + us(u.ru_stime)};
  }
};
inline double rss_mib() { return proc_status_kib("VmRSS") / 1024; }
inline double peak_rss_mib() { return proc_status_kib("VmHWM") / 1024; }
// Restarts the peak (VmHWM) at the current RSS (Linux: clear_refs 5).
inline void reset_peak_rss() {
  FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (!f) return;
  std::fputs("5", f);
  std::fclose(f);
}

}  // namespace bench
