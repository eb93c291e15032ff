// FailingExecutor: a one-thread executor for tests that accepts its first
// `limit` tasks and refuses the rest with `error`, so a batch's submission
// fails part-way at a known item.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "executor.hpp"
#include "workgrinder/workgrinder.h"

namespace wgtest {

class FailingExecutor : public wg::Executor {
 public:
  FailingExecutor(size_t limit, int error) : limit_(limit), error_(error) {
    thread_ = std::thread([this] { main(); });
  }
  ~FailingExecutor() override {
    retire();
    reap();
  }

  int submit_many(const wg::TaskRunner* runner, wg::Task* const* tasks, size_t n,
                  size_t* accepted) override {
    std::lock_guard<std::mutex> lk(mu_);
    *accepted = 0;
    if (retired_) return WG_ELEASE;
    runner_ = runner;  // one runner per test executor
    size_t k = std::min(n, limit_ - taken_);
    taken_ += k;
    tasks_accepted(k);
    queue_.insert(queue_.end(), tasks, tasks + k);
    cv_.notify_all();
    *accepted = k;
    return k < n ? error_ : WG_OK;
  }

  wg::UnstartedTasks retire() override {
    std::lock_guard<std::mutex> lk(mu_);
    retired_ = true;
    wg::UnstartedTasks unstarted;
    if (!queue_.empty())
      unstarted.emplace_back(runner_, std::vector<wg::Task*>(queue_.begin(), queue_.end()));
    queue_.clear();
    cv_.notify_all();
    return unstarted;
  }

  void reap() override {
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

 private:
  void main() {
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
      cv_.wait(lk, [&] { return retired_ || !queue_.empty(); });
      if (queue_.empty()) return;
      wg::Task* t = queue_.front();
      queue_.pop_front();
      const wg::TaskRunner* runner = runner_;
      lk.unlock();
      run_tasks(runner, &t, 1, WG_OK, nullptr);
      lk.lock();
    }
  }

  const size_t limit_;
  const int error_;
  size_t taken_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<wg::Task*> queue_;
  const wg::TaskRunner* runner_ = nullptr;
  bool retired_ = false;
  std::thread thread_;
};

}  // namespace wgtest
