// Waiting admission's wake-up rule, on Admission itself: waiters are granted
// only once a quarter of max_pending is free, oldest first, and a grant
// happens inside release_slots (so pending_slots shows it at once).
#include <gtest/gtest.h>
#include <uv.h>

#include <thread>
#include <vector>

#include "admission.hpp"
#include "test_support.hpp"

namespace {

struct AdmissionFixture {
  uv_loop_t loop;
  wg::GrinderCounters counters;
  wg::LoopMailbox mailbox;
  std::vector<wg::WorkItem*> items;

  AdmissionFixture() {
    EXPECT_EQ(uv_loop_init(&loop), 0);
    EXPECT_EQ(uv_async_init(&loop, &mailbox.async, nullptr), 0);
  }
  ~AdmissionFixture() {
    for (wg::WorkItem* it : items) it->discard();
    uv_close(reinterpret_cast<uv_handle_t*>(&mailbox.async), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop), 0);
  }
  wg::WorkItem* item() {
    items.push_back(wg::WorkItem::create(nullptr, nullptr, nullptr, false));
    return items.back();
  }
  uint64_t taken() const { return counters.pending_slots.load(); }
  uint64_t waits() const { return counters.admission_waits.load(); }
};

template <typename F>
bool wait_until(F cond) {
  auto t0 = std::chrono::steady_clock::now();
  while (!cond()) {
    if (wgtest::seconds_since(t0) > 20) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(Admission, WaitersAreGrantedOnceAQuarterOfMaxPendingIsFree) {
  AdmissionFixture f;
  wg::Admission a(8, f.counters, f.mailbox);  // a quarter: 2 slots
  a.open();
  for (int i = 0; i < 8; ++i) ASSERT_EQ(a.admit(f.item()), WG_OK);
  ASSERT_EQ(a.admit(f.item()), WG_EFULL);
  std::vector<int> rcs(2, -100);
  std::vector<std::thread> waiters;
  for (int i = 0; i < 2; ++i) {
    wg::WorkItem* it = f.item();
    waiters.emplace_back([&, i, it] { rcs[i] = a.admit(it, -1); });
    ASSERT_TRUE(wait_until([&] { return f.waits() == uint64_t(i) + 1; }));
  }
  a.release_slots(1);  // one slot free: not enough to wake anyone
  EXPECT_EQ(f.taken(), 7u);
  a.release_slots(1);  // two free: both waiters get one, in order
  EXPECT_EQ(f.taken(), 8u);
  for (auto& t : waiters) t.join();
  EXPECT_EQ(rcs, (std::vector<int>{WG_OK, WG_OK}));
  a.close_and_wait();
}

TEST(Admission, WithMaxPendingBelowFourOneFreeSlotWakesTheOldestWaiter) {
  AdmissionFixture f;
  wg::Admission a(3, f.counters, f.mailbox);
  a.open();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(a.admit(f.item()), WG_OK);
  int rc = -100;
  wg::WorkItem* it = f.item();
  std::thread waiter([&] { rc = a.admit(it, -1); });
  ASSERT_TRUE(wait_until([&] { return f.waits() == 1; }));
  a.release_slots(1);
  waiter.join();
  EXPECT_EQ(rc, WG_OK);
  EXPECT_EQ(f.taken(), 3u);
  a.close_and_wait();
}

}  // namespace
