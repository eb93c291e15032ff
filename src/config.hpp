// Config: the values of every configuration key of a grinder and its manager,
// plus the strict string setter and getter behind wg_conf_set / wg_conf_get.
// The keys, their rules and their defaults live in one place only: the table
// in config_keys.cpp (the constructor takes the defaults from it).
#pragma once

#include <cstdint>
#include <string>

#include "workgrinder/workgrinder.h"

namespace wg {

struct Config {
  // Every key's default, from the table.
  Config();

  // Grinder keys. ({} only so that a field the table forgot is 0, not garbage.)
  uint64_t batch_size_threshold{};
  double max_wait_seconds{};
  double lease_seconds{};
  std::string owner_prefix;
  uint64_t max_pending{};  // 0: no bound
  uint64_t max_inflight_batches{};
  uint64_t max_batch_size{};  // 0: no cap
  uint64_t histograms{};      // 1: record them; 0: off
  // Manager keys.
  uint64_t max_pools{};
  uint64_t min_pools{};
  uint64_t workers_per_pool{};
  double default_lease_seconds{};
  double lease_grace_seconds{};
  double check_interval_seconds{};
  double idle_pool_seconds{};
  // Not keys: set with their own wg_conf_set_* calls.
  // A whole-batch handler (wg_conf_set_batch_fn); nullptr: items run one by one.
  wg_batch_fn batch_fn = nullptr;
  void* batch_opaque = nullptr;
  // Adaptive pool count (wg_conf_set_size_provider); none by default.
  wg_size_fn size_fn = nullptr;
  void* size_opaque = nullptr;
  // Worker hooks (wg_conf_set_worker_hooks), read by the manager.
  wg_worker_fn worker_on_start = nullptr;
  wg_worker_fn worker_on_stop = nullptr;
  void* worker_opaque = nullptr;
  // Logging (silent by default; wg_conf_set_log_cb).
  wg_log_fn log_fn = nullptr;
  void* log_opaque = nullptr;
  // The stats callback (wg_conf_set_stats_cb); off while stats_fn is nullptr.
  wg_stats_fn stats_fn = nullptr;
  double stats_interval_seconds = 0;
  void* stats_opaque = nullptr;
};

// Sets key from its string form. Returns WG_OK; WG_ENOKEY for an unknown key
// or WG_EINVAL for a bad value (or key/value NULL), leaving cfg unchanged and
// putting a message naming the key (and the rule) in *err.
int config_set(Config& cfg, const char* key, const char* value, std::string* err);

// Puts key's value in its canonical string form in *out (config_set accepts
// it and yields the same value). Returns WG_OK, or WG_ENOKEY for an unknown
// key. key must not be NULL.
int config_get(const Config& cfg, const char* key, std::string* out);

// Checks rules that tie keys together (min_pools <= max_pools).
int config_validate(const Config& cfg, std::string* err);

}  // namespace wg
