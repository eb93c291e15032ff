#include "thread_pool_executor.hpp"

#include <pthread.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <system_error>

#include "clock.hpp"
#include "thread_start.hpp"
#include "workgrinder/workgrinder.h"

namespace wg {

std::shared_ptr<ThreadPoolExecutor> ThreadPoolExecutor::create(size_t workers,
                                                               const WorkerHooks& hooks, int* err) {
  // Out of memory before the first thread starts: nothing to undo.
  std::shared_ptr<ThreadPoolExecutor> ex;
  try {
    ex.reset(new ThreadPoolExecutor(hooks));
    ex->workers_.resize(workers);
    ex->reaped_.reserve(workers);  // reap() must not allocate
  } catch (const std::bad_alloc&) {
    *err = WG_ENOMEM;
    return nullptr;
  }
  {
    std::lock_guard<std::mutex> lk(ex->mu_);
    size_t i = 0;
    try {
      for (; i < workers; ++i)
        ex->workers_[i].thread = start_thread([self = ex, i] { self->worker_main(i); });
      return ex;
    } catch (const std::exception&) {  // no thread (system_error) or no memory for its state
      if (i == 0) {
        *err = WG_ENOMEM;
        return nullptr;
      }
      ex->retired_ = true;  // the threads started so far exit at once
      ex->revoked_.store(true, std::memory_order_release);
    }
  }
  // Some threads did start: the caller gets the retired executor to reap()
  // once it holds no lock (joining here could wait for a worker hook that
  // waits for the caller's lock), so that no thread outlives the failure.
  ex->cv_.notify_all();
  *err = WG_ENOMEM;
  return ex;
}

ThreadPoolExecutor::~ThreadPoolExecutor() {
  for (Worker& w : workers_) {
    if (!w.thread.joinable()) continue;
    if (w.thread.get_id() == std::this_thread::get_id())
      w.thread.detach();  // the last owner was this worker itself
    else
      w.thread.join();  // it dropped its reference: it is returning
  }
  while (head_) {
    TaskRange* r = head_;
    head_ = r->link;
    delete r;
  }
}

int ThreadPoolExecutor::submit_many(const TaskRunner* runner, Task* const* tasks, size_t n,
                                    size_t* accepted) {
  *accepted = 0;
  if (n == 0) return WG_OK;
  TaskRange* r = new (std::nothrow) TaskRange();
  Task** copy = r ? new (std::nothrow) Task*[n] : nullptr;
  if (!copy) {
    delete r;
    return WG_ENOMEM;
  }
  r->runner = runner;
  r->tasks.reset(copy);
  std::memcpy(copy, tasks, n * sizeof(Task*));
  r->n = n;
  bool wake_all;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (retired_) {
      delete r;
      return WG_ELEASE;
    }
    tasks_accepted(n);
    if (tail_)
      tail_->link = r;
    else
      head_ = r;
    tail_ = r;
    if (idle_ == 0) {
      *accepted = n;
      return WG_OK;
    }
    wake_all = n > 1 && idle_ > 1;
  }
  if (wake_all)
    cv_.notify_all();
  else
    cv_.notify_one();
  *accepted = n;
  return WG_OK;
}

void ThreadPoolExecutor::drop_exhausted_head_locked() {
  while (head_ && head_->next.load(std::memory_order_relaxed) >= head_->n) {
    TaskRange* r = head_;
    head_ = r->link;
    if (!head_) tail_ = nullptr;
    r->unlinked = true;
    if (r->holders == 0) delete r;
  }
}

void ThreadPoolExecutor::worker_main(size_t index) {
  pthread_setname_np(pthread_self(), "wg-worker");
  if (hooks_.on_start) hooks_.on_start(hooks_.opaque);
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    drop_exhausted_head_locked();
    if (!head_) {
      if (retired_) break;
      ++idle_;
      cv_.wait(lk);
      --idle_;
      continue;
    }
    TaskRange* r = head_;
    ++r->holders;
    workers_[index].busy = true;
    lk.unlock();
    run_claimed(r);
    lk.lock();
    workers_[index].busy = false;
    if (--r->holders == 0 && r->unlinked) delete r;
  }
  lk.unlock();
  if (hooks_.on_stop) hooks_.on_stop(hooks_.opaque);
}

// Claims tasks from `r` and runs them. A claim grows (up to kMaxClaim) while
// claims finish quickly, so tiny tasks cost one shared increment and one
// completion push per claim instead of per task; it shrinks back to one task
// as soon as a claim takes long, so slow tasks neither wait behind each other
// on one worker nor delay their neighbours' outcomes. A claim never takes
// more than a fair share of what is left, so the other workers get work too.
void ThreadPoolExecutor::run_claimed(TaskRange* r) {
  constexpr size_t kMaxClaim = 64;
  constexpr uint64_t kQuickClaimNs = 20000;
  const size_t workers = workers_.size();  // fixed once create() returned: no lock
  size_t claim = 1;
  for (;;) {
    size_t i = r->next.fetch_add(claim, std::memory_order_acq_rel);
    if (i >= r->n) return;
    size_t k = std::min(claim, r->n - i);
    uint64_t t0 = now_ns();
    run_tasks(r->runner, &r->tasks[i], k, WG_OK, &revoked_);
    uint64_t took = now_ns() - t0;
    size_t left = r->n > i + k ? r->n - i - k : 0;
    claim = took < kQuickClaimNs ? std::min(claim * 2, kMaxClaim) : std::max<size_t>(claim / 2, 1);
    claim = std::max<size_t>(1, std::min(claim, left / (2 * workers)));
  }
}

UnstartedTasks ThreadPoolExecutor::retire() {
  UnstartedTasks unstarted;
  {
    std::lock_guard<std::mutex> lk(mu_);
    retired_ = true;
    revoked_.store(true, std::memory_order_release);
    try {
      reserve_unstarted_locked(&unstarted);
    } catch (const std::bad_alloc&) {
      // Out of memory: the tasks stay queued. The workers drain the queue
      // before they exit and, finding the executor revoked, end each one with
      // WG_ELEASE, as hand_back would have.
      unstarted.clear();
    }
    if (!unstarted.empty()) claim_unstarted_locked(&unstarted);
    drop_exhausted_head_locked();
  }
  cv_.notify_all();
  return unstarted;
}

// Room for every task not yet claimed, in groups by runner as
// claim_unstarted_locked makes them. Workers claim without the lock, so this
// only reads; each group gets room for every unclaimed task of its runner, so
// that ranges the claim merges (a range between them was emptied meanwhile)
// still fit: the claim itself must not allocate.
void ThreadPoolExecutor::reserve_unstarted_locked(UnstartedTasks* out) {
  for (TaskRange* r = head_; r; r = r->link) {
    if (r->next.load(std::memory_order_acquire) >= r->n) continue;
    if (out->empty() || out->back().first != r->runner)
      out->emplace_back(r->runner, std::vector<Task*>());
  }
  for (auto& u : *out) {
    size_t room = 0;
    for (TaskRange* r = head_; r; r = r->link) {
      size_t k = r->next.load(std::memory_order_acquire);
      if (r->runner == u.first && k < r->n) room += r->n - k;
    }
    u.second.reserve(room);
  }
}

// Claims every unstarted task into the room reserve_unstarted_locked made
// (claims only shrink what is left, and the groups follow the same ranges).
void ThreadPoolExecutor::claim_unstarted_locked(UnstartedTasks* out) {
  size_t g = 0;
  const TaskRunner* current = nullptr;
  for (TaskRange* r = head_; r; r = r->link) {
    size_t k = r->next.exchange(r->n, std::memory_order_acq_rel);
    if (k >= r->n) continue;
    if (current != r->runner) {
      while (g < out->size() && (*out)[g].first != r->runner) ++g;
      current = r->runner;
    }
    (*out)[g].second.insert((*out)[g].second.end(), &r->tasks[k], &r->tasks[r->n]);
  }
  // A group whose tasks were all claimed by workers meanwhile stays empty.
  out->erase(
      std::remove_if(out->begin(), out->end(), [](const auto& u) { return u.second.empty(); }),
      out->end());
}

// Allocates nothing (reaped_ was reserved by create): it runs on every stop.
void ThreadPoolExecutor::reap() {
  std::vector<std::thread> idle;
  {
    std::lock_guard<std::mutex> lk(mu_);
    idle.swap(reaped_);
    for (Worker& w : workers_) {
      if (!w.thread.joinable()) continue;
      if (w.busy || w.thread.get_id() == std::this_thread::get_id())
        w.thread.detach();  // exits by itself once its task returns
      else
        idle.push_back(std::move(w.thread));
    }
  }
  for (std::thread& t : idle) t.join();
}

}  // namespace wg
