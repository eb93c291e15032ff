#include "config.hpp"

#include "config_keys.hpp"

namespace wg {

Config::Config() {
  for (size_t i = 0; i < kConfigKeyCount; ++i) set_config_default(kConfigKeys[i], *this);
}

int config_set(Config& cfg, const char* key, const char* value, std::string* err) {
  if (key == nullptr || value == nullptr) {
    *err = "key and value must not be NULL";
    return WG_EINVAL;
  }
  const ConfigKey* k = find_config_key(key);
  if (!k) {
    *err = std::string("unknown configuration key \"") + key + "\"";
    return WG_ENOKEY;
  }
  if (!parse_config_value(*k, value, cfg)) {
    *err = std::string(k->name) + " must be " + rule_text(*k);
    return WG_EINVAL;
  }
  return WG_OK;
}

int config_get(const Config& cfg, const char* key, std::string* out) {
  const ConfigKey* k = find_config_key(key);
  if (!k) return WG_ENOKEY;
  *out = format_config_value(*k, cfg);
  return WG_OK;
}

int config_validate(const Config& cfg, std::string* err) {
  if (cfg.min_pools > cfg.max_pools) {
    *err = "min_pools must not exceed max_pools";
    return WG_EINVAL;
  }
  return WG_OK;
}

}  // namespace wg
