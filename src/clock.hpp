// Monotonic time in nanoseconds, shared by producers, the loop and the manager.
#pragma once

#include <cstdint>
#include <ctime>

namespace wg {

inline uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

inline uint64_t seconds_to_ns(double s) {
  if (s <= 0) return 0;
  double ns = s * 1e9;
  if (ns >= 9.2e18) return UINT64_C(9200000000000000000);
  return static_cast<uint64_t>(ns);
}

inline double ns_to_seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

}  // namespace wg
