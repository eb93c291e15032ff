import threading
import unittest

from support import GrinderCase
from workgrinder import Grinder, GrinderClosedError


class CloseTest(GrinderCase):
    def test_use_after_close(self):
        g = Grinder(max_wait_seconds=0.001)
        self.assertEqual(g.submit(int, 5), 5)
        g.close()
        calls = [lambda: g.submit(int, 1), lambda: g.enqueue(int, 1), g.stats, g.stats_json, g.stats_dict,
                 g.start, g.stop]
        for call in calls:
            with self.assertRaises(GrinderClosedError) as cm:
                call()
            self.assertIsInstance(cm.exception, RuntimeError)
            self.assertEqual(str(cm.exception), "the grinder is closed")
            self.assertNotIn("WG_EINVAL", str(cm.exception))
        g.close()  # idempotent

    def test_use_after_close_async(self):
        import asyncio
        g = Grinder()
        g.close()

        async def main():
            with self.assertRaises(GrinderClosedError):
                await g.asubmit(int, 1)
        asyncio.run(main())

    def test_close_races_submissions(self):
        g = Grinder(batch_size_threshold=8, max_wait_seconds=0.001)
        results, errors, lock = [], [], threading.Lock()
        ready = threading.Barrier(9)

        def producer(base):
            i = 0
            while True:
                if i == 10:
                    ready.wait()
                try:
                    v = g.submit(lambda n: n * 2, base + i) if i % 2 else g.enqueue(int, base + i).result()
                except GrinderClosedError:
                    with lock:
                        errors.append(base)
                    return
                want = (base + i) * 2 if i % 2 else base + i
                with lock:
                    results.append(v == want)
                i += 1

        threads = [threading.Thread(target=producer, args=(t * 1000000,)) for t in range(8)]
        for t in threads:
            t.start()
        ready.wait()
        g.close()
        for t in threads:
            t.join()
        self.assertEqual(sorted(errors), [t * 1000000 for t in range(8)])
        self.assertGreaterEqual(len(results), 80)
        self.assertTrue(all(results), "every accepted submission got its own value")

    def test_work_submitting_during_close_gets_closed_error(self):
        g = Grinder(batch_size_threshold=1)
        in_work, proceed = threading.Event(), threading.Event()

        def work():
            in_work.set()
            proceed.wait()
            try:
                g.enqueue(int, 1)
                return "accepted"
            except GrinderClosedError:
                return "closed"

        f = g.enqueue(work)
        self.assertTrue(in_work.wait(10))
        # close() marks the grinder closed before it drains `work`.
        closer = threading.Thread(target=g.close)
        with g._cv:
            closer.start()
            self.assertTrue(g._cv.wait_for(lambda: g._closed, 10))
        proceed.set()
        closer.join()
        self.assertEqual(f.result(0), "closed")


if __name__ == "__main__":
    unittest.main()
