/*
 * libworkgrinder: batch small synchronous jobs from many threads, run each
 * batch on a leased pool of worker threads, and hand every caller its own
 * outcome.
 *
 * Threads
 * -------
 * A grinder owns one event-loop thread (the "loop thread"). Work functions run
 * on worker threads leased from a manager. `done` callbacks run on the loop
 * thread. The following may be called from any thread, including the loop
 * thread inside a `done` callback: wg_submit, wg_submit_ex, wg_enqueue,
 * wg_stats, wg_future_cancel, wg_future_done, wg_future_on_ready,
 * wg_future_release and wg_future_wait with timeout 0. Calls that block (wg_submit_wait,
 * wg_future_wait with a timeout other than 0, wg_stop, wg_stop_timeout,
 * submissions with admit_timeout_seconds other than 0, wg_destroy,
 * wg_manager_stop, wg_manager_destroy, wg_manager_acquire with a timeout other
 * than 0) return WG_EWRONGTHREAD instead of deadlocking on every grinder's
 * loop thread (not only the one they name) and on a manager's housekeeping thread
 * (where a lease task's `done` runs when its lease is revoked). A work
 * function of grinder g (on a worker thread) gets WG_EWRONGTHREAD from
 * wg_stop(g, 0), wg_destroy(g) and wg_submit_wait(g, ...) without a time
 * limit, which would wait for the work function itself. What is not detected
 * there: waits with a time limit (they time out), wg_future_wait without a
 * limit on a future of g, and waits on another grinder or manager whose
 * progress needs the executor this work function occupies. No user callback
 * is ever called while a library lock is held.
 *
 * Exactly once
 * ------------
 * Every submission call that returns WG_OK leads to exactly one outcome: one
 * `done` call, or one future outcome. A call that returns an error takes
 * nothing over and calls nothing.
 *
 * fork()
 * ------
 * A child process forked while grinders or managers exist must not call any
 * function on them (not even destroy: their threads do not exist in the
 * child); it may create and use new ones. The parent is unaffected.
 *
 * Unloading
 * ---------
 * The library is linked with -z nodelete: dlclose() leaves it mapped, so a
 * thread that submitted work can exit after it and a worker still inside a
 * slow work function can return. Reloading gives the same, still-loaded copy.
 *
 * Two levels of status
 * --------------------
 * A call's return value says what happened to the call; an outcome's `status`
 * says how the item ended (WG_OK, WG_EWORK, WG_ECANCELED, ...).
 */
#ifndef WORKGRINDER_H
#define WORKGRINDER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(WG_BUILDING_LIBRARY)
#define WG_API __attribute__((visibility("default")))
#else
#define WG_API
#endif

/* ---------------------------------------------------------------- version */

/* The one place the version is kept (CMakeLists.txt reads it from here). */
#define WG_VERSION_MAJOR 0
#define WG_VERSION_MINOR 1
#define WG_VERSION_PATCH 0
#define WG_STRINGIFY_(x) #x
#define WG_STRINGIFY(x) WG_STRINGIFY_(x)
#define WG_VERSION_STRING        \
  WG_STRINGIFY(WG_VERSION_MAJOR) \
  "." WG_STRINGIFY(WG_VERSION_MINOR) "." WG_STRINGIFY(WG_VERSION_PATCH)

/* The version of the library actually loaded: (major << 16) | (minor << 8) |
 * patch. Any thread. */
WG_API unsigned wg_version(void);
/* The loaded library's version as "major.minor.patch"; static storage. */
WG_API const char *wg_version_string(void);

/* ------------------------------------------------------------ status codes */

/* Every status: XX(NAME, code, text). This one list makes the WG_<NAME>
 * constants below, wg_err_name and wg_strerror. 0 is success; library errors
 * are negative, never renumbered, and new ones are only appended. */
#define WG_STATUS_MAP(XX)                                                   \
  XX(OK, 0, "success")                                                      \
  XX(EINVAL, -1, "invalid argument or configuration value")                 \
  XX(ENOTSTARTED, -2, "not started, or stopped")                            \
  XX(ESTOPPING, -3, "stopping or stopped: no new work")                     \
  XX(EWRONGTHREAD, -4, "blocking call that could never return here")        \
  XX(ECANCELED, -5, "cancelled")                                            \
  XX(ETIMEDOUT, -6, "timed out: the outcome or lease did not come in time") \
  XX(EFULL, -7, "max_pending reached")                                      \
  XX(ENOMEM, -8, "out of memory (or threads, or descriptors)")              \
  XX(EWORK, -9, "the work function failed; see work_code")                  \
  XX(ELEASE, -10, "lease expired, released or revoked")                     \
  XX(EUNAVAILABLE, -11, "no executor available and waiting not allowed")    \
  XX(EALREADY, -12, "too late: the outcome was already decided")            \
  XX(ENOKEY, -13, "unknown configuration key")

/* The codes themselves: WG_OK, WG_EINVAL, ... (enumerators: int constants). */
#define WG_STATUS_ENUMERATOR_(name, code, text) WG_##name = (code),
enum { WG_STATUS_MAP(WG_STATUS_ENUMERATOR_) };
#undef WG_STATUS_ENUMERATOR_

/* A short English description of a status; static storage; never NULL (an
 * unknown code gives "unknown error"). Any thread. */
WG_API const char *wg_strerror(int status);
/* The status's symbolic name, e.g. "WG_EINVAL"; static storage; never NULL
 * ("WG_UNKNOWN" for an unknown code). Any thread. */
WG_API const char *wg_err_name(int status);

/* ------------------------------------------------------------------ types */

typedef struct wg_conf wg_conf_t;
typedef struct wg_manager wg_manager_t;
typedef struct wg_grinder wg_grinder_t;
typedef struct wg_future wg_future_t;
typedef struct wg_lease wg_lease_t;

/* Runs on a leased worker thread. Return 0 on success; any other value fails
 * the item with status WG_EWORK and that value as work_code. Whatever is stored
 * in *result (NULL by default) travels to the outcome, success or not. */
typedef int (*wg_work_fn)(void *arg, void **result);

typedef struct wg_outcome {
  int status;    /* WG_OK, WG_EWORK, WG_ECANCELED, WG_ELEASE, ... */
  int work_code; /* the work function's return value (0 unless WG_EWORK) */
  void *result;  /* owned by whoever receives the outcome */
} wg_outcome_t;

/* Receives one item's outcome. For a grinder it runs on the loop thread; for
 * wg_lease_submit it runs on the worker thread (or, for a task that never
 * started, on the manager's housekeeping thread when the lease was revoked at
 * or after its hard expiry, or on the thread in wg_manager_stop). The outcome pointer is valid only
 * during the call; the result it carries now belongs to the callee. */
typedef void (*wg_done_fn)(const wg_outcome_t *outcome, void *opaque);

/* Frees a result that no caller will receive: the work finished after its item
 * was cancelled, or its future was released without taking the outcome. Runs
 * on a worker thread, the loop thread, or the thread that released the future;
 * it must not call back into the library. */
typedef void (*wg_dispose_fn)(void *result, void *opaque);

/* Log levels, as in syslog. */
#define WG_LOG_ERROR 3
#define WG_LOG_WARNING 4
#define WG_LOG_INFO 6
#define WG_LOG_DEBUG 7

/* Receives a log line (no trailing newline; valid during the call only). It is
 * called from the loop thread, a worker thread, the manager's housekeeping thread or
 * the thread that called into the manager, never with a library lock held, so
 * it must be thread-safe. It must not block for long or call wg_stop. */
typedef void (*wg_log_fn)(int level, const char *message, void *opaque);

/* ---------------------------------------------------------- configuration */

/* A new configuration holding every key's default, or NULL when out of memory.
 * The caller owns it; free it with wg_conf_destroy. A conf may be destroyed as
 * soon as wg_create / wg_manager_create returned: they copy it. A conf is not
 * thread-safe: don't change it from two threads at once. */
WG_API wg_conf_t *wg_conf_new(void);

/* Sets one key from its string form, parsed strictly (every key, its default
 * and its rule: CONFIGURATION.md). Returns WG_OK; WG_ENOKEY for a key that
 * does not exist, with a message naming it (e.g. `unknown configuration key
 * "batch_size"`); or WG_EINVAL for a bad value (a message naming the key and
 * the rule, e.g. "batch_size_threshold must be an integer > 0") and for conf,
 * key or value NULL. errstr may be NULL; it is always NUL-terminated when
 * errstr_size > 0, and empty on success. The conf is unchanged on error.
 * Numbers always use '.' as the decimal point, whatever the process's locale.
 * Not thread-safe (see wg_conf_new). */
WG_API int wg_conf_set(wg_conf_t *conf, const char *key, const char *value, char *errstr,
                       size_t errstr_size);

/* Writes key's current value to buf in its canonical string form: integers in
 * decimal, durations in the shortest form that reads back to the same number
 * (e.g. "0.25", "1e-05"), strings as set. wg_conf_set(conf, key, value) with
 * that value leaves the conf as it was. Like snprintf, buf is always
 * NUL-terminated when size > 0; 64 bytes are always enough. Returns WG_OK;
 * WG_ENOKEY for an unknown key (buf then holds ""); WG_EINVAL for conf, key or
 * buf NULL (nothing written), or for size too small for the value (buf then
 * holds as much of it as fits). The conf is never changed. Safe from any
 * thread while no thread changes the conf. */
WG_API int wg_conf_get(const wg_conf_t *conf, const char *key, char *buf, size_t size);

/* Sets (or, with fn NULL, removes) the log callback. Silent by default.
 * Returns WG_EINVAL when conf is NULL. */
WG_API int wg_conf_set_log_cb(wg_conf_t *conf, wg_log_fn fn, void *opaque);

/* Receives the stats JSON (as wg_stats_json writes it; json is NUL-terminated,
 * len excludes the NUL, valid only during the call). */
typedef void (*wg_stats_fn)(const char *json, size_t len, void *opaque);

/* Has the grinder call fn(json, len, opaque) on its loop thread every
 * interval_seconds while it runs (the first call one interval after wg_start;
 * librdkafka's statistics.interval.ms). fn must not block for long: the loop
 * waits for it. fn NULL or interval_seconds <= 0 turns it off. Read by
 * wg_create. Returns WG_OK, or WG_EINVAL (conf NULL, or interval_seconds not
 * a finite number). Not thread-safe (see wg_conf_new). */
WG_API int wg_conf_set_stats_cb(wg_conf_t *conf, wg_stats_fn fn, double interval_seconds,
                                void *opaque);

/* Frees a conf. NULL-safe. */
WG_API void wg_conf_destroy(wg_conf_t *conf);
/* ------------------------------------------------------- batch handlers */

/* One batch, as its batch function sees it: valid only during that call. */
typedef struct wg_batch wg_batch_t;

/* A whole-batch handler: called once per batch on one worker thread of the
 * batch's leased executor, with the batch's items in submission order (items
 * one thread submitted appear in the order it submitted them; items cancelled
 * before the call are left out). It decides items with wg_batch_set; every
 * item it leaves unset gets its return value as work code (0: WG_OK with a
 * NULL result; anything else: WG_EWORK with that work_code). Outcomes are
 * delivered after it returns, so an item's outcome can mean "committed". It
 * may submit to grinders; it must not wait for its own grinder's items (as
 * in a work function, wg_stop(g, 0), wg_destroy(g) and wg_submit_wait(g, ...)
 * without a time limit return WG_EWRONGTHREAD there). */
typedef int (*wg_batch_fn)(wg_batch_t *batch, void *opaque);

/* Gives the grinder created from conf a batch function (fn NULL removes it).
 * Such a grinder takes submissions with fn NULL (the item's arg is what the
 * batch function reads); a non-NULL fn then gives WG_EINVAL, as fn NULL does
 * for a grinder without one. Returns WG_OK, or WG_EINVAL (conf NULL). */
WG_API int wg_conf_set_batch_fn(wg_conf_t *conf, wg_batch_fn fn, void *opaque);

/* The number of items in the batch (0 for NULL). Inside the batch function. */
WG_API size_t wg_batch_size(const wg_batch_t *batch);

/* Item i's arg (NULL for a bad index or batch NULL). Inside the batch
 * function. */
WG_API void *wg_batch_arg(const wg_batch_t *batch, size_t i);

/* The batch's id (as in log lines and lease owner labels; 0 for NULL). */
WG_API uint64_t wg_batch_id(const wg_batch_t *batch);

/* Decides item i: work_code 0 makes its outcome WG_OK, anything else WG_EWORK
 * with that work_code; result travels to the outcome (whoever receives it owns
 * it). Returns WG_OK; WG_EINVAL (batch NULL or i out of range); WG_EALREADY
 * (item i was already set: result is not taken over); WG_ECANCELED (the item
 * was cancelled meanwhile: result has gone to the item's dispose function,
 * if any). Only inside the batch function, on its thread. */
WG_API int wg_batch_set(wg_batch_t *batch, size_t i, int work_code, void *result);

/* ----------------------------------------------------------- worker hooks */

typedef void (*wg_worker_fn)(void *opaque);

/* Sets hooks that run on every worker thread of a manager made from conf (a
 * grinder's private manager, or wg_manager_create): on_start on the worker
 * before its first job, on_stop on it as it exits (its executor retired,
 * revoked or stopped), exactly once each per thread. For per-thread database
 * connections, thread names, interpreter thread states. Either may be NULL.
 * A worker left inside a long job when its manager stops runs on_stop when
 * that job returns. Hooks must not call blocking library functions. Returns
 * WG_OK, or WG_EINVAL (conf NULL). wg_create with a shared manager and hooks
 * set in its conf gives WG_EINVAL: hooks belong to the manager's conf. */
WG_API int wg_conf_set_worker_hooks(wg_conf_t *conf, wg_worker_fn on_start, wg_worker_fn on_stop,
                                    void *opaque);

/* --------------------------------------------------------------- grinder */

/* Versioned structs (wg_submit_opts_t, wg_stats_t, wg_manager_stats_t) start
 * with a version that the caller sets, best with the struct's _INIT macro (a
 * complete initializer: the version, every other field zero or NULL, so that
 * -Wextra stays quiet in C and C++). Fields are only ever appended, and the
 * library accepts every version from 1 to the current one (WG_EINVAL
 * otherwise). See docs/conventions.md. */

#define WG_SUBMIT_OPTS_VERSION 2
/* wg_submit_opts_t opts = WG_SUBMIT_OPTS_INIT; then set the fields you need. */
#define WG_SUBMIT_OPTS_INIT \
  { WG_SUBMIT_OPTS_VERSION, NULL, NULL, NULL, NULL, 0, 0 }
typedef struct wg_submit_opts {
  uint32_t version;      /* 1..WG_SUBMIT_OPTS_VERSION */
  const char *owner;     /* optional label, copied; used in log lines */
  wg_dispose_fn dispose; /* frees a result that no caller will receive */
  void *dispose_opaque;
  /* Optional: called as release_arg(arg, dispose_opaque) exactly once per
   * accepted item, when the library is done with arg: after the outcome was
   * delivered and after the work function returned, or when the item ended
   * without running. Lets FFI bindings free the closure behind arg even when
   * the item was cancelled while its work ran. Runs on the loop thread or a
   * worker thread; it must not call back into the library. */
  wg_dispose_fn release_arg;
  /* Version 2. What a submission does when max_pending items are pending:
   * 0 (default): WG_EFULL at once; > 0: wait up to that many seconds for
   * room, then WG_EFULL; < 0: wait without limit. Waiters are admitted in
   * FIFO order once a quarter of max_pending (at least one slot) is free
   * (woken, never polling; waking them slot by slot would cost a context
   * switch per item under a flood) and get WG_ESTOPPING when a stop
   * begins. A value other than 0 on a grinder's loop thread gives
   * WG_EWRONGTHREAD (whether or not there is room); NaN gives WG_EINVAL.
   * Every submission that had to wait counts in wg_stats_t.admission_waits. */
  double admit_timeout_seconds;
  /* Version 2. 0 (default): no deadline. > 0: if the item has not started
   * running that many seconds after its submission, it ends with WG_ETIMEDOUT
   * without running: at its deadline even while the batches ahead of it are
   * blocked (it then leaves the pending count, as a cancel does), or when a
   * worker reaches it after its deadline. An item already running is not
   * interrupted. Its outcome is delivered as any other (exactly once), and it
   * counts in wg_stats_t.expired and in failed. < 0 or NaN: WG_EINVAL. */
  double deadline_seconds;
} wg_submit_opts_t;

/* Creates a stopped grinder from conf (NULL: every default). With manager NULL
 * the grinder owns a private manager built from the same conf, started and
 * stopped with the grinder; it may own max(max_pools, max_inflight_batches)
 * pools, so that every batch in flight can have its own lease. A shared
 * manager is not owned: it must be started before wg_start and must outlive
 * the grinder's stop; if its max_pools is below the grinder's
 * max_inflight_batches, the first wg_start logs a warning naming both (the
 * extra batches wait for a lease). Returns WG_OK and sets
 * *out, or WG_EINVAL (message in errstr, which may be NULL) or WG_ENOMEM. The
 * caller owns *out and frees it with wg_destroy. Any thread. */
WG_API int wg_create(wg_grinder_t **out, const wg_conf_t *conf, wg_manager_t *manager, char *errstr,
                     size_t errstr_size);

/* Starts the loop thread (and a private manager). Idempotent: WG_OK when
 * already running. Errors: WG_EINVAL (g NULL), WG_ENOTSTARTED (shared manager
 * not started), WG_ESTOPPING (a stop is in progress), WG_ENOMEM (also when
 * fewer than 6 file descriptors are free: the event loop needs them, and
 * libuv would abort() instead of failing; another thread opening descriptors
 * at the same moment can still win that race). A stopped grinder may be
 * started again. Any thread but the loop thread. */
WG_API int wg_start(wg_grinder_t *g);

/* Stops the grinder and blocks until it has stopped. cancel_pending 0 drains:
 * pending items are dispatched at once and every item completes. Otherwise
 * cancels: pending items, a batch still waiting for a lease and items in
 * flight get WG_ECANCELED at once; a work function already running is not
 * interrupted (its later result goes to the item's dispose function). A
 * cancelling stop may also overtake a draining stop in progress. Idempotent
 * and safe before start. Errors: WG_EINVAL (g NULL), WG_EWRONGTHREAD (on any
 * grinder's loop thread or a manager's housekeeping thread; with cancel_pending 0
 * also in a work function of g). */
WG_API int wg_stop(wg_grinder_t *g, int cancel_pending);

/* Stops the grinder like wg_stop(g, 0), but drains for at most drain_seconds
 * (< 0: no limit, as wg_stop(g, 0); 0: what has not finished at once is
 * cancelled), then cancels whatever has not finished, as wg_stop(g, 1) does,
 * and blocks until the grinder has stopped. Returns WG_OK when everything
 * drained in time, WG_ETIMEDOUT when it had to cancel; the grinder is stopped
 * either way. If another thread is already stopping it, waits for that stop
 * (cancelling at the bound if it is a drain). Idempotent and safe before
 * start (WG_OK). Errors: WG_EINVAL (g NULL or drain_seconds NaN),
 * WG_EWRONGTHREAD (called on the loop thread; nothing is stopped). Any other
 * thread. */
WG_API int wg_stop_timeout(wg_grinder_t *g, double drain_seconds);

/* Stops (draining) if running, then frees the grinder and, if it has one, its
 * private manager. NULL-safe (returns WG_OK). Futures still held stay valid
 * until released. Errors: WG_EWRONGTHREAD on any grinder's loop thread, a
 * manager's housekeeping thread or in a work function of g (nothing is freed). */
WG_API int wg_destroy(wg_grinder_t *g);

/* Submits fn(arg) and calls done(outcome, opaque) on the loop thread once it
 * ended. done may be NULL (fire and forget; a result is then disposed). Returns
 * WG_OK (exactly one outcome follows), or without taking anything over:
 * WG_EINVAL (g or fn NULL), WG_ENOTSTARTED (before start or after stop),
 * WG_ESTOPPING (stop in progress), WG_EFULL (max_pending reached), WG_ENOMEM.
 * Any thread, including the loop thread. */
WG_API int wg_submit(wg_grinder_t *g, wg_work_fn fn, void *arg, wg_done_fn done, void *opaque);

/* wg_submit with options (opts may be NULL; its version must be between 1 and
 * WG_SUBMIT_OPTS_VERSION, else WG_EINVAL). */
WG_API int wg_submit_ex(wg_grinder_t *g, wg_work_fn fn, void *arg, wg_done_fn done, void *opaque,
                        const wg_submit_opts_t *opts);

/* Submits fn(arg) and sets *out to a future for its outcome. The caller owns
 * the future and must wg_future_release it. Errors as wg_submit (WG_EINVAL
 * also for out NULL); *out is untouched on error. Any thread. */
WG_API int wg_enqueue(wg_grinder_t *g, wg_work_fn fn, void *arg, const wg_submit_opts_t *opts,
                      wg_future_t **out);

/* Submits fn(arg) and waits up to timeout_seconds (< 0: no limit) for its
 * outcome, stored in *out. Returns WG_OK once it holds the outcome (whose
 * status may be WG_EWORK, WG_ECANCELED, ...), WG_ETIMEDOUT if it did not come
 * in time (the item is then cancelled and a later result disposed), or a
 * submission error as wg_submit. WG_EWRONGTHREAD (nothing submitted) on any
 * grinder's loop thread, a manager's housekeeping thread, or, with timeout < 0, in
 * a work function of g. */
WG_API int wg_submit_wait(wg_grinder_t *g, wg_work_fn fn, void *arg, const wg_submit_opts_t *opts,
                          double timeout_seconds, wg_outcome_t *out);

/* Waits up to timeout_seconds (0: poll; < 0: no limit) for the outcome and
 * copies it to *out. Returns WG_OK with the outcome (the result then belongs to
 * the caller; later waits return the same outcome), WG_ETIMEDOUT if not ready
 * in time, WG_EINVAL (f or out NULL), WG_EWRONGTHREAD (timeout other than 0 on
 * any grinder's loop thread or a manager's housekeeping thread). Any thread. */
WG_API int wg_future_wait(wg_future_t *f, double timeout_seconds, wg_outcome_t *out);

/* Cancels the item. Returns WG_OK if it became cancelled: its outcome is now
 * WG_ECANCELED; a pending item leaves the pending count at once; a running
 * work function is not interrupted and its result goes to dispose. Returns
 * WG_EINVAL (f NULL) or WG_EALREADY if the outcome was already decided. Any
 * thread. */
WG_API int wg_future_cancel(wg_future_t *f);

/* 1 if the outcome is ready, 0 if not or f is NULL. Any thread. */
WG_API int wg_future_done(const wg_future_t *f);

/* Called once when a future's outcome is ready; see wg_future_on_ready. */
typedef void (*wg_ready_fn)(void *opaque);

/* Registers fn to be called once when the outcome is ready: at once, on the
 * calling thread, if it already is; otherwise on the thread that decides it
 * (the worker that ran the item or its batch function, the loop thread, or a
 * thread in wg_future_cancel or wg_stop). It is called
 * even if the future is released first and, when registered before the
 * outcome was decided, before the item's release_arg (so do not let fn use
 * what release_arg frees). Meant for waking an async task or closing a channel: fn must
 * not block and must not call blocking library functions. At most one per
 * future. Returns WG_OK, or WG_EINVAL (f or fn NULL, or one already set). Any
 * thread. */
WG_API int wg_future_on_ready(wg_future_t *f, wg_ready_fn fn, void *opaque);

/* Gives up the caller's reference. Does not cancel: the work still runs, and a
 * result nobody took goes to dispose. NULL-safe. Any thread. */
WG_API void wg_future_release(wg_future_t *f);

#define WG_STATS_VERSION 2
/* wg_stats_t s = WG_STATS_INIT; then wg_stats(g, &s). */
#define WG_STATS_INIT \
  { WG_STATS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }
typedef struct wg_stats {
  uint32_t version; /* 1..WG_STATS_VERSION; fields only ever appended */
  uint32_t started, stopping;
  uint64_t pending, batch_size_threshold;
  double max_wait_seconds, lease_seconds, oldest_wait_seconds;
  uint64_t submitted, completed, failed, cancelled, rejected, batches, inflight_items,
      inflight_batches;
  /* Version 2. expired: items ended WG_ETIMEDOUT by their deadline (they are
   * also counted in failed, so the sum rule below is unchanged).
   * admission_waits: submissions that found
   * max_pending reached and waited for room (admit_timeout_seconds other
   * than 0), whether they were then admitted, timed out or shut out by a
   * stop; each counts once. */
  uint64_t expired, admission_waits;
} wg_stats_t;

/* A snapshot of the grinder's state and counters; never waits on the loop.
 * submitted = completed + failed + cancelled + pending + inflight_items holds
 * in a snapshot taken on the loop thread and in any snapshot once the grinder
 * is idle or stopped. pending never exceeds max_pending, from any thread.
 * Only the fields of out->version are written (a version
 * 1 struct keeps its size). Errors: WG_EINVAL (g or out NULL, or
 * out->version not between 1 and WG_STATS_VERSION). Any thread, any time. */
WG_API int wg_stats(wg_grinder_t *g, wg_stats_t *out);

/* The grinder's stats as one JSON document, NUL-terminated in buf:
 * {"stats": every wg_stats_t field, "manager": every wg_manager_stats_t field,
 *  "histograms": {"batch_size", "queue_wait_ns", "run_ns", "end_to_end_ns"}},
 * each histogram {"count", "sum", "min", "max", "p50", "p90", "p99", "p999",
 * "buckets": [[lowest, highest, count], ...] (non-empty buckets only)}.
 * Histograms are recorded on the loop thread: batch_size per dispatched
 * batch; queue_wait_ns (submission to dispatch) per item; run_ns (work start
 * to return, on the worker) per item that ran; end_to_end_ns (submission to
 * delivery) per completed or failed item. Percentiles are within 2 % of the
 * exact value (log-linear buckets: 32 per power of two).
 * *needed (may be NULL) receives the bytes the document needs, its NUL
 * included. Returns WG_OK if it fit in size bytes; otherwise WG_EINVAL with
 * as much as fits written and NUL-terminated (when size > 0): retry with a
 * buffer of *needed bytes. Also WG_EINVAL, writing nothing, for g NULL or buf
 * NULL with size > 0 (buf NULL, size 0 asks only for *needed); WG_ENOMEM.
 * The caller owns buf. Any thread, any time; never waits on the loop. */
WG_API int wg_stats_json(wg_grinder_t *g, char *buf, size_t size, size_t *needed);

/* The same stats in the Prometheus text exposition format (version 0.0.4):
 * counters end in _total (items_submitted_total, items_completed_total, ...),
 * gauges for pending and in-flight items and batches and the manager's
 * executors, histograms as _bucket{le="..."} (cumulative, at the bounds
 * 2^k - 1 of the recorded unit, k = 0..40, and +Inf), _sum and _count, with
 * durations in seconds (batch_size_items, queue_wait_seconds, run_seconds,
 * end_to_end_seconds). Every metric name starts with prefix + "_"; prefix
 * NULL or "" means "workgrinder", else it must match [a-zA-Z_:][a-zA-Z0-9_:]*
 * (WG_EINVAL). Buffer, *needed, errors, ownership and threads as
 * wg_stats_json. */
WG_API int wg_metrics_prometheus(wg_grinder_t *g, const char *prefix, char *buf, size_t size,
                                 size_t *needed);

/* --------------------------------------------------------------- manager */

/* Creates a stopped manager of executors (pools of worker threads) from conf
 * (NULL: defaults); reads the manager keys (max_pools, min_pools,
 * workers_per_pool, default_lease_seconds, lease_grace_seconds,
 * check_interval_seconds, idle_pool_seconds), the log callback and the size
 * provider. Errors: WG_EINVAL (message in
 * errstr), WG_ENOMEM. The caller owns *out; free it with wg_manager_destroy.
 * Any thread. */
WG_API int wg_manager_create(wg_manager_t **out, const wg_conf_t *conf, char *errstr,
                             size_t errstr_size);

/* Starts min_pools executors (with a size provider: as many as it asks for,
 * calling it once on this thread) and the housekeeping thread, which revokes
 * leases at hard expiry, retires idle executors, calls the size provider and
 * joins retired executors' threads. Idempotent. Errors: WG_EINVAL, WG_ENOMEM.
 * A stopped manager may be started again. */
WG_API int wg_manager_start(wg_manager_t *m);

/* Stops the manager: every waiter in wg_manager_acquire wakes with
 * WG_ESTOPPING, every lease is revoked (its tasks not yet started get
 * WG_ELEASE), executors are retired and their idle threads joined; a thread
 * still inside a work function is left to finish on its own, so this never
 * hangs. Stop the grinders that use a manager before it. Idempotent. Errors:
 * WG_EINVAL, WG_EWRONGTHREAD (on any grinder's loop thread or a manager's
 * housekeeping thread). */
WG_API int wg_manager_stop(wg_manager_t *m);

/* Stops if needed, then frees the handle. Grinders still holding the manager
 * keep its internals alive (it stays stopped). NULL-safe. Errors:
 * WG_EWRONGTHREAD as wg_manager_stop (nothing is freed). */
WG_API int wg_manager_destroy(wg_manager_t *m);

/* Leases one executor for lease_seconds (<= 0: default_lease_seconds; must be
 * finite) with an optional owner label (copied). timeout_seconds 0: don't wait
 * (WG_EUNAVAILABLE if none is free); < 0: wait without limit; else wait up to
 * that long (WG_ETIMEDOUT; huge values, even INFINITY, mean "practically
 * forever"). Waiters are served in FIFO order. Other errors: WG_EINVAL (m or
 * out NULL, lease_seconds NaN or infinite, timeout_seconds NaN),
 * WG_ENOTSTARTED, WG_ESTOPPING (stopped while waiting), WG_EWRONGTHREAD (a
 * wait on any grinder's loop thread or the manager's housekeeping thread).
 * The caller owns *out and must
 * pass it to wg_lease_release exactly once. Any thread. */
WG_API int wg_manager_acquire(wg_manager_t *m, double lease_seconds, const char *owner,
                              double timeout_seconds, wg_lease_t **out);

/* Runs fn(arg) on the leased executor; done (may be NULL) receives the outcome
 * on the worker thread. Returns WG_OK (exactly one done call follows), or
 * WG_EINVAL, WG_ELEASE (hard expiry passed, released or revoked), WG_ENOMEM,
 * calling nothing. Any thread. */
WG_API int wg_lease_submit(wg_lease_t *lease, wg_work_fn fn, void *arg, wg_done_fn done,
                           void *opaque);

/* Returns the executor to the manager and frees the handle. Work still running
 * drains: the executor is reused only after it finished. Returns WG_OK, or
 * WG_ELEASE if the lease had been revoked or its hard expiry has passed (then
 * it is revoked as at expiry: the executor is retired and replaced, and tasks
 * that never started get WG_ELEASE on the housekeeping thread; the handle is
 * freed all the same), or WG_EINVAL for NULL. Any thread. */
WG_API int wg_lease_release(wg_lease_t *lease);

#define WG_MANAGER_STATS_VERSION 2
/* wg_manager_stats_t s = WG_MANAGER_STATS_INIT; then wg_manager_stats(m, &s, ...). */
#define WG_MANAGER_STATS_INIT \
  { WG_MANAGER_STATS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }
typedef struct wg_lease_info {
  uint64_t id;
  char owner[64];        /* NUL-terminated, truncated if longer */
  double soft_remaining; /* seconds until lease_seconds end (< 0: past) */
  double hard_remaining; /* seconds until revocation */
} wg_lease_info_t;

typedef struct wg_manager_stats {
  uint32_t version; /* 1..WG_MANAGER_STATS_VERSION */
  uint32_t started;
  uint64_t available; /* executors ready to lease */
  uint64_t leased;    /* executors under a live lease */
  uint64_t draining;  /* released, still finishing work */
  uint64_t total;     /* available + leased + draining (at most max_pools) */
  uint64_t waiters;   /* acquire requests queued */
  uint64_t expired;   /* leases revoked at hard expiry so far */
  /* Version 2 (a version 1 caller's struct ends above and is filled only so far): */
  uint64_t target_pools;  /* the size provider's clamped answer; max_pools without one */
  uint64_t retired;       /* executors retired because the pool shrank, threads joined */
  uint64_t started_pools; /* executors started so far (incl. replacements) */
} wg_manager_stats_t;

/* A snapshot of the manager. out->version must be 1 or 2; only that
 * version's fields are written. When leases is not NULL, up to capacity active
 * leases are described there; *n_leases (may be NULL) receives the number of
 * active leases, which may exceed capacity. Errors: WG_EINVAL (m or out NULL,
 * or out->version not between 1 and WG_MANAGER_STATS_VERSION). Any thread. */
WG_API int wg_manager_stats(wg_manager_t *m, wg_manager_stats_t *out, wg_lease_info_t *leases,
                            size_t capacity, size_t *n_leases);

/* Adaptive pools. Returns the number of executors the application wants now;
 * 0 and anything outside min_pools..max_pools is clamped into that range. It
 * runs on the manager's housekeeping thread (and once on the thread that
 * starts the manager: wg_manager_start, or wg_start for a private one), never with a library lock
 * held; it may call wg_manager_stats but must not block for long, call
 * wg_manager_notify_scale_changed (it would be asked again at once) or stop
 * or destroy its manager. */
typedef uint32_t (*wg_size_fn)(void *opaque);

/* Sets (or, with fn NULL, removes) the size provider of managers created from
 * conf (also a grinder's private manager). With one, the manager keeps exactly
 * its answer's number of executors: growing starts executors, shrinking
 * retires idle ones at once and leased or draining ones when they come back
 * (leased work is never interrupted); it is asked every
 * check_interval_seconds and after wg_manager_notify_scale_changed. Returns
 * WG_OK, or WG_EINVAL when conf is NULL. Not thread-safe (like wg_conf_set). */
WG_API int wg_conf_set_size_provider(wg_conf_t *conf, wg_size_fn fn, void *opaque);

/* Asks the housekeeping thread to call the size provider soon and apply its
 * answer; returns at once, without waiting for that (watch target_pools in
 * wg_manager_stats). Does nothing without a size provider. Returns WG_OK, or
 * WG_EINVAL (m NULL), WG_ENOTSTARTED (manager not running). Any thread,
 * including a loop thread and inside done callbacks. */
WG_API int wg_manager_notify_scale_changed(wg_manager_t *m);

#ifdef __cplusplus
}
#endif

#endif /* WORKGRINDER_H */
