#include "injector.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

#include "allocator.hpp"
#include "thread_start.hpp"

namespace fault {

namespace {

std::atomic<bool> g_armed{false};
std::atomic<Kind> g_kind{Kind::kAlloc};
std::atomic<uint64_t> g_nth{0};
std::atomic<uint64_t> g_count{0};
std::atomic<bool> g_fired{false};
std::atomic<int> g_phase{0};        // the scenario's current phase
std::atomic<int> g_armed_phase{0};  // the phase whose events are counted

// True when this event of `kind` is the one to fail.
bool should_fail(Kind kind) {
  if (!g_armed.load(std::memory_order_acquire) || g_kind.load() != kind ||
      g_phase.load() != g_armed_phase.load())
    return false;
  if (g_count.fetch_add(1) + 1 != g_nth.load()) return false;
  g_fired.store(true);
  return true;
}

void* failing_allocate(size_t size) {
  return should_fail(Kind::kAlloc) ? nullptr : std::malloc(size);
}

bool failing_thread_start() { return should_fail(Kind::kThread); }

}  // namespace

void* counted_new(size_t n) { return should_fail(Kind::kAlloc) ? nullptr : std::malloc(n ? n : 1); }

void* counted_aligned_new(size_t n, std::align_val_t al) {
  if (should_fail(Kind::kAlloc)) return nullptr;
  size_t a = static_cast<size_t>(al);
  return std::aligned_alloc(a, (n + a - 1) / a * a);
}

void enter_phase(int phase) { g_phase.store(phase); }

void arm(Kind kind, int phase, uint64_t nth) {
  g_kind.store(kind);
  g_phase.store(0);
  g_armed_phase.store(phase);
  g_nth.store(nth);
  g_count.store(0);
  g_fired.store(false);
  // Items go through the library's allocator, threads through its seam.
  wg::set_allocator_for_testing(failing_allocate);
  wg::set_thread_start_failure_for_testing(failing_thread_start);
  g_armed.store(true, std::memory_order_release);
}

void disarm() {
  g_armed.store(false, std::memory_order_release);
  wg::set_allocator_for_testing(nullptr);
  wg::set_thread_start_failure_for_testing(nullptr);
}

bool fired() { return g_fired.load(); }
uint64_t counted() { return g_count.load(); }

}  // namespace fault

// The operator new family, replaced for the whole program.
void* operator new(size_t n) {
  if (void* p = fault::counted_new(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) {
  if (void* p = fault::counted_new(n)) return p;
  throw std::bad_alloc();
}
void* operator new(size_t n, const std::nothrow_t&) noexcept { return fault::counted_new(n); }
void* operator new[](size_t n, const std::nothrow_t&) noexcept { return fault::counted_new(n); }
void* operator new(size_t n, std::align_val_t al) {
  if (void* p = fault::counted_aligned_new(n, al)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n, std::align_val_t al) {
  if (void* p = fault::counted_aligned_new(n, al)) return p;
  throw std::bad_alloc();
}
void* operator new(size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  return fault::counted_aligned_new(n, al);
}
void* operator new[](size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  return fault::counted_aligned_new(n, al);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
