import asyncio
import ctypes
import threading
import unittest

from support import GrinderCase
from workgrinder import AlreadyError, BatchGrinder, CancelledError, GrinderClosedError, WorkError


class BatchGrinderTest(GrinderCase):
    def test_one_call_per_batch_in_submission_order(self):
        calls = []

        def handler(items):
            calls.append([item.arg for item in items])
            for item in items:
                item.set(item.arg * 10)

        with BatchGrinder(handler, batch_size_threshold=4, max_batch_size=4, max_wait_seconds=600) as g:
            # Four at a time: had all eight been queued at once, the rest of a
            # cut batch could go before the items after it arrived (a batch of
            # two, the last ones then waiting for the 600 s timer).
            futures = []
            for first in (0, 4):
                batch = [g.enqueue(i) for i in range(first, first + 4)]
                self.assertEqual([f.result(5) for f in batch], [i * 10 for i in range(first, first + 4)])
                futures += batch
            self.assertEqual(calls, [[0, 1, 2, 3], [4, 5, 6, 7]])
            self.assertEqual(g.stats()["batches"], 2)
            del futures

    def test_set_fail_and_unset(self):
        answers = {}

        def handler(items):
            answers["set"] = items[0].set("a")
            with self.assertRaises(AlreadyError):
                items[0].set("again")
            with self.assertRaises(ValueError):
                items[1].fail(0)
            answers["fail"] = items[1].fail(7)
            items[2].fail(KeyError("k"))
            # items[3] is left unset: the handler returned, so it gets None

        with BatchGrinder(handler, batch_size_threshold=4, max_wait_seconds=600) as g:
            fs = [g.enqueue(i) for i in range(4)]
            self.assertEqual(fs[0].result(5), "a")
            with self.assertRaises(WorkError) as cm:
                fs[1].result(5)
            self.assertEqual(cm.exception.work_code, 7)
            with self.assertRaises(KeyError):
                fs[2].result(5)
            self.assertIsNone(fs[3].result(5))
            self.assertEqual(answers, {"set": True, "fail": True})
            stats = g.stats()
            self.assertEqual((stats["completed"], stats["failed"], stats["batches"]), (2, 2, 1))
            del fs

    def test_handler_exception_fails_every_unset_item(self):
        def handler(items):
            items[1].set("kept")
            raise ZeroDivisionError("whole batch")

        with BatchGrinder(handler, batch_size_threshold=3, max_wait_seconds=600) as g:
            fs = [g.enqueue(i) for i in range(3)]
            self.assertEqual(fs[1].result(5), "kept")
            for f in (fs[0], fs[2]):
                with self.assertRaises(ZeroDivisionError) as cm:
                    f.result(5)
                self.assertEqual(str(cm.exception), "whole batch")
            self.assertEqual((g.stats()["completed"], g.stats()["failed"]), (1, 2))
            del fs

    def test_cancelled_items_are_left_out(self):
        seen = []
        with BatchGrinder(lambda items: seen.extend(item.arg for item in items), batch_size_threshold=100,
                          max_wait_seconds=600) as g:
            fs = [g.enqueue(i) for i in range(3)]
            self.assertTrue(fs[1].cancel())
            g.stop()  # drains the other two as one batch
            self.assertEqual(seen, [0, 2])
            with self.assertRaises(CancelledError):
                fs[1].result(0)
            self.assertEqual([fs[0].result(0), fs[2].result(0)], [None, None])
            del fs

    def test_set_on_an_item_cancelled_during_the_call(self):
        inside, resume, answers = threading.Event(), threading.Event(), []

        def handler(items):
            inside.set()
            resume.wait(10)  # the test cancels item 1 meanwhile
            answers.append(items[0].set("kept"))
            answers.append(items[1].set("dropped"))

        with BatchGrinder(handler, batch_size_threshold=2, max_wait_seconds=600) as g:
            fs = [g.enqueue(i) for i in range(2)]
            self.assertTrue(inside.wait(10))
            self.assertTrue(fs[1].cancel())
            resume.set()
            self.assertEqual(fs[0].result(10), "kept")
            with self.assertRaises(CancelledError):
                fs[1].result(10)
        self.assertEqual(answers, [True, False])
        del fs

    def test_order_per_thread_under_concurrency(self):
        batches = []

        def handler(items):
            batches.append([item.arg for item in items])
            for item in items:
                item.set(item.arg[1])

        with BatchGrinder(handler, batch_size_threshold=16, max_wait_seconds=0.002) as g:
            def producer(t):
                fs = [g.enqueue((t, i)) for i in range(100)]
                self.assertEqual([f.result(10) for f in fs], list(range(100)))

            threads = [threading.Thread(target=producer, args=(t,)) for t in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(sum(len(b) for b in batches), 600)
            self.assertEqual(len(batches), g.stats()["batches"])
            for batch in batches:
                for t in range(6):
                    seq = [i for (owner, i) in batch if owner == t]
                    self.assertEqual(seq, sorted(seq), "one thread's items stay in its order")

    def test_asubmit_and_threading_local_in_the_handler(self):
        local = threading.local()
        calls_on_thread = []

        def handler(items):
            local.calls = getattr(local, "calls", 0) + 1
            calls_on_thread.append(local.calls)
            for item in items:
                item.set(item.arg + 1)

        async def main(g):  # two at a time: each pair is one batch whatever the timing
            first = await asyncio.gather(*(g.asubmit(i) for i in range(2)))
            return first + await asyncio.gather(*(g.asubmit(i) for i in range(2, 4)))

        with BatchGrinder(handler, batch_size_threshold=2, max_batch_size=2, max_wait_seconds=600,
                          workers_per_pool=1) as g:
            self.assertEqual(asyncio.run(main(g)), [1, 2, 3, 4])
            fs = [g.enqueue(9), g.enqueue(10)]
            self.assertEqual([f.result(5) for f in fs], [10, 11])
            del fs
        # One worker thread ran all three batches and kept its thread state (and its locals).
        self.assertEqual(calls_on_thread, [1, 2, 3])

    def test_batch_accessors_keep_the_gil(self):
        # One GIL acquisition per batch: the accessors the handler's items call
        # go through PyDLL, which does not release the GIL around the call.
        from workgrinder import _capi
        for f in (_capi.batch_size, _capi.batch_arg, _capi.batch_set):
            self.assertTrue(f._flags_ & ctypes._FUNCFLAG_PYTHONAPI, f.__name__)
        self.assertFalse(_capi.enqueue._flags_ & ctypes._FUNCFLAG_PYTHONAPI)

    def test_use_after_close_and_item_after_call(self):
        kept = []

        def handler(items):
            kept.extend(items)

        g = BatchGrinder(handler, batch_size_threshold=1, max_wait_seconds=600)
        self.assertIsNone(g.submit("x"))
        with self.assertRaises(RuntimeError):
            kept[0].set("late")
        g.close()
        g.close()
        with self.assertRaises(GrinderClosedError):
            g.submit("y")
        with self.assertRaises(GrinderClosedError):
            g.enqueue("y")
        del kept


if __name__ == "__main__":
    unittest.main()
