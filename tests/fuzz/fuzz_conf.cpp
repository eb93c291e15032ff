// libFuzzer target: wg_conf_set with arbitrary keys and values. Input: key,
// a NUL byte, value. Checks that accepted values obey the documented rules
// and that every refusal explains itself.
#include <workgrinder/workgrinder.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

bool is_integer_key(const std::string& k) {
  return k == "batch_size_threshold" || k == "max_pending" || k == "max_inflight_batches" ||
         k == "max_pools" || k == "min_pools" || k == "workers_per_pool" || k == "max_batch_size" ||
         k == "histograms";
}
bool is_duration_key(const std::string& k) {
  return k == "max_wait_seconds" || k == "lease_seconds" || k == "default_lease_seconds" ||
         k == "lease_grace_seconds" || k == "check_interval_seconds" || k == "idle_pool_seconds";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* begin = reinterpret_cast<const char*>(data);
  const char* sep = static_cast<const char*>(std::memchr(begin, '\0', size));
  std::string key(begin, sep ? sep : begin + size);
  std::string value = sep ? std::string(sep + 1, begin + size) : std::string();
  value = value.c_str();  // up to the first NUL, as C sees it
  wg_conf_t* conf = wg_conf_new();
  char err[128];
  int rc = wg_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err);
  if (rc == WG_OK) {
    if (err[0] != '\0') std::abort();
    if (is_integer_key(key) && value.find_first_not_of("0123456789") != std::string::npos)
      std::abort();
    if (is_duration_key(key) &&
        (value.find_first_not_of("0123456789.eE+-") != std::string::npos || value[0] == '-'))
      std::abort();
    if (!is_integer_key(key) && !is_duration_key(key) && key != "owner_prefix") std::abort();
  } else {
    // WG_ENOKEY exactly for the keys that do not exist, WG_EINVAL for bad values.
    bool known = is_integer_key(key) || is_duration_key(key) || key == "owner_prefix";
    if (rc != (known ? WG_EINVAL : WG_ENOKEY) || err[0] == '\0') std::abort();
  }
  // An accepted value reads back in a form that sets the same value again.
  if (rc == WG_OK) {
    char got[64], again[64];
    if (wg_conf_get(conf, key.c_str(), got, sizeof got) != WG_OK) std::abort();
    if (wg_conf_set(conf, key.c_str(), got, nullptr, 0) != WG_OK) std::abort();
    if (wg_conf_get(conf, key.c_str(), again, sizeof again) != WG_OK) std::abort();
    if (std::strcmp(got, again) != 0) std::abort();
  }
  // A tiny error buffer is never overrun and always terminated.
  char tiny[3];
  wg_conf_set(conf, key.c_str(), value.c_str(), tiny, sizeof tiny);
  if (rc != WG_OK && std::strlen(tiny) > 2) std::abort();
  wg_conf_destroy(conf);
  return 0;
}
