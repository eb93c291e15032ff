// C trampolines between libworkgrinder and the exported Go callbacks. A Go
// job crosses C only as its registry id (jobs.go), never as a Go pointer.
#include <stdint.h>
#include <stdlib.h>
#include <workgrinder/workgrinder.h>

#include "_cgo_export.h"
#include "ready_queue.h"

static int go_work(void *arg, void **result) {
  (void)result;
  return goWork((uintptr_t)arg);
}

/* Queued for the Go goroutine that takes ready ids in bulk; calling Go here
 * only if the queue cannot grow. */
static void ready(uintptr_t job, int status) {
  if (wg_go_ready_push(job, status) != 0) goReady(job, status);
}

static void go_ready(void *opaque) { ready((uintptr_t)opaque, 0); /* status: in the future */ }

/* A SubmitFunc item's outcome: its done callback runs here, on the loop thread. */
static void go_done(const wg_outcome_t *o, void *opaque) { goDone((uintptr_t)opaque, o->status); }

/* A submission waited for without a future: its status travels in the queue. */
static void go_done_queued(const wg_outcome_t *o, void *opaque) {
  ready((uintptr_t)opaque, o->status);
}

/* batch nonzero: the item is an arg to the grinder's batch function (fn NULL).
 * The job's registry entry is dropped on the Go side once its outcome was
 * delivered, so no release_arg: each call of it would be a call into Go. */
int wg_go_enqueue(wg_grinder_t *g, uintptr_t job, int batch, double admit, double deadline,
                  wg_future_t **out) {
  wg_submit_opts_t opts = WG_SUBMIT_OPTS_INIT;
  opts.admit_timeout_seconds = admit;
  opts.deadline_seconds = deadline;
  int rc = wg_enqueue(g, batch ? NULL : go_work, (void *)job, &opts, out);
  if (rc == WG_OK) wg_future_on_ready(*out, go_ready, (void *)job);
  return rc;
}

/* queued nonzero: the outcome goes to the ready queue, else to goDone. */
int wg_go_submit(wg_grinder_t *g, uintptr_t job, int batch, int queued, double admit,
                 double deadline) {
  wg_submit_opts_t opts = WG_SUBMIT_OPTS_INIT;
  opts.admit_timeout_seconds = admit;
  opts.deadline_seconds = deadline;
  return wg_submit_ex(g, batch ? NULL : go_work, (void *)job, queued ? go_done_queued : go_done,
                      (void *)job, &opts);
}

/* A ready future's outcome, and the future given up, in one call from Go
 * (each call from Go costs a transition too). */
int wg_go_future_take(wg_future_t *f, wg_outcome_t *out) {
  int rc = wg_future_wait(f, 0, out);
  wg_future_release(f);
  return rc;
}

/* The whole batch crosses into Go once: its args (job handles) gathered here
 * into one array, so that Go reads them without a call back into C. */
enum { GO_BATCH_ON_STACK = 64 };

static int go_batch(wg_batch_t *b, void *opaque) {
  size_t n = wg_batch_size(b);
  uintptr_t on_stack[GO_BATCH_ON_STACK];
  uintptr_t *args = n <= GO_BATCH_ON_STACK ? on_stack : malloc(n * sizeof *args);
  if (args == NULL) return 1; /* every item fails: Go reads EWORK with no error as ErrWork */
  for (size_t i = 0; i < n; ++i) args[i] = (uintptr_t)wg_batch_arg(b, i);
  int rc = goBatch((uintptr_t)opaque, b, args, n);
  if (args != on_stack) free(args);
  return rc;
}

int wg_go_conf_set_batch_fn(wg_conf_t *c, uintptr_t id) {
  return id ? wg_conf_set_batch_fn(c, go_batch, (void *)id) : wg_conf_set_batch_fn(c, NULL, NULL);
}

static void go_worker_start(void *opaque) { goWorkerStart((uintptr_t)opaque); }

static void go_worker_stop(void *opaque) { goWorkerStop((uintptr_t)opaque); }

int wg_go_conf_set_worker_hooks(wg_conf_t *c, uintptr_t id) {
  return id ? wg_conf_set_worker_hooks(c, go_worker_start, go_worker_stop, (void *)id)
            : wg_conf_set_worker_hooks(c, NULL, NULL, NULL);
}
