// Baseline: what most people write by hand. One std::mutex + condition
// variable queue; each pool thread takes everything queued at once and
// completes the items itself.
#include <condition_variable>
#include <mutex>
#include <thread>

#include "backends.hpp"

namespace bench {

namespace {

class MutexBatcher : public Backend {
 public:
  explicit MutexBatcher(unsigned workers) {
    for (unsigned w = 0; w < workers; ++w) pool_.emplace_back([this] { work(); });
  }
  void submit(Item* it) override {
    {
      std::lock_guard<std::mutex> lk(mu_);
      queue_.push_back(it);
    }
    cv_.notify_one();
  }
  void finish() override {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : pool_) t.join();
  }

 private:
  void work() {
    std::vector<Item*> batch;
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;
        batch.swap(queue_);
      }
      for (Item* it : batch) {
        void* result;
        tiny_work(it, &result);
        it->complete(reinterpret_cast<uintptr_t>(result));
      }
      batch.clear();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Item*> queue_;
  bool stop_ = false;
  std::vector<std::thread> pool_;
};

}  // namespace

BackendSpec mutex_batcher_backend(unsigned workers) {
  return {"mutex + condvar batcher", true,
          [workers] { return std::make_unique<MutexBatcher>(workers); }};
}

}  // namespace bench
