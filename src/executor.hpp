// Executor: the seam between the lease manager and whatever runs tasks. The
// production one is ThreadPoolExecutor; tests substitute their own (for
// example one whose submission fails after N tasks).
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

  // Accepts tasks in order until one cannot be accepted. *accepted receives the
  // number accepted (a prefix of tasks); returns WG_OK when all were accepted,
  // else the reason the rest were not (WG_ELEASE once retired, WG_ENOMEM).
  virtual int submit_many(Task* const* tasks, size_t n, size_t* accepted) = 0;

  // Stops accepting tasks. Returns the accepted tasks that have not started;
  // the caller hands them back with hand_back() after releasing its locks.
  // Running tasks finish; worker threads then exit.
  virtual std::vector<Task*> retire() = 0;

  // After retire(): joins the worker threads that are idle; a thread still
  // inside a task is detached and exits when its task returns. Never blocks on
  // user code.
  virtual void reap() = 0;

  // Tasks accepted and not yet handed back.
  size_t outstanding() const { return outstanding_.load(std::memory_order_acquire); }

  // Called (from whichever thread finished a task) each time outstanding()
  // drops to zero. Set once, before the first submission.
  void set_idle_hook(std::function<void()> hook) { idle_hook_ = std::move(hook); }

  // Hands tasks back with a failure status (they never run).
  void hand_back(const std::vector<Task*>& tasks, int status) {
    if (tasks.empty()) return;
    run_tasks(tasks.data(), tasks.size(), status);
    task_done(tasks.size());
  }

 protected:
  void tasks_accepted(size_t n) { outstanding_.fetch_add(n, std::memory_order_relaxed); }
  void task_done(size_t n = 1) {
    if (outstanding_.fetch_sub(n, std::memory_order_acq_rel) == n && idle_hook_) idle_hook_();
  }

 private:
  std::atomic<size_t> outstanding_{0};
  std::function<void()> idle_hook_;
};

}  // namespace wg
