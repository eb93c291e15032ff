// The benchmark's database section: for SQLite and for PostgreSQL, the same
// events through per-item jobs, the batch handler and the hand-written single
// writer, interleaved over a few rounds in this one process; rows/s as
// medians, and the batch handler's ratio to the other two. Every run starts
// from an empty table and ends by checking it: every event committed exactly
// once, every outcome WG_OK.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "db_writers.hpp"

namespace bench {

namespace {

struct DbResult {
  double rows_per_s = 0;
  double p50_us = 0, p99_us = 0;  // event submitted -> its outcome
  size_t wrong = 0;               // failed or missing outcomes, or rows not as sent
  double rows_per_txn = 0;
};

DbResult run_once(DbTarget& db, const DbWriterSpec& spec, unsigned producers, size_t per_producer) {
  size_t total = producers * per_producer;
  DbResult r;
  r.wrong = total;
  if (!db.reset()) return r;
  std::vector<Event> events(total);
  for (size_t i = 0; i < total; ++i) {
    events[i].producer = static_cast<int>(i / per_producer);
    events[i].seq = static_cast<int>(i % per_producer);
  }
  std::unique_ptr<DbWriter> writer = spec.make(db);
  if (!writer) return r;
  uint64_t t0 = now_ns();
  std::vector<std::thread> threads;
  for (unsigned p = 0; p < producers; ++p)
    threads.emplace_back([&, p] {
      for (size_t s = 0; s < per_producer; ++s) {
        Event& e = events[p * per_producer + s];
        e.item.submit_ns = now_ns();
        writer->submit(&e);
      }
    });
  for (std::thread& t : threads) t.join();
  for (Event& e : events) e.item.wait();
  double seconds = static_cast<double>(now_ns() - t0) / 1e9;
  writer->finish();
  r.rows_per_txn = static_cast<double>(total) / static_cast<double>(writer->transactions());

  r.wrong = 0;
  std::vector<uint64_t> latency;
  latency.reserve(total);
  for (Event& e : events) {
    latency.push_back(e.item.latency_ns);
    if (e.item.value != e.item.expected()) ++r.wrong;
  }
  std::sort(latency.begin(), latency.end());
  r.rows_per_s = static_cast<double>(total) / seconds;
  r.p50_us = percentile_us(latency, 0.5);
  r.p99_us = percentile_us(latency, 0.99);
  int64_t rows = -1, distinct = -1;
  db.count(&rows, &distinct);
  if (rows != static_cast<int64_t>(total) || distinct != static_cast<int64_t>(total)) {
    std::fprintf(stderr, "  %s: %lld rows, %lld distinct, expected %zu\n", spec.name.c_str(),
                 static_cast<long long>(rows), static_cast<long long>(distinct), total);
    r.wrong += total;
  }
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Returns false if any run went wrong. extra: more batch-handler rows.
bool run_target(DbTarget& db, unsigned producers, size_t per_producer, size_t per_item_per_producer,
                int rounds, const std::vector<DbWriterSpec>& extra) {
  const size_t max_rows = 500;
  std::vector<DbWriterSpec> specs = {per_item_writer(max_rows), batch_handler_writer(max_rows),
                                     single_writer_baseline(max_rows)};
  std::vector<size_t> counts = {per_item_per_producer, per_producer, per_producer};
  for (const DbWriterSpec& spec : extra) {
    specs.push_back(spec);
    counts.push_back(per_producer);
  }
  const size_t n = specs.size();
  std::printf(
      "%s: %u producers, one writing thread and connection per path unless said, medians of %d "
      "rounds\n",
      db.name().c_str(), producers, rounds);
  std::vector<std::vector<double>> rate(n), vs_hand_written(n);
  std::vector<double> vs_per_item;
  std::vector<DbResult> last(n);
  size_t wrong = 0;
  for (int round = 0; round < rounds; ++round) {
    // The batch handler and the hand-written writer take turns going first.
    std::vector<size_t> order = {0, 1, 2};
    if (round % 2) std::swap(order[1], order[2]);
    for (size_t i = 3; i < n; ++i) order.push_back(i);
    for (size_t i : order) {
      last[i] = run_once(db, specs[i], producers, counts[i]);
      rate[i].push_back(last[i].rows_per_s);
      wrong += last[i].wrong;
    }
    for (size_t i = 0; i < n; ++i) vs_hand_written[i].push_back(rate[i].back() / rate[2].back());
    vs_per_item.push_back(rate[1].back() / rate[0].back());
  }
  for (size_t i = 0; i < n; ++i) {
    std::printf("  %-57s %7zu rows %9.0f rows/s  %6.1f rows/txn  p50 %9.1f us  p99 %10.1f us",
                specs[i].name.c_str(), producers * counts[i], median(rate[i]), last[i].rows_per_txn,
                last[i].p50_us, last[i].p99_us);
    if (last[i].wrong) std::printf("  (%zu WRONG)", last[i].wrong);
    std::printf("\n");
  }
  // Medians of each round's ratio: the rounds share the machine's moods.
  auto range = [](const std::vector<double>& v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f-%.2fx", *std::min_element(v.begin(), v.end()),
                  *std::max_element(v.begin(), v.end()));
    return std::string(buf);
  };
  std::printf("  medians of in-round ratios (and their range over the rounds):\n");
  std::printf("  batch handler / hand-written writer: %.2fx (%s)\n", median(vs_hand_written[1]),
              range(vs_hand_written[1]).c_str());
  std::printf("  batch handler / per-item jobs:       %.2fx (%s)\n", median(vs_per_item),
              range(vs_per_item).c_str());
  for (size_t i = 3; i < n; ++i)
    std::printf("  %s / hand-written writer: %.2fx (%s)\n", specs[i].name.c_str(),
                median(vs_hand_written[i]), range(vs_hand_written[i]).c_str());
  if (wrong) std::printf("  %zu WRONG outcomes or rows over all rounds\n", wrong);
  return wrong == 0;
}

}  // namespace

bool run_databases(bool short_mode) {
  const unsigned producers = 8;
  const int rounds = short_mode ? 1 : 5;
  char dir_template[] = "/tmp/wg-bench-sqlite.XXXXXX";
  if (!mkdtemp(dir_template)) {
    std::perror("mkdtemp");
    return false;
  }
  bool ok;
  {
    std::unique_ptr<DbTarget> sqlite = sqlite_target(std::string(dir_template) + "/events.db");
    // Per-item jobs: fewer rows, the same rate (each row its own commit).
    ok = run_target(*sqlite, producers, short_mode ? 2500 : 50000, short_mode ? 2500 : 12500,
                    rounds, {batch_handler_writer(500, 1, 2)});
  }
  rmdir(dir_template);
  std::unique_ptr<DbTarget> postgres = postgres_target("");
  if (!postgres->reset()) {
    std::printf(
        "PostgreSQL: FAILED: no server at PGHOST=%s (run through scripts/bench.sh, which starts "
        "one, or scripts/pg_server.sh run workgrinder_bench ...)\n",
        std::getenv("PGHOST") ? std::getenv("PGHOST") : "(unset)");
    return false;
  }
  // Per-item jobs commit each row, and each PostgreSQL commit waits for a
  // WAL flush (milliseconds on a VM's disk): fewer rows for them.
  // PostgreSQL takes concurrent writers: also two.
  ok = run_target(*postgres, producers, short_mode ? 2500 : 50000, short_mode ? 25 : 250, rounds,
                  {batch_handler_writer(500, 1, 2), batch_handler_writer(500, 2, 2)}) &&
       ok;
  return ok;
}

}  // namespace bench
