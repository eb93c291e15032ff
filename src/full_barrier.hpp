// full_barrier(): a sequentially consistent fence for the store-then-load
// hand-shakes between producers and the loop (push then read the wake flag;
// clear the wake flag then pop). ThreadSanitizer does not model fences, so
// under it the same ordering comes from a seq_cst read-modify-write on one
// shared word, which it does model.
#pragma once

#include <atomic>

namespace wg {

#if defined(__SANITIZE_THREAD__)
inline std::atomic<unsigned> barrier_word{0};
inline void full_barrier() { barrier_word.fetch_add(0, std::memory_order_seq_cst); }
#else
inline void full_barrier() { std::atomic_thread_fence(std::memory_order_seq_cst); }
#endif

}  // namespace wg
