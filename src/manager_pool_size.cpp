// ExecutorManager, pool size: the floor (min_pools, or the size provider's
// target) and the cap (max_pools, or that target), growing to the floor and
// retiring executors above the cap or idle beyond idle_pool_seconds.
#include <algorithm>

#include "clock.hpp"
#include "executor_manager.hpp"

namespace wg {

// The size provider's answer clamped to min_pools..max_pools. User code: never
// called under mu_.
uint64_t ExecutorManager::ask_size_provider() const {
  uint64_t want = cfg_.size_fn(cfg_.size_opaque);
  return std::min<uint64_t>(std::max<uint64_t>(want, cfg_.min_pools), cfg_.max_pools);
}

uint64_t ExecutorManager::floor_locked() const {
  return cfg_.size_fn ? target_pools_ : cfg_.min_pools;
}

uint64_t ExecutorManager::cap_locked() const {
  return cfg_.size_fn ? target_pools_ : cfg_.max_pools;
}

void ExecutorManager::set_target_locked(uint64_t target) {
  if (!cfg_.size_fn) return;
  target_pools_ = target;
  pool_limit_.store(target, std::memory_order_relaxed);
}

// Everything that allocates comes before the executor's threads start: out of
// memory there is nothing to undo, and after it nothing can fail.
int ExecutorManager::add_slot_locked(Slot** out) {
  std::unique_ptr<Slot> slot;
  std::function<void()> idle_hook;
  const uint64_t id = next_slot_id_;
  try {
    slots_.reserve(slots_.size() + 1);
    slot = std::make_unique<Slot>();
    slot->retirement.emplace_back(Retired{nullptr, false});
    slot->handback.emplace_back(nullptr, UnstartedTasks());
    std::weak_ptr<ExecutorManager> weak = weak_from_this();
    idle_hook = [weak, id] {
      if (auto m = weak.lock()) m->on_executor_idle(id);
    };
  } catch (const std::bad_alloc&) {
    return WG_ENOMEM;
  }
  int err = WG_OK;
  std::shared_ptr<Executor> ex;
  try {
    ex = factory_(cfg_.workers_per_pool, &err);
  } catch (const std::bad_alloc&) {  // a substitute factory may throw
    err = WG_ENOMEM;
  }
  if (ex && err != WG_OK) {
    // Some of its threads started: the reaper joins them, unlocked (every
    // caller reaps after unlocking, or the housekeeping thread does), taking
    // the executor there through the entry made for it above.
    slot->retirement.front().executor = std::move(ex);
    retired_.splice(retired_.end(), slot->retirement);
    wake_housekeeping_locked(0);
    return err;
  }
  if (!ex) return err == WG_OK ? WG_ENOMEM : err;
  ++next_slot_id_;
  slot->id = id;
  slot->executor = ex;
  slot->retirement.front().executor = ex;
  slot->handback.front().first = ex;
  slot->idle_since_ns = now_ns();
  ex->set_idle_hook(std::move(idle_hook));
  *out = slot.get();
  slots_.push_back(std::move(slot));
  ++started_pools_;
  return WG_OK;
}

// Retires the slot's executor: its unstarted tasks go to *after (none exist
// when the manager never ran: after may be nullptr then), the executor to the
// reaper, both through entries made with the slot, so nothing allocates here
// (the executor's retire() copes with running out of memory itself).
void ExecutorManager::retire_executor_locked(Slot* slot, bool shrink, Aftermath* after) {
  UnstartedTasks t = slot->executor->retire();
  if (after && !t.empty()) {
    slot->handback.front().second = std::move(t);
    after->unstarted.splice(after->unstarted.end(), slot->handback);
  }
  move_to_retired_locked(slot, shrink);
}

// Hands the slot's executor to the reaper (its entry was made with the slot).
void ExecutorManager::move_to_retired_locked(Slot* slot, bool shrink) {
  slot->retirement.front().shrink = shrink;
  retired_.splice(retired_.end(), slot->retirement);
}

// An available executor, creating one if fewer than the cap exist. The most
// recently idle one is reused, so that the others can reach idle_pool_seconds.
int ExecutorManager::take_slot_locked(Slot** out) {
  Slot* best = nullptr;
  for (auto& s : slots_)
    if (s->state == Slot::kAvailable && (!best || s->idle_since_ns > best->idle_since_ns))
      best = s.get();
  if (best) {
    *out = best;
    return WG_OK;
  }
  if (slots_.size() >= cap_locked()) return WG_EUNAVAILABLE;
  return add_slot_locked(out);
}

void ExecutorManager::make_available_locked(Slot* slot, uint64_t now) {
  slot->state = Slot::kAvailable;
  slot->lease = nullptr;
  slot->idle_since_ns = now;
  if (slots_.size() > floor_locked())
    wake_housekeeping_locked(deadline_after(now, seconds_to_ns(cfg_.idle_pool_seconds)));
}

// Keeps at least the floor running (after revocations, or when the target grew).
void ExecutorManager::grow_to_floor_locked(LogLines& log) {
  while (slots_.size() < floor_locked()) {
    Slot* s;
    int rc = add_slot_locked(&s);
    if (rc != WG_OK) {
      log.addf(WG_LOG_ERROR, "could not start an executor (error %d); %zu running", rc,
               slots_.size());
      return;
    }
  }
}

void ExecutorManager::retire_slot_locked(size_t index, Aftermath* after) {
  // Available, so normally nothing is left unstarted; a submission that raced
  // with the release may have been, and still gets its outcome.
  retire_executor_locked(slots_[index].get(), true, after);
  slots_.erase(slots_.begin() + static_cast<std::ptrdiff_t>(index));
  wake_housekeeping_locked(0);  // to join its threads
}

// Above the cap (the target shrank): idle executors go at once, the longest
// idle first; leased and draining ones when they come back.
void ExecutorManager::shrink_to_cap_locked(Aftermath* after) {
  while (slots_.size() > cap_locked()) {
    size_t oldest = slots_.size();
    for (size_t i = 0; i < slots_.size(); ++i)
      if (slots_[i]->state == Slot::kAvailable &&
          (oldest == slots_.size() || slots_[i]->idle_since_ns < slots_[oldest]->idle_since_ns))
        oldest = i;
    if (oldest == slots_.size()) return;
    retire_slot_locked(oldest, after);
  }
}

// Above the floor: executors idle for idle_pool_seconds go.
void ExecutorManager::retire_idle_locked(uint64_t now, Aftermath* after) {
  const uint64_t idle_ns = seconds_to_ns(cfg_.idle_pool_seconds);
  for (size_t i = 0; i < slots_.size() && slots_.size() > floor_locked();) {
    Slot* s = slots_[i].get();
    if (s->state == Slot::kAvailable && deadline_after(s->idle_since_ns, idle_ns) <= now)
      retire_slot_locked(i, after);
    else
      ++i;
  }
}

}  // namespace wg
