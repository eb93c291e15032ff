// Demo: N producer threads submit M small jobs each through callbacks; shows
// a live progress line, then throughput, batch sizes, latency and counters.
//
//   workgrinder_demo [--producers N] [--jobs M] [--threshold T] [--max-wait S]
//                    [--workers W] [--inflight B] [--postgres CONNINFO|SOCKET_DIR]
//                    [--metrics-port P [--scrapes K]]  (serves /metrics; waits for K scrapes)
//
// With --postgres every job is a row written to PostgreSQL by a batch handler
// (one COPY per batch), and the rows are counted at the end
// (scripts/demo.sh --postgres starts a throwaway server for it).
#include <workgrinder/workgrinder.h>

#include "metrics_http.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#ifdef WG_DEMO_POSTGRES
#include "postgres_sink.hpp"
#endif

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int producers = 4;
  long jobs = 250000;  // per producer
  std::string threshold = "256";
  std::string max_wait = "0.001";
  std::string workers = "2";
  std::string inflight = "2";
  std::string postgres;   // empty: in-memory jobs
  int metrics_port = -1;  // -1: no /metrics endpoint
  long scrapes = 0;
};

struct Job {
  Clock::time_point submitted;
  double latency_us;
};

std::vector<Job> jobs;
std::atomic<long> wrong{0};

int work(void* arg, void** result) {
  *result = static_cast<char*>(arg) + 1;  // "return arg + 1"
  return 0;
}

// Runs on the loop thread.
void done(const wg_outcome_t* o, void* opaque) {
  Job* j = static_cast<Job*>(opaque);
  j->latency_us = std::chrono::duration<double, std::micro>(Clock::now() - j->submitted).count();
  if (o->status != WG_OK || o->result != reinterpret_cast<char*>(j) + 1) wrong.fetch_add(1);
}

#ifdef WG_DEMO_POSTGRES
constexpr bool kHavePostgres = true;
#else
constexpr bool kHavePostgres = false;  // built without libpq
#endif

bool parse(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return false;
    std::string v = argv[++i];
    if (a == "--producers")
      o->producers = std::atoi(v.c_str());
    else if (a == "--jobs")
      o->jobs = std::atol(v.c_str());
    else if (a == "--threshold")
      o->threshold = v;
    else if (a == "--max-wait")
      o->max_wait = v;
    else if (a == "--workers")
      o->workers = v;
    else if (a == "--inflight")
      o->inflight = v;
    else if (a == "--postgres")
      o->postgres = v;
    else if (a == "--metrics-port")
      o->metrics_port = std::atoi(v.c_str());
    else if (a == "--scrapes")
      o->scrapes = std::atol(v.c_str());
    else
      return false;
  }
  return o->producers > 0 && o->jobs > 0 && (o->postgres.empty() || kHavePostgres);
}

double percentile(std::vector<double>& v, double p) {
  size_t k = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!parse(argc, argv, &opt)) {
    std::fprintf(stderr,
                 "usage: %s [--producers N] [--jobs M] [--threshold T] [--max-wait S] "
                 "[--workers W] [--inflight B] [--postgres CONNINFO|SOCKET_DIR] "
                 "[--metrics-port P [--scrapes K]]%s\n",
                 argv[0], kHavePostgres ? "" : " (--postgres: not built, libpq missing)");
    return 2;
  }
  char err[256];
  wg_conf_t* conf = wg_conf_new();
  const std::pair<const char*, std::string> keys[] = {{"batch_size_threshold", opt.threshold},
                                                      {"max_wait_seconds", opt.max_wait},
                                                      {"workers_per_pool", opt.workers},
                                                      {"max_inflight_batches", opt.inflight},
                                                      {"max_pools", opt.inflight},
                                                      {"min_pools", opt.inflight}};
  for (auto& k : keys) {
    if (wg_conf_set(conf, k.first, k.second.c_str(), err, sizeof err) != WG_OK) {
      std::fprintf(stderr, "%s\n", err);
      return 2;
    }
  }
  long total = opt.producers * opt.jobs;
  jobs.resize(static_cast<size_t>(total));
  wg_work_fn fn = work;
#ifdef WG_DEMO_POSTGRES
  if (!opt.postgres.empty()) {
    std::string error;
    if (!demo::postgres_prepare(opt.postgres, &error)) {
      std::fprintf(stderr, "%s", error.c_str());
      return 1;
    }
    if (demo::postgres_configure(conf, jobs.data(), sizeof(Job)) != WG_OK) return 2;
    fn = nullptr;  // the batch handler writes the rows
  }
#endif
  wg_grinder_t* g;
  if (wg_create(&g, conf, nullptr, err, sizeof err) != WG_OK) {
    std::fprintf(stderr, "%s\n", err);
    return 2;
  }
  wg_conf_destroy(conf);
  if (wg_start(g) != WG_OK) return 1;
  std::string http_err;
  std::unique_ptr<MetricsHttp> http;
  if (opt.metrics_port >= 0 && !(http = MetricsHttp::start(g, opt.metrics_port, &http_err))) {
    std::fprintf(stderr, "%s\n", http_err.c_str());
    return 2;
  }
  if (http) std::printf("metrics: http://127.0.0.1:%d/metrics\n", http->port());

  std::printf(
      "libworkgrinder %s demo: %d producers x %ld jobs, batch_size_threshold %s, "
      "max_wait_seconds %s%s\n",
      wg_version_string(), opt.producers, opt.jobs, opt.threshold.c_str(), opt.max_wait.c_str(),
      opt.postgres.empty() ? "" : ", each job a row in PostgreSQL (one COPY per batch)");
  auto t0 = Clock::now();
  std::vector<std::thread> producers;
  std::atomic<long> refused{0};
  for (int p = 0; p < opt.producers; ++p)
    producers.emplace_back([&, p] {
      for (long i = 0; i < opt.jobs; ++i) {
        Job* j = &jobs[static_cast<size_t>(p * opt.jobs + i)];
        j->submitted = Clock::now();
        if (wg_submit(g, fn, j, done, j) != WG_OK) refused.fetch_add(1);
      }
    });

  wg_stats_t s{};
  s.version = WG_STATS_VERSION;
  for (;;) {
    wg_stats(g, &s);
    double el = std::chrono::duration<double>(Clock::now() - t0).count();
    double p50 = 0, p99 = 0;  // end to end, from the grinder's histogram
    end_to_end_percentiles_us(g, &p50, &p99);
    std::printf(
        "\r  %5.1f s  submitted %9llu  completed %9llu  pending %7llu  batches %7llu  %6.2f M "
        "items/s  e2e p50 %.0f us p99 %.0f us ",
        el, static_cast<unsigned long long>(s.submitted),
        static_cast<unsigned long long>(s.completed), static_cast<unsigned long long>(s.pending),
        static_cast<unsigned long long>(s.batches), static_cast<double>(s.completed) / el / 1e6,
        p50, p99);
    std::fflush(stdout);
    if (static_cast<long>(s.completed + s.failed + s.cancelled) + refused.load() >= total) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // display refresh, not a wait
  }
  for (auto& t : producers) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  wg_stop(g, 0);
  wg_stats(g, &s);
  std::printf("\n\n");

  std::vector<double> lat;
  lat.reserve(jobs.size());
  for (auto& j : jobs) lat.push_back(j.latency_us);
  std::printf("  %-26s %14.0f items/s\n", "throughput", static_cast<double>(s.completed) / seconds);
  std::printf("  %-26s %14.1f items\n", "mean batch size",
              s.batches
                  ? static_cast<double>(s.completed + s.failed) / static_cast<double>(s.batches)
                  : 0.0);
  std::printf("  %-26s %14.1f us\n", "latency p50 (submit->done)", percentile(lat, 0.50));
  std::printf("  %-26s %14.1f us\n", "latency p99 (submit->done)", percentile(lat, 0.99));
  std::printf("  %-26s %14llu\n", "submitted", static_cast<unsigned long long>(s.submitted));
  std::printf("  %-26s %14llu\n", "completed", static_cast<unsigned long long>(s.completed));
  std::printf("  %-26s %14llu\n", "failed", static_cast<unsigned long long>(s.failed));
  std::printf("  %-26s %14llu\n", "cancelled", static_cast<unsigned long long>(s.cancelled));
  std::printf("  %-26s %14llu\n", "rejected", static_cast<unsigned long long>(s.rejected));
  std::printf("  %-26s %14llu\n", "batches", static_cast<unsigned long long>(s.batches));
  std::printf("  %-26s %14ld\n", "wrong results", wrong.load());
  if (http) http->wait_scrapes(static_cast<uint64_t>(opt.scrapes));
  http.reset();
  wg_destroy(g);
  bool rows_ok = true;
#ifdef WG_DEMO_POSTGRES
  if (!opt.postgres.empty()) {
    int64_t rows = -1, distinct = -1;
    std::string error;
    if (!demo::postgres_count(&rows, &distinct, &error)) std::fprintf(stderr, "%s", error.c_str());
    std::printf("  %-26s %14lld (distinct %lld)\n", "rows in demo_jobs",
                static_cast<long long>(rows), static_cast<long long>(distinct));
    rows_ok = rows == total && distinct == total;
  }
#endif
  return (wrong.load() == 0 && static_cast<long>(s.completed) == total && rows_ok) ? 0 : 1;
}
