/* Callback submit: many small jobs, each outcome delivered to a done callback
 * on the grinder's loop thread. (leasepool example 08.) */
#include <stdint.h>
#include <stdio.h>
#include <workgrinder/workgrinder.h>

enum { JOBS = 100 };

static int square(void *arg, void **result) {
  uintptr_t n = (uintptr_t)arg;
  *result = (void *)(n * n);
  return 0;
}

struct tally {
  uint64_t sum;
  int outcomes;
};

/* Runs on the loop thread, one call at a time: no lock needed. */
static void on_done(const wg_outcome_t *o, void *opaque) {
  struct tally *t = opaque;
  if (o->status == WG_OK) t->sum += (uintptr_t)o->result;
  t->outcomes++;
}

int main(void) {
  char err[256];
  wg_conf_t *conf = wg_conf_new();
  if (!conf || wg_conf_set(conf, "batch_size_threshold", "10", err, sizeof err) != WG_OK ||
      wg_conf_set(conf, "max_wait_seconds", "0.01", err, sizeof err) != WG_OK) {
    fprintf(stderr, "conf: %s\n", err);
    return 1;
  }
  wg_grinder_t *g;
  if (wg_create(&g, conf, NULL, err, sizeof err) != WG_OK) {
    fprintf(stderr, "create: %s\n", err);
    return 1;
  }
  wg_conf_destroy(conf);
  int rc = wg_start(g);
  if (rc != WG_OK) {
    fprintf(stderr, "start: %s\n", wg_strerror(rc));
    return 1;
  }
  struct tally t = {0, 0};
  for (uintptr_t i = 1; i <= JOBS; i++) {
    rc = wg_submit(g, square, (void *)i, on_done, &t);
    if (rc != WG_OK) {
      fprintf(stderr, "submit: %s\n", wg_err_name(rc));
      return 1;
    }
  }
  wg_stop(g, 0); /* drain: every done callback has run when this returns */
  wg_stats_t s = {.version = WG_STATS_VERSION};
  wg_stats(g, &s);
  printf("%d outcomes, sum of squares 1..%d = %llu, %llu batches\n", t.outcomes, JOBS,
         (unsigned long long)t.sum, (unsigned long long)s.batches);
  wg_destroy(g);
  return (t.outcomes == JOBS && t.sum == 338350) ? 0 : 1;
}
