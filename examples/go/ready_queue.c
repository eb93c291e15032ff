// The ready queue (see ready_queue.h). One mutex guards the ids, the
// sleeping flag and the stop request, so a push either sees the taker asleep
// and signals it, or the taker sees the id before it sleeps: no lost wake-up.
#include "ready_queue.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static wg_go_ready_t *ids; /* ids[0..len), oldest first; kept for the process */
static size_t len, cap;
static int sleeping;   /* the taker waits on wake */
static int stop_asked; /* the taker returns 0 once the queue is empty */

enum { FIRST_CAP = 1024 };

int wg_go_ready_push(uintptr_t id, int status) {
  pthread_mutex_lock(&mu);
  if (len == cap) {
    size_t grown = cap ? 2 * cap : FIRST_CAP;
    wg_go_ready_t *p = realloc(ids, grown * sizeof *ids);
    if (p == NULL) {
      pthread_mutex_unlock(&mu);
      return -1;
    }
    ids = p;
    cap = grown;
  }
  ids[len].id = id;
  ids[len].status = status;
  ++len;
  int wake_taker = sleeping;
  sleeping = 0; /* one signal per sleep: later pushes need not signal again */
  pthread_mutex_unlock(&mu);
  if (wake_taker) pthread_cond_signal(&wake);
  return 0;
}

size_t wg_go_ready_take(wg_go_ready_t *out, size_t out_cap) {
  pthread_mutex_lock(&mu);
  while (len == 0 && !stop_asked) {
    sleeping = 1;
    pthread_cond_wait(&wake, &mu);
  }
  sleeping = 0;
  size_t n = len < out_cap ? len : out_cap;
  if (n > 0) {
    memcpy(out, ids, n * sizeof *ids);
    memmove(ids, ids + n, (len - n) * sizeof *ids);
    len -= n;
  } else {
    stop_asked = 0; /* consumed: a later taker starts afresh */
  }
  pthread_mutex_unlock(&mu);
  return n;
}

void wg_go_ready_stop(void) {
  pthread_mutex_lock(&mu);
  stop_asked = 1;
  int wake_taker = sleeping;
  sleeping = 0;
  pthread_mutex_unlock(&mu);
  if (wake_taker) pthread_cond_signal(&wake);
}
