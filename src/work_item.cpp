#include "work_item.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

#include "allocator.hpp"
#include "clock.hpp"
#include "futex.hpp"
#include "grinder.hpp"
#include "item_pool.hpp"

namespace wg {

static_assert(sizeof(WorkItem) <= item_pool::kBlockSize[item_pool::kPlain],
              "a plain item must fit its pool block");
static_assert(sizeof(WorkItem) + sizeof(ItemExtras) <=
                  item_pool::kBlockSize[item_pool::kWithExtras],
              "an item with extras must fit its pool block");

WorkItem* WorkItem::create(wg_work_fn fn, void* arg, const wg_submit_opts_t* opts, bool future) {
  const char* owner = opts ? opts->owner : nullptr;
  double deadline_s = opts && opts->version >= 2 ? opts->deadline_seconds : 0;
  bool with_extras =
      future || deadline_s > 0 || (opts && (opts->dispose || opts->release_arg || owner));
  size_t owner_len = owner ? std::strlen(owner) + 1 : 0;
  void* mem = !with_extras ? item_pool::allocate(item_pool::kPlain)
              : !owner     ? item_pool::allocate(item_pool::kWithExtras)
                           : allocate(sizeof(WorkItem) + sizeof(ItemExtras) + owner_len);
  if (!mem) return nullptr;
  WorkItem* it = new (mem) WorkItem();
  it->fn = fn;
  it->arg = arg;
  if (!with_extras) return it;
  ItemExtras* x = new (static_cast<char*>(mem) + sizeof(WorkItem)) ItemExtras();
  it->extras = x;
  if (opts) {
    x->dispose = opts->dispose;
    x->dispose_opaque = opts->dispose_opaque;
    x->release_arg = opts->release_arg;
  }
  if (deadline_s > 0)  // from submission: the item's time starts now
    x->deadline_ns = now_ns() + (deadline_s > 3e7 ? seconds_to_ns(3e7) : seconds_to_ns(deadline_s));
  if (owner) {
    char* copy = static_cast<char*>(mem) + sizeof(WorkItem) + sizeof(ItemExtras);
    std::memcpy(copy, owner, owner_len);
    x->owner = copy;
  }
  if (future) {
    it->flags.store(kFuture, std::memory_order_relaxed);
    it->refs.store(2, std::memory_order_relaxed);  // pipeline + the caller's handle
  }
  return it;
}

void WorkItem::discard() {
  flags.store(0, std::memory_order_relaxed);  // no grinder reference was taken
  refs.store(1, std::memory_order_relaxed);
  unref();
}

void WorkItem::unref() {
  // Only a future has a second reference (its handle); the pipeline's lone
  // reference needs no atomic decrement.
  if (is_future() && refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  Grinder* g = is_future() ? extras->grinder : nullptr;
  // Items with an owner label are the only ones malloc'ed whole (their size varies).
  bool labelled = extras && extras->owner;
  item_pool::SizeClass size_class = extras ? item_pool::kWithExtras : item_pool::kPlain;
  this->~WorkItem();
  if (labelled)
    deallocate(this);
  else
    item_pool::release(size_class, this);
  if (g) g->unref();
}

void WorkItem::execute(int run_status, const std::atomic<bool>* revoked, bool timed) {
  if (run_status == WG_OK && revoked && revoked->load(std::memory_order_acquire))
    run_status = WG_ELEASE;
  if (run_status != WG_OK) {
    if (try_transition(kDispatched, kFinished)) set_outcome(run_status, 0, nullptr);
    return;
  }
  if (expire_if_late()) return;
  if (!try_transition(kDispatched, kRunning)) return;  // cancelled before it started
  void* res = nullptr;
  uint64_t t0 = timed ? now_ns() : 0;
  int code = fn(arg, &res);
  if (timed) run_ns = now_ns() - t0;
  if (try_transition(kRunning, kFinished))
    set_outcome(code == 0 ? WG_OK : WG_EWORK, code, res);
  else
    dispose_result(res);  // cancelled while running
}

bool WorkItem::expire_if_late() {
  uint64_t deadline = deadline_ns();
  if (deadline == 0 || now_ns() < deadline) return false;
  if (try_transition(kDispatched, kFinished)) set_outcome(WG_ETIMEDOUT, 0, nullptr);
  return true;  // expired here, or cancelled meanwhile: it does not run either way
}

// The caller holds a reference (the pipeline's, or the canceller's handle),
// so the item outlives this call.
void WorkItem::publish_future() {
  uint32_t old = flags.fetch_or(kReady, std::memory_order_acq_rel);
  if (old & kReleased) dispose_result(result);  // nobody will take it
  if (old & kWaiter) futex_wake_all(&flags);
  if (old & kHasNotify) ready_fn(opaque);
  // Only now may arg go: after the outcome and its notification.
  old = flags.fetch_or(kPublished, std::memory_order_acq_rel);
  if ((old & kPipelineLeft) && extras->release_arg)
    extras->release_arg(arg, extras->dispose_opaque);
}

// One registration wins the claim bit; it writes the callback, then announces
// it. Whichever of this and publish_future sets its bit second makes the call
// (it sees the other's bit), so the callback runs exactly once.
int WorkItem::on_ready(wg_ready_fn fn_, void* opaque_) {
  if (flags.fetch_or(kNotifyClaimed, std::memory_order_acq_rel) & kNotifyClaimed) return WG_EINVAL;
  ready_fn = fn_;
  opaque = opaque_;
  uint32_t old = flags.fetch_or(kHasNotify, std::memory_order_acq_rel);
  if (old & kReady) fn_(opaque_);  // already decided: call it here
  return WG_OK;
}

int WorkItem::wait_future(double timeout_seconds, wg_outcome_t* out) {
  uint64_t deadline = timeout_seconds < 0 ? UINT64_MAX : now_ns() + seconds_to_ns(timeout_seconds);
  uint32_t f = flags.load(std::memory_order_acquire);
  while (!(f & kReady)) {
    uint64_t now = now_ns();
    if (timeout_seconds == 0 || (deadline != UINT64_MAX && now >= deadline)) return WG_ETIMEDOUT;
    if (!(f & kWaiter)) {
      if (!flags.compare_exchange_weak(f, f | kWaiter, std::memory_order_acq_rel)) continue;
      f |= kWaiter;
    }
    futex_wait(&flags, f, deadline == UINT64_MAX ? UINT64_MAX : deadline - now);
    f = flags.load(std::memory_order_acquire);
  }
  *out = outcome();
  flags.fetch_or(kResultTaken, std::memory_order_relaxed);
  return WG_OK;
}

void WorkItem::release_future() {
  uint32_t old = flags.fetch_or(kReleased, std::memory_order_acq_rel);
  if ((old & kReady) && !(old & kResultTaken)) dispose_result(result);
  unref();
}

}  // namespace wg
