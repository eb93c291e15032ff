import asyncio
import concurrent.futures
import threading
import unittest

from support import GrinderCase
from workgrinder import Grinder


class AsyncioTest(GrinderCase):
    def test_asubmit_and_aenqueue(self):
        async def main(g):
            loop_thread = threading.get_ident()
            values = await asyncio.gather(*(g.asubmit(pow, 2, i) for i in range(10)))
            af = g.aenqueue(lambda: threading.get_ident())
            self.assertIsInstance(af, asyncio.Future)
            worker = await af
            self.assertNotEqual(worker, loop_thread)
            with self.assertRaises(ZeroDivisionError):
                await g.asubmit(lambda: 1 / 0)
            return values

        with Grinder(batch_size_threshold=4, max_wait_seconds=0.002) as g:
            self.assertEqual(asyncio.run(main(g)), [2 ** i for i in range(10)])
            self.assertEqual((g.stats()["completed"], g.stats()["failed"]), (11, 1))

    def test_cancelling_the_task_cancels_the_item(self):
        ran = []

        async def main(g):
            task = asyncio.ensure_future(g.asubmit(ran.append, 1))
            await asyncio.sleep(0)  # one turn of the loop: the task has enqueued and awaits
            self.assertEqual(g.stats()["pending"], 1)
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task
            stats = g.stats()
            self.assertEqual((stats["pending"], stats["cancelled"]), (0, 1))

        with Grinder(batch_size_threshold=100, max_wait_seconds=600) as g:
            asyncio.run(main(g))
            g.stop()
            self.assertEqual(ran, [], "a cancelled item never runs")

    def test_item_cancelled_in_the_library_cancels_the_asyncio_future(self):
        async def main(g):
            af = g.aenqueue(int, 1)
            g.stop(cancel=True)
            with self.assertRaises(asyncio.CancelledError):
                await af

        with Grinder(batch_size_threshold=100, max_wait_seconds=600) as g:
            asyncio.run(main(g))

    def test_enqueue_gives_standard_futures(self):
        with Grinder(batch_size_threshold=5, max_wait_seconds=600) as g:
            fs = [g.enqueue(pow, 3, i) for i in range(5)]
            self.assertTrue(all(isinstance(f, concurrent.futures.Future) for f in fs))
            self.assertEqual(sorted(f.result() for f in concurrent.futures.as_completed(fs, timeout=10)),
                             [3 ** i for i in range(5)])
            pending = [g.enqueue(int, i) for i in range(3)]
            self.assertTrue(pending[0].cancel())
            self.assertTrue(pending[0].cancelled())
            done, not_done = concurrent.futures.wait(pending, timeout=0)
            self.assertEqual((done, not_done), ({pending[0]}, set(pending[1:])))
            g.stop()
            self.assertEqual([f.result(0) for f in pending[1:]], [1, 2])
            self.assertFalse(pending[1].cancel(), "too late once done")


if __name__ == "__main__":
    unittest.main()
