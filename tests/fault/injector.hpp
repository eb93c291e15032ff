// Failure injection for the fault sweep: once armed, the Nth allocation (C++
// operator new of any form, or the library's item allocator) or the Nth
// thread the library starts fails, once. The driver replaces the global
// operator new, so the library (linked statically into it) and libstdc++'s
// inline code allocate through it; thread starts fail through the library's
// seam (thread_start.hpp), which works the same under every sanitizer.
// libuv's own mallocs are not counted: libuv aborts on some of them by design.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

namespace fault {

enum class Kind { kAlloc, kThread };

// The scenario marks its phases (scenario.hpp); events are counted only while
// the armed phase runs, so that N means the same event in every run of that
// phase (the number of batches, hence of allocations, in the phases before
// varies with thread timing).
void enter_phase(int phase);

// Counting starts at arm: the nth event of `kind` counted in `phase` fails.
void arm(Kind kind, int phase, uint64_t nth);
// Stops counting and failing.
void disarm();
// Whether the armed failure happened.
bool fired();
// Events counted (in the armed phase) since arm.
uint64_t counted();

// malloc, or nullptr when this is the allocation to fail (the replaced
// operator new is built on these).
void* counted_new(size_t n);
void* counted_aligned_new(size_t n, std::align_val_t al);

}  // namespace fault
