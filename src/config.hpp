// Config: every configuration key of a grinder and its manager, with
// leasepool's defaults, plus the strict string setter behind wg_conf_set.
#pragma once

#include <cstdint>
#include <string>

#include "workgrinder/workgrinder.h"

namespace wg {

struct Config {
  // Grinder keys.
  uint64_t batch_size_threshold = 20;
  double max_wait_seconds = 10;
  double lease_seconds = 60;
  std::string owner_prefix = "work-grinder";
  uint64_t max_pending = 0;  // 0: no bound
  uint64_t max_inflight_batches = 1;
  // Manager keys.
  uint64_t max_pools = 1;
  uint64_t min_pools = 1;
  uint64_t workers_per_pool = 4;
  double default_lease_seconds = 300;
  double lease_grace_seconds = 15;
  double check_interval_seconds = 120;
  double idle_pool_seconds = 30;
  // Adaptive pool count (wg_conf_set_size_provider); none by default.
  wg_size_fn size_fn = nullptr;
  void* size_opaque = nullptr;
  // Logging (silent by default).
  wg_log_fn log_fn = nullptr;
  void* log_opaque = nullptr;
};

// Sets key from its string form. On error returns WG_EINVAL, leaves cfg
// unchanged and puts a message naming the key and the rule in *err.
int config_set(Config& cfg, const char* key, const char* value, std::string* err);

// Checks rules that tie keys together (min_pools <= max_pools).
int config_validate(const Config& cfg, std::string* err);

}  // namespace wg
