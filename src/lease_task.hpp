// LeaseTask: a job submitted straight through a lease (wg_lease_submit),
// without a grinder. It is a WorkItem without a batch; its done callback runs
// on the worker that ran it (or on the thread that revoked the lease, for a
// task that never started), after the executor counted it finished.
#pragma once

#include "lease.hpp"
#include "workgrinder/workgrinder.h"

namespace wg {

// Returns WG_OK (exactly one done call follows), or WG_EINVAL, WG_ELEASE,
// WG_ENOMEM having called nothing.
int submit_lease_task(Lease& lease, wg_work_fn fn, void* arg, wg_done_fn done, void* opaque);

}  // namespace wg
