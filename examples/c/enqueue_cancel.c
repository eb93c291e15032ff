/* Futures: enqueue jobs, cancel one that is still pending, wait for the rest.
 * (leasepool example 09.) */
#include <stdint.h>
#include <stdio.h>
#include <workgrinder/workgrinder.h>

static int triple(void *arg, void **result) {
  *result = (void *)((uintptr_t)arg * 3);
  return 0;
}

int main(void) {
  char err[256];
  wg_conf_t *conf = wg_conf_new();
  wg_conf_set(conf, "batch_size_threshold", "100", err, sizeof err);
  wg_conf_set(conf, "max_wait_seconds", "0.05", err, sizeof err);
  wg_grinder_t *g;
  if (wg_create(&g, conf, NULL, err, sizeof err) != WG_OK || wg_start(g) != WG_OK) {
    fprintf(stderr, "create/start failed: %s\n", err);
    return 1;
  }
  wg_conf_destroy(conf);

  wg_future_t *f[5];
  for (uintptr_t i = 0; i < 5; i++) {
    int rc = wg_enqueue(g, triple, (void *)i, NULL, &f[i]);
    if (rc != WG_OK) {
      fprintf(stderr, "enqueue: %s\n", wg_strerror(rc));
      return 1;
    }
  }
  /* Still pending (the batch waits up to 50 ms): cancelling removes it. */
  int cancel_rc = wg_future_cancel(f[2]);
  printf("cancel job 2: %s\n", wg_err_name(cancel_rc));

  int ok = 1;
  for (int i = 0; i < 5; i++) {
    wg_outcome_t o;
    if (wg_future_wait(f[i], 5.0, &o) != WG_OK) {
      ok = 0;
      continue;
    }
    if (o.status == WG_OK)
      printf("job %d -> %lu\n", i, (unsigned long)(uintptr_t)o.result);
    else
      printf("job %d -> %s\n", i, wg_err_name(o.status));
    ok &= (i == 2) ? (o.status == WG_ECANCELED)
                   : (o.status == WG_OK && (uintptr_t)o.result == (uintptr_t)i * 3);
    wg_future_release(f[i]);
  }
  wg_destroy(g);
  return (ok && cancel_rc == WG_OK) ? 0 : 1;
}
