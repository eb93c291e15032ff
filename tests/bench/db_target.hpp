// A database the benchmark writes events into (SQLite or PostgreSQL), behind
// one interface so that the three writing paths (per-item jobs, the batch
// handler, a hand-written single writer) drive both the same way.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "bench_support.hpp"

namespace bench {

// One event: the completion record first, so that the Event's address is the
// Item's (the result "arg + 1" is then item.expected()).
struct Event {
  Item item;
  int producer = 0;
  int seq = 0;
};

// One connection; used by one thread at a time.
class DbConn {
 public:
  virtual ~DbConn() = default;
  // One row in its own transaction (autocommit). False on any error.
  virtual bool insert_one(const Event& e) = 0;
  // All n rows in one transaction: all committed, or none (false).
  virtual bool insert_many(Event* const* events, size_t n) = 0;
};

class DbTarget {
 public:
  virtual ~DbTarget() = default;
  virtual std::string name() const = 0;  // "SQLite (...)", for the tables
  // Drops and creates the events table (UNIQUE (producer, seq)). False with a
  // message on stderr when the database is out of reach.
  virtual bool reset() = 0;
  // A new connection, or nullptr (message on stderr). Any thread.
  virtual std::unique_ptr<DbConn> connect() = 0;
  // Rows in the table and distinct (producer, seq) among them; -1 on error.
  virtual void count(int64_t* rows, int64_t* distinct) = 0;
};

// A fresh file at path (WAL journal, synchronous=NORMAL; -wal/-shm removed
// with it at destruction).
std::unique_ptr<DbTarget> sqlite_target(const std::string& path);
// A libpq connection string; empty takes PGHOST etc. from the environment.
std::unique_ptr<DbTarget> postgres_target(const std::string& conninfo);

}  // namespace bench
