// Dispatcher: the batches in flight. It leases an executor for each batch
// (at once, or later through a queued LeaseRequest that the manager answers
// into the mailbox's grants), hands the batch to the executor (its items one
// by one, or the whole batch to the batch function), takes finished items
// back from the mailbox's completions, has their outcomes delivered, and
// releases the lease when every item is back. At a cancelling stop it cancels
// what is in flight and abandons the batches.
//
// Threads: loop thread only; other threads reach it only through the
// LoopMailbox (workers' completions, the manager's grants).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "batch.hpp"
#include "config.hpp"
#include "delivery.hpp"
#include "executor_manager.hpp"
#include "grinder_counters.hpp"
#include "logger.hpp"
#include "loop_mailbox.hpp"

namespace wg {

class Dispatcher {
 public:
  Dispatcher(const Config& cfg, std::shared_ptr<ExecutorManager> manager, GrinderCounters& counters,
             Delivery& delivery, LoopMailbox& mailbox, const Logger& logger);

  ExecutorManager& manager() { return *manager_; }

  // Before the loop starts: room for every batch slot, so that the loop's
  // bookkeeping never allocates (WG_ENOMEM when there is none).
  int reserve();

  // Every batch slot is taken: max_inflight_batches, or on an adaptive manager
  // its current pool count if that is lower (more batches would only wait).
  bool full() const;
  bool idle() const { return batches_.empty(); }

  // An empty batch for the policy to fill; nullptr when out of memory.
  Batch* new_batch();
  // Sends a filled batch on its way (or frees an empty one).
  void launch(Batch* b);

  // Wake-up work: lease answers, then finished items.
  void take_grants();
  void take_completions();

  // Frees finished batches that every worker has left; with `wait`, sleeps
  // until they have (the loop is closing: nobody may touch it after that).
  void free_left_batches(bool wait);

  // A cancelling stop: every undecided item in flight gets WG_ECANCELED now
  // and the batches are abandoned (their executors drain what still runs).
  void cancel_in_flight();
  // Whether every item decided before the cancel has come back.
  bool abandoned_batches_settled() const;
  // Then: after their gates close, workers drop returning items themselves.
  void drop_abandoned_batches();

 private:
  static void on_lease_served(LeaseRequest* req, int status, std::shared_ptr<Lease> lease);
  void run(Batch* b);
  void fail_unsubmitted(Batch* b, WorkItem* it, int status);
  void fail_all(Batch* b, int status);
  void item_returned(Batch* b, WorkItem* it);
  void finish(Batch* b);
  void remove(Batch* b);
  bool cancel_dispatched(WorkItem* it);

  const uint64_t max_inflight_;
  const uint64_t lease_ns_;
  const std::string owner_prefix_;
  const wg_batch_fn batch_fn_;
  void* const batch_opaque_;
  std::shared_ptr<ExecutorManager> manager_;
  GrinderCounters& counters_;
  Delivery& delivery_;
  LoopMailbox& mailbox_;
  const Logger& logger_;
  std::vector<Batch*> batches_;
  std::vector<Batch*> leaving_batches_;  // finished; a worker may still be in the gate
  uint64_t next_batch_id_ = 1;
};

}  // namespace wg
