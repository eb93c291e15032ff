// The hot path's building blocks (issue 4): the pending queue's sweeps,
// the item pool's recycling, the non-waiting gate close, and the timer rule
// (never early) when items arrive through many producer shards at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "item_pool.hpp"
#include "pending_queue.hpp"
#include "producer_shards.hpp"
#include "rundown_gate.hpp"
#include "test_support.hpp"
#include "workgrinder/workgrinder.h"

namespace {

uint64_t mono_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

// The pending queue never reorders: a sweep drops cancelled items and keeps
// the live ones in submission order (per-thread order depends on it).
TEST(PendingQueue, SweepsKeepLiveItemsInOrder) {
  std::vector<wg::WorkItem*> items;
  wg::PendingQueue q;
  for (int i = 0; i < 6; ++i) {
    items.push_back(wg::WorkItem::create(nullptr, nullptr, nullptr, false));
    q.push_back(items.back());
  }
  for (int i : {0, 2, 5}) ASSERT_TRUE(items[i]->try_transition(wg::kQueued, wg::kCancelled));
  EXPECT_EQ(q.sweep_front(), 1u);  // item 0; item 1 is live
  EXPECT_EQ(q.front(), items[1]);
  EXPECT_EQ(q.compact(), 2u);  // items 2 and 5
  EXPECT_EQ(q.back(), items[4]);
  std::vector<wg::WorkItem*> order;
  while (wg::WorkItem* it = q.pop_front()) order.push_back(it);
  EXPECT_EQ(order, (std::vector<wg::WorkItem*>{items[1], items[3], items[4]}));
  for (wg::WorkItem* it : order) it->discard();
}

TEST(ItemPool, AReleasedBlockIsReusedByTheSameThread) {
  for (auto size_class : {wg::item_pool::kPlain, wg::item_pool::kWithExtras}) {
    void* a = wg::item_pool::allocate(size_class);
    ASSERT_NE(a, nullptr);
    wg::item_pool::release(size_class, a);
    void* b = wg::item_pool::allocate(size_class);
    EXPECT_EQ(a, b);
    wg::item_pool::release(size_class, b);
  }
}

TEST(ItemPool, BlocksFreedOnAnotherThreadComeBackThroughTheDepot) {
  // 64 blocks make a chain: freed on one thread, allocated again on another.
  std::vector<void*> blocks;
  for (int i = 0; i < 256; ++i) blocks.push_back(wg::item_pool::allocate(wg::item_pool::kPlain));
  std::thread([&] {
    for (void* b : blocks) wg::item_pool::release(wg::item_pool::kPlain, b);
  }).join();  // the thread's exit frees what its cache kept; full chains went to the depot
  size_t reused = 0;
  std::vector<void*> again;
  for (int i = 0; i < 256; ++i) {
    again.push_back(wg::item_pool::allocate(wg::item_pool::kPlain));
    reused += std::count(blocks.begin(), blocks.end(), again.back()) > 0;
  }
  EXPECT_GE(reused, 64u);
  for (void* b : again) wg::item_pool::release(wg::item_pool::kPlain, b);
}

TEST(RundownGate, CloseDoesNotWaitAndReportsWhetherSomeoneIsInside) {
  wg::RundownGate gate(true);
  ASSERT_TRUE(gate.enter());
  EXPECT_FALSE(gate.close());  // one inside
  EXPECT_FALSE(gate.enter());  // closed
  EXPECT_FALSE(gate.empty());
  gate.leave();
  EXPECT_TRUE(gate.empty());
  gate.wait_empty();  // returns at once
  gate.open();
  ASSERT_TRUE(gate.enter());
  gate.leave();
  EXPECT_TRUE(gate.close());
}

TEST(ProducerShards, ClosedShardsRefuseEveryThread) {
  wg::ProducerShards shards;
  shards.open();
  std::vector<std::thread> threads;
  std::atomic<int> entered{0};
  for (int t = 0; t < 20; ++t)
    threads.emplace_back([&] {
      if (auto* s = shards.enter()) {
        s->submitted.fetch_add(1);
        entered.fetch_add(1);
        wg::ProducerShards::leave(s);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(entered.load(), 20);
  EXPECT_EQ(shards.submitted(), 20u);
  shards.close_and_wait();
  threads.clear();
  for (int t = 0; t < 20; ++t) threads.emplace_back([&] { EXPECT_EQ(shards.enter(), nullptr); });
  for (auto& t : threads) t.join();
}

// Lowers `v` to `x` if x is smaller (any thread).
void store_min(std::atomic<uint64_t>& v, uint64_t x) {
  uint64_t cur = v.load();
  while (x < cur && !v.compare_exchange_weak(cur, x)) {
  }
}

std::atomic<uint64_t> g_first_start{UINT64_MAX};

int record_start(void*, void** result) {
  store_min(g_first_start, mono_ns());
  *result = nullptr;
  return 0;
}

void count_outcome(const wg_outcome_t*, void* counter) {
  static_cast<wgtest::Counter*>(counter)->add();
}

// Items from 16 threads land in different shards and are taken shard by
// shard; the batch must still wait until its oldest item has waited.
TEST(Timer, NeverEarlyWithItemsFromManyShards) {
  for (int round = 0; round < 5; ++round) {
    g_first_start = UINT64_MAX;
    wg_grinder_t* g =
        wgtest::make_grinder({{"batch_size_threshold", "1000"}, {"max_wait_seconds", "0.05"}});
    std::atomic<uint64_t> first_submit{UINT64_MAX};
    wgtest::Counter done;
    wgtest::Gate go;
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t)
      threads.emplace_back([&, t] {
        go.pass();
        std::this_thread::sleep_for(std::chrono::microseconds(100 * (t % 4)));
        store_min(first_submit, mono_ns());
        ASSERT_EQ(wg_submit(g, record_start, nullptr, count_outcome, &done), WG_OK);
      });
    go.open();
    for (auto& t : threads) t.join();
    ASSERT_TRUE(done.wait_for(16));  // the timer flushed them
    ASSERT_EQ(wg_destroy(g), WG_OK);
    EXPECT_GE(g_first_start.load() - first_submit.load(), 50000000u);
  }
}

}  // namespace
