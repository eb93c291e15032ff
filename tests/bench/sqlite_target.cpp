// The benchmark's SQLite database: a temporary file in WAL mode with
// synchronous=NORMAL (commits reach the OS at once and the disk at
// checkpoints), the setting SQLite recommends for WAL.
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>

#include "db_target.hpp"

namespace bench {

namespace {

bool exec(sqlite3* db, const char* sql) {
  char* msg = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &msg);
  if (rc != SQLITE_OK)
    std::fprintf(stderr, "sqlite: %s: %s\n", sql, msg ? msg : sqlite3_errstr(rc));
  sqlite3_free(msg);
  return rc == SQLITE_OK;
}

class SqliteConn : public DbConn {
 public:
  SqliteConn(sqlite3* db, sqlite3_stmt* insert) : db_(db), insert_(insert) {}
  ~SqliteConn() override {
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
  }
  bool insert_one(const Event& e) override { return step(e); }
  bool insert_many(Event* const* events, size_t n) override {
    if (!exec(db_, "BEGIN IMMEDIATE")) return false;
    bool ok = true;
    for (size_t i = 0; ok && i < n; ++i) ok = step(*events[i]);
    if (ok && exec(db_, "COMMIT")) return true;
    exec(db_, "ROLLBACK");
    return false;
  }

 private:
  bool step(const Event& e) {
    char payload[48];
    int len = std::snprintf(payload, sizeof payload, "event %d/%d", e.producer, e.seq);
    sqlite3_bind_int(insert_, 1, e.producer);
    sqlite3_bind_int(insert_, 2, e.seq);
    sqlite3_bind_text(insert_, 3, payload, len, SQLITE_TRANSIENT);
    int rc = sqlite3_step(insert_);
    sqlite3_reset(insert_);
    if (rc != SQLITE_DONE) std::fprintf(stderr, "sqlite: insert: %s\n", sqlite3_errmsg(db_));
    return rc == SQLITE_DONE;
  }
  sqlite3* db_;
  sqlite3_stmt* insert_;
};

class SqliteTarget : public DbTarget {
 public:
  explicit SqliteTarget(std::string path) : path_(std::move(path)) {}
  ~SqliteTarget() override { remove_files(); }
  std::string name() const override { return "SQLite (WAL, synchronous=NORMAL)"; }
  bool reset() override {
    remove_files();
    sqlite3* db = open(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    bool ok = db && exec(db, "PRAGMA journal_mode=WAL") &&
              exec(db,
                   "CREATE TABLE events(producer INTEGER NOT NULL, seq INTEGER NOT NULL, "
                   "payload TEXT NOT NULL, UNIQUE(producer, seq))");
    sqlite3_close(db);
    return ok;
  }
  std::unique_ptr<DbConn> connect() override {
    sqlite3* db = open(SQLITE_OPEN_READWRITE);
    sqlite3_stmt* insert = nullptr;
    if (!db) return nullptr;
    sqlite3_busy_timeout(db, 10000);
    if (!exec(db, "PRAGMA synchronous=NORMAL") ||
        sqlite3_prepare_v2(db, "INSERT INTO events(producer, seq, payload) VALUES(?, ?, ?)", -1,
                           &insert, nullptr) != SQLITE_OK) {
      std::fprintf(stderr, "sqlite: prepare: %s\n", sqlite3_errmsg(db));
      sqlite3_close(db);
      return nullptr;
    }
    return std::make_unique<SqliteConn>(db, insert);
  }
  void count(int64_t* rows, int64_t* distinct) override {
    *rows = *distinct = -1;
    sqlite3* db = open(SQLITE_OPEN_READONLY);
    sqlite3_stmt* st = nullptr;
    if (db &&
        sqlite3_prepare_v2(db,
                           "SELECT (SELECT COUNT(*) FROM events), (SELECT COUNT(*) FROM "
                           "(SELECT DISTINCT producer, seq FROM events))",
                           -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      *rows = sqlite3_column_int64(st, 0);
      *distinct = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
  }

 private:
  sqlite3* open(int flags) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path_.c_str(), &db, flags, nullptr) != SQLITE_OK) {
      std::fprintf(stderr, "sqlite: open %s: %s\n", path_.c_str(),
                   db ? sqlite3_errmsg(db) : "out of memory");
      sqlite3_close(db);
      return nullptr;
    }
    return db;
  }
  void remove_files() {
    for (const char* suffix : {"", "-wal", "-shm"}) unlink((path_ + suffix).c_str());
  }
  std::string path_;
};

}  // namespace

std::unique_ptr<DbTarget> sqlite_target(const std::string& path) {
  return std::make_unique<SqliteTarget>(path);
}

}  // namespace bench
