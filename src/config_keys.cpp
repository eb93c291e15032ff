#include "config_keys.hpp"

#include <charconv>
#include <cstring>

#include "strict_number.hpp"

namespace wg {
namespace {

constexpr uint64_t kNoMax = UINT64_MAX;
constexpr uint64_t kMaxThreads = 4096;    // pools and workers: keep thread counts sane
constexpr uint64_t kMaxOwnerPrefix = 48;  // "<prefix>-<batch id>" must fit a 64-byte label

constexpr ConfigKey integer_key(const char* name, uint64_t min, uint64_t max,
                                const char* zero_means, uint64_t def, const char* leasepool,
                                const char* doc, uint64_t Config::*field) {
  return {name,    ValueKind::kInteger, min, max,   false,   zero_means, def, 0,
          nullptr, leasepool,           doc, field, nullptr, nullptr};
}

constexpr ConfigKey duration_key(const char* name, bool zero_allowed, double def,
                                 const char* leasepool, const char* doc, double Config::*field) {
  return {name,
          ValueKind::kDuration,
          0,
          0,
          zero_allowed,
          nullptr,
          0,
          def,
          nullptr,
          leasepool,
          doc,
          nullptr,
          field,
          nullptr};
}

constexpr ConfigKey string_key(const char* name, uint64_t min_bytes, uint64_t max_bytes,
                               const char* def, const char* leasepool, const char* doc,
                               std::string Config::*field) {
  return {name, ValueKind::kString, min_bytes, max_bytes, false,   nullptr, 0, 0,
          def,  leasepool,          doc,       nullptr,   nullptr, field};
}

}  // namespace

const ConfigKey kConfigKeys[] = {
    // Grinder keys.
    integer_key("batch_size_threshold", 1, kNoMax, nullptr, 64, "20",
                "dispatch when this many items are pending", &Config::batch_size_threshold),
    duration_key("max_wait_seconds", false, 0.002, "10",
                 "dispatch when the oldest item has waited this long", &Config::max_wait_seconds),
    duration_key("lease_seconds", false, 60, "60", "lease length each batch asks for",
                 &Config::lease_seconds),
    string_key("owner_prefix", 1, kMaxOwnerPrefix, "work-grinder", "work-grinder",
               "lease owner label: `<prefix>-<batch id>`", &Config::owner_prefix),
    integer_key("max_pending", 0, kNoMax, "no bound", 0, "0",
                "bound on pending items (`WG_EFULL` beyond)", &Config::max_pending),
    integer_key("max_inflight_batches", 1, kMaxThreads, nullptr, 1, "1",
                "batches running at once, each with its own lease", &Config::max_inflight_batches),
    integer_key("max_batch_size", 0, kNoMax, "no cap", 1024, nullptr,
                "most items one batch takes; the rest wait for the next", &Config::max_batch_size),
    integer_key("histograms", 0, 1, "off", 1, nullptr,
                "record the batch size, queue wait, run and end-to-end histograms (0: off; the "
                "exports then show them empty)",
                &Config::histograms),
    // Manager keys.
    integer_key("max_pools", 1, kMaxThreads, nullptr, 1, "1", "executors the manager may own",
                &Config::max_pools),
    integer_key("min_pools", 1, kMaxThreads, nullptr, 1, "1",
                "executors kept ready (at most `max_pools`)", &Config::min_pools),
    integer_key("workers_per_pool", 1, kMaxThreads, nullptr, 4, "4", "threads per executor",
                &Config::workers_per_pool),
    duration_key("default_lease_seconds", false, 300, "300",
                 "lease length for `wg_manager_acquire` with 0", &Config::default_lease_seconds),
    duration_key("lease_grace_seconds", true, 15, "15",
                 "time past `lease_seconds` before revocation", &Config::lease_grace_seconds),
    duration_key("check_interval_seconds", false, 120, "120",
                 "longest sleep of the manager's housekeeping thread (expiry itself is timed "
                 "exactly)",
                 &Config::check_interval_seconds),
    duration_key("idle_pool_seconds", true, 30, nullptr,
                 "an executor idle that long beyond `min_pools` is retired",
                 &Config::idle_pool_seconds),
};

const size_t kConfigKeyCount = sizeof kConfigKeys / sizeof kConfigKeys[0];

const ConfigKey* find_config_key(const char* name) {
  for (const ConfigKey& k : kConfigKeys)
    if (std::strcmp(k.name, name) == 0) return &k;
  return nullptr;
}

std::string rule_text(const ConfigKey& k) {
  switch (k.kind) {
    case ValueKind::kInteger:
      if (k.max != kNoMax)
        return "an integer between " + std::to_string(k.min) + " and " + std::to_string(k.max);
      if (k.min == 1) return "an integer > 0";
      return "an integer >= " + std::to_string(k.min) +
             (k.min == 0 && k.zero_means ? std::string(" (0: ") + k.zero_means + ")" : "");
    case ValueKind::kDuration:
      return k.zero_allowed ? "a finite number >= 0" : "a finite number > 0";
    case ValueKind::kString:
      return std::to_string(k.min) + " to " + std::to_string(k.max) + " bytes";
  }
  return "valid";
}

bool parse_config_value(const ConfigKey& k, const char* value, Config& cfg) {
  switch (k.kind) {
    case ValueKind::kInteger: {
      uint64_t v = 0;
      if (!parse_decimal_u64(value, &v) || v < k.min || v > k.max) return false;
      cfg.*k.integer_field = v;
      return true;
    }
    case ValueKind::kDuration: {
      double v = 0;
      if (!parse_decimal_double(value, &v) || v < 0 || (v == 0 && !k.zero_allowed)) return false;
      cfg.*k.duration_field = v;
      return true;
    }
    case ValueKind::kString: {
      size_t n = std::strlen(value);
      if (n < k.min || n > k.max) return false;
      cfg.*k.string_field = value;
      return true;
    }
  }
  return false;
}

std::string format_config_value(const ConfigKey& k, const Config& cfg) {
  switch (k.kind) {
    case ValueKind::kInteger:
      return std::to_string(cfg.*k.integer_field);
    case ValueKind::kDuration: {
      // to_chars without a format is the shortest round-trip form and, unlike
      // printf, ignores the locale; parse_decimal_double reads all it writes.
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, cfg.*k.duration_field);
      return std::string(buf, r.ptr);
    }
    case ValueKind::kString:
      return cfg.*k.string_field;
  }
  return std::string();
}

void set_config_default(const ConfigKey& k, Config& cfg) {
  switch (k.kind) {
    case ValueKind::kInteger:
      cfg.*k.integer_field = k.integer_default;
      break;
    case ValueKind::kDuration:
      cfg.*k.duration_field = k.duration_default;
      break;
    case ValueKind::kString:
      cfg.*k.string_field = k.string_default;
      break;
  }
}

}  // namespace wg
