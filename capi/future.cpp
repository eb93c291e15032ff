// wg_future_*.
#include "handles.hpp"
#include "thread_roles.hpp"

extern "C" {

WG_API int wg_future_wait(wg_future_t* f, double timeout_seconds, wg_outcome_t* out) {
  if (!f || !out || timeout_seconds != timeout_seconds) return WG_EINVAL;
  wg::WorkItem* it = to_impl(f);
  if (timeout_seconds != 0 && wg::ThreadRole::must_not_block()) return WG_EWRONGTHREAD;
  return it->wait_future(timeout_seconds, out);
}

WG_API int wg_future_cancel(wg_future_t* f) {
  if (!f) return WG_EINVAL;
  wg::WorkItem* it = to_impl(f);
  return it->future_grinder()->cancel(it);
}

WG_API int wg_future_done(const wg_future_t* f) {
  return (f && to_impl(f)->future_ready()) ? 1 : 0;
}

WG_API int wg_future_on_ready(wg_future_t* f, wg_ready_fn fn, void* opaque) {
  if (!f || !fn) return WG_EINVAL;
  return to_impl(f)->on_ready(fn, opaque);
}

WG_API void wg_future_release(wg_future_t* f) {
  if (f) to_impl(f)->release_future();
}

}  // extern "C"
