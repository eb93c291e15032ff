// wg_manager_*, wg_lease_*.
#include <cmath>
#include <cstddef>
#include <cstring>

#include "handles.hpp"
#include "lease_task.hpp"
#include "thread_roles.hpp"

extern "C" {

WG_API int wg_manager_create(wg_manager_t** out, const wg_conf_t* conf, char* errstr,
                             size_t errstr_size) {
  return wg::guarded([&] {
    std::string err;
    int rc = WG_EINVAL;
    wg::Config cfg = conf ? conf->cfg : wg::Config();
    if (!out) {
      err = "out must not be NULL";
    } else if ((rc = wg::config_validate(cfg, &err)) == WG_OK) {
      *out = new wg_manager{wg::ExecutorManager::create(cfg)};
    }
    wg::write_errstr(errstr, errstr_size, rc == WG_OK ? std::string() : err);
    return rc;
  });
}

WG_API int wg_manager_start(wg_manager_t* m) {
  if (!m) return WG_EINVAL;
  return wg::guarded([&] { return m->impl->start(); });
}

WG_API int wg_manager_stop(wg_manager_t* m) {
  if (!m) return WG_EINVAL;
  if (wg::ThreadRole::must_not_block()) return WG_EWRONGTHREAD;
  return wg::guarded([&] { return m->impl->stop(); });
}

WG_API int wg_manager_destroy(wg_manager_t* m) {
  if (!m) return WG_OK;
  int rc = wg_manager_stop(m);
  if (rc == WG_OK) delete m;
  return rc;
}

WG_API int wg_manager_acquire(wg_manager_t* m, double lease_seconds, const char* owner,
                              double timeout_seconds, wg_lease_t** out) {
  // A lease must end: an infinite one would never be revoked (leasepool rejects
  // it too). An infinite timeout only means "wait practically forever".
  if (!m || !out || !std::isfinite(lease_seconds) || std::isnan(timeout_seconds)) return WG_EINVAL;
  if (timeout_seconds != 0 && wg::ThreadRole::must_not_block()) return WG_EWRONGTHREAD;
  return wg::guarded([&] {
    std::unique_ptr<wg_lease> handle(new wg_lease());
    int rc = m->impl->acquire(lease_seconds, owner ? owner : "", timeout_seconds, &handle->impl);
    if (rc == WG_OK) *out = handle.release();
    return rc;
  });
}

WG_API int wg_lease_submit(wg_lease_t* lease, wg_work_fn fn, void* arg, wg_done_fn done,
                           void* opaque) {
  if (!lease || !fn) return WG_EINVAL;
  return wg::submit_lease_task(*lease->impl, fn, arg, done, opaque);
}

WG_API int wg_lease_release(wg_lease_t* lease) {
  if (!lease) return WG_EINVAL;
  int rc = wg::guarded([&] { return lease->impl->release(); });
  delete lease;
  return rc;
}

WG_API int wg_manager_stats(wg_manager_t* m, wg_manager_stats_t* out, wg_lease_info_t* leases,
                            size_t capacity, size_t* n_leases) {
  if (!m || !out || out->version < 1 || out->version > WG_MANAGER_STATS_VERSION) return WG_EINVAL;
  return wg::guarded([&] {
    std::vector<wg_lease_info_t> infos;
    // Filled whole here, copied only as far as the caller's version reaches:
    // a version 1 caller's struct is smaller.
    wg_manager_stats_t full{};
    m->impl->stats(&full, &infos);
    full.version = out->version;
    std::memcpy(out, &full,
                out->version == 1 ? offsetof(wg_manager_stats_t, target_pools) : sizeof full);
    if (leases)
      for (size_t i = 0; i < infos.size() && i < capacity; ++i) leases[i] = infos[i];
    if (n_leases) *n_leases = infos.size();
    return WG_OK;
  });
}

WG_API int wg_manager_notify_scale_changed(wg_manager_t* m) {
  if (!m) return WG_EINVAL;
  return wg::guarded([&] { return m->impl->notify_scale_changed(); });
}

}  // extern "C"
