// Model-based stress test. Threads run a random mix of every submission and
// future call against a grinder whose shared manager hands out short leases
// (some expire mid-batch) and resizes its pool count to a size provider's
// changing answer, while a controller stops it (drain or cancel, at random),
// starts it again and changes that answer. After each round every accepted item must have
// exactly one outcome, each success the value its work computed, each result
// and arg freed exactly once, and the stats must add up.
//
//   workgrinder_stress [--seconds N] [--soak] [--threads T] [--seed S]
// --seconds: total run time (default 10); --soak: run until interrupted.
#include <workgrinder/workgrinder.h>
#include <workgrinder/workgrinder.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

enum Kind { kFast, kSlow, kFail };

// One accepted item's ledger entry; owned by the ledger, never freed mid-round.
struct Entry {
  uint64_t id = 0;
  Kind kind = kFast;
  std::atomic<int> outcomes{0};
  std::atomic<int> ran{0};
  std::atomic<int> arg_released{0};
  std::atomic<int> wrong{0};
  bool is_future = false;
  std::atomic<int> ready{0};  // futures: set by wg_future_on_ready's callback
  std::atomic<int> released_early{0};
  bool has_deadline = false;    // submitted with a per-item deadline
  std::atomic<int> expired{0};  // its outcome was WG_ETIMEDOUT
  bool unread = false;          // a future released without reading its outcome
};

// The arg handed to the library: heap allocated, freed by release_arg.
std::atomic<long> g_live_args{0};
struct Arg {
  explicit Arg(Entry* e) : entry(e) { g_live_args.fetch_add(1); }
  ~Arg() { g_live_args.fetch_sub(1); }
  Entry* entry;
};

// A result: heap allocated by the work, freed by its receiver or by dispose.
struct Result {
  uint64_t value;
};

std::atomic<uint64_t> g_results_made{0}, g_results_freed{0}, g_disposed{0};

int work(void* arg, void** result) {
  Entry* e = static_cast<Arg*>(arg)->entry;
  e->ran.fetch_add(1);
  if (e->kind == kSlow) std::this_thread::sleep_for(std::chrono::microseconds(500 + e->id % 2000));
  g_results_made.fetch_add(1);
  *result = new Result{e->id * 2 + 1};
  return e->kind == kFail ? 7 : 0;
}

void free_result(void* r) {
  if (!r) return;
  delete static_cast<Result*>(r);
  g_results_freed.fetch_add(1);
}

void dispose(void* r, void*) {
  g_disposed.fetch_add(1);
  free_result(r);
}

void release_arg(void* arg, void*) {
  Arg* a = static_cast<Arg*>(arg);
  // A future's arg is released only after its outcome is out.
  if (a->entry->is_future && a->entry->ready.load() != 1) a->entry->released_early.fetch_add(1);
  a->entry->arg_released.fetch_add(1);
  delete a;
}

void on_ready(void* opaque) { static_cast<Entry*>(opaque)->ready.fetch_add(1); }

const wg_submit_opts_t kOpts{WG_SUBMIT_OPTS_VERSION, "stress", dispose, nullptr, release_arg, 0, 0};
// Some items carry a deadline short enough that many of them expire (pending,
// or dispatched behind slow work) while others run.
const wg_submit_opts_t kDeadlineOpts{
    WG_SUBMIT_OPTS_VERSION, "stress", dispose, nullptr, release_arg, 0, 0.001};

void check_outcome(Entry* e, const wg_outcome_t& o) {
  e->outcomes.fetch_add(1);
  switch (o.status) {
    case WG_OK:
      if (e->kind == kFail || !o.result || static_cast<Result*>(o.result)->value != e->id * 2 + 1)
        e->wrong.fetch_add(1);
      break;
    case WG_EWORK:
      if (e->kind != kFail || o.work_code != 7) e->wrong.fetch_add(1);
      break;
    case WG_ECANCELED:
    case WG_ELEASE:
    case WG_ESTOPPING:
      if (o.result) e->wrong.fetch_add(1);
      break;
    case WG_ETIMEDOUT:  // its deadline: it never ran (checked at the end of the round)
      if (o.result || !e->has_deadline) e->wrong.fetch_add(1);
      e->expired.fetch_add(1);
      break;
    default:
      e->wrong.fetch_add(1);
  }
  free_result(o.result);
}

// A batch function doing work() for each item of its batch: the same
// results, decided through wg_batch_set (an item cancelled meanwhile has its
// result disposed by the library).
std::atomic<uint64_t> g_batch_set_errors{0};
int batch_work(wg_batch_t* b, void*) {
  for (size_t i = 0; i < wg_batch_size(b); ++i) {
    void* result = nullptr;
    int code = work(wg_batch_arg(b, i), &result);
    int rc = wg_batch_set(b, i, code, result);
    if (rc != WG_OK && rc != WG_ECANCELED) g_batch_set_errors.fetch_add(1);
  }
  return 0;
}

void on_done(const wg_outcome_t* o, void* opaque) {
  check_outcome(static_cast<Entry*>(opaque), *o);
}

struct Ledger {
  std::mutex mu;
  std::vector<std::unique_ptr<Entry>> entries;
  std::atomic<uint64_t> next_id{0};
  Entry* add(Kind kind, bool has_deadline = false) {
    auto e = std::make_unique<Entry>();
    e->id = next_id.fetch_add(1);
    e->kind = kind;
    e->has_deadline = has_deadline;
    Entry* raw = e.get();
    std::lock_guard<std::mutex> lk(mu);
    entries.push_back(std::move(e));
    return raw;
  }
  void drop_last_if(Entry* e) {  // the submission was refused: not in the ledger
    std::lock_guard<std::mutex> lk(mu);
    for (auto it = entries.rbegin(); it != entries.rend(); ++it)
      if (it->get() == e) {
        entries.erase(std::next(it).base());
        return;
      }
  }
};

struct Totals {
  uint64_t rounds = 0, accepted = 0, refused = 0, outcomes = 0, cancels = 0, stops = 0,
           cpp_futures = 0, pools_started = 0, pools_retired = 0, expired = 0;
};

volatile std::sig_atomic_t g_interrupted = 0;

// The pool count the controller asks for; out of range on purpose at times
// (0, or more than max_pools): the manager clamps it.
struct PoolAnswer {
  std::atomic<uint32_t> value{1};
  std::atomic<uint64_t> calls{0};
  static uint32_t fn(void* opaque) {
    auto* a = static_cast<PoolAnswer*>(opaque);
    a->calls.fetch_add(1);
    return a->value.load();
  }
};

bool run_round(std::mt19937_64& rng, int threads, double seconds, Totals* totals) {
  wg::Conf conf{{"max_pools", "3"},
                {"min_pools", "1"},
                {"workers_per_pool", "2"},
                {"lease_grace_seconds", "0"},
                {"batch_size_threshold", "8"},
                {"max_wait_seconds", "0.002"},
                {"max_inflight_batches", "2"},
                {"lease_seconds", "0.02"},
                {"check_interval_seconds", "0.05"},
                {"idle_pool_seconds", "0.01"}};
  PoolAnswer pools;
  // The conf is ours; the C++ wrapper has no setter for the provider yet.
  wg_conf_set_size_provider(const_cast<wg_conf_t*>(conf.get()), PoolAnswer::fn, &pools);
  wg::Manager manager(conf);
  manager.start();
  // Two C grinders on the manager: one runs items one by one, the other
  // through a batch function; every thread uses both.
  wg_grinder_t* g;
  wg_grinder_t* gb;
  if (wg_create(&g, conf.get(), manager.get(), nullptr, 0) != WG_OK || wg_start(g) != WG_OK)
    return false;
  wg_conf_set_batch_fn(const_cast<wg_conf_t*>(conf.get()), batch_work, nullptr);
  if (wg_create(&gb, conf.get(), manager.get(), nullptr, 0) != WG_OK || wg_start(gb) != WG_OK)
    return false;
  wg_conf_set_batch_fn(const_cast<wg_conf_t*>(conf.get()), nullptr, nullptr);
  wg::Grinder cpp(conf, manager);
  cpp.start();

  Ledger ledger;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> refused{0}, cancels{0}, stops{0}, cpp_futures{0}, cpp_wrong{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    uint64_t seed = rng();
    workers.emplace_back([&, seed] {
      std::mt19937_64 r(seed);
      std::vector<std::pair<Entry*, wg_future_t*>> held;
      while (!stop.load()) {
        unsigned op = r() % 100;
        bool batched = r() % 2 == 0;
        wg_grinder_t* target = batched ? gb : g;
        wg_work_fn fn = batched ? nullptr : work;
        Kind kind = static_cast<Kind>(r() % 10 < 7 ? kFast : (r() % 2 ? kSlow : kFail));
        bool deadline = r() % 4 == 0;
        const wg_submit_opts_t* opts = deadline ? &kDeadlineOpts : &kOpts;
        if (op < 35) {  // callback
          Entry* e = ledger.add(kind, deadline);
          Arg* a = new Arg(e);
          int rc = wg_submit_ex(target, fn, a, on_done, e, opts);
          if (rc != WG_OK) {
            delete a;  // refused: nothing was taken over, so the arg is still ours
            refused.fetch_add(1);
            ledger.drop_last_if(e);
          }
        } else if (op < 65) {  // future, maybe cancelled, maybe released unread
          Entry* e = ledger.add(kind, deadline);
          e->is_future = true;
          Arg* a = new Arg(e);
          wg_future_t* f = nullptr;
          if (wg_enqueue(target, fn, a, opts, &f) != WG_OK) {
            delete a;
            refused.fetch_add(1);
            ledger.drop_last_if(e);
            continue;
          }
          if (wg_future_on_ready(f, on_ready, e) != WG_OK) e->wrong.fetch_add(1);
          if (r() % 4 == 0 && wg_future_cancel(f) == WG_OK) cancels.fetch_add(1);
          if (r() % 8 == 0) {
            e->outcomes.fetch_add(1);  // released unread: its outcome goes to dispose
            e->unread = true;
            wg_future_release(f);
          } else {
            held.emplace_back(e, f);
          }
        } else if (op < 75) {  // blocking wait, sometimes with a short timeout
          Entry* e = ledger.add(kind);
          Arg* a = new Arg(e);
          wg_outcome_t o;
          double timeout = r() % 3 == 0 ? 0.001 : 5.0;
          int rc = wg_submit_wait(target, fn, a, &kOpts, timeout, &o);
          if (rc == WG_OK) {
            check_outcome(e, o);
          } else if (rc == WG_ETIMEDOUT) {
            e->outcomes.fetch_add(1);  // cancelled by the timeout; result disposed
          } else {
            delete a;
            refused.fetch_add(1);
            ledger.drop_last_if(e);
          }
        } else if (op < 85) {  // C++ wrapper, throwing work included
          bool throws = r() % 3 == 0;
          uint64_t v = r() % 1000;
          try {
            auto fut = cpp.submit([throws, v]() -> uint64_t {
              if (throws) throw std::runtime_error("stress");
              return v + 1;
            });
            cpp_futures.fetch_add(1);
            try {
              if (fut.get() != v + 1 || throws) cpp_wrong.fetch_add(1);
            } catch (const wg::Error& err) {  // a library outcome
              if (err.status() != WG_ECANCELED && err.status() != WG_ELEASE &&
                  err.status() != WG_ESTOPPING)
                cpp_wrong.fetch_add(1);
            } catch (const std::runtime_error&) {  // the callable's own exception
              if (!throws) cpp_wrong.fetch_add(1);
            }
          } catch (const wg::Error&) {
            // refused while stopped
          }
        } else if (op < 95) {
          wg_stats_t s{};
          s.version = WG_STATS_VERSION;
          wg_stats(target, &s);
        } else {
          for (auto& h : held) {
            wg_outcome_t o;
            if (wg_future_wait(h.second, -1, &o) == WG_OK) check_outcome(h.first, o);
            wg_future_release(h.second);
          }
          held.clear();
        }
      }
      for (auto& h : held) {
        wg_outcome_t o;
        if (wg_future_wait(h.second, -1, &o) == WG_OK) check_outcome(h.first, o);
        wg_future_release(h.second);
      }
    });
  }
  // The controller: stops (drain or cancel) and restarts while the others work.
  // A second one starts both grinders at random moments, racing those stops.
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  std::mt19937_64 cr(rng());
  std::thread starter([&, seed = rng()] {
    std::mt19937_64 sr(seed);
    while (Clock::now() < end && !g_interrupted) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1 + sr() % 30));
      wg_start(sr() % 2 ? g : gb);
    }
  });
  while (Clock::now() < end && !g_interrupted) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + cr() % 80));
    pools.value = static_cast<uint32_t>(cr() % 5);  // 0..4, clamped to 1..3
    if (cr() % 2) wg_manager_notify_scale_changed(manager.get());
    wg_stop(g, static_cast<int>(cr() % 2));
    wg_stop(gb, static_cast<int>(cr() % 2));
    stops.fetch_add(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(cr() % 5));
    wg_start(g);
    wg_start(gb);
  }
  starter.join();
  stop = true;
  for (auto& w : workers) w.join();
  wg_stop(g, static_cast<int>(cr() % 2));
  wg_stop(gb, static_cast<int>(cr() % 2));
  cpp.stop(cr() % 2 == 0);

  wg_stats_t s{}, sb{};
  s.version = sb.version = WG_STATS_VERSION;
  wg_stats(g, &s);
  wg_stats(gb, &sb);
  for (uint64_t wg_stats_t::*field :
       {&wg_stats_t::submitted, &wg_stats_t::completed, &wg_stats_t::failed, &wg_stats_t::cancelled,
        &wg_stats_t::pending, &wg_stats_t::inflight_items, &wg_stats_t::inflight_batches,
        &wg_stats_t::expired})
    s.*field += sb.*field;
  bool ok = true;
  auto fail = [&](const char* what, uint64_t a, uint64_t b) {
    std::fprintf(stderr, "round %llu: %s (%llu vs %llu)\n",
                 static_cast<unsigned long long>(totals->rounds), what,
                 static_cast<unsigned long long>(a), static_cast<unsigned long long>(b));
    ok = false;
  };
  wg_destroy(g);
  wg_destroy(gb);
  if (g_batch_set_errors.load()) fail("wg_batch_set refused an item", g_batch_set_errors.load(), 0);
  wg_manager_stats_t ms{};
  ms.version = WG_MANAGER_STATS_VERSION;
  wg_manager_stats(manager.get(), &ms, nullptr, 0, nullptr);
  if (ms.target_pools < 1 || ms.target_pools > 3)
    fail("pool target out of range", ms.target_pools, 3);
  if (ms.total > 3) fail("more executors than max_pools", ms.total, 3);
  if (ms.started_pools < ms.total + ms.retired + ms.expired)
    fail("executors started < running + retired + expired", ms.started_pools,
         ms.total + ms.retired + ms.expired);
  if (pools.calls.load() == 0) fail("size provider never called", 0, 1);
  // A cancelling stop does not wait for work already running; its args are
  // released when that work returns. Give it time before checking.
  for (int i = 0; i < 2000 && g_live_args.load() != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  uint64_t accepted = ledger.entries.size(), outcomes = 0;
  for (auto& e : ledger.entries) {
    if (e->outcomes.load() != 1)
      fail("an item without exactly one outcome", e->id, e->outcomes.load());
    if (e->ran.load() > 1) fail("work ran twice", e->id, e->ran.load());
    if (e->expired.load() != 0 && e->ran.load() != 0)
      fail("an item that expired ran", e->id, e->ran.load());
    if (e->wrong.load() != 0) fail("wrong outcome", e->id, e->kind);
    if (e->arg_released.load() != 1)
      fail("arg not released exactly once", e->id, e->arg_released.load());
    outcomes += e->outcomes.load();
  }
  if (s.submitted != accepted) fail("submitted != accepted", s.submitted, accepted);
  if (s.submitted != s.completed + s.failed + s.cancelled)
    fail("submitted != completed + failed + cancelled", s.submitted,
         s.completed + s.failed + s.cancelled);
  // Futures released unread may have expired unseen.
  uint64_t expired = 0, unseen = 0;
  for (auto& e : ledger.entries) {
    expired += e->expired.load() != 0;
    unseen += e->unread && e->has_deadline;
  }
  if (s.expired < expired || s.expired > expired + unseen)
    fail("stats expired != items that got WG_ETIMEDOUT", s.expired, expired);
  if (s.pending != 0 || s.inflight_items != 0 || s.inflight_batches != 0)
    fail("work left after stop", s.pending, s.inflight_items);
  if (cpp_wrong.load()) fail("C++ futures with a wrong value or exception", cpp_wrong.load(), 0);
  totals->rounds++;
  totals->accepted += accepted;
  totals->outcomes += outcomes;
  totals->refused += refused.load();
  totals->cancels += cancels.load();
  totals->stops += stops.load();
  totals->cpp_futures += cpp_futures.load();
  totals->pools_started += ms.started_pools;
  totals->pools_retired += ms.retired;
  totals->expired += s.expired;
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 10;
  bool soak = false;
  int threads = 6;
  uint64_t seed = static_cast<uint64_t>(Clock::now().time_since_epoch().count());
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc)
      seconds = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--soak"))
      soak = true;
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc)
      seed = std::strtoull(argv[++i], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: %s [--seconds N] [--soak] [--threads T] [--seed S]\n", argv[0]);
      return 2;
    }
  }
  std::signal(SIGINT, [](int) { g_interrupted = 1; });
  std::printf("stress: seed %llu, %d threads, %s\n", static_cast<unsigned long long>(seed), threads,
              soak ? "soak until interrupted" : "timed");
  std::mt19937_64 rng(seed);
  Totals totals;
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  bool ok = true;
  while (ok && !g_interrupted && (soak || Clock::now() < end))
    ok = run_round(rng, threads, 1.0, &totals);
  uint64_t leaked = g_results_made.load() - g_results_freed.load();
  if (leaked != 0) {
    std::fprintf(stderr, "%llu results never freed\n", static_cast<unsigned long long>(leaked));
    ok = false;
  }
  std::printf(
      "stress: %llu rounds, %llu items accepted, %llu outcomes checked, %llu refused, "
      "%llu cancels, %llu stop/start cycles, %llu results disposed, %llu C++ futures, "
      "%llu expired\n",
      static_cast<unsigned long long>(totals.rounds),
      static_cast<unsigned long long>(totals.accepted),
      static_cast<unsigned long long>(totals.outcomes),
      static_cast<unsigned long long>(totals.refused),
      static_cast<unsigned long long>(totals.cancels),
      static_cast<unsigned long long>(totals.stops),
      static_cast<unsigned long long>(g_disposed.load()),
      static_cast<unsigned long long>(totals.cpp_futures),
      static_cast<unsigned long long>(totals.expired));
  std::printf("stress: adaptive manager started %llu executors, retired %llu by shrinking\n",
              static_cast<unsigned long long>(totals.pools_started),
              static_cast<unsigned long long>(totals.pools_retired));
  std::printf("%s\n", ok ? "stress: nothing lost" : "stress: FAILED");
  return ok ? 0 : 1;
}
