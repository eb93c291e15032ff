// LeaseRequest: one queued acquire waiting for an executor. The requester owns
// it; while queued it is linked into the manager's FIFO (under its lock).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace wg {

class Lease;

struct LeaseRequest {
  uint64_t lease_ns = 0;
  std::string owner;
  // Called once, under the manager lock, when the request leaves the queue
  // with a lease (WG_OK) or an error (WG_ESTOPPING). It must only record the
  // answer and wake the requester: no user code and no manager calls.
  void (*served)(LeaseRequest* self, int status, std::shared_ptr<Lease> lease) = nullptr;
  void* context = nullptr;  // the requester's, for served()

  // Manager-owned while queued.
  LeaseRequest* prev = nullptr;
  LeaseRequest* next = nullptr;
  bool queued = false;
};

}  // namespace wg
