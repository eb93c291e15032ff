/* The queue of ready notifications: workers (and whoever decides an outcome)
 * push a future's job id, the loop thread a waited-for submission's id and
 * status; one Go goroutine takes them in bulk. This replaces a call into Go
 * per item, which on a thread Go did not create costs needm/dropm and
 * signal-mask syscalls. */
#ifndef WG_GO_READY_QUEUE_H
#define WG_GO_READY_QUEUE_H

#include <stddef.h>
#include <stdint.h>

/* One notification: a job id and, for a submission waited for without a
 * future, its outcome's status (a future's status stays in the future). */
typedef struct wg_go_ready {
  uintptr_t id;
  int status;
} wg_go_ready_t;

/* Queues (id, status) and wakes the taker if it sleeps. Returns 0, or -1
 * when the queue could not grow (the caller then delivers it itself). */
int wg_go_ready_push(uintptr_t id, int status);

/* Blocks until notifications are queued or a stop is asked for; copies up to
 * cap of them into out, oldest first, and returns how many. Returns 0 only
 * for a stop with nothing queued (the stop request is then consumed). */
size_t wg_go_ready_take(wg_go_ready_t *out, size_t cap);

/* Asks the taker to return 0 once the queue is empty. */
void wg_go_ready_stop(void);

#endif
