/* Structs initialized with the _INIT macros by C code (versioned_structs_c.c). */
#ifndef WGTEST_VERSIONED_STRUCTS_C_H
#define WGTEST_VERSIONED_STRUCTS_C_H

#include <workgrinder/workgrinder.h>

#ifdef __cplusplus
extern "C" {
#endif

wg_submit_opts_t wgtest_c_submit_opts_init(void);
wg_stats_t wgtest_c_stats_init(void);
wg_manager_stats_t wgtest_c_manager_stats_init(void);

#ifdef __cplusplus
}
#endif

#endif
