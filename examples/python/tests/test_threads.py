import subprocess
import sys
import threading
import unittest

from support import GrinderCase
import workgrinder
from workgrinder import Grinder


class WorkerThreadStateTest(GrinderCase):
    def test_threading_local_kept_across_jobs(self):
        local = threading.local()
        created, lock = [], threading.Lock()

        def query(n):
            if not hasattr(local, "conn"):  # a per-thread connection, made once per worker
                local.conn = object()
                with lock:
                    created.append(threading.get_ident())
            return n, threading.get_ident(), id(local.conn)

        with Grinder(batch_size_threshold=8, max_wait_seconds=0.001, workers_per_pool=4) as g:
            results = []

            def producer(base):
                for i in range(250):
                    results.append(g.submit(query, base + i))

            threads = [threading.Thread(target=producer, args=(t * 250,)) for t in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(sorted(n for n, _, _ in results), list(range(1000)))
            workers = {ident for _, ident, _ in results}
            self.assertEqual(sorted(created), sorted(workers), "one connection per worker thread")
            self.assertLessEqual(len(workers), 4)
            conns = {(ident, conn) for _, ident, conn in results}
            self.assertEqual(len(conns), len(workers), "each worker kept its connection")
            # A worker holds its state from its start (maybe before its first job) to its exit.
            self.assertTrue(len(workers) <= workgrinder.live_thread_states() <= 4)
        self.assertEqual(workgrinder.live_thread_states(), 0)

    def test_many_grinders_neither_deadlock_nor_leak(self):
        for _ in range(20):
            with Grinder(batch_size_threshold=2, max_wait_seconds=0.001, workers_per_pool=2) as g:
                self.assertEqual(sum(f.result(10) for f in [g.enqueue(int, i) for i in range(10)]), 45)
            self.assertEqual(workgrinder.live_thread_states(), 0)

    def test_without_kept_state_each_job_gets_a_fresh_local(self):
        local = threading.local()

        def count():
            local.n = getattr(local, "n", 0) + 1
            return local.n

        with Grinder(keep_thread_state=False, batch_size_threshold=1, workers_per_pool=1) as g:
            self.assertEqual([g.submit(count) for _ in range(5)], [1] * 5)
        with Grinder(batch_size_threshold=1, workers_per_pool=1) as g:
            self.assertEqual([g.submit(count) for _ in range(5)], [1, 2, 3, 4, 5])

    def test_exit_without_close(self):
        # atexit closes it before the interpreter finalizes: the workers give
        # back their thread states while Python can still run their hook.
        code = ("import threading, workgrinder\n"
                "g = workgrinder.Grinder(batch_size_threshold=1)\n"
                "local = threading.local()\n"
                "print(g.submit(lambda: setattr(local, 'x', 1) or 'ran'))\n")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        self.assertEqual((out.returncode, out.stdout, out.stderr), (0, "ran\n", ""))


if __name__ == "__main__":
    unittest.main()
