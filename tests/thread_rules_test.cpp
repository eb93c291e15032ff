// The blocking-call rule on every thread where a wait could never end: any
// grinder's loop thread, the manager's expiry thread, and a worker running a
// batch of the very grinder it would wait for.
#include <atomic>

#include "test_support.hpp"

using namespace wgtest;

namespace {

// Return codes of blocking calls made from inside a callback or work function.
struct Calls {
  wg_grinder_t* other = nullptr;  // a running grinder the caller does not belong to
  wg_future_t* other_future = nullptr;
  wg_manager_t* manager = nullptr;
  int submit_wait = 1, future_wait = 1, acquire = 1, manager_stop = 1, stop_cancel = 1,
      stop_drain = 1, destroy = 1;
  Counter made;

  // Calls every blocking function; before the fix, wg_stop and wg_destroy of
  // another grinder succeed here, so the destroy comes last and only if the
  // stops were refused.
  void make_them() {
    wg_outcome_t o{};
    submit_wait = wg_submit_wait(other, work_ok, nullptr, nullptr, 5, &o);
    future_wait = wg_future_wait(other_future, 5, &o);
    wg_lease_t* l = nullptr;
    acquire = wg_manager_acquire(manager, 0, "from a callback", 5, &l);
    if (acquire == WG_OK) wg_lease_release(l);
    manager_stop = wg_manager_stop(manager);
    stop_cancel = wg_stop(other, 1);
    stop_drain = wg_stop(other, 0);
    if (stop_cancel == WG_EWRONGTHREAD && stop_drain == WG_EWRONGTHREAD)
      destroy = wg_destroy(other);
    made.add();
  }

  void expect_all_refused(const char* where) {
    EXPECT_EQ(submit_wait, WG_EWRONGTHREAD) << where << ": wg_submit_wait";
    EXPECT_EQ(future_wait, WG_EWRONGTHREAD) << where << ": wg_future_wait";
    EXPECT_EQ(acquire, WG_EWRONGTHREAD) << where << ": wg_manager_acquire";
    EXPECT_EQ(manager_stop, WG_EWRONGTHREAD) << where << ": wg_manager_stop";
    EXPECT_EQ(stop_cancel, WG_EWRONGTHREAD) << where << ": wg_stop(other, 1)";
    EXPECT_EQ(stop_drain, WG_EWRONGTHREAD) << where << ": wg_stop(other, 0)";
    EXPECT_EQ(destroy, WG_EWRONGTHREAD) << where << ": wg_destroy(other)";
  }

  // The other grinder still works afterwards: nothing was stopped or freed.
  void expect_other_untouched() {
    wg_stats_t s = stats_of(other);
    EXPECT_EQ(s.started, 1u);
    EXPECT_EQ(s.stopping, 0u);
    wg_outcome_t o{};
    EXPECT_EQ(wg_submit_wait(other, work_plus_one, reinterpret_cast<void*>(41), nullptr, 10, &o),
              WG_OK);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(o.result), 42u);
  }
};

void make_calls(const wg_outcome_t*, void* calls) { static_cast<Calls*>(calls)->make_them(); }

TEST(ThreadRules, ALoopThreadRefusesBlockingCallsOnOtherGrindersAndManagers) {
  wg_manager_t* m = make_manager({});
  wg_grinder_t* g1 = make_grinder({{"batch_size_threshold", "1"}});
  wg_grinder_t* g2 = make_grinder({{"batch_size_threshold", "1"}}, m);
  Calls calls;
  calls.other = g2;
  calls.manager = m;
  ASSERT_EQ(wg_enqueue(g2, work_ok, nullptr, nullptr, &calls.other_future), WG_OK);
  ASSERT_EQ(wg_submit(g1, work_ok, nullptr, make_calls, &calls), WG_OK);
  ASSERT_TRUE(calls.made.wait_for(1));
  calls.expect_all_refused("g1's done");
  calls.expect_other_untouched();
  wg_future_release(calls.other_future);
  EXPECT_EQ(wg_destroy(g1), WG_OK);
  EXPECT_EQ(wg_destroy(g2), WG_OK);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

TEST(ThreadRules, TheExpiryThreadRefusesBlockingCalls) {
  wg_manager_t* m = make_manager({{"workers_per_pool", "1"}, {"lease_grace_seconds", "0"}});
  wg_grinder_t* other = make_grinder({{"batch_size_threshold", "1"}});
  static Gate gate;  // a revoked executor's thread may still be leaving it after the test
  Calls calls;
  calls.other = other;
  calls.manager = m;
  ASSERT_EQ(wg_enqueue(other, work_ok, nullptr, nullptr, &calls.other_future), WG_OK);
  wg_lease_t* l;
  ASSERT_EQ(wg_manager_acquire(m, 0.05, "expiring", 0, &l), WG_OK);
  ASSERT_EQ(wg_lease_submit(l, work_gate, &gate, nullptr, nullptr), WG_OK);
  // Queued behind the gate: the expiry thread fails it with WG_ELEASE and
  // calls its done there.
  std::atomic<int> status{1};
  struct Probe {
    Calls* calls;
    std::atomic<int>* status;
  } probe{&calls, &status};
  ASSERT_EQ(wg_lease_submit(
                l, work_ok, nullptr,
                [](const wg_outcome_t* o, void* p) {
                  auto* pr = static_cast<Probe*>(p);
                  pr->status->store(o->status);
                  pr->calls->make_them();
                },
                &probe),
            WG_OK);
  ASSERT_TRUE(calls.made.wait_for(1));
  gate.open();
  EXPECT_EQ(status.load(), WG_ELEASE);
  calls.expect_all_refused("the expiry thread");
  calls.expect_other_untouched();
  wg_future_release(calls.other_future);
  wg_lease_release(l);
  EXPECT_EQ(wg_destroy(other), WG_OK);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

struct OwnGrinder {
  wg_grinder_t* g = nullptr;
  wg_grinder_t* other = nullptr;
  int unbounded_wait = 1, stop_drain = 1, destroy = 1, other_stop = 1;
};

// A work function of g: unbounded waits on g and a draining stop of g would
// wait for this very call. Before the fix the nested wait simply succeeds
// (another executor runs it), so the calls that would hang come after it only
// once it was refused.
int work_calls_own_grinder(void* arg, void**) {
  auto* w = static_cast<OwnGrinder*>(arg);
  wg_outcome_t o;
  w->unbounded_wait = wg_submit_wait(w->g, work_ok, nullptr, nullptr, -1, &o);
  if (w->unbounded_wait == WG_EWRONGTHREAD) {
    w->stop_drain = wg_stop(w->g, 0);
    w->destroy = wg_destroy(w->g);
  }
  w->other_stop = wg_stop(w->other, 0);  // another grinder: allowed
  return 0;
}

TEST(ThreadRules, AWorkFunctionCannotWaitForItsOwnGrinder) {
  wg_grinder_t* g = make_grinder(
      {{"batch_size_threshold", "1"}, {"max_inflight_batches", "2"}, {"max_pools", "2"}});
  wg_grinder_t* other = make_grinder({});
  OwnGrinder w;
  w.g = g;
  w.other = other;
  wg_outcome_t o;
  ASSERT_EQ(wg_submit_wait(g, work_calls_own_grinder, &w, nullptr, 30, &o), WG_OK);
  EXPECT_EQ(o.status, WG_OK);
  EXPECT_EQ(w.unbounded_wait, WG_EWRONGTHREAD);
  EXPECT_EQ(w.stop_drain, WG_EWRONGTHREAD);
  EXPECT_EQ(w.destroy, WG_EWRONGTHREAD);
  EXPECT_EQ(w.other_stop, WG_OK);
  EXPECT_EQ(stats_of(other).started, 0u);
  // g itself carries on.
  EXPECT_EQ(stats_of(g).started, 1u);
  EXPECT_EQ(wg_submit_wait(g, work_ok, nullptr, nullptr, 10, &o), WG_OK);
  EXPECT_EQ(wg_destroy(g), WG_OK);
  EXPECT_EQ(wg_destroy(other), WG_OK);
}

// A batch function of g is bound by the same rule as a work function. Only
// the first call makes the calls: the nested submission is a batch too.
struct OwnBatch {
  wg_grinder_t* g = nullptr;
  std::atomic<bool> first{true};
  int unbounded_wait = 1, stop_drain = 1, destroy = 1;

  static int fn(wg_batch_t*, void* opaque) {
    auto* w = static_cast<OwnBatch*>(opaque);
    if (!w->first.exchange(false)) return 0;
    wg_outcome_t o{};
    w->unbounded_wait = wg_submit_wait(w->g, nullptr, nullptr, nullptr, -1, &o);
    if (w->unbounded_wait == WG_EWRONGTHREAD) {
      w->stop_drain = wg_stop(w->g, 0);
      w->destroy = wg_destroy(w->g);
    }
    return 0;
  }
};

TEST(ThreadRules, ABatchFunctionCannotWaitForItsOwnGrinder) {
  OwnBatch w;
  wg_conf_t* c =
      make_conf({{"batch_size_threshold", "1"}, {"max_inflight_batches", "2"}, {"max_pools", "2"}});
  ASSERT_EQ(wg_conf_set_batch_fn(c, &OwnBatch::fn, &w), WG_OK);
  char err[128];
  ASSERT_EQ(wg_create(&w.g, c, nullptr, err, sizeof err), WG_OK) << err;
  wg_conf_destroy(c);
  ASSERT_EQ(wg_start(w.g), WG_OK);
  wg_outcome_t o;
  ASSERT_EQ(wg_submit_wait(w.g, nullptr, nullptr, nullptr, 30, &o), WG_OK);
  EXPECT_EQ(o.status, WG_OK);
  EXPECT_EQ(w.unbounded_wait, WG_EWRONGTHREAD);
  EXPECT_EQ(w.stop_drain, WG_EWRONGTHREAD);
  EXPECT_EQ(w.destroy, WG_EWRONGTHREAD);
  EXPECT_EQ(wg_destroy(w.g), WG_OK);
}

}  // namespace
