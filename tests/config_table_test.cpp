// The configuration table (src/config_keys.cpp) through wg_conf_set and
// wg_conf_get: every default, every key read back and set again unchanged,
// canonical forms, wg_conf_get's errors and buffer handling, the new keys.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "config_keys.hpp"
#include "handles.hpp"

namespace {

std::string get(const wg_conf_t* c, const char* key) {
  char buf[64];
  int rc = wg_conf_get(c, key, buf, sizeof buf);
  EXPECT_EQ(rc, WG_OK) << key;
  return buf;
}

int set(wg_conf_t* c, const char* key, const std::string& value, std::string* msg = nullptr) {
  char err[256] = "untouched";
  int rc = wg_conf_set(c, key, value.c_str(), err, sizeof err);
  if (msg) *msg = err;
  return rc;
}

TEST(ConfigTable, DefaultsAreExactlyThese) {
  // Changing a default is a decision: it changes this list too.
  const std::vector<std::pair<const char*, const char*>> expected = {
      {"batch_size_threshold", "64"},
      {"max_wait_seconds", "0.002"},
      {"lease_seconds", "60"},
      {"owner_prefix", "work-grinder"},
      {"max_pending", "0"},
      {"max_inflight_batches", "1"},
      {"max_batch_size", "1024"},
      {"histograms", "1"},
      {"max_pools", "1"},
      {"min_pools", "1"},
      {"workers_per_pool", "4"},
      {"default_lease_seconds", "300"},
      {"lease_grace_seconds", "15"},
      {"check_interval_seconds", "120"},
      {"idle_pool_seconds", "30"}};
  ASSERT_EQ(wg::kConfigKeyCount, expected.size());
  wg_conf_t* c = wg_conf_new();
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_STREQ(wg::kConfigKeys[i].name, expected[i].first);
    EXPECT_EQ(get(c, expected[i].first), expected[i].second);
  }
  wg_conf_destroy(c);
}

// Values each key accepts, by its rule.
std::vector<std::string> good_values(const wg::ConfigKey& k) {
  switch (k.kind) {
    case wg::ValueKind::kInteger: {
      std::vector<std::string> v = {std::to_string(k.min), std::to_string(k.max),
                                    std::to_string(k.min + 1)};
      if (k.max > 4096) v.push_back("12345678901234");
      return v;
    }
    case wg::ValueKind::kDuration:
      return {"0.25",          "2.5e-3", "10.",    ".5",   "0.30000000000000004",
              "123456789.125", "1e-310", "1e+300", "3600", "0.1"};
    case wg::ValueKind::kString:
      return {"a", std::string(k.max, 'x'), "ingest-7"};
  }
  return {};
}

TEST(ConfigTable, EveryKeyReadsBackAndSetsAgainUnchanged) {
  wg_conf_t* c = wg_conf_new();
  for (size_t i = 0; i < wg::kConfigKeyCount; ++i) {
    const wg::ConfigKey& k = wg::kConfigKeys[i];
    // The default, set again, is the default.
    std::string def = get(c, k.name);
    ASSERT_EQ(set(c, k.name, def), WG_OK) << k.name << "=" << def;
    EXPECT_EQ(get(c, k.name), def);
    for (const std::string& v : good_values(k)) {
      ASSERT_EQ(set(c, k.name, v), WG_OK) << k.name << "=" << v;
      wg::Config before = c->cfg;
      std::string once = get(c, k.name);
      ASSERT_EQ(set(c, k.name, once), WG_OK) << k.name << "=" << once;
      EXPECT_EQ(get(c, k.name), once) << k.name;
      switch (k.kind) {
        case wg::ValueKind::kInteger:
          EXPECT_EQ(c->cfg.*k.integer_field, before.*k.integer_field) << k.name << "=" << v;
          EXPECT_EQ(c->cfg.*k.integer_field, std::strtoull(v.c_str(), nullptr, 10));
          break;
        case wg::ValueKind::kDuration:  // bit for bit: the same double
          EXPECT_EQ(c->cfg.*k.duration_field, before.*k.duration_field) << k.name << "=" << v;
          EXPECT_EQ(c->cfg.*k.duration_field, std::strtod(v.c_str(), nullptr));
          break;
        case wg::ValueKind::kString:
          EXPECT_EQ(c->cfg.*k.string_field, v);
          EXPECT_EQ(once, v);
          break;
      }
    }
  }
  wg_conf_destroy(c);
}

TEST(ConfigTable, ValuesReadBackInCanonicalForm) {
  wg_conf_t* c = wg_conf_new();
  const std::pair<const char*, const char*> cases[] = {
      {"2.5e-3", "0.0025"},  {"10.", "10"},   {".5", "0.5"},       {"1e2", "100"},
      {"0.000010", "1e-05"}, {"1.50", "1.5"}, {"1E+300", "1e+300"}};
  for (const auto& [in, out] : cases) {
    ASSERT_EQ(set(c, "max_wait_seconds", in), WG_OK) << in;
    EXPECT_EQ(get(c, "max_wait_seconds"), out) << in;
  }
  ASSERT_EQ(set(c, "max_pending", "007"), WG_OK);
  EXPECT_EQ(get(c, "max_pending"), "7");
  ASSERT_EQ(set(c, "max_pending", "18446744073709551615"), WG_OK);
  EXPECT_EQ(get(c, "max_pending"), "18446744073709551615");
  wg_conf_destroy(c);
}

TEST(ConfigTable, GetRejectsNullsAndUnknownKeys) {
  wg_conf_t* c = wg_conf_new();
  char buf[16] = "untouched";
  EXPECT_EQ(wg_conf_get(nullptr, "max_pools", buf, sizeof buf), WG_EINVAL);
  EXPECT_EQ(wg_conf_get(c, nullptr, buf, sizeof buf), WG_EINVAL);
  EXPECT_STREQ(buf, "untouched");
  EXPECT_EQ(wg_conf_get(c, "max_pools", nullptr, 16), WG_EINVAL);
  EXPECT_EQ(wg_conf_get(c, "max_pool", buf, sizeof buf), WG_ENOKEY);
  EXPECT_STREQ(buf, "");
  EXPECT_EQ(wg_conf_get(c, "", buf, sizeof buf), WG_ENOKEY);
  wg_conf_destroy(c);
}

TEST(ConfigTable, GetTruncatesLikeSnprintfAndSaysSo) {
  wg_conf_t* c = wg_conf_new();
  char buf[16];
  std::memset(buf, '#', sizeof buf);
  // "work-grinder" is 12 bytes: 12 are too few, 13 enough.
  EXPECT_EQ(wg_conf_get(c, "owner_prefix", buf, 5), WG_EINVAL);
  EXPECT_STREQ(buf, "work");
  EXPECT_EQ(buf[5], '#');  // nothing written past size
  EXPECT_EQ(wg_conf_get(c, "owner_prefix", buf, 12), WG_EINVAL);
  EXPECT_STREQ(buf, "work-grinde");
  EXPECT_EQ(wg_conf_get(c, "owner_prefix", buf, 13), WG_OK);
  EXPECT_STREQ(buf, "work-grinder");
  buf[0] = '#';
  EXPECT_EQ(wg_conf_get(c, "owner_prefix", buf, 0), WG_EINVAL);
  EXPECT_EQ(buf[0], '#');  // size 0: nothing written
  // The longest values fit in 64 bytes, as the header promises.
  char big[64];
  ASSERT_EQ(set(c, "owner_prefix", std::string(48, 'p')), WG_OK);
  EXPECT_EQ(wg_conf_get(c, "owner_prefix", big, sizeof big), WG_OK);
  ASSERT_EQ(set(c, "max_pending", "18446744073709551615"), WG_OK);
  EXPECT_EQ(wg_conf_get(c, "max_pending", big, sizeof big), WG_OK);
  ASSERT_EQ(set(c, "max_wait_seconds", "2.2250738585072009e-308"), WG_OK);
  EXPECT_EQ(wg_conf_get(c, "max_wait_seconds", big, sizeof big), WG_OK);
  EXPECT_STREQ(big, "2.225073858507201e-308");
  wg_conf_destroy(c);
}

TEST(ConfigTable, MaxBatchSizeAndIdlePoolSeconds) {
  wg_conf_t* c = wg_conf_new();
  EXPECT_EQ(c->cfg.max_batch_size, 1024u);
  EXPECT_EQ(c->cfg.idle_pool_seconds, 30.0);
  std::string msg;
  EXPECT_EQ(set(c, "max_batch_size", "0", &msg), WG_OK);  // no cap
  EXPECT_EQ(c->cfg.max_batch_size, 0u);
  EXPECT_EQ(set(c, "max_batch_size", "64", &msg), WG_OK);
  EXPECT_EQ(c->cfg.max_batch_size, 64u);
  EXPECT_EQ(set(c, "max_batch_size", "-1", &msg), WG_EINVAL);
  EXPECT_EQ(msg, "max_batch_size must be an integer >= 0 (0: no cap)");
  EXPECT_EQ(c->cfg.max_batch_size, 64u);
  EXPECT_EQ(set(c, "idle_pool_seconds", "0", &msg), WG_OK);
  EXPECT_EQ(c->cfg.idle_pool_seconds, 0.0);
  EXPECT_EQ(set(c, "idle_pool_seconds", "2.5", &msg), WG_OK);
  EXPECT_EQ(c->cfg.idle_pool_seconds, 2.5);
  EXPECT_EQ(set(c, "idle_pool_seconds", "-1", &msg), WG_EINVAL);
  EXPECT_EQ(msg, "idle_pool_seconds must be a finite number >= 0");
  EXPECT_EQ(set(c, "idle_pool_seconds", "inf", &msg), WG_EINVAL);
  EXPECT_EQ(c->cfg.idle_pool_seconds, 2.5);
  wg_conf_destroy(c);
}

TEST(ConfigTable, EveryKeyExplainsItsRuleByName) {
  wg_conf_t* c = wg_conf_new();
  for (size_t i = 0; i < wg::kConfigKeyCount; ++i) {
    const wg::ConfigKey& k = wg::kConfigKeys[i];
    std::string msg;
    EXPECT_EQ(set(c, k.name, "", &msg), WG_EINVAL) << k.name;
    EXPECT_EQ(msg, std::string(k.name) + " must be " + wg::rule_text(k));
  }
  wg_conf_destroy(c);
}

}  // namespace
