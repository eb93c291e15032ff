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

// Runs the scenario once; the injector is armed by the caller just before.
Verdict run_scenario(bool shared_manager);

}  // namespace fault
