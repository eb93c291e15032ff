// Exactly once: 8 threads x 100,000 submissions (callbacks, futures, random
// cancels) each get exactly one outcome, with the value their work computed.
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace wgtest;

namespace {

constexpr int kThreads = 8;
constexpr int kPerThread = 100000;

struct Ledger {
  std::unique_ptr<std::atomic<uint8_t>[]> outcomes {
    new std::atomic<uint8_t>[ kThreads * kPerThread ]
  };
  std::unique_ptr<std::atomic<uint8_t>[]> runs {
    new std::atomic<uint8_t>[ kThreads * kPerThread ]
  };
  std::atomic<uint64_t> wrong_value{0}, ok{0}, cancelled{0}, failed{0};
  Ledger() {
    for (int i = 0; i < kThreads * kPerThread; ++i) outcomes[i] = 0, runs[i] = 0;
  }
};
Ledger* ledger;

int compute(void* arg, void** result) {
  uintptr_t id = reinterpret_cast<uintptr_t>(arg);
  ledger->runs[id].fetch_add(1);
  *result = reinterpret_cast<void*>(id * 2 + 1);
  return id % 97 == 0 ? 9 : 0;
}

void check(uintptr_t id, const wg_outcome_t& o) {
  ledger->outcomes[id].fetch_add(1);
  if (o.status == WG_OK) {
    ledger->ok.fetch_add(1);
    if (reinterpret_cast<uintptr_t>(o.result) != id * 2 + 1) ledger->wrong_value.fetch_add(1);
  } else if (o.status == WG_ECANCELED) {
    ledger->cancelled.fetch_add(1);
  } else {
    ledger->failed.fetch_add(1);
    if (o.status != WG_EWORK || o.work_code != 9) ledger->wrong_value.fetch_add(1);
  }
}

void on_done(const wg_outcome_t* o, void* opaque) {
  check(reinterpret_cast<uintptr_t>(opaque), *o);
}

TEST(ExactlyOnce, EightThreadsOfOneHundredThousandWithRandomCancels) {
  Ledger l;
  ledger = &l;
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "64"},
                                  {"max_wait_seconds", "0.002"},
                                  {"max_inflight_batches", "2"},
                                  {"max_pools", "2"}});
  std::atomic<uint64_t> cancels_ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(1234 + t);
      std::vector<std::pair<uintptr_t, wg_future_t*>> held;
      for (int i = 0; i < kPerThread; ++i) {
        uintptr_t id = static_cast<uintptr_t>(t) * kPerThread + i;
        unsigned r = rng() % 10;
        if (r < 6) {
          ASSERT_EQ(wg_submit(g, compute, reinterpret_cast<void*>(id), on_done,
                              reinterpret_cast<void*>(id)),
                    WG_OK);
          continue;
        }
        wg_future_t* f;
        ASSERT_EQ(wg_enqueue(g, compute, reinterpret_cast<void*>(id), nullptr, &f), WG_OK);
        if (r < 8 && wg_future_cancel(f) == WG_OK) cancels_ok.fetch_add(1);
        held.emplace_back(id, f);
        if (held.size() >= 512) {
          for (auto& h : held) {
            wg_outcome_t o;
            ASSERT_EQ(wg_future_wait(h.second, -1, &o), WG_OK);
            check(h.first, o);
            wg_future_release(h.second);
          }
          held.clear();
        }
      }
      for (auto& h : held) {
        wg_outcome_t o;
        ASSERT_EQ(wg_future_wait(h.second, -1, &o), WG_OK);
        check(h.first, o);
        wg_future_release(h.second);
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(wg_stop(g, 0), WG_OK);
  uint64_t missing = 0, doubled = 0, ran_twice = 0;
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    missing += l.outcomes[i] == 0;
    doubled += l.outcomes[i] > 1;
    ran_twice += l.runs[i] > 1;
  }
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(doubled, 0u);
  EXPECT_EQ(ran_twice, 0u);
  EXPECT_EQ(l.wrong_value.load(), 0u);
  EXPECT_EQ(l.cancelled.load(), cancels_ok.load());
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.submitted, static_cast<uint64_t>(kThreads) * kPerThread);
  EXPECT_EQ(s.completed, l.ok.load());
  EXPECT_EQ(s.failed, l.failed.load());
  EXPECT_EQ(s.cancelled, l.cancelled.load());
  EXPECT_EQ(s.pending + s.inflight_items, 0u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

}  // namespace
