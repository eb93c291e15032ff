// Monotonic time in nanoseconds, shared by producers, the loop and the manager.
//
// Deadlines are uint64 nanoseconds of that clock. Every "now + duration" goes
// through deadline_after, which saturates, and every wait on a deadline goes
// through wait_for_ns with a capped relative duration: no input and no uptime
// can wrap a deadline into the past (steady_clock time points are signed).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>

namespace wg {

namespace detail {
// Tests only: added to every now_ns() reading (see set_clock_offset_for_testing).
inline std::atomic<uint64_t> clock_offset_ns{0};
}  // namespace detail

inline uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec) +
         detail::clock_offset_ns.load(std::memory_order_relaxed);
}

// Tests only: pretends the machine has been up `ns` longer than it has, so
// that overflow at long uptimes can be tested without waiting. Set it before
// creating the objects under test.
inline void set_clock_offset_for_testing(uint64_t ns) {
  detail::clock_offset_ns.store(ns, std::memory_order_relaxed);
}

inline uint64_t seconds_to_ns(double s) {
  if (!(s > 0)) return 0;  // also NaN
  double ns = s * 1e9;
  if (ns >= 9.2e18) return UINT64_C(9200000000000000000);
  return static_cast<uint64_t>(ns);
}

inline double ns_to_seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

// now + ns, saturating at UINT64_MAX ("never").
inline uint64_t deadline_after(uint64_t now, uint64_t ns) {
  return ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
}

// Seconds from `from` to `to`, negative when `to` is past; no signed cast of
// the difference, so far-away deadlines stay positive.
inline double seconds_between(uint64_t from, uint64_t to) {
  return to >= from ? static_cast<double>(to - from) / 1e9 : -static_cast<double>(from - to) / 1e9;
}

// The longest single timed wait: callers loop and re-read the clock, so a
// far deadline costs one wake-up a day, and steady_clock::now() + the wait
// can never overflow.
constexpr uint64_t kMaxWaitNs = UINT64_C(86400000000000);

// Waits on cv until notified or until deadline_ns (of now_ns()) or at most
// kMaxWaitNs; returns at once if the deadline has passed. Spurious and capped
// wake-ups are the caller's to handle (it re-checks its condition).
template <typename Cv, typename Lock>
void wait_until_ns(Cv& cv, Lock& lk, uint64_t deadline_ns) {
  uint64_t now = now_ns();
  if (deadline_ns <= now) return;
  uint64_t left = deadline_ns - now;
  if (left > kMaxWaitNs) left = kMaxWaitNs;
  cv.wait_for(lk, std::chrono::nanoseconds(static_cast<int64_t>(left)));
}

}  // namespace wg
