// wg_conf_*.
#include <cmath>

#include "handles.hpp"

extern "C" {

WG_API wg_conf_t* wg_conf_new(void) {
  try {
    return new wg_conf();
  } catch (...) {
    return nullptr;
  }
}

WG_API int wg_conf_set(wg_conf_t* conf, const char* key, const char* value, char* errstr,
                       size_t errstr_size) {
  return wg::guarded([&] {
    std::string err;
    int rc;
    if (!conf) {
      err = "conf must not be NULL";
      rc = WG_EINVAL;
    } else {
      rc = wg::config_set(conf->cfg, key, value, &err);
    }
    wg::write_errstr(errstr, errstr_size, rc == WG_OK ? std::string() : err);
    return rc;
  });
}

WG_API int wg_conf_get(const wg_conf_t* conf, const char* key, char* buf, size_t size) {
  if (!conf || !key || !buf) return WG_EINVAL;
  return wg::guarded([&] {
    std::string value;
    int rc = wg::config_get(conf->cfg, key, &value);
    if (rc != WG_OK) value.clear();
    // snprintf truncates and always terminates when size > 0.
    if (size > 0) std::snprintf(buf, size, "%s", value.c_str());
    if (rc == WG_OK && value.size() >= size) rc = WG_EINVAL;
    return rc;
  });
}

WG_API int wg_conf_set_log_cb(wg_conf_t* conf, wg_log_fn fn, void* opaque) {
  if (!conf) return WG_EINVAL;
  conf->cfg.log_fn = fn;
  conf->cfg.log_opaque = fn ? opaque : nullptr;
  return WG_OK;
}

WG_API int wg_conf_set_size_provider(wg_conf_t* conf, wg_size_fn fn, void* opaque) {
  if (!conf) return WG_EINVAL;
  conf->cfg.size_fn = fn;
  conf->cfg.size_opaque = fn ? opaque : nullptr;
  return WG_OK;
}

WG_API int wg_conf_set_batch_fn(wg_conf_t* conf, wg_batch_fn fn, void* opaque) {
  if (!conf) return WG_EINVAL;
  conf->cfg.batch_fn = fn;
  conf->cfg.batch_opaque = fn ? opaque : nullptr;
  return WG_OK;
}

WG_API int wg_conf_set_worker_hooks(wg_conf_t* conf, wg_worker_fn on_start, wg_worker_fn on_stop,
                                    void* opaque) {
  if (!conf) return WG_EINVAL;
  conf->cfg.worker_on_start = on_start;
  conf->cfg.worker_on_stop = on_stop;
  conf->cfg.worker_opaque = opaque;
  return WG_OK;
}

WG_API int wg_conf_set_stats_cb(wg_conf_t* conf, wg_stats_fn fn, double interval_seconds,
                                void* opaque) {
  if (!conf || !std::isfinite(interval_seconds)) return WG_EINVAL;
  bool on = fn && interval_seconds > 0;
  conf->cfg.stats_fn = on ? fn : nullptr;
  conf->cfg.stats_interval_seconds = on ? interval_seconds : 0;
  conf->cfg.stats_opaque = on ? opaque : nullptr;
  return WG_OK;
}

WG_API void wg_conf_destroy(wg_conf_t* conf) { delete conf; }

}  // extern "C"
