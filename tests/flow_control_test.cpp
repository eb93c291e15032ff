// Flow control (issue 16): bounded drain stops (wg_stop_timeout), the pools
// of a private manager and the warning for a shared one with too few.
#include <chrono>
#include <cmath>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace wgtest;

namespace {

TEST(StopTimeout, ReturnsOkWhenEverythingDrainedInTime) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1000"}, {"max_wait_seconds", "600"}});
  OutcomeLog log;
  for (uintptr_t i = 0; i < 20; ++i)
    ASSERT_EQ(wg_submit(g, work_plus_one, reinterpret_cast<void*>(i), OutcomeLog::done, &log),
              WG_OK);
  EXPECT_EQ(wg_stop_timeout(g, 600), WG_OK);
  auto outcomes = log.snapshot();
  ASSERT_EQ(outcomes.size(), 20u);
  for (auto& o : outcomes) EXPECT_EQ(o.status, WG_OK);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.started, 0u);
  EXPECT_EQ(s.completed, 20u);
  EXPECT_EQ(s.cancelled, 0u);
  EXPECT_EQ(wg_stop_timeout(g, 1), WG_OK);  // already stopped
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(StopTimeout, CancelsWhatDidNotDrainAndReturnsTimedOut) {
  // One batch slot: the first item blocks in its work, the second stays pending.
  wg_grinder_t* g = make_grinder(
      {{"batch_size_threshold", "1"}, {"max_wait_seconds", "600"}, {"max_inflight_batches", "1"}});
  static Gate gate;  // the cancelled work may still be leaving pass() when the test ends
  OutcomeLog log;
  ASSERT_EQ(wg_submit(g, work_gate, &gate, OutcomeLog::done, &log), WG_OK);
  ASSERT_TRUE(gate.wait_for_waiters(1));
  ASSERT_EQ(wg_submit(g, work_ok, nullptr, OutcomeLog::done, &log), WG_OK);
  EXPECT_EQ(wg_stop_timeout(g, 0.05), WG_ETIMEDOUT);
  auto outcomes = log.snapshot();
  ASSERT_EQ(outcomes.size(), 2u);
  for (auto& o : outcomes) EXPECT_EQ(o.status, WG_ECANCELED);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.started, 0u);
  EXPECT_EQ(s.cancelled, 2u);
  EXPECT_EQ(s.completed, 0u);
  gate.open();  // the running work returns; its result is disposed
  EXPECT_EQ(wg_destroy(g), WG_OK);
  EXPECT_EQ(log.snapshot().size(), 2u);
}

struct LoopStop {
  wg_grinder_t* g = nullptr;
  int rc = 0;
  Counter done;
};
void stop_timeout_from_done(const wg_outcome_t*, void* opaque) {
  auto* c = static_cast<LoopStop*>(opaque);
  c->rc = wg_stop_timeout(c->g, 1);
  c->done.add();
}

TEST(StopTimeout, GivesWrongThreadOnTheLoopThreadAndRejectsBadArguments) {
  EXPECT_EQ(wg_stop_timeout(nullptr, 1), WG_EINVAL);
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1"}}, nullptr, false);
  EXPECT_EQ(wg_stop_timeout(g, std::nan("")), WG_EINVAL);
  EXPECT_EQ(wg_stop_timeout(g, 1), WG_OK);  // before start
  ASSERT_EQ(wg_start(g), WG_OK);
  LoopStop c;
  c.g = g;
  ASSERT_EQ(wg_submit(g, work_ok, nullptr, stop_timeout_from_done, &c), WG_OK);
  ASSERT_TRUE(c.done.wait_for(1));
  EXPECT_EQ(c.rc, WG_EWRONGTHREAD);
  EXPECT_EQ(stats_of(g).started, 1u);
  EXPECT_EQ(wg_stop_timeout(g, -1), WG_OK);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(PrivateManager, HasAPoolForEveryBatchInFlight) {
  // max_pools stays 1 in the conf; three batches still run at once.
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1"},
                                  {"max_wait_seconds", "600"},
                                  {"max_inflight_batches", "3"},
                                  {"max_batch_size", "1"},
                                  {"max_pools", "1"},
                                  {"workers_per_pool", "1"}});
  Gate gate;
  OutcomeLog log;
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(wg_submit(g, work_gate, &gate, OutcomeLog::done, &log), WG_OK);
  EXPECT_TRUE(gate.wait_for_waiters(3)) << "the three batches did not run at once";
  gate.open();
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  EXPECT_EQ(stats_of(g).completed, 3u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

struct Lines {
  std::mutex mu;
  std::vector<std::pair<int, std::string>> lines;
  static void log(int level, const char* msg, void* opaque) {
    auto* l = static_cast<Lines*>(opaque);
    std::lock_guard<std::mutex> lk(l->mu);
    l->lines.emplace_back(level, msg);
  }
  int count(const std::string& part) {
    std::lock_guard<std::mutex> lk(mu);
    int n = 0;
    for (auto& p : lines)
      if (p.second.find(part) != std::string::npos) ++n;
    return n;
  }
};

TEST(SharedManager, WithFewerPoolsThanBatchesInFlightIsWarnedAboutOnce) {
  wg_manager_t* m = make_manager({{"max_pools", "2"}});
  wg_conf_t* c = make_conf({{"max_inflight_batches", "3"}});
  Lines lines;
  ASSERT_EQ(wg_conf_set_log_cb(c, Lines::log, &lines), WG_OK);
  wg_grinder_t* g = nullptr;
  ASSERT_EQ(wg_create(&g, c, m, nullptr, 0), WG_OK);
  wg_conf_destroy(c);
  ASSERT_EQ(wg_start(g), WG_OK);
  ASSERT_EQ(wg_stop(g, 0), WG_OK);
  ASSERT_EQ(wg_start(g), WG_OK);  // a restart does not warn again
  ASSERT_EQ(wg_destroy(g), WG_OK);
  EXPECT_EQ(lines.count("max_pools 2, fewer than max_inflight_batches 3"), 1);
  {
    std::lock_guard<std::mutex> lk(lines.mu);
    for (auto& p : lines.lines)
      if (p.second.find("fewer than") != std::string::npos) {
        EXPECT_EQ(p.first, WG_LOG_WARNING);
      }
  }

  // Enough pools: no warning.
  wg_conf_t* c2 = make_conf({{"max_inflight_batches", "2"}});
  Lines quiet;
  ASSERT_EQ(wg_conf_set_log_cb(c2, Lines::log, &quiet), WG_OK);
  ASSERT_EQ(wg_create(&g, c2, m, nullptr, 0), WG_OK);
  wg_conf_destroy(c2);
  ASSERT_EQ(wg_start(g), WG_OK);
  ASSERT_EQ(wg_destroy(g), WG_OK);
  EXPECT_EQ(quiet.count("fewer than"), 0);
  EXPECT_EQ(wg_manager_destroy(m), WG_OK);
}

}  // namespace

namespace {

// Polls a counter that has no event to wait on (a submitter asleep in the
// library); bounded, and it asserts exact values only.
bool wait_for_admission_waits(wg_grinder_t* g, uint64_t n) {
  auto t0 = std::chrono::steady_clock::now();
  while (stats_of(g).admission_waits < n) {
    if (seconds_since(t0) > 20) return false;
    std::this_thread::yield();
  }
  return true;
}

wg_submit_opts_t wait_opts(double admit_timeout) {
  wg_submit_opts_t o = WG_SUBMIT_OPTS_INIT;
  o.admit_timeout_seconds = admit_timeout;
  return o;
}

// One batch slot, one item per batch, one pending item at most: with the
// first item blocked in its work and a second pending, the grinder is full.
wg_grinder_t* full_grinder(Gate& gate, OutcomeLog& log) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1"},
                                  {"max_wait_seconds", "600"},
                                  {"max_inflight_batches", "1"},
                                  {"max_batch_size", "1"},
                                  {"max_pending", "1"}});
  EXPECT_EQ(wg_submit(g, work_gate, &gate, OutcomeLog::done, &log), WG_OK);
  EXPECT_TRUE(gate.wait_for_waiters(1));
  EXPECT_EQ(wg_submit(g, work_plus_one, reinterpret_cast<void*>(100), OutcomeLog::done, &log),
            WG_OK);
  EXPECT_EQ(wg_submit(g, work_ok, nullptr, OutcomeLog::done, &log), WG_EFULL);
  return g;
}

TEST(WaitingAdmission, BlockedSubmittersAreAdmittedInFifoOrderWhenRoomAppears) {
  Gate gate;
  OutcomeLog log;
  wg_grinder_t* g = full_grinder(gate, log);
  std::vector<std::thread> submitters;
  std::vector<int> rcs(3, -100);
  for (int i = 0; i < 3; ++i) {
    submitters.emplace_back([&, i] {
      wg_submit_opts_t o = wait_opts(-1);
      rcs[i] = wg_submit_ex(g, work_plus_one, reinterpret_cast<void*>(uintptr_t(i)),
                            OutcomeLog::done, &log, &o);
    });
    ASSERT_TRUE(wait_for_admission_waits(g, i + 1));  // queued before the next one comes
  }
  EXPECT_EQ(stats_of(g).pending, 1u);
  gate.open();
  for (auto& t : submitters) t.join();
  for (int rc : rcs) EXPECT_EQ(rc, WG_OK);
  ASSERT_TRUE(log.count.wait_for(5));
  auto outcomes = log.snapshot();
  ASSERT_EQ(outcomes.size(), 5u);
  // One batch of one item at a time: outcomes come in admission order.
  std::vector<uintptr_t> results;
  for (auto& o : outcomes) results.push_back(reinterpret_cast<uintptr_t>(o.result));
  EXPECT_EQ(results, (std::vector<uintptr_t>{0, 101, 1, 2, 3}));
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.admission_waits, 3u);
  EXPECT_EQ(s.submitted, 5u);
  EXPECT_EQ(s.completed, 5u);
  EXPECT_EQ(s.rejected, 1u);  // full_grinder's probe
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(WaitingAdmission, TimesOutWithFullAndCountsTheWait) {
  Gate gate;
  OutcomeLog log;
  wg_grinder_t* g = full_grinder(gate, log);
  wg_submit_opts_t o = wait_opts(0.05);
  EXPECT_EQ(wg_submit_ex(g, work_ok, nullptr, OutcomeLog::done, &log, &o), WG_EFULL);
  wg_future_t* f = nullptr;
  EXPECT_EQ(wg_enqueue(g, work_ok, nullptr, &o, &f), WG_EFULL);
  EXPECT_EQ(f, nullptr);
  wg_submit_opts_t no_wait = wait_opts(0);
  EXPECT_EQ(wg_submit_ex(g, work_ok, nullptr, OutcomeLog::done, &log, &no_wait), WG_EFULL);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.admission_waits, 2u);
  EXPECT_EQ(s.rejected, 4u);
  EXPECT_EQ(s.submitted, 2u);
  gate.open();
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  EXPECT_EQ(log.snapshot().size(), 2u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(WaitingAdmission, AStopWakesWaitersWithStopping) {
  static Gate gate;  // the cancelled work may still be leaving pass() when the test ends
  OutcomeLog log;
  wg_grinder_t* g = full_grinder(gate, log);
  std::vector<std::thread> submitters;
  std::vector<int> rcs(2, -100);
  for (int i = 0; i < 2; ++i) {
    submitters.emplace_back([&, i] {
      wg_submit_opts_t o = wait_opts(i == 0 ? -1 : 600);
      rcs[i] = wg_submit_ex(g, work_ok, nullptr, OutcomeLog::done, &log, &o);
    });
  }
  ASSERT_TRUE(wait_for_admission_waits(g, 2));
  EXPECT_EQ(wg_stop(g, 1), WG_OK);
  for (auto& t : submitters) t.join();
  EXPECT_EQ(rcs[0], WG_ESTOPPING);
  EXPECT_EQ(rcs[1], WG_ESTOPPING);
  gate.open();
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.admission_waits, 2u);
  EXPECT_EQ(s.submitted, 2u);
  EXPECT_EQ(s.cancelled, 2u);
  EXPECT_EQ(s.rejected, 3u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

struct LoopSubmit {
  wg_grinder_t* g = nullptr;
  int waiting_rc = 0, plain_rc = 0;
  Counter done;
};
void submit_from_done(const wg_outcome_t*, void* opaque) {
  auto* c = static_cast<LoopSubmit*>(opaque);
  wg_submit_opts_t o = wait_opts(1);
  c->waiting_rc = wg_submit_ex(c->g, work_ok, nullptr, nullptr, nullptr, &o);
  o.admit_timeout_seconds = 0;
  c->plain_rc = wg_submit_ex(c->g, work_ok, nullptr, nullptr, nullptr, &o);
  c->done.add();
}

TEST(WaitingAdmission, AWaitOnTheLoopThreadGivesWrongThread) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1"}, {"max_pending", "10"}});
  LoopSubmit c;
  c.g = g;
  ASSERT_EQ(wg_submit(g, work_ok, nullptr, submit_from_done, &c), WG_OK);
  ASSERT_TRUE(c.done.wait_for(1));
  EXPECT_EQ(c.waiting_rc, WG_EWRONGTHREAD);
  EXPECT_EQ(c.plain_rc, WG_OK);
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.submitted, 2u);
  EXPECT_EQ(s.rejected, 1u);
  EXPECT_EQ(s.admission_waits, 0u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(SubmitOpts, VersionOneAndTwoSideBySide) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1"}});
  OutcomeLog log;
  wg_submit_opts_t v1 = WG_SUBMIT_OPTS_INIT;
  v1.version = 1;
  v1.owner = "v1";
  v1.admit_timeout_seconds = std::nan("");  // not read in a version 1 struct
  v1.deadline_seconds = 5;
  wg_submit_opts_t v2 = wait_opts(2);
  v2.owner = "v2";
  EXPECT_EQ(wg_submit_ex(g, work_ok, nullptr, OutcomeLog::done, &log, &v1), WG_OK);
  EXPECT_EQ(wg_submit_ex(g, work_ok, nullptr, OutcomeLog::done, &log, &v2), WG_OK);
  wg_submit_opts_t bad = wait_opts(std::nan(""));
  EXPECT_EQ(wg_submit_ex(g, work_ok, nullptr, OutcomeLog::done, &log, &bad), WG_EINVAL);
  bad = wait_opts(0);
  bad.deadline_seconds = -1;
  EXPECT_EQ(wg_submit_ex(g, work_ok, nullptr, OutcomeLog::done, &log, &bad), WG_EINVAL);
  ASSERT_TRUE(log.count.wait_for(2));
  EXPECT_EQ(wg_stop(g, 0), WG_OK);

  // A version 1 stats struct is written only up to its own end.
  wg_stats_t s1;
  std::memset(&s1, 0xab, sizeof s1);
  s1.version = 1;
  ASSERT_EQ(wg_stats(g, &s1), WG_OK);
  EXPECT_EQ(s1.version, 1u);
  EXPECT_EQ(s1.completed, 2u);
  EXPECT_EQ(s1.rejected, 2u);
  EXPECT_EQ(s1.expired, 0xababababababababull);
  EXPECT_EQ(s1.admission_waits, 0xababababababababull);
  wg_stats_t s2 = WG_STATS_INIT;
  ASSERT_EQ(wg_stats(g, &s2), WG_OK);
  EXPECT_EQ(s2.version, 2u);
  EXPECT_EQ(s2.completed, 2u);
  EXPECT_EQ(s2.expired, 0u);
  EXPECT_EQ(s2.admission_waits, 0u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

}  // namespace

namespace {

struct Runs {
  std::atomic<int> n{0};
};
int count_run(void* arg, void** result) {
  static_cast<Runs*>(arg)->n.fetch_add(1);
  *result = nullptr;
  return 0;
}

wg_submit_opts_t deadline_opts(double seconds) {
  wg_submit_opts_t o = WG_SUBMIT_OPTS_INIT;
  o.deadline_seconds = seconds;
  return o;
}

TEST(Deadline, APendingItemEndsAtItsDeadlineWhileTheBatchAheadIsBlocked) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1"},
                                  {"max_wait_seconds", "600"},
                                  {"max_inflight_batches", "1"},
                                  {"max_batch_size", "1"}});
  Gate gate;
  OutcomeLog log;
  Runs runs;
  ASSERT_EQ(wg_submit(g, work_gate, &gate, OutcomeLog::done, &log), WG_OK);
  ASSERT_TRUE(gate.wait_for_waiters(1));
  wg_submit_opts_t o = deadline_opts(0.05);
  ASSERT_EQ(wg_submit_ex(g, count_run, &runs, OutcomeLog::done, &log, &o), WG_OK);
  wg_future_t* f = nullptr;
  ASSERT_EQ(wg_enqueue(g, count_run, &runs, &o, &f), WG_OK);
  ASSERT_TRUE(log.count.wait_for(1));  // while the first item still blocks
  wg_outcome_t fo;
  ASSERT_EQ(wg_future_wait(f, 20, &fo), WG_OK);
  EXPECT_EQ(fo.status, WG_ETIMEDOUT);
  EXPECT_EQ(wg_future_cancel(f), WG_EALREADY);
  wg_future_release(f);
  auto outcomes = log.snapshot();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status, WG_ETIMEDOUT);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.expired, 2u);
  EXPECT_EQ(s.failed, 2u);
  EXPECT_EQ(s.pending, 0u);
  EXPECT_EQ(s.inflight_items, 1u);
  EXPECT_EQ(s.submitted, s.completed + s.failed + s.cancelled + s.pending + s.inflight_items);
  gate.open();
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  EXPECT_EQ(runs.n.load(), 0);
  EXPECT_EQ(log.snapshot().size(), 2u);  // exactly once each
  s = stats_of(g);
  EXPECT_EQ(s.completed, 1u);
  EXPECT_EQ(s.expired, 2u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(Deadline, ADispatchedItemNotStartedByItsDeadlineNeverRuns) {
  // One batch of two items on one worker: the second waits behind the first.
  wg_grinder_t* g = make_grinder(
      {{"batch_size_threshold", "2"}, {"max_wait_seconds", "600"}, {"workers_per_pool", "1"}});
  Gate gate;
  OutcomeLog log;
  Runs runs;
  wg_submit_opts_t o = deadline_opts(0.05);
  ASSERT_EQ(wg_submit(g, work_gate, &gate, OutcomeLog::done, &log), WG_OK);
  ASSERT_EQ(wg_submit_ex(g, count_run, &runs, OutcomeLog::done, &log, &o), WG_OK);
  ASSERT_TRUE(gate.wait_for_waiters(1));
  EXPECT_EQ(stats_of(g).inflight_items, 2u);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the deadline is the subject
  gate.open();
  ASSERT_TRUE(log.count.wait_for(2));
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  auto outcomes = log.snapshot();
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].status, WG_OK);
  EXPECT_EQ(outcomes[1].status, WG_ETIMEDOUT);
  EXPECT_EQ(runs.n.load(), 0);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.expired, 1u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.completed, 1u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(Deadline, AnItemStartedInTimeIsNotInterrupted) {
  wg_grinder_t* g = make_grinder({{"batch_size_threshold", "1"}});
  Gate gate;
  wg_submit_opts_t o = deadline_opts(0.02);
  wg_future_t* f = nullptr;
  ASSERT_EQ(wg_enqueue(g, work_gate, &gate, &o, &f), WG_OK);
  ASSERT_TRUE(gate.wait_for_waiters(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(60));  // past its deadline, running
  gate.open();
  wg_outcome_t out;
  ASSERT_EQ(wg_future_wait(f, 20, &out), WG_OK);
  EXPECT_EQ(out.status, WG_OK);
  wg_future_release(f);
  EXPECT_EQ(wg_stop(g, 0), WG_OK);
  EXPECT_EQ(stats_of(g).expired, 0u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

}  // namespace
