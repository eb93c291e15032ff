#include "item_pool.hpp"

#include <pthread.h>

#include <cstdint>
#include <cstdlib>
#include <mutex>

#include "allocator.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define WG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WG_ASAN 1
#endif
#endif
#ifdef WG_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace wg {
namespace item_pool {

namespace {

// Under AddressSanitizer a block is poisoned while it sits in the pool, so
// that touching an item after it was freed is reported as it would be with
// malloc; all but its first bytes, the pool's links (FreeBlock): LeakSanitizer
// ignores pointers kept in poisoned memory, and would take every block behind
// a poisoned link for a leak. Elsewhere these compile to nothing.
#ifdef WG_ASAN
void poison(void* p, size_t n) { ASAN_POISON_MEMORY_REGION(p, n); }
void unpoison(void* p, size_t n) { ASAN_UNPOISON_MEMORY_REGION(p, n); }
#else
void poison(void*, size_t) {}
void unpoison(void*, size_t) {}
#endif

constexpr size_t kChain = 64;          // blocks moved between a cache and the depot at once
constexpr size_t kDepotChains = 1024;  // at most 65,536 blocks of each size kept for reuse

// A free block's first bytes; reached only through the accessors below.
struct FreeBlock {
  FreeBlock* next;        // within a chain
  FreeBlock* next_chain;  // depot only: in the first block of a chain
};

template <FreeBlock* FreeBlock::*link>
FreeBlock* get(FreeBlock* b) {
  return b->*link;
}

template <FreeBlock* FreeBlock::*link>
void set(FreeBlock* b, FreeBlock* v) {
  b->*link = v;
}

// A block entering the pool: everything after its links is off limits.
void poison_body(FreeBlock* b, size_t size) {
  poison(reinterpret_cast<char*>(b) + sizeof(FreeBlock), size - sizeof(FreeBlock));
}

void free_chain(FreeBlock* b) {
  while (b) {
    FreeBlock* next = get<&FreeBlock::next>(b);
    deallocate(b);  // ASan's free takes a poisoned block like any other
    b = next;
  }
}

// Full chains of exactly kChain blocks.
class Depot {
 public:
  Depot() = default;
  ~Depot() {  // process exit: give everything back (leak checkers see nothing)
    std::lock_guard<std::mutex> lk(mu_);
    closed_ = true;
    while (FreeBlock* c = chains_) {
      chains_ = get<&FreeBlock::next_chain>(c);
      free_chain(c);
    }
    count_ = 0;
  }
  static Depot& instance(SizeClass c) {
    static Depot depots[2];
    // fork(): the child must not inherit a depot lock held by another thread.
    static const int registered =
        pthread_atfork([] { lock_all(); }, [] { unlock_all(); }, [] { unlock_all(); });
    (void)registered;
    return depots[c];
  }

  static void lock_all() {
    instance(kPlain).mu_.lock();
    instance(kWithExtras).mu_.lock();
  }
  static void unlock_all() {
    instance(kWithExtras).mu_.unlock();
    instance(kPlain).mu_.unlock();
  }

  FreeBlock* take() {
    std::lock_guard<std::mutex> lk(mu_);
    FreeBlock* c = chains_;
    if (c) {
      chains_ = get<&FreeBlock::next_chain>(c);
      --count_;
    }
    return c;
  }
  void put(FreeBlock* chain) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (!closed_ && count_ < kDepotChains) {
        set<&FreeBlock::next_chain>(chain, chains_);
        chains_ = chain;
        ++count_;
        return;
      }
    }
    free_chain(chain);
  }

 private:
  std::mutex mu_;
  FreeBlock* chains_ = nullptr;
  size_t count_ = 0;
  bool closed_ = false;
};

// A thread's blocks: `ready` is what allocate() pops; a second chain fills up
// with frees and goes to the depot whole. Trivial, so that thread_local needs
// no guard: thread exit is handled by a pthread key (ThreadExit).
struct Cache {
  FreeBlock* ready;
  size_t ready_count;
  FreeBlock* spill;
  size_t spill_count;

  void free_all() {
    free_chain(ready);
    free_chain(spill);
    *this = Cache{};
  }
};

// initial-exec: a direct offset from the thread pointer instead of a
// __tls_get_addr call per item (66 instructions per item under callgrind).
// The library's few bytes of TLS fit glibc's static TLS reserve even when it
// is dlopen'ed (Python's ctypes does).
thread_local Cache tls_cache[2] __attribute__((tls_model("initial-exec"))) = {};
thread_local bool tls_exit_registered __attribute__((tls_model("initial-exec"))) = false;

// Frees a thread's cached blocks when it exits; the main thread's at process
// exit (pthread key destructors do not run for it).
struct ThreadExit {
  pthread_key_t key;
  ThreadExit() {
    pthread_key_create(&key, [](void* caches) {
      for (int c = 0; c < 2; ++c) static_cast<Cache*>(caches)[c].free_all();
    });
  }
  ~ThreadExit() {
    for (Cache& c : tls_cache) c.free_all();
  }
};

Cache& thread_cache(SizeClass sc) {
  if (!tls_exit_registered) {
    static ThreadExit exit_hook;
    tls_exit_registered = true;
    pthread_setspecific(exit_hook.key, tls_cache);
  }
  return tls_cache[sc];
}

}  // namespace

void* allocate(SizeClass sc) {
  // Failure injection sees every item.
  if (allocator_is_replaced()) return wg::allocate(kBlockSize[sc]);
  Cache& c = thread_cache(sc);
  if (!c.ready) {
    if (c.spill) {
      c.ready = c.spill;
      c.ready_count = c.spill_count;
      c.spill = nullptr;
      c.spill_count = 0;
    } else if (FreeBlock* chain = Depot::instance(sc).take()) {
      c.ready = chain;
      c.ready_count = kChain;
    } else {
      return wg::allocate(kBlockSize[sc]);
    }
  }
  FreeBlock* b = c.ready;
  c.ready = get<&FreeBlock::next>(b);
  --c.ready_count;
  unpoison(b, kBlockSize[sc]);
  return b;
}

void release(SizeClass sc, void* block) {
  Cache& c = thread_cache(sc);
  FreeBlock* b = static_cast<FreeBlock*>(block);
  poison_body(b, kBlockSize[sc]);
  if (c.ready_count < kChain) {
    set<&FreeBlock::next>(b, c.ready);
    c.ready = b;
    ++c.ready_count;
    return;
  }
  set<&FreeBlock::next>(b, c.spill);
  c.spill = b;
  if (++c.spill_count == kChain) {
    Depot::instance(sc).put(c.spill);
    c.spill = nullptr;
    c.spill_count = 0;
  }
}

}  // namespace item_pool
}  // namespace wg
