// ItemPool: recycles the fixed-size blocks that plain work items live in, so
// that the hot path does not pay malloc and free (whose cross-thread frees
// take an arena lock) for every item.
//
// Threads: each thread keeps a private cache (no atomics); caches trade whole
// chains of kChain blocks with a process-wide depot under a mutex, so the
// mutex is taken at most once per kChain allocations or frees. The depot
// keeps at most kDepotChains chains and returns the rest to malloc: memory
// held for reuse is bounded (about 1.5 MiB), so a burst of pending items does
// not leave the process larger afterwards.
#pragma once

#include <cstddef>

namespace wg {

namespace item_pool {

// The size of every block (a malloc chunk of 96 bytes on glibc).
constexpr size_t kBlockSize = 88;

// A block of kBlockSize bytes, or nullptr when out of memory. Goes through the
// test allocator (allocator.hpp) whenever one is set.
void* allocate();
// Any thread; `block` came from allocate().
void release(void* block);

}  // namespace item_pool

}  // namespace wg
