// The benchmark's database section: the same events written three ways into
// the same database, in one process and one run: per-item jobs (wg_submit, one
// autocommitted INSERT each), the batch handler (one transaction per batch),
// and a hand-written single-writer queue (one transaction per <= N rows).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "db_target.hpp"

namespace bench {

// Takes events from producer threads; each event's outcome completes its
// Item (value arg + 1 once its row is committed, 0 on failure).
class DbWriter {
 public:
  virtual ~DbWriter() = default;
  virtual void submit(Event* e) = 0;  // any producer thread
  virtual void finish() = 0;          // after every outcome arrived: tear down
  // Transactions (or batches) so far; after finish().
  virtual uint64_t transactions() const = 0;
};

struct DbWriterSpec {
  std::string name;
  // nullptr (message on stderr) if it cannot connect.
  std::function<std::unique_ptr<DbWriter>(DbTarget&)> make;
};

// max_rows: the most rows one transaction takes (the batch handler's
// max_batch_size, the hand-written writer's N). One writing thread each, so
// that the three differ only in how rows reach it.
DbWriterSpec per_item_writer(size_t max_rows);
// writers: pools of one worker, each with its own connection (> 1 for
// PostgreSQL, which takes concurrent writers); inflight: max_inflight_batches
// (more than writers: the next batch is ready, waiting for a free writer, when
// one commits).
DbWriterSpec batch_handler_writer(size_t max_rows, unsigned writers = 1, unsigned inflight = 1);
DbWriterSpec single_writer_baseline(size_t max_rows);

// Runs the section; false if a database was out of reach or a run lost,
// duplicated or failed rows.
bool run_databases(bool short_mode);

}  // namespace bench
