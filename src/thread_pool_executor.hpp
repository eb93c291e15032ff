// ThreadPoolExecutor: a fixed pool of worker threads. A submission is one
// TaskRange; workers claim its tasks with an atomic index, a few at a time
// when they are quick, so handing a batch over costs one lock, not one per
// task. Each worker runs the user's worker hooks: on_start before its first
// task, on_stop as it exits (retired, revoked or stopped), once each.
//
// Threads: submit_many, retire and reap may be called from any thread. The
// range list, retired flag and worker records are guarded by mu_; each
// worker thread holds a shared_ptr to the executor, so a thread left inside a
// task after the manager is gone still has a live executor.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "executor.hpp"
#include "workgrinder/workgrinder.h"

namespace wg {

struct WorkerHooks {
  wg_worker_fn on_start = nullptr;
  wg_worker_fn on_stop = nullptr;
  void* opaque = nullptr;
};

class ThreadPoolExecutor : public Executor,
                           public std::enable_shared_from_this<ThreadPoolExecutor> {
 public:
  // Starts `workers` threads. If one cannot be started (no thread, or no
  // memory), sets *err to WG_ENOMEM and returns nullptr when none had started,
  // else the executor already retired: reap() it, holding no lock, to join
  // the threads that did start.
  static std::shared_ptr<ThreadPoolExecutor> create(size_t workers, const WorkerHooks& hooks,
                                                    int* err);
  ~ThreadPoolExecutor() override;

  int submit_many(const TaskRunner* runner, Task* const* tasks, size_t n,
                  size_t* accepted) override;
  UnstartedTasks retire() override;
  void reap() override;

 private:
  struct TaskRange {
    const TaskRunner* runner = nullptr;
    std::unique_ptr<Task*[]> tasks;
    size_t n = 0;
    std::atomic<size_t> next{0};  // claim index; may run past n
    size_t holders = 0;           // workers claiming from it (mu_)
    bool unlinked = false;        // removed from the list (mu_)
    TaskRange* link = nullptr;
  };
  struct Worker {
    std::thread thread;
    bool busy = false;  // inside a task range (mu_)
  };

  explicit ThreadPoolExecutor(const WorkerHooks& hooks) : hooks_(hooks) {}
  void worker_main(size_t index);
  void drop_exhausted_head_locked();
  void reserve_unstarted_locked(UnstartedTasks* out);
  void claim_unstarted_locked(UnstartedTasks* out);
  void run_claimed(TaskRange* r);

  const WorkerHooks hooks_;
  std::atomic<bool> revoked_{false};  // set by retire(); runners check it per task
  std::mutex mu_;
  std::condition_variable cv_;
  TaskRange* head_ = nullptr;
  TaskRange* tail_ = nullptr;
  bool retired_ = false;
  size_t idle_ = 0;  // workers waiting on cv_ (mu_)
  std::vector<Worker> workers_;
  std::vector<std::thread> reaped_;  // empty, with room for every worker: reap's list
};

}  // namespace wg
