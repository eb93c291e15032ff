/* Many threads write events into SQLite through a batch handler: one
 * transaction per batch, each event still gets its own outcome, delivered
 * after the commit. At the end the rows are checked against what was sent.
 *
 *   sqlite_writer [--producers N] [--events M] [--db PATH]
 *
 * Threads: producers call wg_submit; write_batch runs on the one worker
 * thread of the grinder's pool, which owns the SQLite connection (opened in
 * the worker's on_start hook, closed in on_stop); event_done runs on the
 * grinder's loop thread, the only writer of the events' outcome counters.
 * main reads them after wg_stop, which waits for the loop thread.
 *
 * One worker: SQLite lets one connection write at a time, so a second worker
 * would only wait for the first one's lock (or fail with SQLITE_BUSY). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, mkstemp */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <workgrinder/workgrinder.h>

typedef struct event {
  int producer;
  int seq;
  int outcomes; /* outcomes received: must end at exactly 1 */
  int status;   /* the outcome's status */
} event_t;

static const char *db_path;
static wg_grinder_t *grinder;
static event_t *events;
static int n_producers = 4, n_events = 20000; /* events per producer */
static atomic_int submit_errors, connections_opened, connections_closed;

/* The worker thread's connection and statement; only that thread uses them. */
static _Thread_local sqlite3 *conn;
static _Thread_local sqlite3_stmt *insert;

static int exec(sqlite3 *db, const char *sql) {
  char *msg = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
  if (rc != SQLITE_OK) fprintf(stderr, "sqlite: %s: %s\n", sql, msg ? msg : sqlite3_errstr(rc));
  sqlite3_free(msg);
  return rc;
}

/* on_start: runs once on each worker thread before its first batch. A failure
 * leaves conn NULL, and write_batch then fails every event it gets. */
static void open_connection(void *opaque) {
  (void)opaque;
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
    fprintf(stderr, "sqlite: open %s: %s\n", db_path, db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return;
  }
  sqlite3_busy_timeout(db, 10000);
  if (exec(db, "PRAGMA synchronous=NORMAL") != SQLITE_OK ||
      sqlite3_prepare_v2(db, "INSERT INTO events(producer, seq, payload) VALUES(?, ?, ?)", -1,
                         &insert, NULL) != SQLITE_OK) {
    fprintf(stderr, "sqlite: prepare: %s\n", sqlite3_errmsg(db));
    sqlite3_close(db);
    return;
  }
  conn = db;
  atomic_fetch_add(&connections_opened, 1);
}

/* on_stop: runs once on each worker thread as it exits. */
static void close_connection(void *opaque) {
  (void)opaque;
  if (!conn) return;
  sqlite3_finalize(insert);
  sqlite3_close(conn);
  insert = NULL;
  conn = NULL;
  atomic_fetch_add(&connections_closed, 1);
}

/* The batch handler: one transaction for the whole batch. A row that fails
 * (say, a duplicate key) fails only its own event; the others are committed.
 * Events not set here take the return value: 0 once the commit succeeded, the
 * SQLite error code if it did not (then nothing of the batch was written). */
static int write_batch(wg_batch_t *batch, void *opaque) {
  (void)opaque;
  if (!conn) return SQLITE_CANTOPEN;
  int rc = exec(conn, "BEGIN IMMEDIATE");
  if (rc != SQLITE_OK) return rc;
  char payload[64];
  for (size_t i = 0; i < wg_batch_size(batch); i++) {
    const event_t *e = wg_batch_arg(batch, i);
    snprintf(payload, sizeof payload, "event %d/%d", e->producer, e->seq);
    sqlite3_bind_int(insert, 1, e->producer);
    sqlite3_bind_int(insert, 2, e->seq);
    sqlite3_bind_text(insert, 3, payload, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(insert);
    sqlite3_reset(insert);
    if (rc != SQLITE_DONE) wg_batch_set(batch, i, rc, NULL);
  }
  rc = exec(conn, "COMMIT");
  if (rc != SQLITE_OK) exec(conn, "ROLLBACK");
  return rc;
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

static long long query_int(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st;
  long long v = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    fprintf(stderr, "sqlite: %s: %s\n", sql, sqlite3_errmsg(db));
    return -1;
  }
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* Creates the table in a fresh database file. */
static int create_schema(void) {
  sqlite3 *db;
  if (sqlite3_open(db_path, &db) != SQLITE_OK) {
    fprintf(stderr, "sqlite: open %s: %s\n", db_path, sqlite3_errmsg(db));
    sqlite3_close(db);
    return -1;
  }
  int rc = exec(db, "PRAGMA journal_mode=WAL");
  if (rc == SQLITE_OK)
    rc = exec(db,
              "CREATE TABLE events(producer INTEGER NOT NULL, seq INTEGER NOT NULL, "
              "payload TEXT NOT NULL, UNIQUE(producer, seq))");
  sqlite3_close(db);
  return rc == SQLITE_OK ? 0 : -1;
}

/* Compares the table with what was sent. Returns the number of mismatches. */
static int verify(void) {
  sqlite3 *db;
  if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    fprintf(stderr, "sqlite: open %s: %s\n", db_path, sqlite3_errmsg(db));
    sqlite3_close(db);
    return 1;
  }
  long long expected = (long long)n_producers * n_events;
  char sql[256];
  snprintf(sql, sizeof sql,
           "SELECT COUNT(*) FROM events WHERE producer < 0 OR producer >= %d OR seq < 0 OR "
           "seq >= %d",
           n_producers, n_events);
  long long rows = query_int(db, "SELECT COUNT(*) FROM events");
  long long distinct =
      query_int(db, "SELECT COUNT(*) FROM (SELECT DISTINCT producer, seq FROM events)");
  long long out_of_range = query_int(db, sql);
  sqlite3_close(db);

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
  printf("connections opened %d, closed %d\n", atomic_load(&connections_opened),
         atomic_load(&connections_closed));
  if (rows != expected) bad++;
  if (distinct != expected) bad++;
  if (out_of_range != 0) bad++;
  if (atomic_load(&submit_errors) != 0) bad++;
  if (atomic_load(&connections_opened) < 1 ||
      atomic_load(&connections_opened) != atomic_load(&connections_closed))
    bad++;
  return bad;
}

static int configure(wg_conf_t *conf) {
  static const char *const keys[][2] = {
      {"workers_per_pool", "1"}, /* SQLite: one writer at a time (see the top) */
      {"max_pools", "1"},
      {"min_pools", "1"},
      {"max_inflight_batches", "1"},
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

static void remove_db(const char *path) {
  char name[4096];
  unlink(path);
  snprintf(name, sizeof name, "%s-wal", path);
  unlink(name);
  snprintf(name, sizeof name, "%s-shm", path);
  unlink(name);
}

int main(int argc, char **argv) {
  char temp_path[] = "/tmp/sqlite_writer.XXXXXX";
  for (int i = 1; i < argc; i++) {
    if (i + 1 < argc && strcmp(argv[i], "--producers") == 0)
      n_producers = atoi(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--events") == 0)
      n_events = atoi(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--db") == 0)
      db_path = argv[++i];
    else
      n_producers = 0;
  }
  if (n_producers <= 0 || n_producers > 1024 || n_events <= 0) {
    fprintf(stderr, "usage: %s [--producers N (1..1024)] [--events M] [--db PATH]\n", argv[0]);
    return 2;
  }
  if (!db_path) { /* a temporary file, removed at the end */
    int fd = mkstemp(temp_path);
    if (fd < 0) {
      perror("mkstemp");
      return 1;
    }
    close(fd);
    db_path = temp_path;
  }
  remove_db(db_path);
  if (create_schema() != 0) return 1;

  events = calloc((size_t)n_producers * (size_t)n_events, sizeof *events);
  wg_conf_t *conf = wg_conf_new();
  char err[256] = "";
  if (!events || !conf || configure(conf) != 0 ||
      wg_create(&grinder, conf, NULL, err, sizeof err) != WG_OK || wg_start(grinder) != WG_OK) {
    fprintf(stderr, "setup failed %s\n", err);
    return 1;
  }
  wg_conf_destroy(conf);

  double t0 = now_seconds();
  pthread_t *threads = calloc((size_t)n_producers, sizeof *threads);
  if (!threads) return 1;
  for (int p = 0; p < n_producers; p++)
    pthread_create(&threads[p], NULL, produce, (void *)(intptr_t)p);
  for (int p = 0; p < n_producers; p++) pthread_join(threads[p], NULL);
  wg_stop(grinder, 0); /* drains: every accepted event is written and answered */
  double seconds = now_seconds() - t0;

  wg_stats_t s = {.version = WG_STATS_VERSION};
  wg_stats(grinder, &s);
  wg_destroy(grinder); /* the worker's on_stop has run once this returns */
  long long total = (long long)n_producers * n_events;
  printf(
      "sqlite_writer: %d producers x %d events into %s: %.0f rows/s, %llu batches (%.1f rows "
      "per transaction)\n",
      n_producers, n_events, db_path, (double)total / seconds, (unsigned long long)s.batches,
      s.batches ? (double)total / (double)s.batches : 0.0);
  int bad = verify();
  if (db_path == temp_path) remove_db(db_path);
  free(threads);
  free(events);
  printf("%s\n", bad ? "FAILED" : "OK");
  return bad ? 1 : 0;
}
