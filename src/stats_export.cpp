#include "stats_export.hpp"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>

namespace wg {

namespace {

void append(std::string& out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void append(std::string& out, const char* fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) out.append(buf, static_cast<size_t>(n) < sizeof buf ? n : sizeof buf - 1);
}

const double kQuantiles[] = {0.5, 0.9, 0.99, 0.999};
const char* const kQuantileNames[] = {"p50", "p90", "p99", "p999"};

void json_histogram(std::string& out, const char* name, const Histogram::Snapshot& h) {
  append(out,
         "\"%s\":{\"count\":%" PRIu64 ",\"sum\":%" PRIu64 ",\"min\":%" PRIu64 ",\"max\":%" PRIu64,
         name, h.count, h.sum, h.min, h.max);
  for (size_t q = 0; q < 4; ++q)
    append(out, ",\"%s\":%" PRIu64, kQuantileNames[q], h.percentile(kQuantiles[q]));
  out += ",\"buckets\":[";
  bool first = true;
  for (size_t i = 0; i < h.buckets.size(); ++i) {
    if (h.buckets[i] == 0) continue;
    append(out, "%s[%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]", first ? "" : ",", Histogram::lowest(i),
           Histogram::highest(i), h.buckets[i]);
    first = false;
  }
  out += "]}";
}

// One metric family's header.
void prom_header(std::string& out, const std::string& name, const char* type, const char* help) {
  append(out, "# HELP %s %s\n# TYPE %s %s\n", name.c_str(), help, name.c_str(), type);
}

void prom_value(std::string& out, const std::string& prefix, const char* name, const char* type,
                const char* help, double v) {
  std::string full = prefix + "_" + name;
  prom_header(out, full, type, help);
  append(out, "%s %.17g\n", full.c_str(), v);
}

// An integer count of ns (seconds: true) as an exact decimal number of
// seconds, else as an integer.
std::string number(uint64_t v, bool seconds) {
  char buf[48];
  if (!seconds) {
    std::snprintf(buf, sizeof buf, "%" PRIu64, v);
    return buf;
  }
  int n = std::snprintf(buf, sizeof buf, "%" PRIu64 ".%09" PRIu64, v / 1000000000, v % 1000000000);
  while (n > 0 && buf[n - 1] == '0') --n;
  if (n > 0 && buf[n - 1] == '.') --n;
  return std::string(buf, static_cast<size_t>(n));
}

// Cumulative buckets at the power-of-two bounds 2^k - 1 of the recorded unit
// (exact: they are bucket edges); ns shown as seconds.
void prom_histogram(std::string& out, const std::string& prefix, const char* name, const char* help,
                    const Histogram::Snapshot& h, bool ns) {
  std::string full = prefix + "_" + name;
  prom_header(out, full, "histogram", help);
  for (unsigned k = 0; k <= Histogram::kMaxBits; ++k) {
    uint64_t bound = (uint64_t{1} << k) - 1;
    append(out, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", full.c_str(), number(bound, ns).c_str(),
           h.count_up_to(Histogram::index_of(bound)));
  }
  append(out, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", full.c_str(), h.count);
  append(out, "%s_sum %s\n%s_count %" PRIu64 "\n", full.c_str(), number(h.sum, ns).c_str(),
         full.c_str(), h.count);
}

}  // namespace

bool metric_prefix_valid(const std::string& prefix) {
  if (prefix.empty()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = prefix[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string stats_to_json(const StatsSnapshot& s) {
  const wg_stats_t& t = s.stats;
  const wg_manager_stats_t& m = s.manager;
  std::string out;
  out.reserve(4096);
  append(out, "{\"stats\":{\"started\":%s,\"stopping\":%s", t.started ? "true" : "false",
         t.stopping ? "true" : "false");
  append(out, ",\"pending\":%" PRIu64 ",\"batch_size_threshold\":%" PRIu64, t.pending,
         t.batch_size_threshold);
  append(out, ",\"max_wait_seconds\":%.17g,\"lease_seconds\":%.17g,\"oldest_wait_seconds\":%.17g",
         t.max_wait_seconds, t.lease_seconds, t.oldest_wait_seconds);
  append(out,
         ",\"submitted\":%" PRIu64 ",\"completed\":%" PRIu64 ",\"failed\":%" PRIu64
         ",\"cancelled\":%" PRIu64 ",\"rejected\":%" PRIu64,
         t.submitted, t.completed, t.failed, t.cancelled, t.rejected);
  append(out,
         ",\"batches\":%" PRIu64 ",\"inflight_items\":%" PRIu64 ",\"inflight_batches\":%" PRIu64
         ",\"expired\":%" PRIu64 ",\"admission_waits\":%" PRIu64 "}",
         t.batches, t.inflight_items, t.inflight_batches, t.expired, t.admission_waits);
  append(out, ",\"manager\":{\"started\":%s,\"available\":%" PRIu64 ",\"leased\":%" PRIu64,
         m.started ? "true" : "false", m.available, m.leased);
  append(out,
         ",\"draining\":%" PRIu64 ",\"total\":%" PRIu64 ",\"waiters\":%" PRIu64
         ",\"expired\":%" PRIu64 ",\"target_pools\":%" PRIu64 ",\"retired\":%" PRIu64
         ",\"started_pools\":%" PRIu64 "}",
         m.draining, m.total, m.waiters, m.expired, m.target_pools, m.retired, m.started_pools);
  out += ",\"histograms\":{";
  json_histogram(out, "batch_size", s.batch_size);
  out += ",";
  json_histogram(out, "queue_wait_ns", s.queue_wait_ns);
  out += ",";
  json_histogram(out, "run_ns", s.run_ns);
  out += ",";
  json_histogram(out, "end_to_end_ns", s.end_to_end_ns);
  out += "}}";
  return out;
}

std::string stats_to_prometheus(const StatsSnapshot& s, const std::string& p) {
  const wg_stats_t& t = s.stats;
  const wg_manager_stats_t& m = s.manager;
  std::string out;
  out.reserve(16384);
  auto d = [](uint64_t v) { return static_cast<double>(v); };
  prom_value(out, p, "started", "gauge", "1 while the grinder runs", t.started);
  prom_value(out, p, "items_submitted_total", "counter", "Items accepted.", d(t.submitted));
  prom_value(out, p, "items_completed_total", "counter", "Items that ended WG_OK.", d(t.completed));
  prom_value(out, p, "items_failed_total", "counter", "Items that ended with another error.",
             d(t.failed));
  prom_value(out, p, "items_cancelled_total", "counter", "Items cancelled.", d(t.cancelled));
  prom_value(out, p, "submissions_rejected_total", "counter", "Submission calls refused.",
             d(t.rejected));
  prom_value(out, p, "items_expired_total", "counter",
             "Items ended WG_ETIMEDOUT by their deadline (also counted as failed).", d(t.expired));
  prom_value(out, p, "admission_waits_total", "counter",
             "Submissions that waited for room under max_pending.", d(t.admission_waits));
  prom_value(out, p, "batches_total", "counter", "Batches dispatched.", d(t.batches));
  prom_value(out, p, "items_pending", "gauge", "Items waiting for a batch.", d(t.pending));
  prom_value(out, p, "items_inflight", "gauge", "Items dispatched, outcome not yet delivered.",
             d(t.inflight_items));
  prom_value(out, p, "batches_inflight", "gauge", "Batches dispatched and not finished.",
             d(t.inflight_batches));
  prom_value(out, p, "oldest_wait_seconds", "gauge", "Age of the oldest pending item.",
             t.oldest_wait_seconds);
  prom_value(out, p, "manager_executors_available", "gauge", "Executors ready to lease.",
             d(m.available));
  prom_value(out, p, "manager_executors_leased", "gauge", "Executors under a live lease.",
             d(m.leased));
  prom_value(out, p, "manager_executors_draining", "gauge", "Released executors still working.",
             d(m.draining));
  prom_value(out, p, "manager_lease_waiters", "gauge", "Lease requests queued.", d(m.waiters));
  prom_value(out, p, "manager_leases_expired_total", "counter", "Leases revoked at hard expiry.",
             d(m.expired));
  prom_value(out, p, "manager_target_pools", "gauge",
             "Executors wanted: the size provider's answer, or max_pools.", d(m.target_pools));
  prom_value(out, p, "manager_pools_retired_total", "counter",
             "Executors retired because the pool shrank.", d(m.retired));
  prom_value(out, p, "manager_pools_started_total", "counter", "Executors started.",
             d(m.started_pools));
  prom_histogram(out, p, "batch_size_items", "Items per dispatched batch.", s.batch_size, false);
  prom_histogram(out, p, "queue_wait_seconds", "Submission to dispatch, per item.", s.queue_wait_ns,
                 true);
  prom_histogram(out, p, "run_seconds", "Work start to return, per item that ran.", s.run_ns, true);
  prom_histogram(out, p, "end_to_end_seconds",
                 "Submission to outcome delivery, per completed or failed item.", s.end_to_end_ns,
                 true);
  return out;
}

}  // namespace wg
