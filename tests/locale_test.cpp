// Configuration values are parsed the same whatever the process's locale.
#include <clocale>

#include "test_support.hpp"

using namespace wgtest;

namespace {

constexpr const char* kGerman = "de_DE.UTF-8";

TEST(Locale, DurationsParseTheSameUnderAGermanLocale) {
  ASSERT_NE(std::setlocale(LC_ALL, kGerman), nullptr)
      << "locale " << kGerman
      << " is not installed; scripts/test.sh generates it (localedef -i de_DE -f UTF-8 " << kGerman
      << ")";
  // The point of the test: strtod here would stop at the '.'.
  ASSERT_STREQ(std::localeconv()->decimal_point, ",");
  wg_conf_t* c = wg_conf_new();
  char err[128];
  EXPECT_EQ(wg_conf_set(c, "max_wait_seconds", "0.25", err, sizeof err), WG_OK) << err;
  EXPECT_EQ(wg_conf_set(c, "lease_seconds", "2.5e-3", err, sizeof err), WG_OK) << err;
  EXPECT_EQ(wg_conf_set(c, "lease_grace_seconds", "1.5", err, sizeof err), WG_OK) << err;
  EXPECT_EQ(wg_conf_set(c, "max_wait_seconds", "0,25", err, sizeof err), WG_EINVAL);
  wg_grinder_t* g = nullptr;
  ASSERT_EQ(wg_create(&g, c, nullptr, err, sizeof err), WG_OK) << err;
  wg_conf_destroy(c);
  wg_stats_t s = stats_of(g);
  EXPECT_EQ(s.max_wait_seconds, 0.25);
  EXPECT_EQ(s.lease_seconds, 2.5e-3);
  EXPECT_EQ(wg_destroy(g), WG_OK);
  std::setlocale(LC_ALL, "C");
}

}  // namespace
