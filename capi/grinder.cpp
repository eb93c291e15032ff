// wg_create, wg_start, wg_stop, wg_stop_timeout, wg_destroy, wg_submit*, wg_enqueue, wg_stats.
#include <cstddef>
#include <cstring>

#include "handles.hpp"
#include "thread_roles.hpp"

namespace {

// A blocking call on `g` that could wait forever on this thread: any loop
// thread or housekeeping thread, or a worker running a batch of `g` when the call
// waits for that batch (a draining stop, an unbounded wait).
bool must_not_wait_on(const wg::Grinder* g, bool waits_for_own_batch) {
  return wg::ThreadRole::must_not_block() || (waits_for_own_batch && g->on_own_worker());
}

// Every version from 1 to the current one is accepted: a field appended in
// version N may be read only when opts->version >= N.
int check_opts(const wg_submit_opts_t* opts) {
  if (!opts) return WG_OK;
  if (opts->version < 1 || opts->version > WG_SUBMIT_OPTS_VERSION) return WG_EINVAL;
  if (opts->version >= 2) {
    if (opts->admit_timeout_seconds != opts->admit_timeout_seconds) return WG_EINVAL;  // NaN
    if (!(opts->deadline_seconds >= 0)) return WG_EINVAL;  // negative or NaN
  }
  return WG_OK;
}

double admit_timeout(const wg_submit_opts_t* opts) {
  return opts && opts->version >= 2 ? opts->admit_timeout_seconds : 0;
}

// Creates and submits an item; on error nothing was taken over.
int submit_item(wg::Grinder* g, wg_work_fn fn, void* arg, const wg_submit_opts_t* opts, bool future,
                wg::WorkItem** out) {
  // A grinder with a batch function takes no work function; one without needs one.
  if ((fn == nullptr) != g->has_batch_fn() || check_opts(opts) != WG_OK) {
    g->count_rejected();
    return WG_EINVAL;
  }
  wg::WorkItem* it = wg::WorkItem::create(fn, arg, opts, future);
  if (!it) {
    g->count_rejected();
    return WG_ENOMEM;
  }
  *out = it;
  return WG_OK;
}

// Creates and submits a future item; on error nothing was taken over.
int submit_future(wg::Grinder* g, wg_work_fn fn, void* arg, const wg_submit_opts_t* opts,
                  wg::WorkItem** out) {
  int rc = submit_item(g, fn, arg, opts, true, out);
  if (rc != WG_OK) return rc;
  rc = g->submit(*out, admit_timeout(opts));
  if (rc != WG_OK) (*out)->discard();
  return rc;
}

}  // namespace

extern "C" {

WG_API int wg_create(wg_grinder_t** out, const wg_conf_t* conf, wg_manager_t* manager, char* errstr,
                     size_t errstr_size) {
  return wg::guarded([&] {
    std::string err;
    int rc = WG_EINVAL;
    if (!out) {
      err = "out must not be NULL";
    } else {
      wg::Grinder* g = nullptr;
      rc = wg::Grinder::create(conf ? conf->cfg : wg::Config(), manager ? manager->impl : nullptr,
                               &g, &err);
      if (rc == WG_OK) *out = to_handle(g);
    }
    wg::write_errstr(errstr, errstr_size, rc == WG_OK ? std::string() : err);
    return rc;
  });
}

WG_API int wg_start(wg_grinder_t* g) {
  if (!g) return WG_EINVAL;
  return wg::guarded([&] { return to_impl(g)->start(); });
}

WG_API int wg_stop(wg_grinder_t* g, int cancel_pending) {
  if (!g) return WG_EINVAL;
  if (must_not_wait_on(to_impl(g), cancel_pending == 0)) return WG_EWRONGTHREAD;
  return wg::guarded([&] { return to_impl(g)->stop(cancel_pending != 0); });
}

WG_API int wg_stop_timeout(wg_grinder_t* g, double drain_seconds) {
  if (!g || drain_seconds != drain_seconds) return WG_EINVAL;  // NaN
  return wg::guarded([&] { return to_impl(g)->stop(false, drain_seconds); });
}

WG_API int wg_destroy(wg_grinder_t* g) {
  if (!g) return WG_OK;
  wg::Grinder* impl = to_impl(g);
  if (must_not_wait_on(impl, true)) return WG_EWRONGTHREAD;
  return wg::guarded([&] {
    int rc = impl->stop(false);
    if (rc == WG_OK) impl->unref();
    return rc;
  });
}

WG_API int wg_submit_ex(wg_grinder_t* g, wg_work_fn fn, void* arg, wg_done_fn done, void* opaque,
                        const wg_submit_opts_t* opts) {
  if (!g) return WG_EINVAL;
  wg::Grinder* impl = to_impl(g);
  wg::WorkItem* it = nullptr;
  int rc = submit_item(impl, fn, arg, opts, false, &it);
  if (rc != WG_OK) return rc;
  it->done = done;
  it->opaque = opaque;
  rc = impl->submit(it, admit_timeout(opts));
  if (rc != WG_OK) it->discard();
  return rc;
}

WG_API int wg_submit(wg_grinder_t* g, wg_work_fn fn, void* arg, wg_done_fn done, void* opaque) {
  return wg_submit_ex(g, fn, arg, done, opaque, nullptr);
}

WG_API int wg_enqueue(wg_grinder_t* g, wg_work_fn fn, void* arg, const wg_submit_opts_t* opts,
                      wg_future_t** out) {
  if (!g) return WG_EINVAL;
  wg::Grinder* impl = to_impl(g);
  if (!out) {
    impl->count_rejected();
    return WG_EINVAL;
  }
  wg::WorkItem* it = nullptr;
  int rc = submit_future(impl, fn, arg, opts, &it);
  if (rc == WG_OK) *out = to_handle(it);
  return rc;
}

WG_API int wg_submit_wait(wg_grinder_t* g, wg_work_fn fn, void* arg, const wg_submit_opts_t* opts,
                          double timeout_seconds, wg_outcome_t* out) {
  if (!g) return WG_EINVAL;
  wg::Grinder* impl = to_impl(g);
  if (!out || timeout_seconds != timeout_seconds) {  // NaN
    impl->count_rejected();
    return WG_EINVAL;
  }
  if (must_not_wait_on(impl, timeout_seconds < 0)) {
    impl->count_rejected();
    return WG_EWRONGTHREAD;
  }
  wg::WorkItem* it = nullptr;
  int rc = submit_future(impl, fn, arg, opts, &it);
  if (rc != WG_OK) return rc;
  rc = it->wait_future(timeout_seconds, out);
  if (rc == WG_ETIMEDOUT) impl->cancel(it);  // a result arriving later is disposed
  it->release_future();
  return rc;
}

WG_API int wg_stats(wg_grinder_t* g, wg_stats_t* out) {
  if (!g || !out || out->version < 1 || out->version > WG_STATS_VERSION) return WG_EINVAL;
  wg_stats_t all;
  to_impl(g)->stats(&all);
  // Only the fields the caller's version has: a version 1 struct is shorter.
  size_t size = out->version == 1 ? offsetof(wg_stats_t, expired) : sizeof(wg_stats_t);
  uint32_t version = out->version;
  std::memcpy(out, &all, size);
  out->version = version;
  return WG_OK;
}

}  // extern "C"
