// The benchmark's PostgreSQL database: the server's defaults (fsync and
// synchronous_commit on: every commit waits for its WAL to reach the disk).
// One row: a prepared INSERT; many rows: one COPY, which is one transaction.
#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "db_target.hpp"

namespace bench {

namespace {

bool exec(PGconn* c, const char* sql) {
  PGresult* r = PQexec(c, sql);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok) std::fprintf(stderr, "postgres: %s: %s", sql, PQresultErrorMessage(r));
  PQclear(r);
  return ok;
}

class PostgresConn : public DbConn {
 public:
  explicit PostgresConn(PGconn* c) : c_(c) {}
  ~PostgresConn() override { PQfinish(c_); }
  bool insert_one(const Event& e) override {
    std::string p = std::to_string(e.producer), s = std::to_string(e.seq);
    std::string payload = "event " + p + "/" + s;
    const char* values[] = {p.c_str(), s.c_str(), payload.c_str()};
    PGresult* r = PQexecPrepared(c_, "insert", 3, values, nullptr, nullptr, 0);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) std::fprintf(stderr, "postgres: insert: %s", PQresultErrorMessage(r));
    PQclear(r);
    return ok;
  }
  bool insert_many(Event* const* events, size_t n) override {
    PGresult* r = PQexec(c_, "COPY events(producer, seq, payload) FROM STDIN");
    bool ok = PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    buf_.clear();
    char line[96];
    for (size_t i = 0; ok && i < n; ++i) {
      int len = std::snprintf(line, sizeof line, "%d\t%d\tevent %d/%d\n", events[i]->producer,
                              events[i]->seq, events[i]->producer, events[i]->seq);
      buf_.append(line, static_cast<size_t>(len));
    }
    if (ok) ok = PQputCopyData(c_, buf_.data(), static_cast<int>(buf_.size())) == 1;
    if (PQputCopyEnd(c_, ok ? nullptr : "benchmark gave up") != 1) ok = false;
    while ((r = PQgetResult(c_)) != nullptr) {
      if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        std::fprintf(stderr, "postgres: COPY: %s", PQresultErrorMessage(r));
        ok = false;
      }
      PQclear(r);
    }
    return ok;
  }

 private:
  PGconn* c_;
  std::string buf_;
};

class PostgresTarget : public DbTarget {
 public:
  explicit PostgresTarget(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  std::string name() const override { return "PostgreSQL (server defaults: fsync on)"; }
  bool reset() override {
    PGconn* c = open();
    bool ok = c && exec(c, "SET client_min_messages TO warning") &&
              exec(c, "DROP TABLE IF EXISTS events") &&
              exec(c,
                   "CREATE TABLE events(producer integer NOT NULL, seq integer NOT NULL, "
                   "payload text NOT NULL, UNIQUE(producer, seq))");
    PQfinish(c);
    return ok;
  }
  std::unique_ptr<DbConn> connect() override {
    PGconn* c = open();
    if (!c) return nullptr;
    PGresult* r = PQprepare(
        c, "insert", "INSERT INTO events(producer, seq, payload) VALUES($1, $2, $3)", 3, nullptr);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) std::fprintf(stderr, "postgres: prepare: %s", PQresultErrorMessage(r));
    PQclear(r);
    if (!ok) {
      PQfinish(c);
      return nullptr;
    }
    return std::make_unique<PostgresConn>(c);
  }
  void count(int64_t* rows, int64_t* distinct) override {
    *rows = *distinct = -1;
    PGconn* c = open();
    if (!c) return;
    PGresult* r = PQexec(c, "SELECT count(*), count(DISTINCT (producer, seq)) FROM events");
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
      *rows = std::atoll(PQgetvalue(r, 0, 0));
      *distinct = std::atoll(PQgetvalue(r, 0, 1));
    }
    PQclear(r);
    PQfinish(c);
  }

 private:
  PGconn* open() {
    PGconn* c = PQconnectdb(conninfo_.c_str());
    if (PQstatus(c) != CONNECTION_OK) {
      std::fprintf(stderr, "postgres: connect \"%s\": %s", conninfo_.c_str(), PQerrorMessage(c));
      PQfinish(c);
      return nullptr;
    }
    return c;
  }
  std::string conninfo_;
};

}  // namespace

std::unique_ptr<DbTarget> postgres_target(const std::string& conninfo) {
  return std::make_unique<PostgresTarget>(conninfo);
}

}  // namespace bench
