/* The _INIT macros compiled as C, with the project's -Wall -Wextra (and
 * -Werror in the scripts): a complete initializer draws no warning. */
#include <workgrinder/workgrinder.h>

#include "versioned_structs_c.h"

wg_submit_opts_t wgtest_c_submit_opts_init(void) {
  wg_submit_opts_t o = WG_SUBMIT_OPTS_INIT;
  return o;
}

wg_stats_t wgtest_c_stats_init(void) {
  wg_stats_t s = WG_STATS_INIT;
  return s;
}

wg_manager_stats_t wgtest_c_manager_stats_init(void) {
  wg_manager_stats_t s = WG_MANAGER_STATS_INIT;
  return s;
}
