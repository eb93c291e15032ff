#include "allocator.hpp"

#include <atomic>
#include <cstdlib>

namespace wg {

namespace {
std::atomic<AllocateFn> g_allocate{nullptr};
}

void* allocate(size_t size) {
  AllocateFn fn = g_allocate.load(std::memory_order_relaxed);
  return fn ? fn(size) : std::malloc(size);
}

void deallocate(void* p) { std::free(p); }

bool allocator_is_replaced() { return g_allocate.load(std::memory_order_relaxed) != nullptr; }

void set_allocator_for_testing(AllocateFn fn) { g_allocate.store(fn, std::memory_order_relaxed); }

}  // namespace wg
