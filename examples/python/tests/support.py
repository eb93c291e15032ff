"""Shared by the tests: every callable a test submitted is released exactly
once and every worker thread state is given back once its grinder closed."""

import time
import unittest

import workgrinder


class GrinderCase(unittest.TestCase):
    def tearDown(self):
        # Release of the last callables can trail the outcome by a moment on
        # a worker thread, and a worker left inside a cancelled job gives
        # back its thread state when that job returns: bounded wait, exact check.
        deadline = time.monotonic() + 10
        while (workgrinder.live_jobs() or workgrinder.live_thread_states()) and time.monotonic() < deadline:
            time.sleep(0.005)
        self.assertEqual(workgrinder.live_jobs(), 0, "every callable is released exactly once")
        self.assertEqual(workgrinder.live_thread_states(), 0, "every worker thread state is released")
