/* Many threads, each blocking in wg_submit_wait for its own outcome.
 * (leasepool example 10.) */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <workgrinder/workgrinder.h>

enum { THREADS = 16, PER_THREAD = 200 };

static wg_grinder_t *g;

static int add_one(void *arg, void **result) {
  *result = (void *)((uintptr_t)arg + 1);
  return 0;
}

static void *producer(void *arg) {
  uintptr_t base = (uintptr_t)arg * PER_THREAD;
  uintptr_t wrong = 0;
  for (uintptr_t i = 0; i < PER_THREAD; i++) {
    wg_outcome_t o;
    int rc = wg_submit_wait(g, add_one, (void *)(base + i), NULL, 10.0, &o);
    if (rc != WG_OK || o.status != WG_OK || (uintptr_t)o.result != base + i + 1) wrong++;
  }
  return (void *)wrong;
}

int main(void) {
  char err[256];
  wg_conf_t *conf = wg_conf_new();
  wg_conf_set(conf, "batch_size_threshold", "8", err, sizeof err);
  wg_conf_set(conf, "max_wait_seconds", "0.001", err, sizeof err);
  if (wg_create(&g, conf, NULL, err, sizeof err) != WG_OK || wg_start(g) != WG_OK) {
    fprintf(stderr, "create/start failed: %s\n", err);
    return 1;
  }
  wg_conf_destroy(conf);
  pthread_t t[THREADS];
  for (uintptr_t i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, producer, (void *)i);
  uintptr_t wrong = 0;
  for (int i = 0; i < THREADS; i++) {
    void *w;
    pthread_join(t[i], &w);
    wrong += (uintptr_t)w;
  }
  wg_stats_t s = {.version = WG_STATS_VERSION};
  wg_stats(g, &s);
  printf("%d threads x %d waits: %llu completed in %llu batches, %lu wrong\n", THREADS, PER_THREAD,
         (unsigned long long)s.completed, (unsigned long long)s.batches, (unsigned long)wrong);
  wg_destroy(g);
  return wrong == 0 && s.completed == THREADS * PER_THREAD ? 0 : 1;
}
