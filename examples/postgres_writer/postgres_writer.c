/* Many threads write events into PostgreSQL through a batch handler: one COPY
 * per batch, each event still gets its own outcome, delivered after the
 * commit. At the end the rows are checked against what was sent.
 *
 *   postgres_writer [--producers N] [--events M] [--conninfo STR] [--writers W]
 *
 * --conninfo is a libpq connection string; empty (the default) takes the
 * server from PGHOST, PGPORT, PGUSER and PGDATABASE, which is how
 * scripts/pg_server.sh run passes its throwaway server. The table `events` is
 * dropped and created anew.
 *
 * Threads: producers call wg_submit; write_batch runs on a worker thread,
 * which owns its own connection (opened in the worker's on_start hook, closed
 * in on_stop). W pools of one worker each let W batches write at once, which
 * PostgreSQL (unlike SQLite) allows. event_done runs on the grinder's loop
 * thread, the only writer of the events' outcome counters; main reads them
 * after wg_stop, which waits for the loop thread. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, mkstemp */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <workgrinder/workgrinder.h>

/* work_code values of failed events. */
enum { NO_CONNECTION = 1, COPY_FAILED = 2 };

typedef struct event {
  int producer;
  int seq;
  int outcomes; /* outcomes received: must end at exactly 1 */
  int status;   /* the outcome's status */
} event_t;

static const char *conninfo = "";
static wg_grinder_t *grinder;
static event_t *events;
static int n_producers = 4, n_events = 20000, n_writers = 2;
static atomic_int submit_errors, connections_opened, connections_closed;

/* The worker thread's connection; only that thread uses it. */
static _Thread_local PGconn *conn;

static PGconn *connect_db(void) {
  PGconn *c = PQconnectdb(conninfo);
  if (PQstatus(c) != CONNECTION_OK) {
    fprintf(stderr, "postgres: connect \"%s\": %s", conninfo, PQerrorMessage(c));
    PQfinish(c);
    return NULL;
  }
  return c;
}

/* Runs sql; returns 0 if it succeeded, else prints the error and returns -1. */
static int exec(PGconn *c, const char *sql) {
  PGresult *r = PQexec(c, sql);
  ExecStatusType st = PQresultStatus(r);
  int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  if (!ok) fprintf(stderr, "postgres: %s: %s", sql, PQresultErrorMessage(r));
  PQclear(r);
  return ok ? 0 : -1;
}

/* on_start: runs once on each worker thread before its first batch. A failure
 * leaves conn NULL, and write_batch then fails every event it gets. */
static void open_connection(void *opaque) {
  (void)opaque;
  conn = connect_db();
  if (conn) atomic_fetch_add(&connections_opened, 1);
}

/* on_stop: runs once on each worker thread as it exits. */
static void close_connection(void *opaque) {
  (void)opaque;
  if (!conn) return;
  PQfinish(conn);
  conn = NULL;
  atomic_fetch_add(&connections_closed, 1);
}

/* The batch handler: the whole batch in one COPY, which is one transaction.
 * COPY is all or nothing, so a bad row fails every event of its batch: the
 * function's return value becomes each event's work_code. */
static int write_batch(wg_batch_t *batch, void *opaque) {
  (void)opaque;
  if (!conn) return NO_CONNECTION;
  PGresult *r = PQexec(conn, "COPY events(producer, seq, payload) FROM STDIN");
  int ok = PQresultStatus(r) == PGRES_COPY_IN;
  PQclear(r);
  char line[96];
  for (size_t i = 0; ok && i < wg_batch_size(batch); i++) {
    const event_t *e = wg_batch_arg(batch, i);
    int n = snprintf(line, sizeof line, "%d\t%d\tevent %d/%d\n", e->producer, e->seq, e->producer,
                     e->seq);
    ok = PQputCopyData(conn, line, n) == 1;
  }
  /* Ends the COPY either way; an error message aborts it. */
  if (PQputCopyEnd(conn, ok ? NULL : "client gave up") != 1) ok = 0;
  while ((r = PQgetResult(conn)) != NULL) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      fprintf(stderr, "postgres: COPY: %s", PQresultErrorMessage(r));
      ok = 0;
    }
    PQclear(r);
  }
  return ok ? 0 : COPY_FAILED;
}

/* Runs on the loop thread, after the batch's commit. */
static void event_done(const wg_outcome_t *o, void *opaque) {
  event_t *e = opaque;
  e->outcomes++;
  e->status = o->status == WG_EWORK ? o->work_code : o->status;
}

static void *produce(void *arg) {
  int p = (int)(intptr_t)arg;
  for (int s = 0; s < n_events; s++) {
    event_t *e = &events[(size_t)p * (size_t)n_events + (size_t)s];
    e->producer = p;
    e->seq = s;
    /* fn NULL: the grinder's batch handler writes it. */
    if (wg_submit(grinder, NULL, e, event_done, e) != WG_OK) atomic_fetch_add(&submit_errors, 1);
  }
  return NULL;
}

static long long query_int(PGconn *c, const char *sql) {
  PGresult *r = PQexec(c, sql);
  long long v = -1;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
    v = atoll(PQgetvalue(r, 0, 0));
  else
    fprintf(stderr, "postgres: %s: %s", sql, PQresultErrorMessage(r));
  PQclear(r);
  return v;
}

/* Compares the table with what was sent. Returns the number of mismatches. */
static int verify(PGconn *c) {
  long long expected = (long long)n_producers * n_events;
  char sql[256];
  snprintf(sql, sizeof sql,
           "SELECT count(*) FROM events WHERE producer < 0 OR producer >= %d OR seq < 0 OR "
           "seq >= %d",
           n_producers, n_events);
  long long rows = query_int(c, "SELECT count(*) FROM events");
  long long distinct = query_int(c, "SELECT count(DISTINCT (producer, seq)) FROM events");
  long long out_of_range = query_int(c, sql);

  int bad = 0;
  for (long long i = 0; i < expected; i++)
    if (events[i].outcomes != 1 || events[i].status != WG_OK) {
      if (bad < 5)
        fprintf(stderr, "event %d/%d: %d outcome(s), last status %d\n", events[i].producer,
                events[i].seq, events[i].outcomes, events[i].status);
      bad++;
    }
  printf("rows %lld (expected %lld), distinct (producer, seq) %lld, out of range %lld\n", rows,
         expected, distinct, out_of_range);
  printf("events with other than one WG_OK outcome: %d; submit errors: %d\n", bad,
         atomic_load(&submit_errors));
  printf("connections opened %d, closed %d (at most %d)\n", atomic_load(&connections_opened),
         atomic_load(&connections_closed), n_writers);
  if (rows != expected) bad++;
  if (distinct != expected) bad++;
  if (out_of_range != 0) bad++;
  if (atomic_load(&submit_errors) != 0) bad++;
  /* One per worker thread that ran (a pool never leased may not start). */
  if (atomic_load(&connections_opened) < 1 || atomic_load(&connections_opened) > n_writers ||
      atomic_load(&connections_opened) != atomic_load(&connections_closed))
    bad++;
  return bad;
}

static int configure(wg_conf_t *conf) {
  char writers[16];
  snprintf(writers, sizeof writers, "%d", n_writers);
  const char *const keys[][2] = {
      {"workers_per_pool", "1"}, /* a batch runs on one thread: more would idle */
      {"max_pools", writers},
      {"min_pools", writers},
      {"max_inflight_batches", writers},
      {"batch_size_threshold", "500"},
      {"max_wait_seconds", "0.002"},
      {"max_batch_size", "1024"},
  };
  char err[256];
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (wg_conf_set(conf, keys[i][0], keys[i][1], err, sizeof err) != WG_OK) {
      fprintf(stderr, "%s\n", err);
      return -1;
    }
  if (wg_conf_set_batch_fn(conf, write_batch, NULL) != WG_OK ||
      wg_conf_set_worker_hooks(conf, open_connection, close_connection, NULL) != WG_OK)
    return -1;
  return 0;
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (i + 1 < argc && strcmp(argv[i], "--producers") == 0)
      n_producers = atoi(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--events") == 0)
      n_events = atoi(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--writers") == 0)
      n_writers = atoi(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--conninfo") == 0)
      conninfo = argv[++i];
    else
      n_producers = 0;
  }
  if (n_producers <= 0 || n_producers > 1024 || n_events <= 0 || n_writers <= 0 || n_writers > 64) {
    fprintf(stderr,
            "usage: %s [--producers N (1..1024)] [--events M] [--conninfo STR] "
            "[--writers W (1..64)]\n",
            argv[0]);
    return 2;
  }
  PGconn *admin = connect_db();
  if (!admin) return 1;
  if (exec(admin, "SET client_min_messages TO warning") != 0 || /* no "does not exist" */
      exec(admin, "DROP TABLE IF EXISTS events") != 0 ||
      exec(admin,
           "CREATE TABLE events(producer integer NOT NULL, seq integer NOT NULL, "
           "payload text NOT NULL, UNIQUE(producer, seq))") != 0) {
    PQfinish(admin);
    return 1;
  }

  events = calloc((size_t)n_producers * (size_t)n_events, sizeof *events);
  pthread_t *threads = calloc((size_t)n_producers, sizeof *threads);
  wg_conf_t *conf = wg_conf_new();
  char err[256] = "";
  if (!events || !threads || !conf || configure(conf) != 0 ||
      wg_create(&grinder, conf, NULL, err, sizeof err) != WG_OK || wg_start(grinder) != WG_OK) {
    fprintf(stderr, "setup failed %s\n", err);
    return 1;
  }
  wg_conf_destroy(conf);

  double t0 = now_seconds();
  for (int p = 0; p < n_producers; p++)
    pthread_create(&threads[p], NULL, produce, (void *)(intptr_t)p);
  for (int p = 0; p < n_producers; p++) pthread_join(threads[p], NULL);
  wg_stop(grinder, 0); /* drains: every accepted event is written and answered */
  double seconds = now_seconds() - t0;

  wg_stats_t s = {.version = WG_STATS_VERSION};
  wg_stats(grinder, &s);
  wg_destroy(grinder); /* the workers' on_stop hooks have run once this returns */
  long long total = (long long)n_producers * n_events;
  printf(
      "postgres_writer: %d producers x %d events, %d writers: %.0f rows/s, %llu batches (%.1f "
      "rows per COPY)\n",
      n_producers, n_events, n_writers, (double)total / seconds, (unsigned long long)s.batches,
      s.batches ? (double)total / (double)s.batches : 0.0);
  int bad = verify(admin);
  PQfinish(admin);
  free(threads);
  free(events);
  printf("%s\n", bad ? "FAILED" : "OK");
  return bad ? 1 : 0;
}
