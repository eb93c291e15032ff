// Baseline and limit: one producer hands items through a single-producer
// single-consumer ring to one spinning thread, which hands them back through
// a second ring; the producer completes them as they come back. Nothing can
// cross threads faster here, so it bounds every other backend.
#include <thread>

#include "backends.hpp"

namespace bench {

namespace {

template <size_t N>
struct Ring {
  alignas(64) std::atomic<size_t> head{0};
  alignas(64) std::atomic<size_t> tail{0};
  alignas(64) Item* slots[N];
  bool push(Item* it) {
    size_t h = head.load(std::memory_order_relaxed);
    if (h - tail.load(std::memory_order_acquire) == N) return false;
    slots[h % N] = it;
    head.store(h + 1, std::memory_order_release);
    return true;
  }
  Item* pop() {
    size_t t = tail.load(std::memory_order_relaxed);
    if (t == head.load(std::memory_order_acquire)) return nullptr;
    Item* it = slots[t % N];
    tail.store(t + 1, std::memory_order_release);
    return it;
  }
};

class SpscRing : public Backend {
 public:
  SpscRing() : worker_([this] { serve(); }) {}
  void submit(Item* it) override {
    while (!to_->push(it)) drain();
    ++sent_;
    drain();
  }
  void wait(Item* it) override {
    while (it->state.load(std::memory_order_acquire) == 0) drain();
  }
  void finish() override {
    while (received_ < sent_) drain();
    stop_ = true;
    worker_.join();
  }

 private:
  void drain() {
    while (Item* it = back_->pop()) {
      it->complete(it->value);
      ++received_;
    }
  }
  void serve() {
    while (!stop_.load(std::memory_order_relaxed)) {
      Item* it = to_->pop();
      if (!it) continue;
      void* result;
      tiny_work(it, &result);
      it->value = reinterpret_cast<uintptr_t>(result);
      while (!back_->push(it)) {
      }
    }
  }

  std::unique_ptr<Ring<4096>> to_ = std::make_unique<Ring<4096>>();
  std::unique_ptr<Ring<4096>> back_ = std::make_unique<Ring<4096>>();
  size_t sent_ = 0, received_ = 0;
  std::atomic<bool> stop_{false};
  std::thread worker_;
};

}  // namespace

BackendSpec spsc_backend() {
  return {"SPSC ring to one thread and back", false, [] { return std::make_unique<SpscRing>(); }};
}

}  // namespace bench
