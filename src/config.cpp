#include "config.hpp"

#include <cstring>

#include "strict_number.hpp"

namespace wg {
namespace {

constexpr uint64_t kMaxThreadsKey = 4096;  // pools and workers: keep thread counts sane
constexpr size_t kMaxOwnerPrefix = 48;     // "prefix-<batch id>" must fit a 64-byte label

enum class Rule { kPositiveInt, kBoundedInt, kIntOrZero, kPositiveDuration, kDurationOrZero };

struct KeyInfo {
  const char* name;
  Rule rule;
  uint64_t Config::*int_field;
  double Config::*double_field;
};

const KeyInfo kKeys[] = {
    {"batch_size_threshold", Rule::kPositiveInt, &Config::batch_size_threshold, nullptr},
    {"max_wait_seconds", Rule::kPositiveDuration, nullptr, &Config::max_wait_seconds},
    {"lease_seconds", Rule::kPositiveDuration, nullptr, &Config::lease_seconds},
    {"max_pending", Rule::kIntOrZero, &Config::max_pending, nullptr},
    {"max_inflight_batches", Rule::kBoundedInt, &Config::max_inflight_batches, nullptr},
    {"max_pools", Rule::kBoundedInt, &Config::max_pools, nullptr},
    {"min_pools", Rule::kBoundedInt, &Config::min_pools, nullptr},
    {"workers_per_pool", Rule::kBoundedInt, &Config::workers_per_pool, nullptr},
    {"default_lease_seconds", Rule::kPositiveDuration, nullptr, &Config::default_lease_seconds},
    {"lease_grace_seconds", Rule::kDurationOrZero, nullptr, &Config::lease_grace_seconds},
    {"check_interval_seconds", Rule::kPositiveDuration, nullptr, &Config::check_interval_seconds},
    {"idle_pool_seconds", Rule::kDurationOrZero, nullptr, &Config::idle_pool_seconds},
};

std::string rule_text(Rule rule) {
  switch (rule) {
    case Rule::kPositiveInt:
      return "must be an integer > 0";
    case Rule::kBoundedInt:
      return "must be an integer between 1 and " + std::to_string(kMaxThreadsKey);
    case Rule::kIntOrZero:
      return "must be an integer >= 0 (0: no bound)";
    case Rule::kPositiveDuration:
      return "must be a finite number > 0";
    case Rule::kDurationOrZero:
      return "must be a finite number >= 0";
  }
  return "is invalid";
}

bool accepts(Rule rule, const char* value, uint64_t* iv, double* dv) {
  switch (rule) {
    case Rule::kPositiveInt:
      return parse_decimal_u64(value, iv) && *iv > 0;
    case Rule::kBoundedInt:
      return parse_decimal_u64(value, iv) && *iv > 0 && *iv <= kMaxThreadsKey;
    case Rule::kIntOrZero:
      return parse_decimal_u64(value, iv);
    case Rule::kPositiveDuration:
      return parse_decimal_double(value, dv) && *dv > 0;
    case Rule::kDurationOrZero:
      return parse_decimal_double(value, dv) && *dv >= 0;
  }
  return false;
}

}  // namespace

int config_set(Config& cfg, const char* key, const char* value, std::string* err) {
  if (key == nullptr || value == nullptr) {
    *err = "key and value must not be NULL";
    return WG_EINVAL;
  }
  if (std::strcmp(key, "owner_prefix") == 0) {
    size_t n = std::strlen(value);
    if (n == 0 || n > kMaxOwnerPrefix) {
      *err = "owner_prefix must be 1 to " + std::to_string(kMaxOwnerPrefix) + " characters";
      return WG_EINVAL;
    }
    cfg.owner_prefix = value;
    return WG_OK;
  }
  for (const KeyInfo& k : kKeys) {
    if (std::strcmp(key, k.name) != 0) continue;
    uint64_t iv = 0;
    double dv = 0;
    if (!accepts(k.rule, value, &iv, &dv)) {
      *err = std::string(k.name) + " " + rule_text(k.rule);
      return WG_EINVAL;
    }
    if (k.int_field) cfg.*k.int_field = iv;
    if (k.double_field) cfg.*k.double_field = dv;
    return WG_OK;
  }
  *err = std::string("unknown configuration key \"") + key + "\"";
  return WG_EINVAL;
}

int config_validate(const Config& cfg, std::string* err) {
  if (cfg.min_pools > cfg.max_pools) {
    *err = "min_pools must not exceed max_pools";
    return WG_EINVAL;
  }
  return WG_OK;
}

}  // namespace wg
