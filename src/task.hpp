// Task: one unit of work handed to an executor. An executor hands every task it
// accepted back exactly once through run(): with WG_OK on a worker thread to
// execute it, or with an error (WG_ELEASE) when it will never run because its
// executor was retired first. The submitter owns the task's memory.
#pragma once

namespace wg {

struct Task {
  void (*run)(Task* self, int status) = nullptr;
};

}  // namespace wg
