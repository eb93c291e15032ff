#include "lease.hpp"

#include "clock.hpp"
#include "executor_manager.hpp"
#include "workgrinder/workgrinder.h"

namespace wg {

int Lease::submit_many(const TaskRunner* runner, Task* const* tasks, size_t n, size_t* accepted) {
  *accepted = 0;
  if (state() != kActive || now_ns() >= hard_ns_) return WG_ELEASE;
  return executor_->submit_many(runner, tasks, n, accepted);
}

int Lease::release() { return manager_->release(this); }

}  // namespace wg
