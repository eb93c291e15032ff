"""libworkgrinder for Python, over ctypes (standard library only).

    with Grinder(batch_size_threshold=16, max_wait_seconds=0.005) as g:
        print(g.submit(pow, 2, 10))          # 1024, computed on a leased worker thread
        f = g.enqueue(sum, [1, 2, 3])
        print(f.result(timeout=5))           # 6

Work functions are Python callables run on the library's worker threads (each
takes the GIL while it runs). An exception raised by one reaches only its
caller. The library is found through $WORKGRINDER_LIB, then the loader path.
"""

import ctypes
import ctypes.util
import itertools
import os
import threading
from concurrent.futures import CancelledError

__all__ = ["Grinder", "Future", "WorkGrinderError", "CancelledError"]

_lib = ctypes.CDLL(
    os.environ.get("WORKGRINDER_LIB") or ctypes.util.find_library("workgrinder") or "libworkgrinder.so.0"
)

WG_OK, WG_ECANCELED, WG_ETIMEDOUT, WG_EWORK = 0, -5, -6, -9
WG_ENOKEY = -13  # an unknown configuration key
_STATS_VERSION = _OPTS_VERSION = 1


class _Outcome(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("work_code", ctypes.c_int), ("result", ctypes.c_void_p)]


_WORK_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p))
_DISPOSE_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)


class _SubmitOpts(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint32),
        ("owner", ctypes.c_char_p),
        ("dispose", ctypes.c_void_p),
        ("dispose_opaque", ctypes.c_void_p),
        ("release_arg", _DISPOSE_FN),
    ]


class _Stats(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("started", ctypes.c_uint32), ("stopping", ctypes.c_uint32)] + [
        (name, ctypes.c_uint64) for name in ("pending", "batch_size_threshold")
    ] + [(name, ctypes.c_double) for name in ("max_wait_seconds", "lease_seconds", "oldest_wait_seconds")] + [
        (name, ctypes.c_uint64)
        for name in ("submitted", "completed", "failed", "cancelled", "rejected", "batches", "inflight_items",
                     "inflight_batches")
    ]


def _sig(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype, f.argtypes = restype, list(argtypes)
    return f


_vp, _int, _dbl, _cp, _sz = ctypes.c_void_p, ctypes.c_int, ctypes.c_double, ctypes.c_char_p, ctypes.c_size_t
_strerror = _sig("wg_strerror", _cp, _int)
_err_name = _sig("wg_err_name", _cp, _int)
_conf_new = _sig("wg_conf_new", _vp)
_conf_set = _sig("wg_conf_set", _int, _vp, _cp, _cp, _cp, _sz)
_conf_destroy = _sig("wg_conf_destroy", None, _vp)
_create = _sig("wg_create", _int, ctypes.POINTER(_vp), _vp, _vp, _cp, _sz)
_start = _sig("wg_start", _int, _vp)
_stop = _sig("wg_stop", _int, _vp, _int)
_destroy = _sig("wg_destroy", _int, _vp)
_enqueue = _sig("wg_enqueue", _int, _vp, _WORK_FN, _vp, ctypes.POINTER(_SubmitOpts), ctypes.POINTER(_vp))
_submit_wait = _sig("wg_submit_wait", _int, _vp, _WORK_FN, _vp, ctypes.POINTER(_SubmitOpts), _dbl,
                    ctypes.POINTER(_Outcome))
_future_wait = _sig("wg_future_wait", _int, _vp, _dbl, ctypes.POINTER(_Outcome))
_future_cancel = _sig("wg_future_cancel", _int, _vp)
_future_done = _sig("wg_future_done", _int, _vp)
_future_release = _sig("wg_future_release", None, _vp)
_stats = _sig("wg_stats", _int, _vp, ctypes.POINTER(_Stats))


class WorkGrinderError(Exception):
    """A library status (WG_E*) other than success."""

    def __init__(self, status, message=None):
        self.status = status
        self.name = _err_name(status).decode()
        super().__init__("%s: %s" % (self.name, message or _strerror(status).decode()))


# Jobs cross C as integer ids; the library releases each id exactly once.
_jobs = {}
_jobs_lock = threading.Lock()
_ids = itertools.count(1)


class _Job:
    __slots__ = ("fn", "value", "error")

    def __init__(self, fn):
        self.fn, self.value, self.error = fn, None, None


@_WORK_FN
def _run(arg, _result):
    with _jobs_lock:
        job = _jobs[arg]
    try:
        job.value = job.fn()
        return 0
    except BaseException as e:  # noqa: B902 - it belongs to the caller
        job.error = e
        return 1


@_DISPOSE_FN
def _release(arg, _opaque):
    with _jobs_lock:
        del _jobs[arg]


_OPTS = _SubmitOpts(_OPTS_VERSION, None, None, None, _release)


def _new_job(fn, args, kwargs):
    job = _Job(lambda: fn(*args, **kwargs))
    with _jobs_lock:
        job_id = next(_ids)
        _jobs[job_id] = job
    return job_id, job


def _drop_job(job_id):  # the library refused the submission: the id is still ours
    with _jobs_lock:
        del _jobs[job_id]


def _settle(outcome, job):
    if outcome.status == WG_OK:
        return job.value
    if outcome.status == WG_EWORK and job.error is not None:
        raise job.error
    if outcome.status == WG_ECANCELED:
        raise CancelledError()
    raise WorkGrinderError(outcome.status)


def live_jobs():
    """How many submitted callables the library has not released yet."""
    with _jobs_lock:
        return len(_jobs)


class Future:
    """The pending result of Grinder.enqueue."""

    def __init__(self, handle, job):
        self._f, self._job = handle, job

    def done(self):
        return _future_done(self._f) == 1

    def cancel(self):
        """True if the item became cancelled (result() then raises CancelledError)."""
        return _future_cancel(self._f) == WG_OK

    def result(self, timeout=None):
        """The callable's value; re-raises its exception; TimeoutError if not ready in time."""
        out = _Outcome()
        rc = _future_wait(self._f, -1.0 if timeout is None else float(timeout), ctypes.byref(out))
        if rc == WG_ETIMEDOUT:
            raise TimeoutError()
        if rc != WG_OK:
            raise WorkGrinderError(rc)
        return _settle(out, self._job)

    def __del__(self):
        if self._f:
            _future_release(self._f)
            self._f = None


class Grinder:
    """A started grinder; configuration keys as keyword arguments."""

    def __init__(self, **conf):
        c = _conf_new()
        try:
            err = ctypes.create_string_buffer(256)
            for key, value in conf.items():
                rc = _conf_set(c, key.encode(), str(value).encode(), err, len(err))
                if rc != WG_OK:
                    raise WorkGrinderError(rc, err.value.decode())
            g = _vp()
            rc = _create(ctypes.byref(g), c, None, err, len(err))
            if rc != WG_OK:
                raise WorkGrinderError(rc, err.value.decode())
        finally:
            _conf_destroy(c)
        self._g = g
        self._check(_start(self._g))

    @staticmethod
    def _check(rc):
        if rc != WG_OK:
            raise WorkGrinderError(rc)

    def submit(self, fn, *args, **kwargs):
        """Runs fn(*args, **kwargs) on a worker and returns its value (or raises)."""
        job_id, job = _new_job(fn, args, kwargs)
        out = _Outcome()
        rc = _submit_wait(self._g, _run, job_id, ctypes.byref(_OPTS), -1.0, ctypes.byref(out))
        if rc != WG_OK:
            _drop_job(job_id)
            raise WorkGrinderError(rc)
        return _settle(out, job)

    def enqueue(self, fn, *args, **kwargs):
        """Runs fn(*args, **kwargs) on a worker; returns a Future."""
        job_id, job = _new_job(fn, args, kwargs)
        f = _vp()
        rc = _enqueue(self._g, _run, job_id, ctypes.byref(_OPTS), ctypes.byref(f))
        if rc != WG_OK:
            _drop_job(job_id)
            raise WorkGrinderError(rc)
        return Future(f, job)

    def stats(self):
        s = _Stats(version=_STATS_VERSION)
        self._check(_stats(self._g, ctypes.byref(s)))
        return {name: getattr(s, name) for name, _ in _Stats._fields_ if name != "version"}

    def stop(self, cancel=False):
        self._check(_stop(self._g, 1 if cancel else 0))

    def start(self):
        self._check(_start(self._g))

    def close(self):
        if self._g:
            self._check(_destroy(self._g))
            self._g = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
