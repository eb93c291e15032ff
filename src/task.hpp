// Task and TaskRunner: what an executor runs, and how. A task is opaque to the
// executor (as a uv_work_t is to libuv's pool); whoever submits tasks also
// gives the executor a TaskRunner, and the executor calls it for every task
// it accepted, exactly once: to run it on a worker, or to report that it will
// never run (its executor was retired first). The submitter owns the tasks'
// memory and the runner, which must outlive the tasks.
#pragma once

#include <atomic>
#include <cstddef>
#include <utility>
#include <vector>

namespace wg {

struct Task {};

struct TaskRunner {
  // Runs tasks[0..n) on a worker thread (status WG_OK), or records that they
  // will never run (status WG_ELEASE, on the thread that retired the
  // executor). `revoked`, when not null, becomes true once the executor is
  // retired: a runner checks it before starting each task, so that claimed
  // work never starts after a revocation.
  void (*run)(Task* const* tasks, size_t n, int status, const std::atomic<bool>* revoked);
  // Called after run, once the executor has counted the tasks finished (so a
  // lease released from here already finds its executor idle): hands their
  // outcomes on.
  void (*finish)(Task* const* tasks, size_t n);
};

// Tasks an executor accepted but never started, grouped by runner.
using UnstartedTasks = std::vector<std::pair<const TaskRunner*, std::vector<Task*>>>;

}  // namespace wg
