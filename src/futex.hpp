// Blocking on a 32-bit atomic word without a mutex (Linux futex). Used where a
// thread must sleep until another thread changes the word: future outcomes and
// rundown gates. Callers re-check their condition after every return.
#pragma once

#include <atomic>
#include <cstdint>

namespace wg {

// Sleeps while *word == expected, at most timeout_ns (UINT64_MAX: no limit).
// May return early (spuriously, or because the word changed).
void futex_wait(std::atomic<uint32_t>* word, uint32_t expected, uint64_t timeout_ns);

// Wakes every thread sleeping on word.
void futex_wake_all(std::atomic<uint32_t>* word);

}  // namespace wg
