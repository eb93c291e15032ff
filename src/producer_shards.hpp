// ProducerShards: the state every submission writes (the rundown gate that
// keeps producers out once the loop has drained, the submitted counter and
// the inbound queue), spread over shards by thread. Producers on different
// threads then update different cache lines instead of bouncing one line
// between cores for every item; the loop drains every shard's queue at each
// wake-up, and the rare readers (stop, stats) visit every shard.
//
// Items from different shards are not ordered among themselves: the loop
// takes them shard by shard. That only matters to the max-wait timer, which
// then may fire a few microseconds late for an item taken behind a younger
// one in the same drain, never early.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "mpsc_queue.hpp"
#include "rundown_gate.hpp"

namespace wg {

class ProducerShards {
 public:
  static constexpr size_t kShards = 64;

  struct alignas(64) Shard {
    RundownGate gate{false};
    std::atomic<uint64_t> submitted{0};
    MpscQueue inbound;  // producers push; the loop pops
  };

  // The calling thread's shard, entered; nullptr when closed.
  Shard* enter() {
    Shard* s = &shards_[thread_slot()];
    return s->gate.enter() ? s : nullptr;
  }
  static void leave(Shard* s) { s->gate.leave(); }

  // Closes every shard and sleeps until no producer is inside any.
  void close_and_wait() {
    for (Shard& s : shards_) s.gate.close();
    for (Shard& s : shards_) s.gate.wait_empty();
  }
  void open() {
    for (Shard& s : shards_) s.gate.open();
  }

  Shard& shard(size_t i) { return shards_[i]; }

  uint64_t submitted() const {
    uint64_t sum = 0;
    for (const Shard& s : shards_) sum += s.submitted.load(std::memory_order_acquire);
    return sum;
  }

 private:
  // Threads take slots round robin at their first submission
  // (producer_shards.cpp).
  static size_t thread_slot();

  Shard shards_[kShards];
};

}  // namespace wg
