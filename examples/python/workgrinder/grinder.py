"""Grinder: the user-facing object, and Future, the concurrent.futures type
its enqueue returns."""

import asyncio
import atexit
import concurrent.futures
import ctypes
import functools
import json
import threading

from . import _capi, _items, _threads
from .errors import (ECANCELED, ETIMEDOUT, EWORK, OK, GrinderClosedError, NotStartedError, StoppingError, check,
                     error_for)


class Future(concurrent.futures.Future):
    """A concurrent.futures.Future for one item (as_completed and wait work);
    cancel() cancels the item in the library."""

    def __init__(self):
        super().__init__()
        self._item = None

    def cancel(self):
        """True if the item is cancelled; a running callable is not interrupted."""
        item = self._item
        if item is not None and item.cancel():
            return True  # its outcome was delivered (cancelled) inside item.cancel()
        return self.cancelled()

    def _deliver(self, status, job):  # on the thread that decided the outcome
        if status == OK:
            self.set_result(job.value)
        elif status == EWORK and job.error is not None:
            self.set_exception(job.error)
        elif status == ECANCELED:
            concurrent.futures.Future.cancel(self)
            # As an executor does: wait() and as_completed() count a
            # cancelled future as done only once it is "notified".
            self.set_running_or_notify_cancel()
        else:
            self.set_exception(error_for(status))


def _settle_async(af, status, job):  # on the event loop's thread
    if af.done():
        return
    if status == OK:
        af.set_result(job.value)
    elif status == EWORK and job.error is not None:
        af.set_exception(job.error)
    elif status == ECANCELED:
        af.cancel()
    else:
        af.set_exception(error_for(status))


def _cancel_item_if_cancelled(item, af):
    if af.cancelled():
        item.cancel()


# Grinders not closed yet. Held strongly: a grinder dropped without close()
# keeps its threads, and they must be stopped before the interpreter
# finalizes, since its workers call into Python until they exit (their
# thread-state hook included). Guarded by _open_lock.
_open = set()
_open_lock = threading.Lock()


@atexit.register
def _close_all():
    with _open_lock:
        grinders = list(_open)
    for g in grinders:
        g.close()


class Grinder:
    """A started grinder; configuration keys as keyword arguments, e.g.
    Grinder(batch_size_threshold=64, max_wait_seconds=0.002).

    Every method may be called from any thread, close() included: a
    submission racing close() is either accepted (and gets its outcome) or
    raises GrinderClosedError. Worker threads keep one Python thread state
    for their life (keep_thread_state=False turns that off).

    Thread rules: _g is set once and freed by close(). Every C call that uses
    it is counted in _users under _cv after checking _closed; close() sets
    _closed and waits for _users to reach 0 before it frees _g."""

    def __init__(self, keep_thread_state=True, **conf):
        c = _capi.conf_new()
        if not c:
            raise MemoryError("wg_conf_new")
        try:
            err = ctypes.create_string_buffer(256)
            for key, value in conf.items():
                rc = _capi.conf_set(c, key.encode(), str(value).encode(), err, len(err))
                if rc != OK:
                    raise error_for(rc, err.value.decode())
            self._configure(c)
            if keep_thread_state:
                _threads.install(c)
            g = ctypes.c_void_p()
            rc = _capi.create(ctypes.byref(g), c, None, err, len(err))
            if rc != OK:
                raise error_for(rc, err.value.decode())
        finally:
            _capi.conf_destroy(c)
        self._g = g.value
        self._cv = threading.Condition()
        self._closed = False
        self._users = 0
        rc = _capi.start(self._g)
        if rc != OK:
            _capi.destroy(self._g)
            raise error_for(rc)
        with _open_lock:
            _open.add(self)

    def _configure(self, conf):
        """Sets what a subclass adds to the wg_conf_t before wg_create."""

    def _enter(self):
        with self._cv:
            if self._closed:
                raise GrinderClosedError()
            self._users += 1
        return self._g

    def _leave(self):
        with self._cv:
            self._users -= 1
            if self._users == 0:
                self._cv.notify_all()

    def _enqueue(self, fn, args, kwargs, deliver, opts=None):
        # A wait for room happens here, on the calling thread, without the
        # GIL (ctypes drops it); close() ends it by stopping the grinder.
        g = self._enter()
        try:
            return _items.enqueue(g, fn, args, kwargs, deliver, opts)
        except (StoppingError, NotStartedError):
            # Refused because close() has stopped the grinder meanwhile: that
            # is the closed error (a submission racing close() is accepted or
            # gets GrinderClosedError), whether it was refused at once or
            # while waiting for room.
            with self._cv:
                if self._closed:
                    raise GrinderClosedError() from None
            raise
        finally:
            self._leave()

    def enqueue(self, fn, /, *args, timeout=None, deadline=None, **kwargs):
        """Runs fn(*args, **kwargs) on a worker; returns a Future. Callbacks
        added with its add_done_callback run on the library's loop thread (or
        on the thread that cancels): keep them short and non-blocking.

        timeout= and deadline= are flow control (they are not passed to fn:
        wrap fn with functools.partial for keywords of those names):
        timeout: what to do when max_pending items are pending: None or 0
        raises FullError at once; a number of seconds waits up to that long
        for room on this thread (then FullError); WAIT_FOREVER (any negative
        number, or math.inf) waits without limit. Waiters are admitted in
        FIFO order; a stop ends the wait with StoppingError, close() with
        GrinderClosedError. Do not
        wait in a done callback: on the library's loop thread (where an
        expired item's callbacks run) it raises WrongThreadError.
        deadline: seconds from now: an item not started by then never runs
        and its future raises TimedOutError (a TimeoutError); one already
        running is not interrupted. It also bounds the wait for room."""
        f = Future()
        f._item = self._enqueue(fn, args, kwargs, f._deliver, _items.options(timeout, deadline))
        return f

    def submit(self, fn, /, *args, timeout=None, deadline=None, **kwargs):
        """Runs fn(*args, **kwargs) on a worker and returns its value (or raises
        its exception); timeout= and deadline= as enqueue()."""
        return self.enqueue(fn, *args, timeout=timeout, deadline=deadline, **kwargs).result()

    def aenqueue(self, fn, /, *args, timeout=None, deadline=None, **kwargs):
        """Runs fn(*args, **kwargs) on a worker; returns an asyncio.Future of the
        running loop. Cancelling it (or the task awaiting it) cancels the item.
        timeout= and deadline= as enqueue(); a wait for room runs in the loop's
        default executor, not on the loop, and a refusal (FullError, ...)
        comes through the future."""
        loop = asyncio.get_running_loop()
        af = loop.create_future()
        opts = _items.options(timeout, deadline)

        def deliver(status, job):  # any thread; must not block
            try:
                loop.call_soon_threadsafe(_settle_async, af, status, job)
            except RuntimeError:
                pass  # the loop is closed: nobody can await the result any more

        if not _items.waits(opts):
            item = self._enqueue(fn, args, kwargs, deliver, opts)
            af.add_done_callback(functools.partial(_cancel_item_if_cancelled, item))
            return af

        def admitted(submission):  # on the loop's thread
            error = submission.exception()
            if error is not None:
                if not af.done():
                    af.set_exception(error)
                return
            # Cancelled while waiting for room: the callback runs at once and cancels the item.
            af.add_done_callback(functools.partial(_cancel_item_if_cancelled, submission.result()))

        submission = loop.run_in_executor(None, self._enqueue, fn, args, kwargs, deliver, opts)
        submission.add_done_callback(admitted)
        return af

    async def asubmit(self, fn, /, *args, timeout=None, deadline=None, **kwargs):
        """await g.asubmit(fn, ...): fn's value; cancelling the task cancels the
        item. timeout= and deadline= as aenqueue()."""
        return await self.aenqueue(fn, *args, timeout=timeout, deadline=deadline, **kwargs)

    def stats(self):
        """A snapshot of the counters as a dict."""
        s = _capi.Stats(version=_capi.STATS_VERSION)
        g = self._enter()
        try:
            check(_capi.stats(g, ctypes.byref(s)))
        finally:
            self._leave()
        # expired: items ended by their deadline (also in failed);
        # admission_waits: submissions that found max_pending reached and waited.
        skip = {"version"} | (set() if _capi.STATS_VERSION >= 2 else set(_capi.STATS_V2_FIELDS))
        return {name: getattr(s, name) for name, _ in _capi.Stats._fields_ if name not in skip}

    def stats_json(self):
        """wg_stats_json's document as a str: every stats() field, the
        manager's stats and the histograms (durations in ns)."""
        if _capi.stats_json is None:
            raise RuntimeError("the loaded libworkgrinder has no wg_stats_json")
        needed = ctypes.c_size_t(0)
        buf = ctypes.create_string_buffer(1024)
        g = self._enter()
        try:
            while True:
                rc = _capi.stats_json(g, buf, len(buf), ctypes.byref(needed))
                if rc == OK:
                    return buf.raw[:needed.value - 1].decode("utf-8")
                if needed.value <= len(buf):
                    check(rc)  # not a size problem
                # Too small (the document may also grow between two calls).
                buf = ctypes.create_string_buffer(needed.value)
        finally:
            self._leave()

    def stats_dict(self):
        """stats_json() parsed with json.loads: {"stats": ..., "manager": ..., "histograms": ...}."""
        return json.loads(self.stats_json())

    def stop(self, cancel=False):
        """Drains (or with cancel=True cancels) and waits until stopped; start() restarts."""
        g = self._enter()
        try:
            check(_capi.stop(g, 1 if cancel else 0))
        finally:
            self._leave()

    def stop_timeout(self, seconds):
        """Stops like stop(), but drains for at most seconds (< 0: no limit),
        then cancels what has not finished, as stop(cancel=True) does (a
        running callable is not interrupted). Returns True if everything
        drained in time, False if it had to cancel; stopped either way
        (start() restarts). Blocks until stopped; on the library's loop thread
        (a done callback there) it raises WrongThreadError and stops nothing."""
        if _capi.stop_timeout is None:
            raise NotImplementedError("the loaded libworkgrinder has no wg_stop_timeout")
        g = self._enter()
        try:
            rc = _capi.stop_timeout(g, float(seconds))
        finally:
            self._leave()
        if rc == ETIMEDOUT:
            return False
        check(rc)
        return True

    def start(self):
        g = self._enter()
        try:
            check(_capi.start(g))
        finally:
            self._leave()

    def close(self):
        """Drains (every accepted item gets its outcome) and frees the grinder.
        Idempotent; later calls raise GrinderClosedError."""
        with self._cv:
            if self._closed:
                return
            self._closed = True
            self._cv.notify_all()  # for whoever waits to see it closed
        # Stop before waiting for the users: a stop ends their waits for room
        # (GrinderClosedError, see _enqueue), which could otherwise last forever.
        rc = _capi.stop(self._g, 0)
        if rc == OK:
            with self._cv:
                self._cv.wait_for(lambda: self._users == 0)
            rc = _capi.destroy(self._g)
        if rc != OK:  # WG_EWRONGTHREAD: called from a done callback on the loop thread
            with self._cv:
                self._closed = False
            raise error_for(rc)
        with _open_lock:
            _open.discard(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
