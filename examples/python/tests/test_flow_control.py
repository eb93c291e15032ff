"""Flow control: waiting for room under max_pending (timeout=), item
deadlines (deadline=), stop_timeout() and the stats that count them."""

import asyncio
import functools
import queue
import threading
import time
import unittest

from support import GrinderCase
from workgrinder import (WAIT_FOREVER, BatchGrinder, CancelledError, FullError, Grinder, GrinderClosedError,
                         TimedOutError, WrongThreadError)

# One item at a time: with one item blocked in its work, the next one stays pending.
ONE_SLOT = dict(batch_size_threshold=1, max_wait_seconds=600, max_inflight_batches=1, max_batch_size=1)


class Gate:
    """A work function that blocks until opened; entered is set once it is inside."""

    def __init__(self):
        self.entered, self.opened = threading.Event(), threading.Event()

    def work(self, value=0):
        self.entered.set()
        self.opened.wait()
        return value


def wait_for_admission_waits(g, n):
    """Until n submissions wait for room (counted as each wait begins)."""
    deadline = time.monotonic() + 10
    while g.stats()["admission_waits"] < n:
        if time.monotonic() > deadline:
            raise AssertionError("%d admission waits, want %d" % (g.stats()["admission_waits"], n))
        time.sleep(0.001)


class FlowControlTest(GrinderCase):
    def full(self, g, gate):
        """Fills g (max_pending 1): one item blocked on gate, one pending (returned)."""
        blocked = g.enqueue(gate.work)
        self.assertTrue(gate.entered.wait(10))
        pending = g.enqueue(int, 100)
        with self.assertRaises(FullError):
            g.enqueue(int, 0)
        return blocked, pending

    def test_deadline_ends_an_item_behind_a_blocked_one_without_running(self):
        ran = []
        gate = Gate()
        with Grinder(**ONE_SLOT) as g:
            blocked = g.enqueue(gate.work)
            self.assertTrue(gate.entered.wait(10))
            late = g.enqueue(ran.append, 1, deadline=0.05)
            with self.assertRaises(TimedOutError) as cm:
                late.result(10)  # comes while the first item still blocks
            self.assertIsInstance(cm.exception, TimeoutError)
            stats = g.stats()
            self.assertEqual((stats["expired"], stats["failed"], stats["pending"], stats["inflight_items"]),
                             (1, 1, 0, 1))
            gate.opened.set()
            self.assertEqual(blocked.result(10), 0)
            del blocked, late
        self.assertEqual(ran, [], "an expired item never runs")

    def test_a_deadline_already_past_still_gives_an_outcome(self):
        ran = []
        with Grinder(batch_size_threshold=1) as g:
            for deadline in (0, -1):
                with self.assertRaises(TimedOutError):
                    g.submit(ran.append, deadline, deadline=deadline)
            self.assertEqual((g.stats()["expired"], g.stats()["submitted"]), (2, 2))
            with self.assertRaises(ValueError):  # InvalidArgumentError
                g.enqueue(ran.append, 1, deadline=float("nan"))
        self.assertEqual(ran, [])

    def test_timeout_and_deadline_are_not_passed_to_fn(self):
        with Grinder(batch_size_threshold=1) as g:
            self.assertEqual(g.submit(lambda **kw: kw, x=1, timeout=1, deadline=60), {"x": 1})
            self.assertEqual(g.submit(functools.partial(lambda timeout: timeout, timeout=3)), 3)

    def test_admission_waits_for_room_and_is_admitted(self):
        gate = Gate()
        got = queue.Queue()
        with Grinder(max_pending=1, **ONE_SLOT) as g:
            blocked, pending = self.full(g, gate)
            waiter = threading.Thread(target=lambda: got.put(g.submit(int, 7, timeout=WAIT_FOREVER)))
            waiter.start()
            wait_for_admission_waits(g, 1)
            self.assertEqual((g.stats()["pending"], g.stats()["submitted"]), (1, 2))
            gate.opened.set()
            waiter.join()
            self.assertEqual((got.get_nowait(), pending.result(10), blocked.result(10)), (7, 100, 0))
            self.assertTrue(g.stop_timeout(-1))
            stats = g.stats()
            self.assertEqual((stats["admission_waits"], stats["submitted"], stats["completed"], stats["rejected"]),
                             (1, 3, 3, 1))
            del blocked, pending

    def test_admission_timeout_raises_full(self):
        gate = Gate()
        with Grinder(max_pending=1, **ONE_SLOT) as g:
            blocked, pending = self.full(g, gate)
            with self.assertRaises(FullError) as cm:
                g.enqueue(int, 1, timeout=0.05)
            self.assertIsInstance(cm.exception, queue.Full)
            with self.assertRaises(FullError):  # the deadline bounds even a wait without limit
                g.enqueue(int, 1, timeout=WAIT_FOREVER, deadline=0.05)
            with self.assertRaises(FullError):  # no wait
                g.enqueue(int, 1, timeout=None)
            stats = g.stats()
            self.assertEqual((stats["admission_waits"], stats["rejected"], stats["submitted"]), (2, 4, 2))
            gate.opened.set()
            self.assertEqual(pending.result(10), 100)
            del blocked, pending

    def test_close_ends_an_admission_wait_with_stopping(self):
        gate = Gate()
        errors = queue.Queue()
        g = Grinder(max_pending=1, **ONE_SLOT)
        blocked, pending = self.full(g, gate)

        def wait_for_room():
            try:
                g.enqueue(int, 1, timeout=WAIT_FOREVER)
            except Exception as e:  # pylint: disable=broad-except - the test looks at it
                errors.put(e)

        waiter = threading.Thread(target=wait_for_room)
        waiter.start()
        wait_for_admission_waits(g, 1)
        closer = threading.Thread(target=g.close)
        closer.start()
        self.assertIsInstance(errors.get(timeout=10), GrinderClosedError)
        gate.opened.set()  # the drain can finish
        closer.join()
        waiter.join()
        self.assertEqual((blocked.result(0), pending.result(0)), (0, 100))
        del blocked, pending

    def test_stop_timeout_drains_in_time(self):
        with Grinder(batch_size_threshold=1000, max_wait_seconds=600) as g:
            futures = [g.enqueue(int, i) for i in range(20)]
            self.assertTrue(g.stop_timeout(60))
            self.assertEqual(sum(f.result(0) for f in futures), 190)
            stats = g.stats()
            self.assertEqual((stats["started"], stats["completed"], stats["cancelled"]), (0, 20, 0))
            self.assertTrue(g.stop_timeout(1))  # already stopped
            del futures

    def test_stop_timeout_cancels_what_did_not_drain(self):
        ran = []
        gate = Gate()
        with Grinder(**ONE_SLOT) as g:
            blocked = g.enqueue(gate.work)
            self.assertTrue(gate.entered.wait(10))
            pending = g.enqueue(ran.append, 1)
            self.assertFalse(g.stop_timeout(0.05))
            for f in (blocked, pending):
                with self.assertRaises(CancelledError):
                    f.result(0)
            stats = g.stats()
            self.assertEqual((stats["started"], stats["cancelled"], stats["completed"]), (0, 2, 0))
            gate.opened.set()  # the cancelled work returns; its value is dropped
            g.start()
            self.assertEqual(g.submit(int, 5), 5)
            del blocked, pending
        self.assertEqual(ran, [])

    def test_waits_on_the_loop_thread_raise_wrong_thread(self):
        gate = Gate()
        answers = queue.Queue()

        def on_expired(_future):  # on the loop thread: the deadline ended the item there
            for call in (lambda: g.enqueue(int, 1, timeout=1), lambda: g.stop_timeout(1)):
                try:
                    call()
                    answers.put(None)
                except WrongThreadError as e:
                    answers.put(e)
            answers.put(g.enqueue(int, 2, deadline=60))  # no wait: allowed

        with Grinder(**ONE_SLOT) as g:
            blocked = g.enqueue(gate.work)
            self.assertTrue(gate.entered.wait(10))
            g.enqueue(int, 1, deadline=0.5).add_done_callback(on_expired)
            self.assertIsInstance(answers.get(timeout=10), WrongThreadError)
            self.assertIsInstance(answers.get(timeout=10), WrongThreadError)
            later = answers.get(timeout=10)
            gate.opened.set()
            self.assertEqual((blocked.result(10), later.result(10)), (0, 2))
            stats = g.stats()
            self.assertEqual((stats["started"], stats["expired"], stats["admission_waits"]), (1, 1, 0))
            del blocked, later

    def test_asyncio_waits_for_room_off_the_loop(self):
        gate = Gate()

        async def main(g, pending):
            admitted = asyncio.ensure_future(g.asubmit(int, 7, timeout=WAIT_FOREVER))
            await asyncio.get_running_loop().run_in_executor(None, wait_for_admission_waits, g, 1)
            self.assertFalse(admitted.done())  # the loop runs on while the submission waits
            with self.assertRaises(FullError):
                await g.aenqueue(int, 1, timeout=0.05)
            gate.opened.set()  # frees room for the waiter
            self.assertEqual(await admitted, 7)
            self.assertEqual(pending.result(10), 100)

        with Grinder(max_pending=1, **ONE_SLOT) as g:
            blocked, pending = self.full(g, gate)
            asyncio.run(main(g, pending))
            stats = g.stats()
            self.assertEqual((stats["admission_waits"], stats["rejected"]), (2, 2))
            del blocked, pending

    def test_asyncio_deadline(self):
        gate = Gate()
        ran = []

        async def main(g):
            with self.assertRaises(TimedOutError):
                await g.asubmit(ran.append, 1, deadline=0.05)

        with Grinder(**ONE_SLOT) as g:
            blocked = g.enqueue(gate.work)
            self.assertTrue(gate.entered.wait(10))
            asyncio.run(main(g))
            gate.opened.set()
            self.assertEqual(blocked.result(10), 0)
            self.assertEqual(g.stats()["expired"], 1)
            del blocked
        self.assertEqual(ran, [])

    def test_batch_items_past_their_deadline_are_left_out(self):
        gate = Gate()
        seen = []

        def handler(items):
            for item in items:
                seen.append(item.arg)
                if item.arg == 0:
                    gate.work()
                item.set(item.arg * 10)

        with BatchGrinder(handler, **ONE_SLOT) as g:
            blocked = g.enqueue(0)
            self.assertTrue(gate.entered.wait(10))
            with self.assertRaises(TimedOutError):
                g.submit(1, deadline=0.05)
            gate.opened.set()
            self.assertEqual((blocked.result(10), g.submit(3, timeout=1, deadline=60)), (0, 30))
            self.assertEqual(g.stats()["expired"], 1)
            del blocked
        self.assertEqual(seen, [0, 3])


if __name__ == "__main__":
    unittest.main()
