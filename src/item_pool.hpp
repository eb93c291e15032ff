// ItemPool: recycles the fixed-size blocks that work items live in, so that
// the hot path does not pay malloc and free (whose cross-thread frees take an
// arena lock) for every item. Two sizes: plain callback items, and items that
// carry ItemExtras (futures, items with options) without an owner label.
//
// Threads: each thread keeps a private cache per size (no atomics); caches
// trade whole chains of blocks with a process-wide depot under a mutex, so
// the mutex is taken at most once per chain (64 blocks) of allocations or
// frees. The depot keeps at most 1024 chains per size and returns the rest to
// malloc: memory held for reuse is bounded (about 15 MiB in all, enough for a
// flood with max_pending 65536 to recycle everything), so a burst of pending
// items does not leave the process larger afterwards.
//
// Under AddressSanitizer a free block is poisoned until it is handed out
// again, so a use of an item after its release is reported (without the
// allocation and free stacks malloc would give).
#pragma once

#include <cstddef>

namespace wg {

namespace item_pool {

enum SizeClass { kPlain, kWithExtras };

// Block sizes: 88 bytes is a 96-byte malloc chunk on glibc, 136 one of 144.
constexpr size_t kBlockSize[] = {88, 136};

// A block of kBlockSize[c] bytes, or nullptr when out of memory. Goes through
// the test allocator (allocator.hpp) whenever one is set.
void* allocate(SizeClass c);
// Any thread; `block` came from allocate(c).
void release(SizeClass c, void* block);

}  // namespace item_pool

}  // namespace wg
