import json
import threading
import time
import unittest

from support import GrinderCase
from workgrinder import CancelledError, Grinder, WorkGrinderError


class GrinderTest(GrinderCase):
    def test_threshold_flush_and_values(self):
        with Grinder(batch_size_threshold=4, max_wait_seconds=600) as g:
            futures = [g.enqueue(pow, 2, i) for i in range(3)]
            with self.assertRaises(TimeoutError):
                futures[0].result(timeout=0.2)
            futures.append(g.enqueue(pow, 2, 3))
            self.assertEqual([f.result(5) for f in futures], [1, 2, 4, 8])
            self.assertEqual(g.stats()["batches"], 1)
            del futures

    def test_stats_json(self):
        # A batch may take more than the threshold (the items pending when the
        # loop looks): a short max wait flushes the rest; only totals are exact.
        with Grinder(batch_size_threshold=4, max_wait_seconds=0.002) as g:
            futures = [g.enqueue(pow, 2, i) for i in range(8)]
            self.assertEqual([f.result(5) for f in futures], [2 ** i for i in range(8)])
            del futures
            doc = json.loads(g.stats_json())
            stats, batch_size = doc["stats"], doc["histograms"]["batch_size"]
            self.assertEqual((stats["submitted"], stats["completed"], stats["batch_size_threshold"]), (8, 8, 4))
            self.assertEqual((batch_size["sum"], batch_size["count"]), (8, stats["batches"]))
            self.assertEqual(g.stats_dict()["stats"]["submitted"], 8)

    def test_exception_reaches_only_its_caller(self):
        with Grinder(batch_size_threshold=3, max_wait_seconds=600) as g:
            ok = g.enqueue(lambda: "fine")
            bad = g.enqueue(lambda: 1 / 0)
            also_ok = g.enqueue(str.upper, "x")
            self.assertEqual(ok.result(5), "fine")
            with self.assertRaises(ZeroDivisionError):
                bad.result(5)
            self.assertEqual(also_ok.result(5), "X")
            stats = g.stats()
            self.assertEqual((stats["completed"], stats["failed"]), (2, 1))
            del ok, bad, also_ok

    def test_cancel_pending(self):
        with Grinder(batch_size_threshold=100, max_wait_seconds=600) as g:
            fs = [g.enqueue(int, i) for i in range(3)]
            self.assertEqual(g.stats()["pending"], 3)
            self.assertTrue(fs[1].cancel())
            self.assertEqual(g.stats()["pending"], 2)
            with self.assertRaises(CancelledError):
                fs[1].result(0)
            g.stop()
            self.assertEqual([fs[0].result(0), fs[2].result(0)], [0, 2])
            del fs

    def test_submit_from_many_threads(self):
        with Grinder(batch_size_threshold=16, max_wait_seconds=0.002) as g:
            results = []
            lock = threading.Lock()

            def producer(base):
                for i in range(200):
                    v = g.submit(lambda n: n + 1, base + i)
                    with lock:
                        results.append(v)

            threads = [threading.Thread(target=producer, args=(t * 200,)) for t in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(sorted(results), list(range(1, 1601)))
            self.assertEqual(g.stats()["completed"], 1600)

    def test_bad_configuration(self):
        with self.assertRaises(WorkGrinderError) as cm:
            Grinder(max_wait_seconds="nan")
        self.assertEqual(cm.exception.name, "WG_EINVAL")
        self.assertIn("max_wait_seconds must be a finite number > 0", str(cm.exception))

    def test_cancel_stop(self):
        g = Grinder(batch_size_threshold=1, max_wait_seconds=600)
        started, release = threading.Event(), threading.Event()
        blocked = g.enqueue(lambda: (started.set(), release.wait(10)))
        self.assertTrue(started.wait(5))
        t0 = time.monotonic()
        g.stop(cancel=True)
        self.assertLess(time.monotonic() - t0, 1.0)
        with self.assertRaises(CancelledError):
            blocked.result(0)
        release.set()
        g.close()
        del blocked


if __name__ == "__main__":
    unittest.main()
