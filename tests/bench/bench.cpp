// Benchmark (a first slice of issue 4): tiny jobs ("return arg + 1") through
// the callback API from 1, 2 and 8 producers, against baselines run in the
// same process: a mutex + condition_variable batcher with a std::thread pool,
// uv_queue_work per item, and a single-producer single-consumer ring to one
// thread and back (the hand-off limit). Prints items/s, submit->outcome
// latency percentiles, and the ratio of libworkgrinder to each baseline.
//
//   workgrinder_bench [--short]
#include <uv.h>
#include <workgrinder/workgrinder.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

uint64_t now_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
          .count());
}

struct Item {
  uint64_t submit_ns;
  uint64_t latency_ns;
  uintptr_t value;
};

struct Result {
  std::string name;
  double items_per_s;
  double p50_us, p99_us, p999_us;
};

Result summarize(const std::string& name, std::vector<Item>& items, double seconds) {
  std::vector<uint64_t> lat;
  lat.reserve(items.size());
  for (auto& it : items) lat.push_back(it.latency_ns);
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    return lat[static_cast<size_t>(p * static_cast<double>(lat.size() - 1))] / 1e3;
  };
  return {name, static_cast<double>(items.size()) / seconds, pct(0.5), pct(0.99), pct(0.999)};
}

// ---------------------------------------------------------------- libworkgrinder

int tiny_work(void* arg, void** result) {
  *result = static_cast<char*>(arg) + 1;
  return 0;
}

void tiny_done(const wg_outcome_t*, void* opaque) {
  Item* it = static_cast<Item*>(opaque);
  it->latency_ns = now_ns() - it->submit_ns;
}

// Runs `producers` threads, each stamping and submitting its share of items.
template <typename Submit>
void produce(int producers, std::vector<Item>& items, Submit submit) {
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p)
    threads.emplace_back([&, p] {
      for (size_t i = static_cast<size_t>(p); i < items.size();
           i += static_cast<size_t>(producers)) {
        items[i].submit_ns = now_ns();
        submit(&items[i]);
      }
    });
  for (auto& t : threads) t.join();
}

Result run_grinder(int producers, size_t n) {
  wg_conf_t* c = wg_conf_new();
  wg_conf_set(c, "batch_size_threshold", "256", nullptr, 0);
  wg_conf_set(c, "max_wait_seconds", "0.0005", nullptr, 0);
  wg_conf_set(c, "workers_per_pool", "1", nullptr, 0);
  wg_conf_set(c, "max_inflight_batches", "2", nullptr, 0);
  wg_conf_set(c, "max_pools", "2", nullptr, 0);
  wg_conf_set(c, "min_pools", "2", nullptr, 0);
  wg_grinder_t* g;
  wg_create(&g, c, nullptr, nullptr, 0);
  wg_conf_destroy(c);
  wg_start(g);
  std::vector<Item> items(n);
  auto t0 = Clock::now();
  produce(producers, items, [&](Item* it) {
    while (wg_submit(g, tiny_work, it, tiny_done, it) != WG_OK) std::this_thread::yield();
  });
  wg_stop(g, 0);  // drains: every done callback has run
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  wg_destroy(g);
  return summarize("libworkgrinder, " + std::to_string(producers) + " producer(s)", items, s);
}

// ---------------------------------------------------------------- mutex batcher

// What most people write: one locked queue, a pool that takes all of it at
// once, and a locked completion count.
Result run_mutex_batcher(int producers, size_t n) {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Item*> queue;
  bool stop = false;
  std::vector<Item> items(n);
  std::vector<std::thread> pool;
  for (int w = 0; w < 2; ++w)
    pool.emplace_back([&] {
      std::deque<Item*> batch;
      for (;;) {
        {
          std::unique_lock<std::mutex> lk(mu);
          cv.wait(lk, [&] { return stop || !queue.empty(); });
          if (queue.empty() && stop) return;
          batch.swap(queue);
        }
        for (Item* it : batch) {
          it->value = reinterpret_cast<uintptr_t>(it) + 1;
          it->latency_ns = now_ns() - it->submit_ns;
        }
        batch.clear();
      }
    });
  auto t0 = Clock::now();
  produce(producers, items, [&](Item* it) {
    {
      std::lock_guard<std::mutex> lk(mu);
      queue.push_back(it);
    }
    cv.notify_one();
  });
  {
    std::lock_guard<std::mutex> lk(mu);
    stop = true;
  }
  cv.notify_all();
  for (auto& t : pool) t.join();
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  return summarize("mutex + condvar batcher, " + std::to_string(producers) + " producer(s)", items,
                   s);
}

// ---------------------------------------------------------------- uv_queue_work

struct UvItem {
  uv_work_t req;
  Item* item;
};

Result run_uv_queue_work(size_t n) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  std::vector<Item> items(n);
  std::vector<UvItem> reqs(n);
  auto t0 = Clock::now();
  for (size_t i = 0; i < n; ++i) {
    reqs[i].item = &items[i];
    reqs[i].req.data = &reqs[i];
    items[i].submit_ns = now_ns();
    uv_queue_work(
        &loop, &reqs[i].req,
        [](uv_work_t* r) {
          Item* it = static_cast<UvItem*>(r->data)->item;
          it->value = reinterpret_cast<uintptr_t>(it) + 1;
        },
        [](uv_work_t* r, int) {
          Item* it = static_cast<UvItem*>(r->data)->item;
          it->latency_ns = now_ns() - it->submit_ns;
        });
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  uv_loop_close(&loop);
  return summarize("uv_queue_work per item", items, s);
}

// ---------------------------------------------------------------- SPSC ring

// One producer hands items to one consumer thread and takes them back: the
// practical limit of any cross-thread hand-off here.
template <size_t N>
struct SpscRing {
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

Result run_spsc(size_t n) {
  static SpscRing<4096> to_worker, back;
  std::vector<Item> items(n);
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      Item* it = to_worker.pop();
      if (!it) continue;
      it->value = reinterpret_cast<uintptr_t>(it) + 1;
      while (!back.push(it)) {
      }
    }
  });
  auto t0 = Clock::now();
  size_t sent = 0, received = 0;
  while (received < n) {
    while (sent < n) {
      items[sent].submit_ns = now_ns();
      if (!to_worker.push(&items[sent])) break;
      ++sent;
    }
    while (Item* it = back.pop()) {
      it->latency_ns = now_ns() - it->submit_ns;
      ++received;
    }
  }
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  stop = true;
  worker.join();
  return summarize("SPSC ring to one thread and back", items, s);
}

void print(const Result& r, const Result* ours) {
  std::printf("  %-44s %12.0f items/s  p50 %9.1f us  p99 %9.1f us  p99.9 %9.1f us", r.name.c_str(),
              r.items_per_s, r.p50_us, r.p99_us, r.p999_us);
  if (ours) std::printf("  (libworkgrinder %.2fx)", ours->items_per_s / r.items_per_s);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  bool short_mode = argc > 1 && std::strcmp(argv[1], "--short") == 0;
  size_t n = short_mode ? 100000 : 2000000;
  std::printf("workgrinder_bench: tiny jobs, %zu items per run%s\n", n,
              short_mode ? " (short mode)" : "");
  Result uv = run_uv_queue_work(n);
  Result spsc = run_spsc(n);
  for (int producers : {1, 2, 8}) {
    std::printf("\n%d producer(s), callback API:\n", producers);
    Result ours = run_grinder(producers, n);
    Result mutexed = run_mutex_batcher(producers, n);
    print(ours, nullptr);
    print(mutexed, &ours);
    print(uv, &ours);
    print(spsc, &ours);
  }
  return 0;
}
