"""The Python binding against what a Python user writes instead, in one
process: concurrent.futures.ThreadPoolExecutor with as many workers as ours.
Tiny jobs (x + 1): "queue N, then wait all" from 1 and 2 threads, through
Grinder.enqueue and BatchGrinder.enqueue; and submit-and-wait from 8 threads.

Each scenario runs ours and its baseline alternately for R rounds (the
machine's noise then hits both alike) and prints the median items/s of each
and the median of the per-round ratios ours/baseline (min..max). Every result
is checked; a wrong one ends the program with status 1.

    python3 examples/python/bench.py            # R = 5
    python3 examples/python/bench.py --short    # R = 1, few items

The library is found as the package finds it ($WORKGRINDER_LIB, the loader
path, pkg-config); run from here, `import workgrinder` is this checkout's."""

import argparse
import concurrent.futures
import os
import statistics
import sys
import threading
import time

import workgrinder


def plus_one(x):
    return x + 1


def batch_plus_one(items):
    for item in items:
        item.set(item.arg + 1)


def fan_out(threads, body):
    """Runs body() on `threads` threads (the calling one among them) and waits."""
    others = [threading.Thread(target=body) for _ in range(threads - 1)]
    for t in others:
        t.start()
    body()
    for t in others:
        t.join()


def check_all(futures):
    for i, f in enumerate(futures):
        if f.result() != i + 1:
            sys.exit("bench: wrong result %r, want %d" % (f.result(), i + 1))


def queue_then_wait(enqueue, per_thread, fn=None):
    """One thread's "queue N, then wait all": enqueue(fn, i) (or enqueue(i))."""

    def body():
        if fn is None:
            fs = [enqueue(i) for i in range(per_thread)]
        else:
            fs = [enqueue(fn, i) for i in range(per_thread)]
        check_all(fs)

    return body


def submit_each(submit, per_thread, fn=None):
    """One thread's submit-and-wait, per_thread times."""

    def body():
        for i in range(per_thread):
            v = submit(i) if fn is None else submit(fn, i)
            if v != i + 1:
                sys.exit("bench: wrong result %r, want %d" % (v, i + 1))

    return body


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="one round, few items (a smoke run)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("-n", type=int, default=20000, help="items per run")
    parser.add_argument("--run", default="", help="only the scenarios whose name contains this (for profiling)")
    a = parser.parse_args()
    if a.short:
        a.rounds, a.n = 1, 4000
    workers = os.cpu_count() or 2
    # One worker per pool, one pool per batch in flight: `workers` threads, as
    # many as the executor's. Callers that queue many use batch_size_threshold
    # 64; callers that wait for each item 1 (the README's advice).
    shape = dict(workers_per_pool=1, min_pools=workers, max_pools=workers, max_inflight_batches=workers,
                 max_wait_seconds=0.0005)
    queueing = dict(shape, batch_size_threshold=64)
    waiting = dict(shape, batch_size_threshold=1)
    describe = lambda conf: " ".join("%s=%s" % kv for kv in conf.items())  # noqa: E731

    gq, gw = workgrinder.Grinder(**queueing), workgrinder.Grinder(**waiting)
    bq = workgrinder.BatchGrinder(batch_plus_one, **queueing)
    bw = workgrinder.BatchGrinder(batch_plus_one, **waiting)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers)
    pool_name = "ThreadPoolExecutor(%d)" % workers

    def pool_submit(fn, x):
        return pool.submit(fn, x).result()

    scenarios = []
    for threads in (1, 2):
        per = a.n // threads
        scenarios += [
            ("queue N, wait all, %d thread(s): enqueue" % threads, describe(queueing), threads * per,
             lambda t=threads, p=per: fan_out(t, queue_then_wait(gq.enqueue, p, plus_one)),
             lambda t=threads, p=per: fan_out(t, queue_then_wait(pool.submit, p, plus_one))),
            ("queue N, wait all, %d thread(s): BatchGrinder" % threads, describe(queueing), threads * per,
             lambda t=threads, p=per: fan_out(t, queue_then_wait(bq.enqueue, p)),
             lambda t=threads, p=per: fan_out(t, queue_then_wait(pool.submit, p, plus_one))),
        ]
    callers = 8
    per = a.n // 4 // callers  # waiting for each item is slow on both sides
    scenarios += [
        ("submit + wait each, %d threads: submit" % callers, describe(waiting), callers * per,
         lambda: fan_out(callers, submit_each(gw.submit, per, plus_one)),
         lambda: fan_out(callers, submit_each(pool_submit, per, plus_one))),
        ("submit + wait each, %d threads: BatchGrinder" % callers, describe(waiting), callers * per,
         lambda: fan_out(callers, submit_each(bw.submit, per)),
         lambda: fan_out(callers, submit_each(pool_submit, per, plus_one))),
    ]

    scenarios = [s for s in scenarios if a.run in s[0]]
    print("Python binding vs %s; tiny jobs, %d round(s), ratio = ours/baseline items/s" % (pool_name, a.rounds))
    print("%-46s %12s %12s  %s" % ("scenario", "ours/s", "baseline/s", "ratio median (min..max)"))
    for name, _, total, ours, base in scenarios:
        o_rates, b_rates, ratios = [], [], []
        for _ in range(a.rounds):
            o, b = rate(total, ours), rate(total, base)
            o_rates.append(o)
            b_rates.append(b)
            ratios.append(o / b)
        print("%-46s %12.0f %12.0f  %.2fx (%.2f..%.2f)" % (name, statistics.median(o_rates), statistics.median(b_rates),
                                                          statistics.median(ratios), min(ratios), max(ratios)))
    print("configurations:")
    for name, conf, *_ in scenarios:
        print("  %-44s ours: %s" % (name, conf))
    for g in (gq, gw, bq, bw):
        g.close()
    pool.shutdown()


def rate(total, run):
    start = time.perf_counter()
    run()
    return total / (time.perf_counter() - start)


if __name__ == "__main__":
    main()
