// Baseline: the hand-written single writer people build for a database. A
// std::mutex + condition variable queue; one writer thread takes up to N
// queued events, writes them in one transaction, then completes each event.
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "db_writers.hpp"

namespace bench {

namespace {

class SingleWriter : public DbWriter {
 public:
  SingleWriter(std::unique_ptr<DbConn> conn, size_t max_rows)
      : conn_(std::move(conn)), max_rows_(max_rows), thread_([this] { run(); }) {}
  void submit(Event* e) override {
    {
      std::lock_guard<std::mutex> lk(mu_);
      queue_.push_back(e);
    }
    cv_.notify_one();
  }
  void finish() override {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  uint64_t transactions() const override { return transactions_; }

 private:
  // The writer thread; it alone uses conn_.
  void run() {
    std::vector<Event*> batch;
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;
        size_t n = std::min(max_rows_, queue_.size());
        batch.assign(queue_.begin(), queue_.begin() + static_cast<long>(n));
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(n));
      }
      bool ok = conn_->insert_many(batch.data(), batch.size());
      ++transactions_;
      for (Event* e : batch) e->item.complete(ok ? e->item.expected() : 0);
    }
  }

  std::unique_ptr<DbConn> conn_;
  const size_t max_rows_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event*> queue_;   // guarded by mu_
  bool stop_ = false;          // guarded by mu_
  uint64_t transactions_ = 0;  // the writer thread's; read after it was joined
  std::thread thread_;         // last: starts once the rest is built
};

}  // namespace

DbWriterSpec single_writer_baseline(size_t max_rows) {
  return {"hand-written writer (mutex+condvar, <= " + std::to_string(max_rows) + " rows/txn)",
          [max_rows](DbTarget& db) -> std::unique_ptr<DbWriter> {
            std::unique_ptr<DbConn> conn = db.connect();
            if (!conn) return nullptr;
            return std::make_unique<SingleWriter>(std::move(conn), max_rows);
          }};
}

}  // namespace bench
