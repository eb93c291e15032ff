// The fault sweep's scenario. Between arm and disarm the driver itself never
// allocates (pthreads, static arrays), so every counted allocation is the
// library's.
#include "scenario.hpp"

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <atomic>
#include <cstdio>
#include <cstring>

#include "injector.hpp"
#include "workgrinder/workgrinder.h"

namespace fault {

namespace {

constexpr int kProducers = 2;
constexpr int kPerProducer = 12;
constexpr int kMaxItems = 4 * kProducers * kPerProducer;
constexpr int kRetries = 8;

// One slot per submission attempt: whether it was accepted, how many
// outcomes and releases of its arg it saw.
struct Slot {
  std::atomic<int> accepted{0};
  std::atomic<int> outcomes{0};
  std::atomic<int> releases{0};
};
Slot g_slots[kMaxItems];
std::atomic<int> g_next_slot{0};
wg_future_t* g_futures[kMaxItems];  // phase 2: waited for after the stop
std::atomic<int> g_wrong{0};        // unexpected return codes seen on any thread
// Worker hooks: each worker runs on_start and on_stop exactly once, also one
// whose executor failed to start.
// A worker that a stop found busy (even just between two tasks) is detached
// and exits by itself: the check waits for its on_stop, not for a timing.
int g_worker_starts = 0;  // under g_hooks_mu
int g_worker_stops = 0;   // under g_hooks_mu
pthread_mutex_t g_hooks_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t g_hooks_cv = PTHREAD_COND_INITIALIZER;

void wrong(const char* what, int rc) {
  std::fprintf(stderr, "fault sweep: %s returned %s\n", what, wg_err_name(rc));
  g_wrong.fetch_add(1);
}

// Retries while out of memory; anything but WG_OK in the end is wrong.
template <typename F>
bool must_succeed(const char* what, F&& call) {
  int rc = WG_ENOMEM;
  for (int i = 0; i < kRetries && rc == WG_ENOMEM; ++i) rc = call();
  if (rc == WG_OK) return true;
  wrong(what, rc);
  return false;
}

int work(void*, void**) { return 0; }
void on_done(const wg_outcome_t*, void* opaque) {
  static_cast<Slot*>(opaque)->outcomes.fetch_add(1);
}
void on_release(void* arg, void*) { static_cast<Slot*>(arg)->releases.fetch_add(1); }
void on_log(int, const char*, void*) {}
void on_worker_start(void*) {
  pthread_mutex_lock(&g_hooks_mu);
  ++g_worker_starts;
  pthread_mutex_unlock(&g_hooks_mu);
}
void on_worker_stop(void*) {
  pthread_mutex_lock(&g_hooks_mu);
  ++g_worker_stops;
  pthread_cond_broadcast(&g_hooks_cv);
  pthread_mutex_unlock(&g_hooks_mu);
}

// Waits until every worker that started has run on_stop (the child's alarm
// ends a wait that never ends); false if one ran on_stop twice.
bool workers_all_stopped() {
  pthread_mutex_lock(&g_hooks_mu);
  while (g_worker_stops < g_worker_starts) pthread_cond_wait(&g_hooks_cv, &g_hooks_mu);
  bool ok = g_worker_stops == g_worker_starts;
  if (!ok)
    std::fprintf(stderr, "fault sweep: %d worker(s) started, %d stopped\n", g_worker_starts,
                 g_worker_stops);
  pthread_mutex_unlock(&g_hooks_mu);
  return ok;
}

wg_submit_opts_t opts_with_release() {
  wg_submit_opts_t o = WG_SUBMIT_OPTS_INIT;
  o.release_arg = on_release;
  return o;
}

// A submission's return: WG_OK (accepted) or WG_ENOMEM (refused, nothing
// taken over); anything else is wrong.
void note_submission(const char* what, int rc, Slot* s) {
  if (rc == WG_OK)
    s->accepted.store(1);
  else if (rc != WG_ENOMEM)
    wrong(what, rc);
}

struct Producer {
  wg_grinder_t* g;
  bool wait_for_futures;  // phase 1 waits for each future; phase 2 leaves them to after the stop
};

void* produce(void* arg) {
  Producer* p = static_cast<Producer*>(arg);
  wg_submit_opts_t opts = opts_with_release();
  for (int i = 0; i < kPerProducer; ++i) {
    int index = g_next_slot.fetch_add(1);
    Slot* s = &g_slots[index];
    int kind = p->wait_for_futures ? i % 3 : i % 2;
    if (kind == 0) {
      note_submission("wg_submit_ex", wg_submit_ex(p->g, work, s, on_done, s, &opts), s);
    } else if (kind == 1) {
      wg_future_t* f = nullptr;
      note_submission("wg_enqueue", wg_enqueue(p->g, work, s, &opts, &f), s);
      if (!f) continue;
      if (!p->wait_for_futures) {
        g_futures[index] = f;
        continue;
      }
      wg_outcome_t o;
      int rc = wg_future_wait(f, -1, &o);
      if (rc == WG_OK)
        s->outcomes.fetch_add(1);
      else
        wrong("wg_future_wait", rc);
      wg_future_release(f);
    } else {
      wg_outcome_t o;
      int rc = wg_submit_wait(p->g, work, s, &opts, -1, &o);
      note_submission("wg_submit_wait", rc, s);
      if (rc == WG_OK) s->outcomes.fetch_add(1);
    }
  }
  return nullptr;
}

// Two producers at once; false if one could not be started (the driver's own
// threads are not counted by the injector, so that is a system problem).
bool run_producers(wg_grinder_t* g, bool wait_for_futures) {
  Producer p{g, wait_for_futures};
  pthread_t t[kProducers];
  for (auto& th : t)
    if (pthread_create(&th, nullptr, produce, &p) != 0) return false;
  for (auto& th : t) pthread_join(th, nullptr);
  return true;
}

// The exports build whole documents: every allocation they make counts too.
bool exports_work(wg_grinder_t* g) {
  static char buf[1 << 16];
  size_t needed = 0;
  return must_succeed("wg_stats_json",
                      [&] { return wg_stats_json(g, buf, sizeof buf, &needed); }) &&
         must_succeed("wg_metrics_prometheus",
                      [&] { return wg_metrics_prometheus(g, nullptr, buf, sizeof buf, &needed); });
}

// Direct leases of the shared manager: acquire, submit tasks, release; then
// a stop that finds tasks unstarted: the first tasks to start (one per worker)
// hold their workers until the stop has returned, so the others are still
// queued when it retires the executor (they end WG_ELEASE). Each accepted
// task's done runs once (counted after every worker stopped).
constexpr int kLeaseTasks = 6;
constexpr int kWorkers = 2;  // workers_per_pool below
Slot g_lease_slots[2 * kLeaseTasks];
pthread_mutex_t g_gate_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t g_gate_cv = PTHREAD_COND_INITIALIZER;
int g_holding = 0;        // tasks holding their worker (g_gate_mu)
bool g_gate_open = true;  // (g_gate_mu)

int holding_work(void*, void**) {
  pthread_mutex_lock(&g_gate_mu);
  if (!g_gate_open && g_holding < kWorkers) {
    ++g_holding;
    pthread_cond_broadcast(&g_gate_cv);
    while (!g_gate_open) pthread_cond_wait(&g_gate_cv, &g_gate_mu);
  }
  pthread_mutex_unlock(&g_gate_mu);
  return 0;
}

void set_gate(bool open) {
  pthread_mutex_lock(&g_gate_mu);
  g_gate_open = open;
  pthread_cond_broadcast(&g_gate_cv);
  pthread_mutex_unlock(&g_gate_mu);
}

void wait_holding(int n) {
  pthread_mutex_lock(&g_gate_mu);
  while (g_holding < n) pthread_cond_wait(&g_gate_cv, &g_gate_mu);
  pthread_mutex_unlock(&g_gate_mu);
}

// Submits kLeaseTasks tasks from `first`; returns how many were accepted.
int submit_lease_tasks(wg_lease_t* lease, Slot* first) {
  int accepted = 0;
  for (int i = 0; i < kLeaseTasks; ++i) {
    Slot* s = &first[i];
    note_submission("wg_lease_submit", wg_lease_submit(lease, holding_work, s, on_done, s), s);
    accepted += s->accepted.load();
  }
  return accepted;
}

bool leases_work(wg_manager_t* m) {
  wg_lease_t* lease = nullptr;
  if (!must_succeed("wg_manager_acquire",
                    [&] { return wg_manager_acquire(m, 10, "fault-sweep", 10, &lease); }))
    return false;
  submit_lease_tasks(lease, &g_lease_slots[0]);
  int rc = wg_lease_release(lease);
  if (rc != WG_OK) {
    wrong("wg_lease_release", rc);
    return false;
  }
  // The stop with tasks still queued.
  if (!must_succeed("wg_manager_acquire",
                    [&] { return wg_manager_acquire(m, 10, "fault-sweep", 10, &lease); }))
    return false;
  set_gate(false);
  int accepted = submit_lease_tasks(lease, &g_lease_slots[kLeaseTasks]);
  wait_holding(accepted < kWorkers ? accepted : kWorkers);
  enter_phase(kManagerStop);
  bool ok = must_succeed("wg_manager_stop", [&] { return wg_manager_stop(m); });
  set_gate(true);
  rc = wg_lease_release(lease);  // revoked by the stop
  if (rc != WG_ELEASE) {
    wrong("wg_lease_release after the stop", rc);
    ok = false;
  }
  return ok;
}

bool lease_outcomes_exact() {
  bool ok = true;
  for (Slot& s : g_lease_slots)
    if (s.outcomes.load() != s.accepted.load()) {
      std::fprintf(stderr, "fault sweep: lease task accepted %d: %d outcome(s)\n",
                   s.accepted.load(), s.outcomes.load());
      ok = false;
    }
  return ok;
}

// Phase 2's futures are decided once the cancelling stop returned.
void collect_futures() {
  int n = g_next_slot.load();
  for (int i = 0; i < n; ++i) {
    wg_future_t* f = g_futures[i];
    if (!f) continue;
    wg_outcome_t o;
    int rc = wg_future_wait(f, 0, &o);
    if (rc == WG_OK)
      g_slots[i].outcomes.fetch_add(1);
    else
      wrong("wg_future_wait after the stop", rc);
    wg_future_release(f);
    g_futures[i] = nullptr;
  }
}

// Every accepted submission: one outcome and one release of its arg; a
// refused one: none of either.
bool outcomes_exact() {
  bool ok = true;
  int n = g_next_slot.load();
  for (int i = 0; i < n; ++i) {
    Slot& s = g_slots[i];
    int want = s.accepted.load();
    if (s.outcomes.load() != want || s.releases.load() != want) {
      std::fprintf(stderr, "fault sweep: item %d accepted %d: %d outcome(s), %d release(s)\n", i,
                   want, s.outcomes.load(), s.releases.load());
      ok = false;
    }
  }
  return ok;
}

// A stopped grinder holds nothing, and its counters add up.
bool stats_add_up(wg_grinder_t* g) {
  wg_stats_t s = WG_STATS_INIT;
  if (wg_stats(g, &s) != WG_OK) return false;
  if (s.started == 0 && s.pending == 0 && s.inflight_items == 0 && s.inflight_batches == 0 &&
      s.submitted == s.completed + s.failed + s.cancelled)
    return true;
  std::fprintf(stderr,
               "fault sweep: stopped grinder: started %u pending %llu inflight %llu/%llu "
               "submitted %llu completed %llu failed %llu cancelled %llu\n",
               s.started, (unsigned long long)s.pending, (unsigned long long)s.inflight_items,
               (unsigned long long)s.inflight_batches, (unsigned long long)s.submitted,
               (unsigned long long)s.completed, (unsigned long long)s.failed,
               (unsigned long long)s.cancelled);
  return false;
}

// The library names its threads wg-loop, wg-housekeeping and wg-worker.
int library_threads_now() {
  DIR* d = opendir("/proc/self/task");
  if (!d) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    char path[300], comm[32] = {0};
    std::snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
    if (FILE* f = std::fopen(path, "r")) {
      if (std::fgets(comm, sizeof comm, f) && std::strncmp(comm, "wg-", 3) == 0) ++n;
      std::fclose(f);
    }
  }
  closedir(d);
  return n;
}

// After every on_stop: a detached worker that ran it has only to return, and
// its exit gives no event to wait on, so it gets a bounded grace (yielding,
// 2 s); a thread still there after that was left running.
int library_threads() {
  timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    int n = library_threads_now();
    if (n == 0) return 0;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec >= 2) return n;
    sched_yield();
  }
}

const char* const kConf[][2] = {{"batch_size_threshold", "4"},
                                {"max_wait_seconds", "0.001"},
                                {"max_inflight_batches", "2"},
                                {"workers_per_pool", "2"},
                                {"min_pools", "1"},
                                {"max_pools", "2"}};

// The scenario between arm and disarm; false at the first wrong return.
bool scenario(bool shared, wg_manager_t** m, wg_grinder_t** g) {
  wg_conf_t* conf = nullptr;
  if (!must_succeed("wg_conf_new", [&] { return (conf = wg_conf_new()) ? WG_OK : WG_ENOMEM; }))
    return false;
  for (auto& kv : kConf)
    if (!must_succeed("wg_conf_set", [&] { return wg_conf_set(conf, kv[0], kv[1], nullptr, 0); }))
      return false;
  // With a log callback every log line is formatted: those allocations count too.
  if (wg_conf_set_log_cb(conf, on_log, nullptr) != WG_OK) return false;
  if (wg_conf_set_worker_hooks(conf, on_worker_start, on_worker_stop, nullptr) != WG_OK)
    return false;
  bool ok = true;
  if (shared) {
    ok =
        must_succeed("wg_manager_create", [&] { return wg_manager_create(m, conf, nullptr, 0); }) &&
        must_succeed("wg_manager_start", [&] { return wg_manager_start(*m); });
    // Hooks belong to the shared manager's conf, not to its grinders'.
    wg_conf_set_worker_hooks(conf, nullptr, nullptr, nullptr);
  }
  ok = ok && must_succeed("wg_create", [&] { return wg_create(g, conf, *m, nullptr, 0); });
  wg_conf_destroy(conf);
  if (!ok) return false;

  // Phase 1: start, feed, drain.
  if (!must_succeed("wg_start", [&] { return wg_start(*g); })) return false;
  enter_phase(kFeed);
  if (!run_producers(*g, true)) return false;
  enter_phase(kDrain);
  if (!must_succeed("wg_stop(drain)", [&] { return wg_stop(*g, 0); })) return false;
  if (!exports_work(*g)) return false;
  // Phase 2: restart, feed, cancel.
  enter_phase(kRefeed);
  if (!must_succeed("wg_start again", [&] { return wg_start(*g); })) return false;
  if (!run_producers(*g, false)) return false;
  enter_phase(kCancel);
  if (!must_succeed("wg_stop(cancel)", [&] { return wg_stop(*g, 1); })) return false;
  collect_futures();
  return g_wrong.load() == 0;
}

}  // namespace

const char* phase_name(int phase) {
  static const char* const kNames[kPhases] = {"setup",  "feed",         "drain",
                                              "refeed", "cancel",       "destroy",
                                              "leases", "manager-stop", "manager-destroy"};
  return phase >= 0 && phase < kPhases ? kNames[phase] : "?";
}

Verdict run_scenario(bool shared) {
  wg_manager_t* m = nullptr;
  wg_grinder_t* g = nullptr;
  bool ok = scenario(shared, &m, &g);
  bool stats_ok = !g || stats_add_up(g);
  enter_phase(kDestroy);
  if (g && !must_succeed("wg_destroy", [&] { return wg_destroy(g); })) ok = false;
  enter_phase(kLeases);
  if (ok && m && !leases_work(m)) ok = false;
  enter_phase(kManagerDestroy);
  if (m && !must_succeed("wg_manager_destroy", [&] { return wg_manager_destroy(m); })) ok = false;
  disarm();
  if (!ok || g_wrong.load() != 0) return kWrongReturn;
  // First every worker's exit: an item cancelled while its work ran has its
  // arg released when the work returns, on a worker, after the stop returned.
  if (!workers_all_stopped()) return kThreadLeft;
  if (!outcomes_exact() || !lease_outcomes_exact()) return kLostOutcome;
  if (!stats_ok) return kStatsMismatch;
  if (int n = library_threads(); n != 0) {
    std::fprintf(stderr, "fault sweep: %d library thread(s) left after destroy\n", n);
    return kThreadLeft;
  }
  return fired() ? kPassed : kNotReached;
}

}  // namespace fault
