"""The C library over ctypes: finding and loading it, its structs and the
signatures of the functions the package calls. Nothing here holds state
beyond the loaded library."""

import ctypes
import ctypes.util
import os
import shutil
import subprocess

_SONAME = "libworkgrinder.so.0"


def _pkg_config_libdir():
    """The libdir pkg-config reports for workgrinder, or None."""
    if shutil.which("pkg-config") is None:
        return None
    try:
        out = subprocess.run(["pkg-config", "--variable=libdir", "workgrinder"], capture_output=True,
                             text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


def _load():
    """$WORKGRINDER_LIB if set, else the loader's path (ldconfig cache,
    LD_LIBRARY_PATH), else pkg-config's libdir (PKG_CONFIG_PATH honoured)."""
    explicit = os.environ.get("WORKGRINDER_LIB")
    if explicit:
        return ctypes.CDLL(explicit)
    tried = []
    for name in (ctypes.util.find_library("workgrinder"), _SONAME):
        if name:
            try:
                return ctypes.CDLL(name)
            except OSError as e:
                tried.append(str(e))
    libdir = _pkg_config_libdir()
    if libdir:
        try:
            return ctypes.CDLL(os.path.join(libdir, _SONAME))
        except OSError as e:
            tried.append(str(e))
    raise ImportError("libworkgrinder not found: install it (ldconfig), or set PKG_CONFIG_PATH so "
                      "that `pkg-config --variable=libdir workgrinder` finds it, or set WORKGRINDER_LIB "
                      "to the .so (tried: %s)" % "; ".join(tried or ["nothing"]))


lib = _load()

# Flow control (admission waits, deadlines, wg_stop_timeout) came with
# version 2 of wg_submit_opts_t and wg_stats_t; an older library has neither.
FLOW_CONTROL = hasattr(lib, "wg_stop_timeout")
STATS_VERSION = OPTS_VERSION = 2 if FLOW_CONTROL else 1


class Outcome(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("work_code", ctypes.c_int), ("result", ctypes.c_void_p)]


WORK_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p))
DISPOSE_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
READY_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
WORKER_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
BATCH_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


class SubmitOpts(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint32),
        ("owner", ctypes.c_char_p),
        ("dispose", ctypes.c_void_p),
        ("dispose_opaque", ctypes.c_void_p),
        ("release_arg", DISPOSE_FN),
        ("admit_timeout_seconds", ctypes.c_double),  # version 2
        ("deadline_seconds", ctypes.c_double),
    ]


class Stats(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("started", ctypes.c_uint32), ("stopping", ctypes.c_uint32)] + [
        (name, ctypes.c_uint64) for name in ("pending", "batch_size_threshold")
    ] + [(name, ctypes.c_double) for name in ("max_wait_seconds", "lease_seconds", "oldest_wait_seconds")] + [
        (name, ctypes.c_uint64)
        for name in ("submitted", "completed", "failed", "cancelled", "rejected", "batches", "inflight_items",
                     "inflight_batches")
    ] + [(name, ctypes.c_uint64) for name in ("expired", "admission_waits")]  # version 2

STATS_V2_FIELDS = ("expired", "admission_waits")


def _sig(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype, f.argtypes = restype, list(argtypes)
    return f


_vp, _int, _dbl, _cp, _sz = ctypes.c_void_p, ctypes.c_int, ctypes.c_double, ctypes.c_char_p, ctypes.c_size_t
strerror = _sig("wg_strerror", _cp, _int)
err_name = _sig("wg_err_name", _cp, _int)
conf_new = _sig("wg_conf_new", _vp)
conf_set = _sig("wg_conf_set", _int, _vp, _cp, _cp, _cp, _sz)
conf_destroy = _sig("wg_conf_destroy", None, _vp)
create = _sig("wg_create", _int, ctypes.POINTER(_vp), _vp, _vp, _cp, _sz)
start = _sig("wg_start", _int, _vp)
stop = _sig("wg_stop", _int, _vp, _int)
destroy = _sig("wg_destroy", _int, _vp)
enqueue = _sig("wg_enqueue", _int, _vp, WORK_FN, _vp, ctypes.POINTER(SubmitOpts), ctypes.POINTER(_vp))
future_wait = _sig("wg_future_wait", _int, _vp, _dbl, ctypes.POINTER(Outcome))
future_cancel = _sig("wg_future_cancel", _int, _vp)
future_on_ready = _sig("wg_future_on_ready", _int, _vp, READY_FN, _vp)
future_release = _sig("wg_future_release", None, _vp)
stats = _sig("wg_stats", _int, _vp, ctypes.POINTER(Stats))
# Newer than 0.1.0: None when the loaded library lacks it.
conf_set_worker_hooks = (_sig("wg_conf_set_worker_hooks", _int, _vp, WORKER_FN, WORKER_FN, _vp)
                         if hasattr(lib, "wg_conf_set_worker_hooks") else None)
conf_set_batch_fn = (_sig("wg_conf_set_batch_fn", _int, _vp, BATCH_FN, _vp)
                     if hasattr(lib, "wg_conf_set_batch_fn") else None)
stop_timeout = _sig("wg_stop_timeout", _int, _vp, _dbl) if FLOW_CONTROL else None
stats_json = (_sig("wg_stats_json", _int, _vp, ctypes.c_char_p, _sz, ctypes.POINTER(_sz))
              if hasattr(lib, "wg_stats_json") else None)

# The batch accessors run inside a batch function, which already holds the
# GIL: through PyDLL they keep it (a CDLL call would drop and retake it per
# call), so a whole batch costs one GIL acquisition. They never block.
_pylib = ctypes.PyDLL(lib._name)


def _pysig(name, restype, *argtypes):
    f = getattr(_pylib, name)
    f.restype, f.argtypes = restype, list(argtypes)
    return f


if conf_set_batch_fn is not None:
    batch_size = _pysig("wg_batch_size", _sz, _vp)
    batch_arg = _pysig("wg_batch_arg", _vp, _vp, _sz)
    batch_set = _pysig("wg_batch_set", _int, _vp, _sz, _int, _vp)
