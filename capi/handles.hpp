// The opaque C handles and the guards every wg_* entry point uses: no
// exception crosses the C ABI, and error strings are always NUL-terminated.
#pragma once

#include <cstdio>
#include <memory>
#include <new>
#include <string>

#include "config.hpp"
#include "executor_manager.hpp"
#include "grinder.hpp"
#include "lease.hpp"
#include "work_item.hpp"
#include "workgrinder/workgrinder.h"

struct wg_conf {
  wg::Config cfg;
};

struct wg_manager {
  std::shared_ptr<wg::ExecutorManager> impl;
};

struct wg_lease {
  std::shared_ptr<wg::Lease> impl;
};

// wg_grinder_t is a wg::Grinder, wg_future_t a wg::WorkItem.
inline wg::Grinder* to_impl(wg_grinder_t* g) { return reinterpret_cast<wg::Grinder*>(g); }
inline wg_grinder_t* to_handle(wg::Grinder* g) { return reinterpret_cast<wg_grinder_t*>(g); }
inline wg::WorkItem* to_impl(wg_future_t* f) { return reinterpret_cast<wg::WorkItem*>(f); }
inline const wg::WorkItem* to_impl(const wg_future_t* f) {
  return reinterpret_cast<const wg::WorkItem*>(f);
}
inline wg_future_t* to_handle(wg::WorkItem* it) { return reinterpret_cast<wg_future_t*>(it); }

namespace wg {

inline void write_errstr(char* errstr, size_t size, const std::string& msg) {
  if (errstr && size > 0) std::snprintf(errstr, size, "%s", msg.c_str());
}

// Runs body, turning any escaping exception into a status.
template <typename F>
int guarded(F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return WG_ENOMEM;
  } catch (...) {
    return WG_EINVAL;
  }
}

}  // namespace wg
