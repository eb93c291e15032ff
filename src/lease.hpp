// Lease: the right to submit tasks to one executor until it is released or
// its hard expiry (lease_seconds + lease_grace_seconds) passes. Handed out by
// ExecutorManager; shared by the manager's table and the holder.
//
// Threads: submit_many and release may be called from any thread. state_ is
// atomic so that submission checks it without the manager lock; all other
// fields are fixed at creation.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "executor.hpp"

namespace wg {

class ExecutorManager;

class Lease {
 public:
  enum State : int { kActive, kReleased, kRevoked };

  Lease(std::shared_ptr<ExecutorManager> manager, std::shared_ptr<Executor> executor, uint64_t id,
        std::string owner, uint64_t soft_ns, uint64_t hard_ns, uint64_t slot_id)
      : manager_(std::move(manager)),
        executor_(std::move(executor)),
        id_(id),
        owner_(std::move(owner)),
        soft_ns_(soft_ns),
        hard_ns_(hard_ns),
        slot_id_(slot_id) {}

  // Submits tasks through the lease (see Executor::submit_many). WG_ELEASE
  // once the hard expiry has passed or the lease was released or revoked.
  int submit_many(const TaskRunner* runner, Task* const* tasks, size_t n, size_t* accepted);

  // Returns the executor to the manager. WG_OK, or WG_ELEASE if the lease had
  // already been revoked or released.
  int release();

  uint64_t id() const { return id_; }
  const std::string& owner() const { return owner_; }
  uint64_t soft_ns() const { return soft_ns_; }
  uint64_t hard_ns() const { return hard_ns_; }
  State state() const { return static_cast<State>(state_.load(std::memory_order_acquire)); }

 private:
  friend class ExecutorManager;

  std::shared_ptr<ExecutorManager> manager_;
  std::shared_ptr<Executor> executor_;
  const uint64_t id_;
  const std::string owner_;
  const uint64_t soft_ns_;
  const uint64_t hard_ns_;
  const uint64_t slot_id_;
  std::atomic<int> state_{kActive};  // changed under the manager lock
};

}  // namespace wg
