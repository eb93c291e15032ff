// The one table of configuration keys: name, kind, rule, default, leasepool's
// default and a line of documentation for each, and the Config field it sets.
// Parsing (wg_conf_set), defaults (Config's constructor), reading back
// (wg_conf_get) and the generated CONFIGURATION.md / README table all read
// it; nothing else lists the keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "config.hpp"

namespace wg {

enum class ValueKind { kInteger, kDuration, kString };

struct ConfigKey {
  const char* name;
  ValueKind kind;
  // The rule. kInteger: min..max. kString: min..max bytes. kDuration: a finite
  // number of seconds, > 0, or >= 0 when zero_allowed.
  uint64_t min;
  uint64_t max;
  bool zero_allowed;
  const char* zero_means;  // kInteger with min 0: what 0 means, e.g. "no bound"
  // The default, in the member of its kind.
  uint64_t integer_default;
  double duration_default;
  const char* string_default;
  const char* leasepool_default;  // for the docs; nullptr: leasepool has no such key
  const char* doc;                // one line of Markdown
  // The field it sets, in the member of its kind.
  uint64_t Config::*integer_field;
  double Config::*duration_field;
  std::string Config::*string_field;
};

// Every key, in documentation order.
extern const ConfigKey kConfigKeys[];
extern const size_t kConfigKeyCount;

// The key named name, or nullptr.
const ConfigKey* find_config_key(const char* name);

// The rule as a phrase, e.g. "an integer > 0"; messages say
// "<key> must be <rule>".
std::string rule_text(const ConfigKey& key);

// Parses value by key's rule into key's field of cfg; false (cfg unchanged)
// if the value breaks the rule.
bool parse_config_value(const ConfigKey& key, const char* value, Config& cfg);

// key's value in cfg in its canonical form: decimal integers, durations in
// the shortest form that parses back to the same double, strings as they are.
std::string format_config_value(const ConfigKey& key, const Config& cfg);

// Sets key's field of cfg to key's default.
void set_config_default(const ConfigKey& key, Config& cfg);

}  // namespace wg
