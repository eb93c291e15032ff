// C++ wrapper over the libworkgrinder C ABI: RAII handles, lambdas,
// std::future, and exceptions carried to the caller. Header-only; link
// libworkgrinder.
//
//   wg::Grinder g(wg::Conf{{"batch_size_threshold", "64"}});
//   g.start();
//   std::future<int> f = g.submit([] { return 6 * 7; });
//   int v = f.get();                       // 42, or rethrows what the lambda threw
//
// Threads: as in workgrinder.h. Callables run on leased worker threads;
// callback-style `done` functions run on the grinder's loop thread and must
// not throw (an exception there ends the process, as in any noexcept code).
#ifndef WORKGRINDER_HPP
#define WORKGRINDER_HPP

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <future>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "workgrinder.h"

namespace wg {

// A library status as an exception.
class Error : public std::runtime_error {
 public:
  Error(int status, const std::string& what)
      : std::runtime_error(what.empty() ? std::string(wg_strerror(status)) : what),
        status_(status) {}
  explicit Error(int status) : Error(status, std::string()) {}
  int status() const noexcept { return status_; }
  const char* name() const noexcept { return wg_err_name(status_); }

 private:
  int status_;
};

inline void check(int status, const char* errstr = nullptr) {
  if (status != WG_OK) throw Error(status, errstr ? std::string(errstr) : std::string());
}

// Configuration; see the README for every key.
class Conf {
 public:
  Conf() : conf_(wg_conf_new(), &wg_conf_destroy) {
    if (!conf_) throw std::bad_alloc();
  }
  Conf(std::initializer_list<std::pair<const char*, const char*>> kv) : Conf() {
    for (auto& p : kv) set(p.first, p.second);
  }

  // Throws wg::Error (WG_EINVAL, with the library's message) on a bad value.
  Conf& set(const std::string& key, const std::string& value) {
    char err[256] = "";
    check(wg_conf_set(conf_.get(), key.c_str(), value.c_str(), err, sizeof err), err);
    return *this;
  }

  // The log callback is kept alive by every grinder and manager made from
  // this conf. It may be called from several threads at once.
  Conf& on_log(std::function<void(int level, const char* message)> fn) {
    log_ = std::make_shared<std::function<void(int, const char*)>>(std::move(fn));
    check(wg_conf_set_log_cb(conf_.get(), &Conf::log_trampoline, log_.get()));
    return *this;
  }

  const wg_conf_t* get() const noexcept { return conf_.get(); }
  std::shared_ptr<void> log_keepalive() const { return log_; }

 private:
  static void log_trampoline(int level, const char* message, void* opaque) {
    try {
      (*static_cast<std::function<void(int, const char*)>*>(opaque))(level, message);
    } catch (...) {
      // A log line is not worth a crash.
    }
  }

  std::unique_ptr<wg_conf_t, void (*)(wg_conf_t*)> conf_;
  std::shared_ptr<std::function<void(int, const char*)>> log_;
};

// Per-submission flow control (wg_submit_opts_t version 2), for the
// Grinder's submit/enqueue/submit_wait overloads that take it first.
struct SubmitOptions {
  // When max_pending is reached: 0 fails at once (wg::Error WG_EFULL), > 0
  // waits that many seconds for room, < 0 waits without limit.
  double admit_timeout_seconds = 0;
  // Per-item deadline in seconds from submission (0: none): not started by
  // then, the item ends with wg::Error WG_ETIMEDOUT without running.
  double deadline_seconds = 0;
};

struct Stats {
  bool started = false, stopping = false;
  uint64_t pending = 0, batch_size_threshold = 0;
  double max_wait_seconds = 0, lease_seconds = 0, oldest_wait_seconds = 0;
  uint64_t submitted = 0, completed = 0, failed = 0, cancelled = 0, rejected = 0, batches = 0,
           inflight_items = 0, inflight_batches = 0;
  uint64_t expired = 0, admission_waits = 0;  // wg_stats_t version 2
};

struct ManagerStats {
  bool started = false;
  uint64_t available = 0, leased = 0, draining = 0, total = 0, waiters = 0, expired = 0;
  std::vector<wg_lease_info_t> leases;
};

// The leased executor manager; share one between grinders, or let each
// grinder own a private one.
class Manager {
 public:
  explicit Manager(const Conf& conf = Conf()) : log_(conf.log_keepalive()) {
    char err[256] = "";
    wg_manager_t* m = nullptr;
    check(wg_manager_create(&m, conf.get(), err, sizeof err), err);
    m_.reset(m);
  }
  void start() { check(wg_manager_start(m_.get())); }
  void stop() { check(wg_manager_stop(m_.get())); }

  ManagerStats stats() const {
    wg_manager_stats_t s{};
    s.version = WG_MANAGER_STATS_VERSION;
    size_t n = 0;
    check(wg_manager_stats(m_.get(), &s, nullptr, 0, &n));
    ManagerStats out;
    out.leases.resize(n);
    check(wg_manager_stats(m_.get(), &s, out.leases.data(), n, &n));
    out.leases.resize(std::min(n, out.leases.size()));
    out.started = s.started != 0;
    out.available = s.available;
    out.leased = s.leased;
    out.draining = s.draining;
    out.total = s.total;
    out.waiters = s.waiters;
    out.expired = s.expired;
    return out;
  }

  wg_manager_t* get() const noexcept { return m_.get(); }

 private:
  struct Destroy {
    void operator()(wg_manager_t* m) const noexcept { wg_manager_destroy(m); }
  };
  std::shared_ptr<void> log_;
  std::unique_ptr<wg_manager_t, Destroy> m_;
};

namespace detail {

template <typename R>
struct Slot {
  std::optional<R> value;
};
template <>
struct Slot<void> {};

// One submitted callable and the place its outcome lands. Reference counted:
// the library holds one reference until release_arg, a wg::Future another.
template <typename F, typename R>
struct Box {
  explicit Box(F&& fn, int refs) : f(std::move(fn)), refs(refs) {}
  F f;
  Slot<R> slot;
  std::exception_ptr error;
  std::atomic<int> refs;
  std::function<void(Box*, const wg_outcome_t&)> done;  // callback style only

  void unref() {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  static int run(void* arg, void**) {
    auto* b = static_cast<Box*>(arg);
    try {
      if constexpr (std::is_void_v<R>)
        b->f();
      else
        b->slot.value.emplace(b->f());
      return 0;
    } catch (...) {
      b->error = std::current_exception();
      return 1;
    }
  }
  static void release(void* arg, void*) { static_cast<Box*>(arg)->unref(); }
  static void on_done(const wg_outcome_t* o, void* opaque) noexcept {
    auto* b = static_cast<Box*>(opaque);
    b->done(b, *o);
  }
  static const wg_submit_opts_t* opts() {
    static const wg_submit_opts_t o{WG_SUBMIT_OPTS_VERSION, nullptr, nullptr, nullptr,
                                    &Box::release,          0,       0};
    return &o;
  }
};

// The callable's result as a value or an exception, from an outcome.
// The exception moves out of the box, so that the box (freed on whichever
// thread lets go last) no longer shares it with the caller.
template <typename R, typename B>
R take(B* b, const wg_outcome_t& o) {
  if (o.status == WG_EWORK && b->error) std::rethrow_exception(std::exchange(b->error, nullptr));
  if (o.status != WG_OK) throw Error(o.status);
  if constexpr (!std::is_void_v<R>) return std::move(*b->slot.value);
}

template <typename R, typename B>
void settle(std::promise<R>& p, B* b, const wg_outcome_t& o) {
  try {
    if constexpr (std::is_void_v<R>) {
      take<R>(b, o);
      p.set_value();
    } else {
      p.set_value(take<R>(b, o));
    }
  } catch (...) {
    p.set_exception(std::current_exception());
  }
}

// Calls write(buf, size, &needed) until the document fits (it may grow
// between the size query and the copy).
template <typename Write>
std::string document_of(Write write) {
  size_t needed = 0;
  std::string out(256, '\0');
  for (;;) {
    int rc = write(&out[0], out.size(), &needed);
    if (rc == WG_OK) {
      out.resize(needed - 1);
      return out;
    }
    if (needed <= out.size()) check(rc);  // not a size problem
    out.assign(needed, '\0');
  }
}

inline Stats stats_of(wg_grinder_t* g) {
  wg_stats_t s{};
  s.version = WG_STATS_VERSION;
  check(wg_stats(g, &s));
  Stats out;
  out.started = s.started != 0;
  out.stopping = s.stopping != 0;
  out.pending = s.pending;
  out.batch_size_threshold = s.batch_size_threshold;
  out.max_wait_seconds = s.max_wait_seconds;
  out.lease_seconds = s.lease_seconds;
  out.oldest_wait_seconds = s.oldest_wait_seconds;
  out.submitted = s.submitted;
  out.completed = s.completed;
  out.failed = s.failed;
  out.cancelled = s.cancelled;
  out.rejected = s.rejected;
  out.batches = s.batches;
  out.inflight_items = s.inflight_items;
  out.inflight_batches = s.inflight_batches;
  out.expired = s.expired;
  out.admission_waits = s.admission_waits;
  return out;
}

// wg_submit_wait with a box holding two references (the library's, released
// through release_arg, and ours): the value or the callable's exception.
template <typename R, typename B>
R submit_wait_box(wg_grinder_t* g, wg_work_fn fn, B* b, const wg_submit_opts_t* opts,
                  double timeout_seconds) {
  wg_outcome_t o;
  int rc = wg_submit_wait(g, fn, b, opts, timeout_seconds, &o);
  if (rc != WG_OK && rc != WG_ETIMEDOUT) {
    delete b;  // not accepted: nothing was taken over
    throw Error(rc);
  }
  std::unique_ptr<B, void (*)(B*)> hold(b, [](B* x) { x->unref(); });
  check(rc);
  return take<R>(b, o);
}

inline std::string stats_json_of(wg_grinder_t* g) {
  return document_of(
      [g](char* b, size_t n, size_t* needed) { return wg_stats_json(g, b, n, needed); });
}

inline std::string metrics_prometheus_of(wg_grinder_t* g, const std::string& prefix) {
  return document_of([&](char* b, size_t n, size_t* needed) {
    return wg_metrics_prometheus(g, prefix.c_str(), b, n, needed);
  });
}

}  // namespace detail

// The outcome handed to a callback: a value, or the exception to rethrow.
template <typename R>
class Result {
 public:
  int status() const noexcept { return status_; }
  bool ok() const noexcept { return status_ == WG_OK; }
  // The value, or throws what the callable threw (or wg::Error).
  auto get() {
    if (error_) std::rethrow_exception(error_);
    if constexpr (!std::is_void_v<R>) return std::move(*value_);
  }

 private:
  friend class Grinder;
  int status_ = WG_OK;
  std::optional<std::conditional_t<std::is_void_v<R>, char, R>> value_;
  std::exception_ptr error_;
};

template <typename Arg, typename Res>
class BatchGrinder;

// A cancellable future from Grinder::enqueue.
template <typename R>
class Future {
 public:
  Future() = default;
  Future(Future&& o) noexcept
      : f_(std::exchange(o.f_, nullptr)),
        box_(std::exchange(o.box_, nullptr)),
        take_(o.take_),
        unref_(o.unref_) {}
  Future& operator=(Future&& o) noexcept {
    if (this != &o) {
      reset();
      f_ = std::exchange(o.f_, nullptr);
      box_ = std::exchange(o.box_, nullptr);
      take_ = o.take_;
      unref_ = o.unref_;
    }
    return *this;
  }
  Future(const Future&) = delete;
  Future& operator=(const Future&) = delete;
  ~Future() { reset(); }

  bool valid() const noexcept { return f_ != nullptr; }
  bool ready() const noexcept { return wg_future_done(f_) == 1; }
  // True if it became cancelled (its get() then throws wg::Error WG_ECANCELED).
  bool cancel() { return wg_future_cancel(f_) == WG_OK; }

  // True once the outcome is there. Throws WG_EWRONGTHREAD on a loop thread
  // or a manager's housekeeping thread (see workgrinder.h).
  template <typename Rep, typename Period>
  bool wait_for(std::chrono::duration<Rep, Period> d) {
    wg_outcome_t o;
    int rc = wg_future_wait(f_, std::chrono::duration<double>(d).count(), &o);
    if (rc == WG_ETIMEDOUT) return false;
    check(rc);
    return true;
  }

  // Waits, then returns the value or rethrows what the callable threw.
  R get() {
    wg_outcome_t o;
    check(wg_future_wait(f_, -1, &o));
    return take_(box_, o);
  }

 private:
  friend class Grinder;
  template <typename A, typename R2>
  friend class BatchGrinder;
  Future(wg_future_t* f, void* box, R (*take)(void*, const wg_outcome_t&), void (*unref)(void*))
      : f_(f), box_(box), take_(take), unref_(unref) {}
  void reset() {
    if (f_) wg_future_release(f_);
    if (box_) unref_(box_);
    f_ = nullptr;
    box_ = nullptr;
  }

  wg_future_t* f_ = nullptr;
  void* box_ = nullptr;
  R (*take_)(void*, const wg_outcome_t&) = nullptr;
  void (*unref_)(void*) = nullptr;
};

// A grinder. Destruction drains (like wg_destroy); destroy it off its loop
// thread.
class Grinder {
 public:
  explicit Grinder(const Conf& conf = Conf()) : Grinder(conf, nullptr) {}
  Grinder(const Conf& conf, Manager& manager) : Grinder(conf, manager.get()) {}
  Grinder(const Grinder&) = delete;
  Grinder& operator=(const Grinder&) = delete;
  ~Grinder() { wg_destroy(g_); }

  void start() { check(wg_start(g_)); }
  void stop(bool cancel_pending = false) { check(wg_stop(g_, cancel_pending ? 1 : 0)); }
  // Drains for at most `drain`, then cancels the rest (wg_stop_timeout).
  // True if everything drained in time; stopped either way.
  template <typename Rep, typename Period>
  bool stop_timeout(std::chrono::duration<Rep, Period> drain) {
    int rc = wg_stop_timeout(g_, std::chrono::duration<double>(drain).count());
    if (rc == WG_ETIMEDOUT) return false;
    check(rc);
    return true;
  }

  // Runs f() on a worker; the std::future holds its value or its exception
  // (wg::Error for WG_ECANCELED and other library outcomes).
  template <typename F, typename R = std::invoke_result_t<std::decay_t<F>>>
  std::future<R> submit(F&& f) {
    return submit(SubmitOptions(), std::forward<F>(f));
  }
  // The same with flow control (admission wait).
  template <typename F, typename R = std::invoke_result_t<std::decay_t<F>>>
  std::future<R> submit(const SubmitOptions& so, F&& f) {
    using B = detail::Box<std::decay_t<F>, R>;
    auto promise = std::make_shared<std::promise<R>>();
    std::future<R> fut = promise->get_future();
    auto* b = new B(std::forward<F>(f), 1);
    b->done = [promise](B* box, const wg_outcome_t& o) { detail::settle(*promise, box, o); };
    submit_box(b, so);
    return fut;
  }

  // Runs f() on a worker and calls done(wg::Result<R>&) on the loop thread.
  template <typename F, typename D, typename R = std::invoke_result_t<std::decay_t<F>>,
            typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, SubmitOptions>>>
  void submit(F&& f, D&& done) {
    using B = detail::Box<std::decay_t<F>, R>;
    auto* b = new B(std::forward<F>(f), 1);
    b->done = [d = std::forward<D>(done)](B* box, const wg_outcome_t& o) mutable {
      Result<R> r;
      r.status_ = o.status;
      try {
        if constexpr (std::is_void_v<R>)
          detail::take<R>(box, o);
        else
          r.value_.emplace(detail::take<R>(box, o));
      } catch (...) {
        r.error_ = std::current_exception();
      }
      d(r);
    };
    submit_box(b);
  }

  // Runs f() on a worker; returns a future that can be cancelled.
  template <typename F, typename R = std::invoke_result_t<std::decay_t<F>>>
  Future<R> enqueue(F&& f) {
    return enqueue(SubmitOptions(), std::forward<F>(f));
  }
  template <typename F, typename R = std::invoke_result_t<std::decay_t<F>>>
  Future<R> enqueue(const SubmitOptions& so, F&& f) {
    using B = detail::Box<std::decay_t<F>, R>;
    auto* b = new B(std::forward<F>(f), 2);  // the library's and the future's
    wg_future_t* fut = nullptr;
    const wg_submit_opts_t o = with(B::opts(), so);
    int rc = wg_enqueue(g_, &B::run, b, &o, &fut);
    if (rc != WG_OK) {
      delete b;
      throw Error(rc);
    }
    return Future<R>(
        fut, b,
        [](void* box, const wg_outcome_t& o) -> R {
          return detail::take<R>(static_cast<B*>(box), o);
        },
        [](void* box) { static_cast<B*>(box)->unref(); });
  }

  // Runs f() and waits up to timeout_seconds (< 0: no limit) for its value.
  template <typename F, typename R = std::invoke_result_t<std::decay_t<F>>,
            typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, SubmitOptions>>>
  R submit_wait(F&& f, double timeout_seconds = -1) {
    return submit_wait(SubmitOptions(), std::forward<F>(f), timeout_seconds);
  }
  template <typename F, typename R = std::invoke_result_t<std::decay_t<F>>>
  R submit_wait(const SubmitOptions& so, F&& f, double timeout_seconds = -1) {
    using B = detail::Box<std::decay_t<F>, R>;
    const wg_submit_opts_t opts = with(B::opts(), so);
    return detail::submit_wait_box<R>(g_, &B::run, new B(std::forward<F>(f), 2), &opts,
                                      timeout_seconds);
  }

  Stats stats() const { return detail::stats_of(g_); }
  // wg_stats_json and wg_metrics_prometheus (prefix "": "workgrinder").
  std::string stats_json() const { return detail::stats_json_of(g_); }
  std::string metrics_prometheus(const std::string& prefix = std::string()) const {
    return detail::metrics_prometheus_of(g_, prefix);
  }

  wg_grinder_t* get() const noexcept { return g_; }

 private:
  Grinder(const Conf& conf, wg_manager_t* m) : log_(conf.log_keepalive()) {
    char err[256] = "";
    check(wg_create(&g_, conf.get(), m, err, sizeof err), err);
  }

  static wg_submit_opts_t with(const wg_submit_opts_t* base, const SubmitOptions& so) {
    wg_submit_opts_t o = *base;
    o.admit_timeout_seconds = so.admit_timeout_seconds;
    o.deadline_seconds = so.deadline_seconds;
    return o;
  }

  template <typename B>
  void submit_box(B* b, const SubmitOptions& so = SubmitOptions()) {
    const wg_submit_opts_t o = with(B::opts(), so);
    int rc = wg_submit_ex(g_, &B::run, b, &B::on_done, b, &o);
    if (rc != WG_OK) {
      delete b;
      throw Error(rc);
    }
  }

  std::shared_ptr<void> log_;
  wg_grinder_t* g_ = nullptr;
};

// One item of a batch, as a batch handler sees it: the submitted value, and
// the outcome the handler gives it. Decide each item at most once (a second
// decision throws wg::Error WG_EALREADY). Items left undecided succeed (with
// Res{}, or fail with work code -1 when Res has no default) if the handler
// returns, and fail with its exception if it throws.
template <typename Arg, typename Res>
class BatchItem {
 public:
  const Arg& arg() const noexcept { return box_->arg; }
  Arg& arg() noexcept { return box_->arg; }
  template <typename R = Res, typename = std::enable_if_t<!std::is_void_v<R>>>
  void set(R value) {
    if (decided_) throw Error(WG_EALREADY);
    box_->slot.value.emplace(std::move(value));
    decide(0);
  }
  template <typename R = Res, typename = std::enable_if_t<std::is_void_v<R>>>
  void set() {
    decide(0);
  }
  // Fails the item: its caller gets wg::Error(WG_EWORK) with this code (not 0).
  void fail(int work_code) { decide(work_code == 0 ? -1 : work_code); }
  bool decided() const noexcept { return decided_; }

 private:
  template <typename A, typename R>
  friend class BatchGrinder;
  using Box = typename BatchGrinder<Arg, Res>::ItemBox;
  BatchItem(wg_batch_t* b, size_t i, Box* box) : batch_(b), index_(i), box_(box) {}
  void decide(int code) {
    if (decided_) throw Error(WG_EALREADY);
    decided_ = true;
    wg_batch_set(batch_, index_, code, nullptr);
  }
  wg_batch_t* batch_;
  size_t index_;
  Box* box_;
  bool decided_ = false;
};

// A grinder whose batches go to one handler call each: handler(items) runs on
// a worker with the batch's items in submission order (per thread), and each
// caller receives its own item's outcome once the handler has returned. For
// one transaction, request or interpreter crossing per batch.
//
//   wg::BatchGrinder<Event, long> g(conf, [&](std::vector<wg::BatchItem<Event, long>>& items) {
//     begin(); for (auto& it : items) it.set(insert(it.arg())); commit();
//   });
template <typename Arg, typename Res>
class BatchGrinder {
 public:
  using Item = BatchItem<Arg, Res>;
  using Handler = std::function<void(std::vector<Item>& items)>;

  BatchGrinder(const Conf& conf, Handler handler)
      : BatchGrinder(conf, nullptr, std::move(handler)) {}
  BatchGrinder(const Conf& conf, Manager& manager, Handler handler)
      : BatchGrinder(conf, manager.get(), std::move(handler)) {}
  BatchGrinder(const BatchGrinder&) = delete;
  BatchGrinder& operator=(const BatchGrinder&) = delete;
  ~BatchGrinder() { wg_destroy(g_); }

  void start() { check(wg_start(g_)); }
  void stop(bool cancel_pending = false) { check(wg_stop(g_, cancel_pending ? 1 : 0)); }
  // Drains for at most `drain`, then cancels the rest (wg_stop_timeout).
  // True if everything drained in time; stopped either way.
  template <typename Rep, typename Period>
  bool stop_timeout(std::chrono::duration<Rep, Period> drain) {
    int rc = wg_stop_timeout(g_, std::chrono::duration<double>(drain).count());
    if (rc == WG_ETIMEDOUT) return false;
    check(rc);
    return true;
  }

  std::future<Res> submit(Arg arg) {
    auto promise = std::make_shared<std::promise<Res>>();
    std::future<Res> fut = promise->get_future();
    auto* b = new ItemBox(std::move(arg), state_, 1);
    b->done = [promise](ItemBox* box, const wg_outcome_t& o) { detail::settle(*promise, box, o); };
    int rc = wg_submit_ex(g_, nullptr, b, &ItemBox::on_done, b, ItemBox::opts());
    if (rc != WG_OK) {
      delete b;
      throw Error(rc);
    }
    return fut;
  }

  Future<Res> enqueue(Arg arg) {
    auto* b = new ItemBox(std::move(arg), state_, 2);
    wg_future_t* fut = nullptr;
    int rc = wg_enqueue(g_, nullptr, b, ItemBox::opts(), &fut);
    if (rc != WG_OK) {
      delete b;
      throw Error(rc);
    }
    return Future<Res>(
        fut, b,
        [](void* box, const wg_outcome_t& o) -> Res {
          return detail::take<Res>(static_cast<ItemBox*>(box), o);
        },
        [](void* box) { static_cast<ItemBox*>(box)->unref(); });
  }

  Res submit_wait(Arg arg, double timeout_seconds = -1) {
    return detail::submit_wait_box<Res>(g_, nullptr, new ItemBox(std::move(arg), state_, 2),
                                        ItemBox::opts(), timeout_seconds);
  }

  Stats stats() const { return detail::stats_of(g_); }
  // wg_stats_json and wg_metrics_prometheus (prefix "": "workgrinder").
  std::string stats_json() const { return detail::stats_json_of(g_); }
  std::string metrics_prometheus(const std::string& prefix = std::string()) const {
    return detail::metrics_prometheus_of(g_, prefix);
  }
  wg_grinder_t* get() const noexcept { return g_; }

 private:
  friend class BatchItem<Arg, Res>;
  // The handler. Every item holds a reference, so a call still running after
  // a cancelling stop and the grinder's destruction keeps it alive.
  struct State {
    Handler handler;
  };
  struct ItemBox {
    ItemBox(Arg a, std::shared_ptr<State> s, int r)
        : arg(std::move(a)), state(std::move(s)), refs(r) {}
    Arg arg;
    std::shared_ptr<State> state;
    detail::Slot<Res> slot;
    std::exception_ptr error;
    std::atomic<int> refs;
    std::function<void(ItemBox*, const wg_outcome_t&)> done;

    void unref() {
      if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }
    static void release(void* arg, void*) { static_cast<ItemBox*>(arg)->unref(); }
    static void on_done(const wg_outcome_t* o, void* opaque) noexcept {
      auto* b = static_cast<ItemBox*>(opaque);
      b->done(b, *o);
    }
    static const wg_submit_opts_t* opts() {
      static const wg_submit_opts_t o{WG_SUBMIT_OPTS_VERSION, nullptr, nullptr, nullptr,
                                      &ItemBox::release,      0,       0};
      return &o;
    }
  };

  BatchGrinder(const Conf& conf, wg_manager_t* m, Handler handler)
      : state_(std::make_shared<State>(State{std::move(handler)})), log_(conf.log_keepalive()) {
    // wg_create copies the conf: set the batch function for that copy only.
    wg_conf_t* c = const_cast<wg_conf_t*>(conf.get());
    check(wg_conf_set_batch_fn(c, &BatchGrinder::call, state_.get()));
    char err[256] = "";
    int rc = wg_create(&g_, c, m, err, sizeof err);
    wg_conf_set_batch_fn(c, nullptr, nullptr);
    check(rc, err);
  }

  static int call(wg_batch_t* b, void* opaque) noexcept {
    size_t n = wg_batch_size(b);
    std::vector<Item> items;
    try {
      items.reserve(n);
      for (size_t i = 0; i < n; ++i)
        items.push_back(Item(b, i, static_cast<ItemBox*>(wg_batch_arg(b, i))));
      static_cast<State*>(opaque)->handler(items);
    } catch (...) {
      std::exception_ptr e = std::current_exception();
      for (size_t i = 0; i < n; ++i) {
        if (i < items.size() && items[i].decided()) continue;
        auto* box = static_cast<ItemBox*>(wg_batch_arg(b, i));
        if (wg_batch_set(b, i, 1, nullptr) == WG_OK) box->error = e;
      }
      return 0;
    }
    for (Item& it : items) {
      if (it.decided()) continue;
      if constexpr (std::is_void_v<Res>) {
        wg_batch_set(b, it.index_, 0, nullptr);
      } else if constexpr (std::is_default_constructible_v<Res>) {
        it.box_->slot.value.emplace();
        wg_batch_set(b, it.index_, 0, nullptr);
      } else {
        wg_batch_set(b, it.index_, -1, nullptr);  // no value to give it
      }
    }
    return 0;
  }

  std::shared_ptr<State> state_;
  std::shared_ptr<void> log_;
  wg_grinder_t* g_ = nullptr;
};

}  // namespace wg

#endif  // WORKGRINDER_HPP
