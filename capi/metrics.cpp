// wg_stats_json, wg_metrics_prometheus.
#include <cstring>

#include "handles.hpp"
#include "stats_export.hpp"

namespace {

// Copies doc into buf as snprintf would; *needed gets its size with the NUL.
int write_document(const std::string& doc, char* buf, size_t size, size_t* needed) {
  if (needed) *needed = doc.size() + 1;
  if (size > 0) {
    size_t n = doc.size() < size ? doc.size() : size - 1;
    std::memcpy(buf, doc.data(), n);
    buf[n] = '\0';
  }
  return doc.size() < size ? WG_OK : static_cast<int>(WG_EINVAL);
}

}  // namespace

extern "C" {

WG_API int wg_stats_json(wg_grinder_t* g, char* buf, size_t size, size_t* needed) {
  if (!g || (!buf && size > 0)) return WG_EINVAL;
  return wg::guarded([&] { return write_document(to_impl(g)->stats_json(), buf, size, needed); });
}

WG_API int wg_metrics_prometheus(wg_grinder_t* g, const char* prefix, char* buf, size_t size,
                                 size_t* needed) {
  if (!g || (!buf && size > 0)) return WG_EINVAL;
  return wg::guarded([&] {
    std::string p = prefix && *prefix ? prefix : "workgrinder";
    if (!wg::metric_prefix_valid(p)) return static_cast<int>(WG_EINVAL);
    wg::StatsSnapshot s;
    to_impl(g)->snapshot(&s);
    return write_document(wg::stats_to_prometheus(s, p), buf, size, needed);
  });
}

}  // extern "C"
