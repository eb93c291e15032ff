// One run of the fault sweep's scenario, meant for a forked child: a grinder
// (with a private or a shared manager) is created, started, fed from two
// threads with callbacks, futures and submit_wait, drained by a stop,
// restarted, fed again, stopped by cancelling, and destroyed; with a shared
// manager, the manager is created, started, stopped and destroyed around it.
// A call that returns WG_ENOMEM is retried (the injected failure happens
// once), so every step must end in success with the object still usable.
#pragma once

namespace fault {

// How a run ended. The sweep maps a child's exit status to these.
enum Verdict : int {
  kPassed = 0,         // the injected failure happened and was survived
  kNotReached = 3,     // the scenario ended before the Nth event: the sweep is done
  kWrongReturn = 10,   // a call returned something other than WG_OK or WG_ENOMEM
  kLostOutcome = 11,   // an accepted item got no outcome, or two, or no release
  kThreadLeft = 12,    // a library thread still exists after destroy, or missed on_stop
  kStatsMismatch = 13  // the stopped grinder's counters do not add up
};

// The scenario's phases, in order (injector.hpp: a failure is armed in one).
enum Phase : int {
  kSetup,          // conf, (shared: manager create, start), wg_create, wg_start
  kFeed,           // two producers: callbacks, futures, submit_wait
  kDrain,          // wg_stop(g, 0), the exports
  kRefeed,         // wg_start again, two producers again
  kCancel,         // wg_stop(g, 1), phase 2's futures
  kDestroy,        // wg_destroy
  kLeases,         // shared: direct leases, tasks, release
  kManagerStop,    // shared: wg_manager_stop with tasks queued, release after it
  kManagerDestroy  // shared: wg_manager_destroy
};
constexpr int kPhases = kManagerDestroy + 1;
const char* phase_name(int phase);

// Runs the scenario once; the injector is armed by the caller just before.
Verdict run_scenario(bool shared_manager);

}  // namespace fault
