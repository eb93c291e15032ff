// ThreadRole: what the calling thread is to the library, so that a blocking
// call can refuse (WG_EWRONGTHREAD) where waiting could never end.
// - A loop thread runs `done` callbacks of its grinder: a blocking call there
//   can wait on its own loop, or on another grinder whose `done` waits on this
//   one, or on a lease this loop's batch holds.
// - The manager's housekeeping thread revokes leases and hands unstarted tasks back
//   (their `done` runs there): blocking it stalls every lease's revocation.
// - A worker running a batch of grinder g: a draining stop or an unbounded
//   wait on g can wait for the very work function that is calling.
// Each field is written only by the thread it describes (thread_local), and
// read only by that thread.
#pragma once

namespace wg {

class ThreadRole {
 public:
  // The loop thread of `grinder` (nullptr when it leaves the loop).
  static void set_loop(const void* grinder) { loop_ = grinder; }
  static const void* loop() { return loop_; }

  // The manager's housekeeping thread.
  static void set_expiry() { expiry_ = true; }

  // True where no blocking call may wait: any grinder's loop thread or any
  // manager's housekeeping thread.
  static bool must_not_block() { return loop_ != nullptr || expiry_; }

  // What identifies the grinder whose batch this worker thread is running
  // (its loop mailbox, as a batch knows it; nullptr: none). Only compared,
  // never dereferenced: after a cancelling stop and destroy the grinder may be
  // gone while a work function of its abandoned batch runs.
  static const void* running_for() { return running_for_; }

  // Marks the calling worker as running a batch of `grinder` for its scope.
  class RunningFor {
   public:
    explicit RunningFor(const void* grinder) : previous_(running_for_) { running_for_ = grinder; }
    ~RunningFor() { running_for_ = previous_; }
    RunningFor(const RunningFor&) = delete;
    RunningFor& operator=(const RunningFor&) = delete;

   private:
    const void* previous_;
  };

 private:
  // initial-exec: a direct offset from the thread pointer, no __tls_get_addr
  // call (running_for_ is set for every item); see item_pool.cpp.
  static inline thread_local const void* loop_ __attribute__((tls_model("initial-exec"))) = nullptr;
  static inline thread_local bool expiry_ __attribute__((tls_model("initial-exec"))) = false;
  static inline thread_local const void* running_for_ __attribute__((tls_model("initial-exec"))) =
      nullptr;
};

}  // namespace wg
