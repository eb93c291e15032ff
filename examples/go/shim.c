// C trampolines between libworkgrinder and the exported Go callbacks. A Go
// job crosses C only as a runtime/cgo.Handle value, never as a Go pointer.
#include <stdint.h>
#include <stdlib.h>
#include <workgrinder/workgrinder.h>

#include "_cgo_export.h"

static int go_work(void *arg, void **result) {
  (void)result;
  return goWork((uintptr_t)arg);
}

static void go_release(void *arg, void *opaque) {
  (void)opaque;
  goRelease((uintptr_t)arg);
}

static void go_ready(void *opaque) { goReady((uintptr_t)opaque); }

static void go_done(const wg_outcome_t *o, void *opaque) { goDone((uintptr_t)opaque, o->status); }

int wg_go_enqueue(wg_grinder_t *g, uintptr_t job, uintptr_t notify, wg_future_t **out) {
  wg_submit_opts_t opts = {WG_SUBMIT_OPTS_VERSION, NULL, NULL, NULL, go_release};
  int rc = wg_enqueue(g, go_work, (void *)job, &opts, out);
  if (rc == WG_OK) wg_future_on_ready(*out, go_ready, (void *)notify);
  return rc;
}

int wg_go_submit(wg_grinder_t *g, uintptr_t job) {
  wg_submit_opts_t opts = {WG_SUBMIT_OPTS_VERSION, NULL, NULL, NULL, go_release};
  return wg_submit_ex(g, go_work, (void *)job, go_done, (void *)job, &opts);
}
