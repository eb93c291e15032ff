// Batch handlers (wg_conf_set_batch_fn), max_batch_size and worker hooks.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace {

uintptr_t as_int(void* p) { return reinterpret_cast<uintptr_t>(p); }
void* as_ptr(uintptr_t v) { return reinterpret_cast<void*>(v); }

// Records every call's batch (args in order) and can block on a gate.
struct Recorder {
  std::mutex mu;
  std::vector<std::vector<uintptr_t>> batches;
  wgtest::Gate* gate = nullptr;          // passed before the batch is read
  wgtest::Counter calls;                 // counted when a call begins
  int (*decide)(wg_batch_t*) = nullptr;  // optional: sets items itself
  int return_code = 0;

  static int fn(wg_batch_t* b, void* opaque) {
    auto* r = static_cast<Recorder*>(opaque);
    r->calls.add();
    if (r->gate) r->gate->pass();
    std::vector<uintptr_t> args;
    for (size_t i = 0; i < wg_batch_size(b); ++i) args.push_back(as_int(wg_batch_arg(b, i)));
    {
      std::lock_guard<std::mutex> lk(r->mu);
      r->batches.push_back(args);
    }
    return r->decide ? r->decide(b) : r->return_code;
  }
  std::vector<std::vector<uintptr_t>> snapshot() {
    std::lock_guard<std::mutex> lk(mu);
    return batches;
  }
};

wg_grinder_t* make_batch_grinder(Recorder* r, wgtest::KeyValues kv) {
  wg_conf_t* c = wgtest::make_conf(kv);
  EXPECT_EQ(wg_conf_set_batch_fn(c, &Recorder::fn, r), WG_OK);
  wg_grinder_t* g = nullptr;
  char err[256];
  EXPECT_EQ(wg_create(&g, c, nullptr, err, sizeof err), WG_OK) << err;
  wg_conf_destroy(c);
  EXPECT_EQ(wg_start(g), WG_OK);
  return g;
}

TEST(BatchHandler, OneCallPerBatchWithEveryItemInOrder) {
  Recorder r;
  wg_grinder_t* g = make_batch_grinder(
      &r, {{"batch_size_threshold", "10"}, {"max_wait_seconds", "60"}, {"max_batch_size", "0"}});
  wgtest::OutcomeLog log;
  for (uintptr_t i = 1; i <= 10; ++i)
    ASSERT_EQ(wg_submit(g, nullptr, as_ptr(i), wgtest::OutcomeLog::done, &log), WG_OK);
  ASSERT_TRUE(log.count.wait_for(10));
  auto batches = r.snapshot();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0], (std::vector<uintptr_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  for (const wg_outcome_t& o : log.snapshot()) {
    EXPECT_EQ(o.status, WG_OK);
    EXPECT_EQ(o.work_code, 0);
    EXPECT_EQ(o.result, nullptr);
  }
  ASSERT_EQ(wg_destroy(g), WG_OK);
}

// A draining stop sends every item submitted before it, as one batch when the
// cap allows: the loop takes the producers' items in before it forms a batch
// that is not full. (It used to form one from the items taken at an earlier
// wake-up first, and the rest became a second batch; the pause gives the loop
// time to take the first item in, which is what exposed it.)
TEST(BatchHandler, DrainingStopSendsEverySubmittedItemInOneBatch) {
  for (int round = 0; round < 20; ++round) {
    Recorder r;
    wg_grinder_t* g =
        make_batch_grinder(&r, {{"batch_size_threshold", "100"}, {"max_wait_seconds", "600"}});
    wgtest::OutcomeLog log;
    ASSERT_EQ(wg_submit(g, nullptr, as_ptr(1), wgtest::OutcomeLog::done, &log), WG_OK);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ASSERT_EQ(wg_submit(g, nullptr, as_ptr(2), wgtest::OutcomeLog::done, &log), WG_OK);
    ASSERT_EQ(wg_submit(g, nullptr, as_ptr(3), wgtest::OutcomeLog::done, &log), WG_OK);
    ASSERT_EQ(wg_stop(g, 0), WG_OK);
    EXPECT_EQ(log.snapshot().size(), 3u);
    EXPECT_EQ(r.snapshot(), (std::vector<std::vector<uintptr_t>>{{1, 2, 3}})) << "round " << round;
    ASSERT_EQ(wg_destroy(g), WG_OK);
  }
}

TEST(BatchHandler, FunctionRules) {
  Recorder r;
  wg_grinder_t* g = make_batch_grinder(&r, {});
  wg_future_t* f = nullptr;
  EXPECT_EQ(wg_submit(g, wgtest::work_ok, nullptr, nullptr, nullptr), WG_EINVAL);
  EXPECT_EQ(wg_enqueue(g, wgtest::work_ok, nullptr, nullptr, &f), WG_EINVAL);
  wg_outcome_t o;
  EXPECT_EQ(wg_submit_wait(g, wgtest::work_ok, nullptr, nullptr, 5, &o), WG_EINVAL);
  EXPECT_EQ(f, nullptr);
  // fn NULL works through every submission call.
  ASSERT_EQ(wg_submit_wait(g, nullptr, as_ptr(7), nullptr, 5, &o), WG_OK);
  EXPECT_EQ(o.status, WG_OK);
  ASSERT_EQ(wg_enqueue(g, nullptr, as_ptr(8), nullptr, &f), WG_OK);
  ASSERT_EQ(wg_future_wait(f, 5, &o), WG_OK);
  EXPECT_EQ(o.status, WG_OK);
  wg_future_release(f);
  EXPECT_EQ(wgtest::stats_of(g).rejected, 3u);
  ASSERT_EQ(wg_destroy(g), WG_OK);

  // Without a batch function, fn NULL stays WG_EINVAL.
  g = wgtest::make_grinder({});
  EXPECT_EQ(wg_submit(g, nullptr, nullptr, nullptr, nullptr), WG_EINVAL);
  ASSERT_EQ(wg_destroy(g), WG_OK);

  // Removing it again gives an ordinary grinder.
  wg_conf_t* c = wg_conf_new();
  EXPECT_EQ(wg_conf_set_batch_fn(nullptr, &Recorder::fn, &r), WG_EINVAL);
  EXPECT_EQ(wg_conf_set_batch_fn(c, &Recorder::fn, &r), WG_OK);
  EXPECT_EQ(wg_conf_set_batch_fn(c, nullptr, nullptr), WG_OK);
  char err[128];
  ASSERT_EQ(wg_create(&g, c, nullptr, err, sizeof err), WG_OK);
  wg_conf_destroy(c);
  ASSERT_EQ(wg_start(g), WG_OK);
  ASSERT_EQ(wg_submit_wait(g, wgtest::work_plus_one, as_ptr(1), nullptr, 5, &o), WG_OK);
  EXPECT_EQ(as_int(o.result), 2u);
  ASSERT_EQ(wg_destroy(g), WG_OK);
}

// Items the function did not set take its return value as their code.
TEST(BatchHandler, UnsetItemsTakeTheReturnValue) {
  Recorder r;
  r.decide = [](wg_batch_t* b) {
    // Item 0: OK with a result; item 1: failed with 5; the rest unset.
    EXPECT_EQ(wg_batch_set(b, 0, 0, as_ptr(100)), WG_OK);
    EXPECT_EQ(wg_batch_set(b, 1, 5, as_ptr(101)), WG_OK);
    return 42;
  };
  wg_grinder_t* g =
      make_batch_grinder(&r, {{"batch_size_threshold", "4"}, {"max_wait_seconds", "60"}});
  wg_future_t* f[4];
  for (uintptr_t i = 0; i < 4; ++i)
    ASSERT_EQ(wg_enqueue(g, nullptr, as_ptr(i), nullptr, &f[i]), WG_OK);
  wg_outcome_t o[4];
  for (int i = 0; i < 4; ++i) ASSERT_EQ(wg_future_wait(f[i], 10, &o[i]), WG_OK);
  EXPECT_EQ(o[0].status, WG_OK);
  EXPECT_EQ(as_int(o[0].result), 100u);
  EXPECT_EQ(o[1].status, WG_EWORK);
  EXPECT_EQ(o[1].work_code, 5);
  EXPECT_EQ(as_int(o[1].result), 101u);
  for (int i = 2; i < 4; ++i) {
    EXPECT_EQ(o[i].status, WG_EWORK);
    EXPECT_EQ(o[i].work_code, 42);
    EXPECT_EQ(o[i].result, nullptr);
  }
  for (auto* x : f) wg_future_release(x);
  wg_stats_t s = wgtest::stats_of(g);
  EXPECT_EQ(s.completed, 1u);
  EXPECT_EQ(s.failed, 3u);
  ASSERT_EQ(wg_destroy(g), WG_OK);
}

std::atomic<int> g_disposed{0};
void count_dispose(void*, void*) { g_disposed.fetch_add(1); }

// wg_batch_set returns WG_OK, WG_EINVAL, WG_EALREADY and WG_ECANCELED.
TEST(BatchHandler, SetReportsEveryStatus) {
  static wgtest::Gate inside, resume;
  static std::atomic<int> set_results[6];
  Recorder r;
  r.decide = [](wg_batch_t* b) {
    inside.open();
    resume.pass();  // the test cancels item 1 meanwhile
    set_results[0] = wg_batch_set(b, 0, 0, nullptr);
    set_results[1] = wg_batch_set(b, 0, 0, as_ptr(9));   // already set
    set_results[2] = wg_batch_set(b, 1, 0, as_ptr(77));  // cancelled: goes to dispose
    set_results[3] = wg_batch_set(b, wg_batch_size(b), 0, nullptr);
    set_results[4] = wg_batch_set(nullptr, 0, 0, nullptr);
    set_results[5] = wg_batch_set(b, 1, 0, nullptr);  // cancelled, and already set
    return 0;
  };
  wg_grinder_t* g =
      make_batch_grinder(&r, {{"batch_size_threshold", "2"}, {"max_wait_seconds", "60"}});
  wg_submit_opts_t opts{};
  opts.version = WG_SUBMIT_OPTS_VERSION;
  opts.dispose = count_dispose;
  g_disposed = 0;
  wg_future_t* f[2];
  for (uintptr_t i = 0; i < 2; ++i)
    ASSERT_EQ(wg_enqueue(g, nullptr, as_ptr(i), &opts, &f[i]), WG_OK);
  inside.pass();
  ASSERT_EQ(wg_future_cancel(f[1]), WG_OK);
  resume.open();
  wg_outcome_t o;
  ASSERT_EQ(wg_future_wait(f[0], 10, &o), WG_OK);
  EXPECT_EQ(o.status, WG_OK);
  ASSERT_EQ(wg_future_wait(f[1], 10, &o), WG_OK);
  EXPECT_EQ(o.status, WG_ECANCELED);
  ASSERT_EQ(wg_destroy(g), WG_OK);  // the batch has returned: every set is done
  EXPECT_EQ(set_results[0], WG_OK);
  EXPECT_EQ(set_results[1], WG_EALREADY);
  EXPECT_EQ(set_results[2], WG_ECANCELED);
  EXPECT_EQ(set_results[3], WG_EINVAL);
  EXPECT_EQ(set_results[4], WG_EINVAL);
  EXPECT_EQ(set_results[5], WG_EALREADY);
  EXPECT_EQ(g_disposed.load(), 1);  // 77, once; 9 was not taken over
  for (auto* x : f) wg_future_release(x);
  EXPECT_EQ(wg_batch_size(nullptr), 0u);
  EXPECT_EQ(wg_batch_arg(nullptr, 0), nullptr);
  EXPECT_EQ(wg_batch_id(nullptr), 0u);
}

// An item cancelled before the call is not in the batch.
TEST(BatchHandler, ItemCancelledBeforeTheCallIsAbsent) {
  // The test holds the manager's only executor, so the batch waits for it.
  wg_manager_t* m = wgtest::make_manager({{"max_pools", "1"}, {"min_pools", "1"}});
  wg_lease_t* held;
  ASSERT_EQ(wg_manager_acquire(m, 60, "test", 0, &held), WG_OK);
  Recorder r;
  wg_conf_t* c = wgtest::make_conf({{"batch_size_threshold", "3"}, {"max_wait_seconds", "60"}});
  ASSERT_EQ(wg_conf_set_batch_fn(c, &Recorder::fn, &r), WG_OK);
  wg_grinder_t* g;
  char err[128];
  ASSERT_EQ(wg_create(&g, c, m, err, sizeof err), WG_OK);
  wg_conf_destroy(c);
  ASSERT_EQ(wg_start(g), WG_OK);
  wg_future_t* f[3];
  for (uintptr_t i = 0; i < 3; ++i)
    ASSERT_EQ(wg_enqueue(g, nullptr, as_ptr(i), nullptr, &f[i]), WG_OK);
  for (int spin = 0; wgtest::manager_stats_of(m).waiters < 1; ++spin) {
    ASSERT_LT(spin, 1000000) << "the batch never asked for a lease";
    std::this_thread::yield();
  }
  ASSERT_EQ(wg_future_cancel(f[1]), WG_OK);  // dispatched, waiting for the lease
  ASSERT_EQ(wg_lease_release(held), WG_OK);
  wg_outcome_t o;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(wg_future_wait(f[i], 10, &o), WG_OK);
  ASSERT_EQ(wg_future_wait(f[1], 0, &o), WG_OK);
  EXPECT_EQ(o.status, WG_ECANCELED);
  auto batches = r.snapshot();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0], (std::vector<uintptr_t>{0, 2}));
  for (auto* x : f) wg_future_release(x);
  ASSERT_EQ(wg_destroy(g), WG_OK);
  ASSERT_EQ(wg_manager_destroy(m), WG_OK);
}

// max_batch_size caps every batch; the rest forms the next batch at once
// (max_wait is a minute: only the cap can dispatch them).
TEST(BatchHandler, BatchesNeverExceedMaxBatchSize) {
  wgtest::Gate hold;
  Recorder r;
  r.gate = &hold;
  wg_grinder_t* g = make_batch_grinder(
      &r, {{"batch_size_threshold", "1"}, {"max_wait_seconds", "60"}, {"max_batch_size", "7"}});
  wgtest::OutcomeLog log;
  ASSERT_EQ(wg_submit(g, nullptr, as_ptr(0), wgtest::OutcomeLog::done, &log), WG_OK);
  ASSERT_TRUE(hold.wait_for_waiters(1));  // batch 1 runs; the rest pile up
  for (uintptr_t i = 1; i <= 30; ++i)
    ASSERT_EQ(wg_submit(g, nullptr, as_ptr(i), wgtest::OutcomeLog::done, &log), WG_OK);
  hold.open();
  ASSERT_TRUE(log.count.wait_for(31));
  auto batches = r.snapshot();
  std::vector<uintptr_t> all;
  for (auto& b : batches) {
    EXPECT_LE(b.size(), 7u);
    all.insert(all.end(), b.begin(), b.end());
  }
  ASSERT_EQ(all.size(), 31u);
  for (uintptr_t i = 0; i <= 30; ++i) EXPECT_EQ(all[i], i);  // one thread: its order
  EXPECT_EQ(batches.size(), 6u);                             // 1, then 7 + 7 + 7 + 7 + 2
  ASSERT_EQ(wg_destroy(g), WG_OK);
}

// The cap applies to per-item grinders as well.
TEST(BatchHandler, MaxBatchSizeCapsItemBatches) {
  wgtest::Gate hold;
  wg_grinder_t* g = wgtest::make_grinder(
      {{"batch_size_threshold", "1"}, {"max_wait_seconds", "60"}, {"max_batch_size", "5"}});
  wgtest::OutcomeLog log;
  ASSERT_EQ(wg_submit(g, wgtest::work_gate, &hold, wgtest::OutcomeLog::done, &log), WG_OK);
  ASSERT_TRUE(hold.wait_for_waiters(1));
  for (int i = 0; i < 12; ++i)
    ASSERT_EQ(wg_submit(g, wgtest::work_ok, nullptr, wgtest::OutcomeLog::done, &log), WG_OK);
  hold.open();
  ASSERT_TRUE(log.count.wait_for(13));
  EXPECT_EQ(wgtest::stats_of(g).batches, 4u);  // 1, 5, 5, 2
  ASSERT_EQ(wg_destroy(g), WG_OK);
}

// Many threads: each thread's items keep their order inside and across batches.
TEST(BatchHandler, PerProducerOrderHolds) {
  Recorder r;
  wg_grinder_t* g = make_batch_grinder(&r, {{"batch_size_threshold", "16"},
                                            {"max_wait_seconds", "0.001"},
                                            {"max_batch_size", "50"},
                                            {"max_inflight_batches", "1"}});
  constexpr int kThreads = 8, kEach = 5000;
  wgtest::Counter done;
  auto count = [](const wg_outcome_t*, void* c) { static_cast<wgtest::Counter*>(c)->add(); };
  std::vector<std::thread> threads;
  for (uintptr_t t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (uintptr_t i = 0; i < kEach; ++i)
        ASSERT_EQ(wg_submit(g, nullptr, as_ptr(t << 32 | i), count, &done), WG_OK);
    });
  for (auto& t : threads) t.join();
  ASSERT_TRUE(done.wait_for(kThreads * kEach, 60));
  ASSERT_EQ(wg_destroy(g), WG_OK);  // one batch at a time: batches are in call order
  std::vector<int64_t> last(kThreads, -1);
  size_t n = 0;
  for (auto& b : r.snapshot()) {
    EXPECT_LE(b.size(), 50u);
    for (uintptr_t v : b) {
      int t = static_cast<int>(v >> 32);
      int64_t i = static_cast<int64_t>(v & 0xffffffffu);
      EXPECT_EQ(i, last[t] + 1) << "thread " << t;
      last[t] = i;
      ++n;
    }
  }
  EXPECT_EQ(n, static_cast<size_t>(kThreads * kEach));
}

// Exactly one outcome per item under random cancels and both kinds of stop.
TEST(BatchHandler, ExactlyOnceUnderCancelsAndStops) {
  static Recorder r;  // a call abandoned by a cancelling stop may outlive the test
  r.decide = [](wg_batch_t* b) {
    for (size_t i = 0; i < wg_batch_size(b); i += 2)
      wg_batch_set(b, i, 0, nullptr);  // half set, half take the return value
    return 0;
  };
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    wg_grinder_t* g = make_batch_grinder(&r, {{"batch_size_threshold", "8"},
                                              {"max_wait_seconds", "0.001"},
                                              {"max_batch_size", "32"},
                                              {"max_inflight_batches", "2"},
                                              {"max_pools", "2"}});
    constexpr int kThreads = 4, kEach = 500;
    std::atomic<int> outcomes{0}, accepted{0};
    std::mutex mu;
    std::vector<wg_future_t*> futures;
    std::vector<std::thread> threads;
    auto count = [](const wg_outcome_t*, void* c) {
      static_cast<std::atomic<int>*>(c)->fetch_add(1);
    };
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          if ((i + t) % 3 == 0) {
            wg_future_t* f;
            if (wg_enqueue(g, nullptr, nullptr, nullptr, &f) != WG_OK) continue;
            accepted.fetch_add(1);
            if (i % 2) wg_future_cancel(f);
            std::lock_guard<std::mutex> lk(mu);
            futures.push_back(f);
          } else if (wg_submit(g, nullptr, nullptr, count, &outcomes) == WG_OK) {
            accepted.fetch_add(1);
          }
        }
      });
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 2000));
    ASSERT_EQ(wg_stop(g, static_cast<int>(rng() % 2)), WG_OK);
    for (auto& t : threads) t.join();
    wg_outcome_t o;
    for (wg_future_t* f : futures) {
      ASSERT_EQ(wg_future_wait(f, 0, &o), WG_OK);  // stopped: every outcome is out
      outcomes.fetch_add(1);
      wg_future_release(f);
    }
    EXPECT_EQ(outcomes.load(), accepted.load());
    wg_stats_t s = wgtest::stats_of(g);
    EXPECT_EQ(s.submitted, static_cast<uint64_t>(accepted.load()));
    EXPECT_EQ(s.completed + s.failed + s.cancelled, s.submitted);
    EXPECT_EQ(s.pending + s.inflight_items, 0u);
    ASSERT_EQ(wg_destroy(g), WG_OK);
  }
}

// Hooks: on_start and on_stop once per worker thread, on that thread. Each
// thread keeps its own hook state (thread ids are reused after a join).
struct HookLog {
  std::atomic<int> starts{0}, stops{0}, jobs{0};
  static thread_local int state;  // 0: no hook yet, 1: started, 2: stopped
  static void on_start(void* o) {
    EXPECT_EQ(state, 0) << "on_start twice, or after on_stop";
    state = 1;
    static_cast<HookLog*>(o)->starts.fetch_add(1);
  }
  static void on_stop(void* o) {
    EXPECT_EQ(state, 1) << "on_stop without on_start, or twice";
    state = 2;
    static_cast<HookLog*>(o)->stops.fetch_add(1);
  }
};
thread_local int HookLog::state = 0;

HookLog* g_hooks = nullptr;
int record_thread(void*, void**) {
  EXPECT_EQ(HookLog::state, 1) << "a job before on_start";
  g_hooks->jobs.fetch_add(1);
  return 0;
}

TEST(WorkerHooks, OncePerWorkerThreadOnThatThread) {
  HookLog hooks;
  g_hooks = &hooks;
  wg_conf_t* c = wgtest::make_conf({{"workers_per_pool", "3"},
                                    {"min_pools", "2"},
                                    {"max_pools", "2"},
                                    {"batch_size_threshold", "1"}});
  EXPECT_EQ(wg_conf_set_worker_hooks(nullptr, HookLog::on_start, nullptr, nullptr), WG_EINVAL);
  ASSERT_EQ(wg_conf_set_worker_hooks(c, HookLog::on_start, HookLog::on_stop, &hooks), WG_OK);
  wg_grinder_t* g;
  char err[128];
  ASSERT_EQ(wg_create(&g, c, nullptr, err, sizeof err), WG_OK);
  for (int restart = 0; restart < 2; ++restart) {
    ASSERT_EQ(wg_start(g), WG_OK);
    wg_outcome_t o;
    for (int i = 0; i < 50; ++i)
      ASSERT_EQ(wg_submit_wait(g, record_thread, nullptr, nullptr, 10, &o), WG_OK);
    ASSERT_EQ(wg_stop(g, 0), WG_OK);  // joins the private manager's idle workers
  }
  ASSERT_EQ(wg_destroy(g), WG_OK);
  EXPECT_EQ(hooks.starts.load(), 12);  // 2 pools x 3 workers, twice
  EXPECT_EQ(hooks.stops.load(), 12);
  EXPECT_EQ(hooks.jobs.load(), 100);

  // Hooks belong to the manager's conf: not to a grinder on a shared one.
  wg_manager_t* m = wgtest::make_manager({});
  EXPECT_EQ(wg_create(&g, c, m, err, sizeof err), WG_EINVAL);
  EXPECT_STRNE(err, "");
  wg_conf_destroy(c);
  ASSERT_EQ(wg_manager_destroy(m), WG_OK);
}

// A done callback of wg_lease_submit that releases its lease finds the
// executor free at once (issue 10: it used to be still "draining").
TEST(LeaseTask, ReleasedFromDoneTheExecutorIsFreeAtOnce) {
  wg_manager_t* m = wgtest::make_manager({{"max_pools", "1"}, {"min_pools", "1"}});
  struct Round {
    wg_lease_t* lease;
    wg_manager_t* m;
    int reacquire = 1;
    wgtest::Counter done;
  };
  for (int i = 0; i < 200; ++i) {
    Round r;
    r.m = m;
    ASSERT_EQ(wg_manager_acquire(m, 10, "t", 0, &r.lease), WG_OK);
    ASSERT_EQ(wg_lease_submit(
                  r.lease, wgtest::work_ok, nullptr,
                  [](const wg_outcome_t*, void* o) {
                    auto* r = static_cast<Round*>(o);
                    EXPECT_EQ(wg_lease_release(r->lease), WG_OK);
                    wg_lease_t* again = nullptr;
                    r->reacquire = wg_manager_acquire(r->m, 10, "t", 0, &again);
                    if (again) wg_lease_release(again);
                    r->done.add();
                  },
                  &r),
              WG_OK);
    ASSERT_TRUE(r.done.wait_for(1));
    ASSERT_EQ(r.reacquire, WG_OK) << "round " << i;
  }
  ASSERT_EQ(wg_manager_destroy(m), WG_OK);
}

}  // namespace
