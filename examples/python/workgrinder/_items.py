"""Submitted callables and their outcomes, as they cross C.

A job crosses C as an integer id (the wg arg); _run looks it up. Each
enqueued item also waits in _waiting under the same id until its
wg_future_on_ready call, which drops the job, reads the outcome and hands it
to the item's deliver function (a concurrent.futures or an asyncio future).
No release_arg: that callback would run on the grinder's loop thread, where
each call from C builds and tears down a Python thread state; readiness
runs on the worker that decided the outcome, which keeps one. A job whose
outcome was decided before its work started (cancelled in that instant) is
gone when _run or the batch function looks it up: it is not run.

Thread rules: _jobs, _waiting and the id counter are guarded by _lock; _run
runs on a worker thread, _ready on whichever thread decided the outcome.
deliver must not block."""

import ctypes
import itertools
import threading

from . import _capi
from .errors import OK, error_for

_lock = threading.Lock()
_jobs = {}
_waiting = {}
_ids = itertools.count(1)


class _Job:
    __slots__ = ("fn", "args", "kwargs", "value", "error")

    def __init__(self, fn, args, kwargs):
        self.fn, self.args, self.kwargs, self.value, self.error = fn, args, kwargs, None, None


@_capi.WORK_FN
def _run(arg, _result):
    with _lock:
        job = _jobs.get(arg)
    if job is None:  # its outcome is decided already (cancelled): nothing to run
        return 1
    try:
        job.value = job.fn(*job.args, **job.kwargs)
        return 0
    except BaseException as e:  # noqa: B902 - it belongs to the caller
        job.error = e
        return 1


_NO_WORK = _capi.WORK_FN()  # NULL: the grinder's batch function decides the item
_NO_RELEASE = _capi.DISPOSE_FN()  # NULL: no release_arg (see above)
_OPTS = _capi.SubmitOpts(_capi.OPTS_VERSION, None, None, None, _NO_RELEASE)

WAIT_FOREVER = -1.0
# A deadline already past: the C API reads 0 as "none", and the item must
# still end with TimedOutError.
_PAST_DEADLINE = 1e-9


def options(timeout, deadline):
    """The wg_submit_opts_t for a submission's timeout= and deadline= (see
    Grinder.enqueue): the shared default when both are None."""
    if timeout is None and deadline is None:
        return _OPTS
    if not _capi.FLOW_CONTROL:
        raise NotImplementedError("the loaded libworkgrinder predates timeout= and deadline=")
    admit = 0.0 if timeout is None else float(timeout)
    due = 0.0 if deadline is None else max(float(deadline), _PAST_DEADLINE)  # NaN stays: EINVAL
    if deadline is not None and admit != 0 and (admit < 0 or admit > due):
        admit = due  # room found after the deadline would be of no use
    return _capi.SubmitOpts(_capi.OPTS_VERSION, None, None, None, _NO_RELEASE, admit, due)


def waits(opts):
    """True when a submission with opts may block waiting for room."""
    return opts.version >= 2 and opts.admit_timeout_seconds != 0


class Item:
    """One enqueued callable: its job and its wg_future_t, which is released
    when the Item is collected (the outcome has been delivered by then, or
    nobody is left to receive it)."""

    __slots__ = ("handle", "job", "deliver")

    def __init__(self, handle, job, deliver):
        self.handle, self.job, self.deliver = handle, job, deliver

    def cancel(self):
        """True if the item became cancelled (its deliver has then already run)."""
        return _capi.future_cancel(self.handle) == OK

    def __del__(self):
        if self.handle:
            _capi.future_release(self.handle)
            self.handle = None


@_capi.READY_FN
def _ready(opaque):
    with _lock:
        item = _waiting.pop(opaque)
        del _jobs[opaque]
    out = _capi.Outcome()
    rc = _capi.future_wait(item.handle, 0.0, ctypes.byref(out))
    deliver, item.deliver = item.deliver, None  # no cycle through the future
    deliver(out.status if rc == OK else rc, item.job)


def job(job_id):
    """The job a batch item's arg names; None if its outcome is decided
    already (it was cancelled as the batch call began)."""
    with _lock:
        return _jobs.get(job_id)


def enqueue(g, fn, args, kwargs, deliver, opts=None):
    """Enqueues fn(*args, **kwargs) on grinder handle g with opts (from
    options(); None: the default); deliver(status, job) runs once with its
    outcome. Raises the status's error if refused. fn None submits to a
    grinder's batch function (which reads args[0])."""
    if opts is None:
        opts = _OPTS
    job = _Job(fn, args, kwargs)
    with _lock:
        job_id = next(_ids)
        _jobs[job_id] = job
    handle = ctypes.c_void_p()
    rc = _capi.enqueue(g, _run if fn is not None else _NO_WORK, job_id, ctypes.byref(opts), ctypes.byref(handle))
    if rc != OK:  # refused: the id is still ours
        with _lock:
            del _jobs[job_id]
        raise error_for(rc)
    item = Item(handle.value, job, deliver)
    with _lock:
        _waiting[job_id] = item
    rc = _capi.future_on_ready(item.handle, _ready, job_id)
    assert rc == OK, rc  # a new future has no callback yet
    return item


def live_jobs():
    """How many submitted callables have not had their outcome delivered yet."""
    with _lock:
        return len(_jobs)
