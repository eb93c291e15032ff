// workgrinder_bench: issue 4's benchmark suite. Every scenario runs
// libworkgrinder and the baselines in this one process and prints the ratio
// of ours to each.
//
//   workgrinder_bench [--short] [--out DIR] [--only SECTION]
//
// --short: small counts, for CI (keeps the benchmark from rotting; its numbers
// are noisy). --out: where the plot data and PNGs go (default: bench-results).
// --only: one of memory, throughput (with waiters and producers), waiters,
// producers, flood, headline, low-load, flush, sweep, databases (for profiling one scenario; no
// plots).
//
// The databases section (built when SQLite and libpq are found) needs a
// PostgreSQL server named by PGHOST etc.: scripts/bench.sh starts one, as
// does scripts/pg_server.sh run. Without one it fails.
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "report.hpp"
#ifdef WG_BENCH_DATABASES
#include "db_writers.hpp"
#endif

using namespace bench;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Suite {
  bool short_mode = false;
  size_t n = 2000000;
  std::vector<BackendSpec> baselines;  // mutex, uv, asio, spsc
  int rounds = 3;                      // interleaved rounds of the ratio scenarios
  GrinderSetup setup;

  std::vector<Result> run_baselines(unsigned producers, size_t count, Mode mode) {
    std::vector<Result> out;
    for (const BackendSpec& b : baselines) {
      if (!b.multi_producer && (producers != 1 || mode != Mode::kCallback)) continue;
      out.push_back(run_throughput(b, producers, count, mode));
    }
    return out;
  }

  void throughput() {
    print_header("1. Throughput, tiny jobs (return arg + 1); " + std::to_string(n) +
                 " items per run");
    Result spsc = run_throughput(baselines.back(), 1, n, Mode::kCallback);
    for (unsigned p : {1u, 2u, 8u}) {
      std::vector<Result> b = run_baselines(p, n, Mode::kCallback);
      if (p != 1) b.push_back(spsc);  // the limit, measured with its one producer
      print_group("callback API, " + std::to_string(p) + " producer(s):",
                  run_throughput(grinder_backend(setup), p, n, Mode::kCallback), b);
    }
    waiters();
    producers();
  }

  // R interleaved rounds of ours and every multi-producer baseline.
  template <typename Run>
  void rounds_of(const std::string& title, const GrinderSetup& s, const std::string& name,
                 Run run) {
    std::vector<std::vector<Result>> all;
    for (int r = 0; r < rounds; ++r) {
      std::vector<Result> round{run(grinder_backend(s, name))};
      for (const BackendSpec& b : baselines)
        if (b.multi_producer) round.push_back(run(b));
      all.push_back(std::move(round));
    }
    print_rounds(title, all);
  }

  // Callers that wait: futures with 64 in flight per producer, and
  // wg_submit_wait. Threshold 1 lets batches form by themselves while
  // max_inflight_batches are busy (a waiting caller holds few items).
  void waiters() {
    GrinderSetup s = setup;
    s.threshold = 1;
    for (unsigned p : {1u, 2u, 8u})
      rounds_of("futures (wg_enqueue, 64 in flight per producer, threshold 1), " +
                    std::to_string(p) + " producer(s)",
                s, "libworkgrinder",
                [&](const BackendSpec& b) { return run_throughput(b, p, n / 2, Mode::kFutures); });
    for (unsigned p : {8u, 64u})
      rounds_of("wg_submit_wait from " + std::to_string(p) + " threads (threshold 1)", s,
                "libworkgrinder",
                [&](const BackendSpec& b) { return run_throughput(b, p, n / 10, Mode::kWait); });
  }

  // Flat from 2 to 64 producers: a flood with max_pending 65,536, producers
  // waiting for room (admit_timeout_seconds -1) instead of spinning on WG_EFULL.
  void producers() {
    GrinderSetup s = setup;
    s.max_pending = 65536;
    std::printf(
        "callback API, producers 2 -> 64 (ours; max_pending 65536, waiting admission), %d "
        "interleaved round(s):\n",
        rounds);
    const std::vector<unsigned> counts = {2, 4, 16, 64};
    std::vector<std::vector<double>> rate(counts.size());
    std::vector<double> flat;
    for (int r = 0; r < rounds; ++r) {
      for (size_t i = 0; i < counts.size(); ++i)
        rate[i].push_back(
            run_throughput(grinder_backend(s), counts[i], n, Mode::kCallback).items_per_s);
      flat.push_back(rate.back().back() / rate.front().back());
    }
    for (size_t i = 0; i < counts.size(); ++i)
      std::printf("  %2u producers: %.2f M items/s (median)\n", counts[i], median(rate[i]) / 1e6);
    std::printf("  64 producers / 2 producers: %s\n", spread(flat).c_str());
  }

  // A flood with the library's defaults (threshold 64, max_wait 2 ms,
  // max_batch_size 1024) and max_pending 65,536 with waiting admission: the
  // latency a caller sees while the workers are saturated.
  void flood() {
    print_header(
        "Flood latency: callback API, 2 producers; ours with the defaults and max_pending 65536 "
        "(waiting admission)");
    GrinderSetup s;
    s.threshold = 64;
    s.max_wait_seconds = 0.002;
    s.max_pending = 65536;
    rounds_of("flood", s, "libworkgrinder",
              [&](const BackendSpec& b) { return run_throughput(b, 2, n, Mode::kCallback); });
  }

  // The targets' ratios, as medians over `rounds` interleaved rounds.
  void headline(int rounds) {
    print_header("Headline: callback API, 2 producers, medians of " + std::to_string(rounds) +
                 " interleaved rounds");
    std::vector<double> ours_rate, histograms_on_off;
    std::vector<std::vector<double>> ratio(baselines.size());
    GrinderSetup no_histograms = setup;
    no_histograms.histograms = false;
    for (int r = 0; r < rounds; ++r) {
      Result ours = run_throughput(grinder_backend(setup), 2, n, Mode::kCallback);
      ours_rate.push_back(ours.items_per_s);
      for (size_t i = 0; i < baselines.size(); ++i) {
        unsigned p = baselines[i].multi_producer ? 2 : 1;
        ratio[i].push_back(ours.items_per_s /
                           run_throughput(baselines[i], p, n, Mode::kCallback).items_per_s);
      }
      // The histograms' cost (issue 14): the same grinder with `histograms` 0.
      histograms_on_off.push_back(
          ours.items_per_s /
          run_throughput(grinder_backend(no_histograms), 2, n, Mode::kCallback).items_per_s);
    }
    std::printf("  libworkgrinder: %.2f M items/s (median)\n", median(ours_rate) / 1e6);
    for (size_t i = 0; i < baselines.size(); ++i)
      std::printf("  ours / %-36s %s\n", baselines[i].name.c_str(), spread(ratio[i]).c_str());
    std::printf("  ours / %-36s %s\n", "ours with histograms 0", spread(histograms_on_off).c_str());
  }

  // Returns the idle-gap results (plotted).
  std::vector<Result> low_load() {
    size_t samples = short_mode ? 2000 : 20000;
    print_header("2. Low load: one job at a time, submit -> completion callback; " +
                 std::to_string(samples) + " jobs");
    GrinderSetup s = setup;
    s.threshold = 1;
    std::vector<Result> idle;
    for (unsigned gap : {100u, 0u}) {
      std::vector<Result> all;
      all.push_back(run_low_load(grinder_backend(s, "libworkgrinder (threshold 1)"), samples, gap));
      for (const BackendSpec& b : baselines) all.push_back(run_low_load(b, samples, gap));
      std::printf(
          gap ? "a 100 us pause after each completion (every job finds the threads idle):\n"
              : "back to back (the next job is submitted as soon as the last completes):\n");
      print_latency_group(all);
      if (gap) idle = all;
    }
    rounds_of("back to back, one waiting caller (ours: wg_submit_wait, threshold 1)", s,
              "libworkgrinder (threshold 1)",
              [&](const BackendSpec& b) { return run_low_load(b, samples, 0, Mode::kWait); });
    return idle;
  }

  void flush() {
    print_header("3. Flush accuracy: threshold never reached, max_wait_seconds 1 ms");
    print_flush(run_flush_accuracy(0.001, short_mode ? 50 : 300), 0.001);
  }

  std::vector<SweepPoint> sweep() {
    print_header("4. Batch-size sweep: callback API, 2 producers, " + std::to_string(n) + " items");
    std::vector<SweepPoint> points;
    // Paced runs first: right after a flood, the kernel is still reclaiming
    // the hundreds of MiB it freed, and that shows up as millisecond stalls.
    size_t paced_n = short_mode ? 100000 : 500000;
    std::vector<std::pair<unsigned, unsigned>> settings = {{1, 2},    {8, 2},   {64, 2}, {512, 2},
                                                           {4096, 2}, {256, 1}, {256, 4}};
    for (auto [threshold, inflight] : settings) {
      GrinderSetup s = setup;
      s.threshold = threshold;
      s.max_inflight = inflight;
      points.push_back(
          {threshold, inflight, Result{}, run_paced(grinder_backend(s), 2, paced_n, 1e6)});
    }
    for (SweepPoint& p : points) {
      GrinderSetup s = setup;
      s.threshold = p.threshold;
      s.max_inflight = p.max_inflight;
      p.result = run_throughput(grinder_backend(s), 2, n, Mode::kCallback);
    }
    print_sweep(points);
    return points;
  }

  void memory() {
    print_header("5. Memory");
    print_memory(run_memory(short_mode ? 100000 : 1000000, short_mode ? 1000000 : 10000000));
  }
};

bool run_database_section(bool short_mode) {
  print_header("6. Databases: per-item jobs, the batch handler, a hand-written single writer");
#ifdef WG_BENCH_DATABASES
  return run_databases(short_mode);
#else
  (void)short_mode;
  std::printf("FAILED: built without SQLite3 or libpq (libsqlite3-dev, libpq-dev)\n");
  return false;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  Suite suite;
  std::string out = "bench-results";
  std::string only;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--short") == 0) {
      suite.short_mode = true;
    } else if (std::strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
      out = argv[++i];
    } else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
      only = argv[++i];
    } else {
      std::fprintf(stderr, "usage: workgrinder_bench [--short] [--out DIR] [--only SECTION]\n");
      return 2;
    }
  }
  // libuv sizes its pool from this at first use: two workers, like the others.
  setenv("UV_THREADPOOL_SIZE", "2", 1);
  if (suite.short_mode) {
    suite.n = 200000;
    suite.rounds = 1;
  }
  const unsigned workers = 2;
  suite.baselines = {mutex_batcher_backend(workers), uv_queue_work_backend(), asio_backend(workers),
                     spsc_backend()};
  std::printf("workgrinder_bench%s: %u hardware threads; every backend has %u worker threads\n",
              suite.short_mode ? " --short" : "", std::thread::hardware_concurrency(), workers);
  if (!only.empty()) {
    if (only == "memory")
      suite.memory();
    else if (only == "throughput")
      suite.throughput();
    else if (only == "waiters")
      suite.waiters();
    else if (only == "producers")
      suite.producers();
    else if (only == "flood")
      suite.flood();
    else if (only == "headline")
      suite.headline(suite.short_mode ? 1 : 5);
    else if (only == "low-load")
      suite.low_load();
    else if (only == "flush")
      suite.flush();
    else if (only == "sweep")
      suite.sweep();
    else if (only == "databases")
      return run_database_section(suite.short_mode) ? 0 : 1;
    else
      return 2;
    return 0;
  }
  // Memory first: its RSS figures need a process that has not grown yet. The
  // sweep next: its paced half measures stalls of a few hundred microseconds,
  // which the kernel's reclaim of the floods' memory would drown.
  suite.memory();
  std::vector<SweepPoint> sweep = suite.sweep();
  suite.throughput();
  suite.headline(suite.short_mode ? 1 : 5);
  suite.flood();
  std::vector<Result> low = suite.low_load();
  suite.flush();
  mkdir(out.c_str(), 0755);
  if (write_plots(out, sweep, low))
    std::printf("\nplots: %s/throughput_vs_threshold.png, %s/latency_distribution.png\n",
                out.c_str(), out.c_str());
  else
    std::printf("\nplots: gnuplot missing or failed; data in %s/*.dat\n", out.c_str());
  return run_database_section(suite.short_mode) ? 0 : 1;
}
