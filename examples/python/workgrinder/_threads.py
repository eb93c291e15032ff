"""Worker hooks that give each worker thread one Python thread state for its
whole life, so that threading.local survives from one job to the next and
each call skips building and tearing down a thread state.

How it works (CPython's PyGILState API, which ctypes uses around every
callback from C): to call on_start, ctypes finds no thread state on the new
worker, so its PyGILState_Ensure creates one (count 1) and takes the GIL.
on_start calls PyGILState_Ensure again (count 2). When on_start returns,
ctypes' PyGILState_Release drops the count to 1: the state stays, and ctypes
releases the GIL (PyEval_SaveThread), so the worker holds no GIL between jobs.
Each later callback on that thread (a job) re-attaches the same state
(PyEval_RestoreThread inside Ensure) and detaches it afterwards. on_stop gives
back the count taken by on_start; ctypes' release after it drops the count to
0, which clears and deletes the state. Both hooks run on the worker itself,
exactly once each (see wg_conf_set_worker_hooks).

Thread rules: _held is per worker thread; _live is guarded by _lock."""

import ctypes
import threading

from . import _capi

_ensure = ctypes.pythonapi.PyGILState_Ensure
_ensure.restype, _ensure.argtypes = ctypes.c_int, []
_release = ctypes.pythonapi.PyGILState_Release
_release.restype, _release.argtypes = None, [ctypes.c_int]

_held = threading.local()  # .state: what on_start's PyGILState_Ensure returned
_lock = threading.Lock()
_live = 0


@_capi.WORKER_FN
def on_start(_opaque):
    global _live
    _held.state = _ensure()
    with _lock:
        _live += 1


@_capi.WORKER_FN
def on_stop(_opaque):
    global _live
    state = getattr(_held, "state", None)
    if state is None:  # on_start did not run on this thread: nothing to give back
        return
    del _held.state
    with _lock:
        _live -= 1
    _release(state)


def live():
    """How many worker threads hold a thread state now (for tests)."""
    with _lock:
        return _live


def install(conf):
    """Sets the hooks on a wg_conf_t; False when the loaded library predates them."""
    if _capi.conf_set_worker_hooks is None:
        return False
    return _capi.conf_set_worker_hooks(conf, on_start, on_stop, None) == 0
