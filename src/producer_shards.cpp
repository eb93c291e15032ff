#include "producer_shards.hpp"

namespace wg {

namespace {
std::atomic<size_t> g_next_slot{0};
// 0: not assigned yet; else slot + 1. initial-exec: see item_pool.cpp.
thread_local size_t tls_slot __attribute__((tls_model("initial-exec"))) = 0;
}  // namespace

size_t ProducerShards::thread_slot() {
  size_t s = tls_slot;
  if (s == 0) {
    s = g_next_slot.fetch_add(1, std::memory_order_relaxed) % kShards + 1;
    tls_slot = s;
  }
  return s - 1;
}

}  // namespace wg
