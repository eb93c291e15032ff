// Executor: the seam between the lease manager and whatever runs tasks. The
// production one is ThreadPoolExecutor; tests substitute their own (for
// example one whose submission fails after N tasks). An executor knows
// nothing of batches or items: it calls the TaskRunner it was given.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <vector>

#include "task.hpp"

namespace wg {

class Executor {
 public:
  virtual ~Executor() = default;

  // Accepts tasks, to be run by `runner`, in order until one cannot be
  // accepted. *accepted receives the number accepted (a prefix of tasks);
  // returns WG_OK when all were accepted, else the reason the rest were not
  // (WG_ELEASE once retired, WG_ENOMEM).
  virtual int submit_many(const TaskRunner* runner, Task* const* tasks, size_t n,
                          size_t* accepted) = 0;

  // Stops accepting tasks. Returns the accepted tasks that have not started;
  // the caller hands them back with hand_back() after releasing its locks.
  // Running tasks finish; worker threads then exit.
  virtual UnstartedTasks retire() = 0;

  // After retire(): joins the worker threads that are idle; a thread still
  // inside a task is detached and exits when its task returns. Never blocks on
  // user code.
  virtual void reap() = 0;

  // Tasks accepted and not yet finished.
  size_t outstanding() const { return outstanding_.load(std::memory_order_acquire); }

  // Called (from whichever thread finished a task) each time outstanding()
  // drops to zero. Set once, before the first submission.
  void set_idle_hook(std::function<void()> hook) { idle_hook_ = std::move(hook); }

  // Hands tasks back with a failure status (they never run).
  void hand_back(UnstartedTasks& unstarted, int status) {
    for (auto& u : unstarted) run_tasks(u.first, u.second.data(), u.second.size(), status, nullptr);
    unstarted.clear();
  }

 protected:
  void tasks_accepted(size_t n) { outstanding_.fetch_add(n, std::memory_order_relaxed); }

  // Runs (or fails) tasks, counts them finished, then lets the runner hand
  // their outcomes on.
  void run_tasks(const TaskRunner* runner, Task* const* tasks, size_t n, int status,
                 const std::atomic<bool>* revoked) {
    runner->run(tasks, n, status, revoked);
    if (outstanding_.fetch_sub(n, std::memory_order_acq_rel) == n && idle_hook_) idle_hook_();
    runner->finish(tasks, n);
  }

 private:
  std::atomic<size_t> outstanding_{0};
  std::function<void()> idle_hook_;
};

}  // namespace wg
