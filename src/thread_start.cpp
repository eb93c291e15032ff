#include "thread_start.hpp"

#include <atomic>

namespace wg {

namespace {
std::atomic<ThreadStartFailFn> g_fail{nullptr};
}

void set_thread_start_failure_for_testing(ThreadStartFailFn fn) {
  g_fail.store(fn, std::memory_order_relaxed);
}

bool thread_start_refused() {
  ThreadStartFailFn fn = g_fail.load(std::memory_order_relaxed);
  return fn && fn();
}

}  // namespace wg
