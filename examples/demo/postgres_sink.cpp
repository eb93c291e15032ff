// The demo's --postgres mode. Threads: postgres_prepare and postgres_count run
// on main; write_batch on a worker thread, with that thread's own connection
// (opened in on_start, closed in on_stop); nothing else is shared but the
// connection string, written before the grinder starts.
#include "postgres_sink.hpp"

#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace demo {

namespace {

std::string conninfo;
const char* jobs_base;
size_t jobs_stride;
thread_local PGconn* conn;

enum { kNoConnection = 1, kCopyFailed = 2 };

struct Finish {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using Conn = std::unique_ptr<PGconn, Finish>;

Conn connect(std::string* error) {
  Conn c(PQconnectdb(conninfo.c_str()));
  if (PQstatus(c.get()) != CONNECTION_OK) {
    *error = "postgres: connect \"" + conninfo + "\": " + PQerrorMessage(c.get());
    return nullptr;
  }
  return c;
}

bool exec(PGconn* c, const char* sql, std::string* error) {
  PGresult* r = PQexec(c, sql);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok) *error = std::string("postgres: ") + sql + ": " + PQresultErrorMessage(r);
  PQclear(r);
  return ok;
}

void open_connection(void*) {
  std::string error;
  conn = connect(&error).release();
  if (!conn) std::fprintf(stderr, "%s", error.c_str());
}

void close_connection(void*) {
  PQfinish(conn);
  conn = nullptr;
}

// One COPY (one transaction) per batch; only once it succeeded do the jobs
// get their results (arg + 1). A failure fails the whole batch.
int write_batch(wg_batch_t* batch, void*) {
  if (!conn) return kNoConnection;
  PGresult* r = PQexec(conn, "COPY demo_jobs(id) FROM STDIN");
  bool ok = PQresultStatus(r) == PGRES_COPY_IN;
  PQclear(r);
  size_t n = wg_batch_size(batch);
  std::string data;
  data.reserve(n * 12);
  for (size_t i = 0; ok && i < n; i++) {
    const char* arg = static_cast<const char*>(wg_batch_arg(batch, i));
    data += std::to_string(static_cast<size_t>(arg - jobs_base) / jobs_stride);
    data += '\n';
  }
  if (ok) ok = PQputCopyData(conn, data.data(), static_cast<int>(data.size())) == 1;
  if (PQputCopyEnd(conn, ok ? nullptr : "demo gave up") != 1) ok = false;
  while ((r = PQgetResult(conn)) != nullptr) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      std::fprintf(stderr, "postgres: COPY: %s", PQresultErrorMessage(r));
      ok = false;
    }
    PQclear(r);
  }
  if (!ok) return kCopyFailed;
  for (size_t i = 0; i < n; i++)
    wg_batch_set(batch, i, 0, static_cast<char*>(wg_batch_arg(batch, i)) + 1);
  return 0;
}

}  // namespace

bool postgres_prepare(const std::string& target, std::string* error) {
  conninfo = !target.empty() && target[0] == '/' ? "host=" + target : target;
  Conn c = connect(error);
  return c && exec(c.get(), "SET client_min_messages TO warning", error) &&
         exec(c.get(), "DROP TABLE IF EXISTS demo_jobs", error) &&
         exec(c.get(), "CREATE TABLE demo_jobs(id bigint NOT NULL)", error);
}

int postgres_configure(wg_conf_t* conf, const void* base, size_t job_size) {
  jobs_base = static_cast<const char*>(base);
  jobs_stride = job_size;
  int rc = wg_conf_set_batch_fn(conf, write_batch, nullptr);
  return rc != WG_OK ? rc
                     : wg_conf_set_worker_hooks(conf, open_connection, close_connection, nullptr);
}

bool postgres_count(int64_t* rows, int64_t* distinct, std::string* error) {
  Conn c = connect(error);
  if (!c) return false;
  PGresult* r = PQexec(c.get(), "SELECT count(*), count(DISTINCT id) FROM demo_jobs");
  bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
  if (ok) {
    *rows = std::atoll(PQgetvalue(r, 0, 0));
    *distinct = std::atoll(PQgetvalue(r, 0, 1));
  } else {
    *error = std::string("postgres: count: ") + PQresultErrorMessage(r);
  }
  PQclear(r);
  return ok;
}

}  // namespace demo
