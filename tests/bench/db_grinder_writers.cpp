// libworkgrinder writing to a database, two ways: per-item jobs (each job one
// autocommitted INSERT) and the batch handler (one transaction per batch).
// Both use pools of one worker thread (one pool unless asked for more, each
// with a batch in flight), whose connection is opened in the worker's on_start hook and closed in
// on_stop (thread-local: only that thread touches it); outcomes arrive on the grinder's loop
// thread.
#include <workgrinder/workgrinder.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "db_writers.hpp"

namespace bench {

namespace {

thread_local std::unique_ptr<DbConn> worker_conn;

void open_connection(void* target) { worker_conn = static_cast<DbTarget*>(target)->connect(); }
void close_connection(void*) { worker_conn.reset(); }

void on_done(const wg_outcome_t* o, void* opaque) {
  Event* e = static_cast<Event*>(opaque);
  e->item.complete(o->status == WG_OK ? reinterpret_cast<uintptr_t>(o->result) : 0);
}

int write_one(void* arg, void** result) {
  Event* e = static_cast<Event*>(arg);
  if (!worker_conn || !worker_conn->insert_one(*e)) return 1;
  *result = reinterpret_cast<char*>(e) + 1;
  return 0;
}

int write_batch(wg_batch_t* batch, void*) {
  thread_local std::vector<Event*> events;
  if (!worker_conn) return 1;
  events.resize(wg_batch_size(batch));
  for (size_t i = 0; i < events.size(); ++i)
    events[i] = static_cast<Event*>(wg_batch_arg(batch, i));
  if (!worker_conn->insert_many(events.data(), events.size())) return 2;
  for (size_t i = 0; i < events.size(); ++i)
    wg_batch_set(batch, i, 0, reinterpret_cast<char*>(events[i]) + 1);
  return 0;
}

void set(wg_conf_t* c, const char* key, const std::string& value) {
  char err[256];
  if (wg_conf_set(c, key, value.c_str(), err, sizeof err) != WG_OK) {
    std::fprintf(stderr, "workgrinder_bench: %s\n", err);
    std::exit(1);
  }
}

class GrinderWriter : public DbWriter {
 public:
  GrinderWriter(DbTarget& db, size_t max_rows, bool batch_handler, unsigned writers = 1,
                unsigned inflight = 1)
      : fn_(batch_handler ? nullptr : write_one) {
    wg_conf_t* c = wg_conf_new();
    set(c, "workers_per_pool", "1");
    set(c, "min_pools", std::to_string(writers));
    set(c, "max_pools", std::to_string(writers));
    set(c, "max_inflight_batches", std::to_string(inflight));
    set(c, "batch_size_threshold", std::to_string(max_rows));
    set(c, "max_wait_seconds", "0.001");
    set(c, "max_batch_size", std::to_string(max_rows));
    if (batch_handler) wg_conf_set_batch_fn(c, write_batch, nullptr);
    wg_conf_set_worker_hooks(c, open_connection, close_connection, &db);
    char err[256] = "";
    if (wg_create(&g_, c, nullptr, err, sizeof err) != WG_OK || wg_start(g_) != WG_OK) {
      std::fprintf(stderr, "workgrinder_bench: %s\n", err);
      std::exit(1);
    }
    wg_conf_destroy(c);
  }
  void submit(Event* e) override {
    if (wg_submit(g_, fn_, e, on_done, e) != WG_OK) e->item.complete(0);
  }
  void finish() override {
    wg_stop(g_, 0);
    wg_stats_t s{};
    s.version = WG_STATS_VERSION;
    wg_stats(g_, &s);
    // Per-item jobs commit each row; the batch handler once per batch.
    transactions_ = fn_ ? s.completed + s.failed : s.batches;
    wg_destroy(g_);
  }
  uint64_t transactions() const override { return transactions_; }

 private:
  wg_work_fn fn_;
  wg_grinder_t* g_ = nullptr;
  uint64_t transactions_ = 0;
};

}  // namespace

DbWriterSpec per_item_writer(size_t max_rows) {
  return {"per-item jobs (wg_submit, 1 INSERT each)",
          [max_rows](DbTarget& db) -> std::unique_ptr<DbWriter> {
            return std::make_unique<GrinderWriter>(db, max_rows, false);
          }};
}

DbWriterSpec batch_handler_writer(size_t max_rows, unsigned writers, unsigned inflight) {
  std::string name = "batch handler (<= " + std::to_string(max_rows) + " rows/txn";
  if (writers > 1) name += ", " + std::to_string(writers) + " writers";
  if (inflight > 1) name += ", " + std::to_string(inflight) + " in flight";
  return {name + ")", [max_rows, writers, inflight](DbTarget& db) -> std::unique_ptr<DbWriter> {
            return std::make_unique<GrinderWriter>(db, max_rows, true, writers, inflight);
          }};
}

}  // namespace bench
