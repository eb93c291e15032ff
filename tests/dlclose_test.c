/* Unloading the library while a thread that submitted work lives on: the
 * thread must be able to exit after dlclose (before the fix, the item pool's
 * thread-exit hook ran in unmapped code and crashed). argv[1]: the library. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "workgrinder/workgrinder.h"

typedef wg_conf_t *(*conf_new_fn)(void);
typedef int (*conf_set_fn)(wg_conf_t *, const char *, const char *, char *, size_t);
typedef void (*conf_destroy_fn)(wg_conf_t *);
typedef int (*create_fn)(wg_grinder_t **, const wg_conf_t *, wg_manager_t *, char *, size_t);
typedef int (*start_fn)(wg_grinder_t *);
typedef int (*submit_wait_fn)(wg_grinder_t *, wg_work_fn, void *, const wg_submit_opts_t *, double,
                              wg_outcome_t *);
typedef int (*destroy_fn)(wg_grinder_t *);

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int submitted, unloaded, submit_failures;
static wg_grinder_t *grinder;
static submit_wait_fn submit_wait;

static int work(void *arg, void **result) {
  *result = arg;
  return 0;
}

static void *submitter(void *unused) {
  (void)unused;
  for (int i = 0; i < 20; ++i) {
    wg_outcome_t o;
    if (submit_wait(grinder, work, NULL, NULL, 10, &o) != WG_OK || o.status != WG_OK)
      ++submit_failures;
  }
  pthread_mutex_lock(&mu);
  submitted = 1;
  pthread_cond_broadcast(&cv);
  while (!unloaded) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  return NULL; /* thread exit after the library was closed */
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s LIBRARY\n", argv[0]);
    return 2;
  }
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  conf_new_fn conf_new = (conf_new_fn)dlsym(lib, "wg_conf_new");
  conf_set_fn conf_set = (conf_set_fn)dlsym(lib, "wg_conf_set");
  conf_destroy_fn conf_destroy = (conf_destroy_fn)dlsym(lib, "wg_conf_destroy");
  create_fn create = (create_fn)dlsym(lib, "wg_create");
  start_fn start = (start_fn)dlsym(lib, "wg_start");
  submit_wait = (submit_wait_fn)dlsym(lib, "wg_submit_wait");
  destroy_fn destroy = (destroy_fn)dlsym(lib, "wg_destroy");
  if (!conf_new || !conf_set || !conf_destroy || !create || !start || !submit_wait || !destroy) {
    fprintf(stderr, "dlsym failed\n");
    return 1;
  }
  wg_conf_t *conf = conf_new(); /* each item its own batch: no waiting for company */
  if (!conf || conf_set(conf, "batch_size_threshold", "1", NULL, 0) != WG_OK) return 1;
  int rc = create(&grinder, conf, NULL, NULL, 0);
  conf_destroy(conf);
  if (rc != WG_OK || start(grinder) != WG_OK) return 1;
  pthread_t t;
  if (pthread_create(&t, NULL, submitter, NULL) != 0) return 1;
  pthread_mutex_lock(&mu);
  while (!submitted) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  if (destroy(grinder) != WG_OK) return 1;
  if (dlclose(lib) != 0) {
    fprintf(stderr, "dlclose: %s\n", dlerror());
    return 1;
  }
  pthread_mutex_lock(&mu);
  unloaded = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  pthread_join(t, NULL);
  if (submit_failures) {
    fprintf(stderr, "%d submissions failed\n", submit_failures);
    return 1;
  }
  printf("the submitting thread exited after dlclose\n");
  return 0;
}
