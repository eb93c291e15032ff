// Configuration: strict parsing, messages naming the key and rule, creation-
// time validation, version and error-name functions.
#include <cstring>
#include <string>

#include "test_support.hpp"

namespace {

struct Rejected {
  std::string key;
  std::string value;
  std::string message;
};

int set(wg_conf_t* c, const char* key, const char* value, std::string* msg) {
  char err[256] = "untouched";
  int rc = wg_conf_set(c, key, value, err, sizeof err);
  *msg = err;
  return rc;
}

const char* kIntKeys[] = {"batch_size_threshold", "max_inflight_batches", "max_pools", "min_pools",
                          "workers_per_pool"};
const char* kDurationKeys[] = {"max_wait_seconds", "lease_seconds", "default_lease_seconds",
                               "check_interval_seconds"};

TEST(Conf, IntegerKeysRejectEverythingButAPositiveDecimal) {
  wg_conf_t* c = wg_conf_new();
  for (const char* key : kIntKeys) {
    for (const char* bad :
         {"1.9", "0.5", "true", "false", "2x", " 2", "", "0", "-3", "18446744073709551616",
          "99999999999999999999999", "+2", "2 ", "0x10"}) {
      std::string msg;
      EXPECT_EQ(set(c, key, bad, &msg), WG_EINVAL) << key << "=" << bad;
      EXPECT_EQ(msg.find(key), 0u) << msg;
      EXPECT_NE(msg.find("must be an integer"), std::string::npos) << msg;
    }
    std::string msg;
    EXPECT_EQ(set(c, key, "3", &msg), WG_OK) << key;
    EXPECT_EQ(msg, "");
  }
  std::string msg;
  EXPECT_EQ(set(c, "batch_size_threshold", "0", &msg), WG_EINVAL);
  EXPECT_EQ(msg, "batch_size_threshold must be an integer > 0");
  EXPECT_EQ(set(c, "batch_size_threshold", "18446744073709551615", &msg), WG_OK);
  wg_conf_destroy(c);
}

TEST(Conf, DurationKeysRejectNonFiniteAndNonPositive) {
  wg_conf_t* c = wg_conf_new();
  for (const char* key : kDurationKeys) {
    for (const char* bad : {"nan", "inf", "-inf", "true", "not-a-number", "0", "-1", "", " 1", "1s",
                            "1e999", "0.0", "NaN", "infinity", "+1", "1e-400", "."}) {
      std::string msg;
      EXPECT_EQ(set(c, key, bad, &msg), WG_EINVAL) << key << "=" << bad;
      EXPECT_EQ(msg, std::string(key) + " must be a finite number > 0");
    }
    for (const char* good : {"1", "0.25", "2.5e-3", "10.", ".5"}) {
      std::string msg;
      EXPECT_EQ(set(c, key, good, &msg), WG_OK) << key << "=" << good;
    }
  }
  wg_conf_destroy(c);
}

TEST(Conf, LeaseGraceAcceptsZeroButNothingNegative) {
  wg_conf_t* c = wg_conf_new();
  std::string msg;
  EXPECT_EQ(set(c, "lease_grace_seconds", "0", &msg), WG_OK);
  EXPECT_EQ(set(c, "lease_grace_seconds", "1.5", &msg), WG_OK);
  for (const char* bad : {"-1", "nan", "inf", "true", ""}) {
    EXPECT_EQ(set(c, "lease_grace_seconds", bad, &msg), WG_EINVAL) << bad;
    EXPECT_EQ(msg, "lease_grace_seconds must be a finite number >= 0");
  }
  wg_conf_destroy(c);
}

TEST(Conf, MaxPendingAcceptsZeroAsNoBound) {
  wg_conf_t* c = wg_conf_new();
  std::string msg;
  EXPECT_EQ(set(c, "max_pending", "0", &msg), WG_OK);
  EXPECT_EQ(set(c, "max_pending", "100", &msg), WG_OK);
  EXPECT_EQ(set(c, "max_pending", "-1", &msg), WG_EINVAL);
  EXPECT_EQ(msg, "max_pending must be an integer >= 0 (0: no bound)");
  EXPECT_EQ(set(c, "max_pending", "1.5", &msg), WG_EINVAL);
  wg_conf_destroy(c);
}

TEST(Conf, ThreadCountKeysHaveAnUpperBound) {
  wg_conf_t* c = wg_conf_new();
  std::string msg;
  EXPECT_EQ(set(c, "workers_per_pool", "4097", &msg), WG_EINVAL);
  EXPECT_EQ(msg, "workers_per_pool must be an integer between 1 and 4096");
  EXPECT_EQ(set(c, "workers_per_pool", "4096", &msg), WG_OK);
  wg_conf_destroy(c);
}

TEST(Conf, OwnerPrefixMustBeShortAndNonEmpty) {
  wg_conf_t* c = wg_conf_new();
  std::string msg;
  EXPECT_EQ(set(c, "owner_prefix", "", &msg), WG_EINVAL);
  EXPECT_EQ(msg, "owner_prefix must be 1 to 48 bytes");
  EXPECT_EQ(set(c, "owner_prefix", std::string(49, 'x').c_str(), &msg), WG_EINVAL);
  EXPECT_EQ(set(c, "owner_prefix", std::string(48, 'x').c_str(), &msg), WG_OK);
  // Bytes, not characters: 24 two-byte characters fit, 25 don't.
  std::string two_byte;
  for (int i = 0; i < 24; ++i) two_byte += "\xc3\xa9";  // U+00E9
  EXPECT_EQ(set(c, "owner_prefix", two_byte.c_str(), &msg), WG_OK);
  EXPECT_EQ(set(c, "owner_prefix", (two_byte + "\xc3\xa9").c_str(), &msg), WG_EINVAL);
  EXPECT_EQ(set(c, "owner_prefix", "ingest", &msg), WG_OK);
  wg_conf_destroy(c);
}

TEST(Conf, UnknownKeysAreRejectedByName) {
  wg_conf_t* c = wg_conf_new();
  std::string msg;
  EXPECT_EQ(set(c, "batch_size", "3", &msg), WG_ENOKEY);
  EXPECT_EQ(msg, "unknown configuration key \"batch_size\"");
  // A known key with a bad value stays WG_EINVAL.
  EXPECT_EQ(set(c, "batch_size_threshold", "x", &msg), WG_EINVAL);
  wg_conf_destroy(c);
}

TEST(Conf, NullArgumentsAreRejectedAndErrstrIsOptional) {
  char err[64];
  EXPECT_EQ(wg_conf_set(nullptr, "max_pools", "1", err, sizeof err), WG_EINVAL);
  wg_conf_t* c = wg_conf_new();
  EXPECT_EQ(wg_conf_set(c, nullptr, "1", err, sizeof err), WG_EINVAL);
  EXPECT_EQ(wg_conf_set(c, "max_pools", nullptr, err, sizeof err), WG_EINVAL);
  EXPECT_EQ(wg_conf_set(c, "max_pools", "x", nullptr, 0), WG_EINVAL);
  // A short buffer is truncated, never overrun, and stays NUL-terminated.
  char tiny[8];
  EXPECT_EQ(wg_conf_set(c, "max_pools", "x", tiny, sizeof tiny), WG_EINVAL);
  EXPECT_EQ(std::strlen(tiny), 7u);
  EXPECT_EQ(wg_conf_set_log_cb(nullptr, nullptr, nullptr), WG_EINVAL);
  wg_conf_destroy(c);
  wg_conf_destroy(nullptr);
}

TEST(Conf, CreationChecksKeysTogether) {
  wg_conf_t* c = wgtest::make_conf({{"max_pools", "2"}, {"min_pools", "3"}});
  wg_grinder_t* g = nullptr;
  wg_manager_t* m = nullptr;
  char err[128];
  EXPECT_EQ(wg_create(&g, c, nullptr, err, sizeof err), WG_EINVAL);
  EXPECT_STREQ(err, "min_pools must not exceed max_pools");
  EXPECT_EQ(g, nullptr);
  EXPECT_EQ(wg_manager_create(&m, c, err, sizeof err), WG_EINVAL);
  EXPECT_STREQ(err, "min_pools must not exceed max_pools");
  EXPECT_EQ(wg_create(nullptr, c, nullptr, err, sizeof err), WG_EINVAL);
  EXPECT_EQ(wg_manager_create(nullptr, c, err, sizeof err), WG_EINVAL);
  wg_conf_destroy(c);
}

// Defaults for a native library (issue 15): a lone item waits 2 ms, not
// leasepool's 10 s; the lease length is leasepool's.
TEST(Conf, DefaultsAreNative) {
  wg_grinder_t* g = wgtest::make_grinder({}, nullptr, false);
  wg_stats_t s = wgtest::stats_of(g);
  EXPECT_EQ(s.batch_size_threshold, 64u);
  EXPECT_EQ(s.max_wait_seconds, 0.002);
  EXPECT_EQ(s.lease_seconds, 60.0);
  EXPECT_EQ(wg_destroy(g), WG_OK);
  // A NULL conf means every default.
  char err[64];
  ASSERT_EQ(wg_create(&g, nullptr, nullptr, err, sizeof err), WG_OK);
  EXPECT_EQ(wgtest::stats_of(g).batch_size_threshold, 64u);
  EXPECT_EQ(wg_destroy(g), WG_OK);
}

TEST(Version, NumbersAndNamesAgree) {
  EXPECT_EQ(wg_version(), (WG_VERSION_MAJOR << 16u) | (WG_VERSION_MINOR << 8u) | WG_VERSION_PATCH);
  EXPECT_STREQ(wg_version_string(), WG_VERSION_STRING);
  EXPECT_STREQ(wg_err_name(WG_EINVAL), "WG_EINVAL");
  EXPECT_STREQ(wg_err_name(WG_EUNAVAILABLE), "WG_EUNAVAILABLE");
  EXPECT_STREQ(wg_err_name(WG_OK), "WG_OK");
  EXPECT_STREQ(wg_err_name(-999), "WG_UNKNOWN");
  EXPECT_STREQ(wg_strerror(-999), "unknown error");
  for (int code = 0; code >= WG_EALREADY; --code) {
    EXPECT_STRNE(wg_err_name(code), "WG_UNKNOWN") << code;
    EXPECT_STRNE(wg_strerror(code), "unknown error") << code;
  }
  // Values are part of the ABI.
  EXPECT_EQ(WG_EINVAL, -1);
  EXPECT_EQ(WG_ELEASE, -10);
  EXPECT_EQ(WG_EUNAVAILABLE, -11);
}

}  // namespace

namespace {

TEST(Status, OneMapDrivesCodesNamesAndTexts) {
  struct Entry {
    int code;
    const char* name;
    const char* text;
  };
  const Entry all[] = {
#define WGTEST_STATUS_ENTRY(name, code, text) {code, "WG_" #name, text},
      WG_STATUS_MAP(WGTEST_STATUS_ENTRY)
#undef WGTEST_STATUS_ENTRY
  };
  // 0, -1, ..., -13 in order: none missing, none renumbered.
  ASSERT_EQ(sizeof all / sizeof all[0], 14u);
  for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i) {
    EXPECT_EQ(all[i].code, -static_cast<int>(i));
    EXPECT_STREQ(wg_err_name(all[i].code), all[i].name);
    EXPECT_STREQ(wg_strerror(all[i].code), all[i].text);
  }
  static_assert(WG_ENOKEY == -13, "status codes are part of the ABI");
  static_assert(WG_OK == 0 && WG_EALREADY == -12, "status codes are part of the ABI");
  EXPECT_STREQ(wg_err_name(WG_ENOKEY), "WG_ENOKEY");
  EXPECT_STREQ(wg_strerror(WG_ENOKEY), "unknown configuration key");
  EXPECT_STREQ(wg_err_name(-14), "WG_UNKNOWN");
  EXPECT_STREQ(wg_strerror(1), "unknown error");
}

}  // namespace
