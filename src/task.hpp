// Task: one unit of work handed to an executor. An executor hands every task it
// accepted back exactly once through run_tasks(): with WG_OK on a worker thread
// to execute it, or with an error (WG_ELEASE) when it will never run because
// its executor was retired first. Handing back several at once lets their
// completions travel together. The submitter owns the tasks' memory.
#pragma once

#include <cstddef>

namespace wg {

struct Task {};

// Defined by the work item code (work_item.cpp). Any thread but a grinder's
// loop thread.
void run_tasks(Task* const* tasks, size_t n, int status);

}  // namespace wg
