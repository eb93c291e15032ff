// The header-only C++ wrapper: futures, exceptions, cancellation, callbacks,
// configuration errors, stats, and that every callable box is freed once.
#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>

#include "test_support.hpp"
#include "workgrinder/workgrinder.hpp"

namespace {

// Counts live callables: copies and moves included.
struct Tracked {
  static std::atomic<int> live;
  Tracked() { live.fetch_add(1); }
  Tracked(const Tracked&) { live.fetch_add(1); }
  Tracked(Tracked&&) noexcept { live.fetch_add(1); }
  ~Tracked() { live.fetch_sub(1); }
};
std::atomic<int> Tracked::live{0};

TEST(CppWrapper, SubmitReturnsValuesAndCarriesExceptionsToTheirCallerOnly) {
  {
    wg::Grinder g(wg::Conf{{"batch_size_threshold", "3"}, {"max_wait_seconds", "600"}});
    g.start();
    Tracked t;
    auto a = g.submit([t] { return 40 + 2; });
    auto b = g.submit([t]() -> int { throw std::runtime_error("boom"); });
    auto c = g.submit([t] { return std::string("ok"); });
    EXPECT_EQ(a.get(), 42);
    try {
      b.get();
      FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "boom");
    }
    EXPECT_EQ(c.get(), "ok");
    wg::Stats s = g.stats();
    EXPECT_EQ(s.completed, 2u);
    EXPECT_EQ(s.failed, 1u);
    EXPECT_EQ(s.batches, 1u);
  }
  EXPECT_EQ(Tracked::live.load(), 0);
}

TEST(CppWrapper, EnqueueGivesACancellableFuture) {
  {
    wg::Grinder g(wg::Conf{{"batch_size_threshold", "100"}, {"max_wait_seconds", "600"}});
    g.start();
    Tracked t;
    wg::Future<int> kept = g.enqueue([t] { return 1; });
    wg::Future<int> dropped = g.enqueue([t] { return 2; });
    EXPECT_TRUE(dropped.cancel());
    EXPECT_TRUE(dropped.ready());
    EXPECT_FALSE(kept.ready());
    EXPECT_FALSE(kept.wait_for(std::chrono::milliseconds(50)));
    try {
      dropped.get();
      FAIL() << "no exception";
    } catch (const wg::Error& e) {
      EXPECT_EQ(e.status(), WG_ECANCELED);
      EXPECT_STREQ(e.name(), "WG_ECANCELED");
    }
    g.stop();  // drains the kept one
    EXPECT_EQ(kept.get(), 1);
    try {
      g.enqueue([] {});
      FAIL() << "enqueue after stop must throw";
    } catch (const wg::Error& e) {
      EXPECT_EQ(e.status(), WG_ENOTSTARTED);
    }
  }
  EXPECT_EQ(Tracked::live.load(), 0);
}

TEST(CppWrapper, CallbacksRunOnTheLoopThreadWithAResult) {
  wg::Grinder g(wg::Conf{{"batch_size_threshold", "2"}, {"max_wait_seconds", "600"}});
  g.start();
  wgtest::Counter done;
  std::atomic<int> sum{0};
  std::atomic<int> errors{0};
  g.submit([] { return 5; },
           [&](wg::Result<int>& r) {
             sum += r.get();
             done.add();
           });
  g.submit([]() -> int { throw std::logic_error("bad"); },
           [&](wg::Result<int>& r) {
             EXPECT_EQ(r.status(), WG_EWORK);
             try {
               r.get();
             } catch (const std::logic_error&) {
               errors++;
             }
             done.add();
           });
  ASSERT_TRUE(done.wait_for(2));
  EXPECT_EQ(sum.load(), 5);
  EXPECT_EQ(errors.load(), 1);
}

TEST(CppWrapper, SubmitWaitAndVoidCallables) {
  wg::Grinder g(wg::Conf{{"batch_size_threshold", "1"}});
  g.start();
  EXPECT_EQ(g.submit_wait([] { return 9; }), 9);
  std::atomic<bool> ran{false};
  g.submit_wait([&] { ran = true; });
  EXPECT_TRUE(ran.load());
  EXPECT_THROW(g.submit_wait([]() -> int { throw std::out_of_range("x"); }), std::out_of_range);
}

TEST(CppWrapper, BadConfigurationThrowsTheLibraryMessage) {
  try {
    wg::Conf c{{"max_wait_seconds", "nan"}};
    FAIL() << "no exception";
  } catch (const wg::Error& e) {
    EXPECT_EQ(e.status(), WG_EINVAL);
    EXPECT_STREQ(e.what(), "max_wait_seconds must be a finite number > 0");
  }
  try {
    wg::Grinder g(wg::Conf{{"min_pools", "2"}});
    FAIL() << "no exception";
  } catch (const wg::Error& e) {
    EXPECT_STREQ(e.what(), "min_pools must not exceed max_pools");
  }
}

TEST(CppWrapper, SharedManagerAndLogging) {
  std::atomic<int> lines{0};
  wg::Conf conf{{"batch_size_threshold", "1"}, {"max_pools", "2"}};
  conf.on_log([&](int, const char*) { lines++; });
  wg::Manager m(conf);
  m.start();
  {
    wg::Grinder a(conf, m), b(conf, m);
    a.start();
    b.start();
    EXPECT_EQ(a.submit_wait([] { return 1; }) + b.submit_wait([] { return 2; }), 3);
    wg::ManagerStats ms = m.stats();
    EXPECT_GE(ms.total, 1u);
    EXPECT_LE(ms.total, 2u);
  }
  EXPECT_GT(lines.load(), 0);
  wg::ManagerStats after = m.stats();  // the grinders drained and returned their leases
  EXPECT_EQ(after.leases.size(), 0u);
  EXPECT_EQ(after.leased, 0u);
}

TEST(CppWrapper, CancelStopReportsCanceledToFutures) {
  static wgtest::Gate gate;
  Tracked::live = 0;
  {
    wg::Grinder g(wg::Conf{{"batch_size_threshold", "1"}, {"max_wait_seconds", "600"}});
    g.start();
    Tracked t;
    auto running = g.submit([t] {
      gate.pass();
      return 1;
    });
    ASSERT_TRUE(gate.wait_for_waiters(1));
    auto queued = g.submit([t] { return 2; });
    g.stop(true);
    for (auto* f : {&running, &queued}) {
      try {
        f->get();
        FAIL() << "no exception";
      } catch (const wg::Error& e) {
        EXPECT_EQ(e.status(), WG_ECANCELED);
      }
    }
  }
  gate.open();
  // The running callable is freed once its work returns.
  for (int i = 0; i < 1000 && Tracked::live.load() != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(Tracked::live.load(), 0);
}

}  // namespace

namespace {

TEST(CppWrapper, FuturesSurviveMovesIntoContainers) {
  Tracked::live = 0;
  {
    wg::Grinder g(wg::Conf{{"batch_size_threshold", "4"}, {"max_wait_seconds", "600"}});
    g.start();
    std::vector<wg::Future<int>> v;
    Tracked t;
    for (int i = 0; i < 4; ++i) v.push_back(g.enqueue([t, i] { return i; }));
    wg::Future<int> moved;
    moved = std::move(v[3]);
    EXPECT_FALSE(v[3].valid());
    int sum = moved.get();
    for (int i = 0; i < 3; ++i) sum += v[i].get();
    EXPECT_EQ(sum, 6);
  }
  EXPECT_EQ(Tracked::live.load(), 0);
}

}  // namespace

namespace {

struct Event {
  int producer;
  int seq;
};

// Typed args and results, one handler call per batch, every caller its own
// outcome.
TEST(CppBatchGrinder, TypedItemsAndOutcomes) {
  std::atomic<int> calls{0};
  wg::BatchGrinder<Event, long> g(
      wg::Conf{{"batch_size_threshold", "8"}, {"max_wait_seconds", "60"}},
      [&](std::vector<wg::BatchItem<Event, long>>& items) {
        ++calls;
        EXPECT_EQ(items.size(), 8u);
        for (auto& it : items) {
          if (it.arg().seq == 3)
            it.fail(7);
          else if (it.arg().seq != 5)  // 5 stays unset: long{} = 0
            it.set(it.arg().producer * 100L + it.arg().seq);
        }
        EXPECT_THROW(items[0].set(1), wg::Error);  // decided twice
      });
  g.start();
  std::vector<std::future<long>> fs;
  for (int i = 0; i < 7; ++i) fs.push_back(g.submit(Event{1, i}));
  wg::Future<long> last = g.enqueue(Event{1, 7});
  for (int i = 0; i < 7; ++i) {
    if (i == 3) {
      try {
        fs[i].get();
        ADD_FAILURE() << "item 3 should have failed";
      } catch (const wg::Error& e) {
        EXPECT_EQ(e.status(), WG_EWORK);
      }
    } else {
      EXPECT_EQ(fs[i].get(), i == 5 ? 0 : 100 + i);
    }
  }
  EXPECT_EQ(last.get(), 107);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(g.stats().batches, 1u);
}

// An exception escaping the handler fails every unset item with it.
TEST(CppBatchGrinder, ExceptionFailsUnsetItems) {
  wg::BatchGrinder<std::string, std::string> g(
      wg::Conf{{"batch_size_threshold", "3"}, {"max_wait_seconds", "60"}},
      [](std::vector<wg::BatchItem<std::string, std::string>>& items) {
        items[0].set(items[0].arg() + "!");
        throw std::runtime_error("commit failed");
      });
  g.start();
  auto a = g.submit("a");
  auto b = g.submit("b");
  auto c = g.enqueue("c");
  EXPECT_EQ(a.get(), "a!");
  EXPECT_THROW(
      {
        try {
          b.get();
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "commit failed");
          throw;
        }
      },
      std::runtime_error);
  EXPECT_THROW(c.get(), std::runtime_error);
}

TEST(CppBatchGrinder, SubmitWaitAndVoidResults) {
  std::atomic<int> sum{0};
  wg::BatchGrinder<int, void> g(wg::Conf{{"batch_size_threshold", "1"}},
                                [&](std::vector<wg::BatchItem<int, void>>& items) {
                                  for (auto& it : items) sum += it.arg();
                                });
  g.start();
  for (int i = 1; i <= 10; ++i) g.submit_wait(i, 10);
  EXPECT_EQ(sum.load(), 55);
  g.stop();
  EXPECT_THROW(g.submit(1), wg::Error);
}

}  // namespace

TEST(CppWrapper, SubmitOptionsWaitForRoomAndStopTimeoutReportsTheDrain) {
  wg::Grinder g(wg::Conf{{"batch_size_threshold", "1"},
                         {"max_wait_seconds", "600"},
                         {"max_inflight_batches", "1"},
                         {"max_batch_size", "1"},
                         {"max_pending", "1"}});
  g.start();
  wgtest::Gate gate;
  auto blocked = g.submit([&] { gate.pass(); });
  ASSERT_TRUE(gate.wait_for_waiters(1));
  auto pending = g.submit([] { return 1; });
  try {
    g.submit(wg::SubmitOptions{0.02, 0}, [] { return 2; });
    FAIL() << "no room: expected WG_EFULL";
  } catch (const wg::Error& e) {
    EXPECT_EQ(e.status(), WG_EFULL);
  }
  EXPECT_EQ(g.stats().admission_waits, 1u);
  int waited = 0;
  std::thread waiter([&] { waited = g.submit_wait(wg::SubmitOptions{-1, 0}, [] { return 7; }); });
  auto t0 = std::chrono::steady_clock::now();
  while (g.stats().admission_waits < 2 && wgtest::seconds_since(t0) < 20) std::this_thread::yield();
  gate.open();
  waiter.join();
  EXPECT_EQ(waited, 7);
  EXPECT_EQ(pending.get(), 1);
  auto f = g.enqueue(wg::SubmitOptions{-1, 0}, [] { return 3; });
  EXPECT_EQ(f.get(), 3);
  EXPECT_TRUE(g.stop_timeout(std::chrono::seconds(60)));
  EXPECT_EQ(g.stats().completed, 4u);
  EXPECT_EQ(g.stats().admission_waits, 2u);
}
