"""Status codes (WG_*) and the exception each one raises.

Every library status maps to a WorkGrinderError subclass that also derives
from the built-in exception a Python user would catch for it (ValueError,
TimeoutError, CancelledError, ...). Use after close raises GrinderClosedError,
a RuntimeError that is not a library status."""

import queue
from concurrent.futures import CancelledError, InvalidStateError

from . import _capi

__all__ = ["GrinderClosedError", "WorkGrinderError", "InvalidArgumentError", "NotStartedError", "StoppingError",
           "WrongThreadError", "CanceledError", "TimedOutError", "FullError", "NoMemoryError", "WorkError",
           "LeaseError", "UnavailableError", "AlreadyError", "UnknownKeyError"]

OK = 0
EINVAL, ENOTSTARTED, ESTOPPING, EWRONGTHREAD, ECANCELED, ETIMEDOUT = -1, -2, -3, -4, -5, -6
EFULL, ENOMEM, EWORK, ELEASE, EUNAVAILABLE, EALREADY, ENOKEY = -7, -8, -9, -10, -11, -12, -13


class GrinderClosedError(RuntimeError):
    """Raised by every call on a Grinder after close()."""

    def __init__(self):
        super().__init__("the grinder is closed")


class WorkGrinderError(Exception):
    """A library status other than success; .status is the code, .name its WG_ name."""

    status = None
    default_message = "library error"

    def __init__(self, message=None, status=None):
        if status is not None:
            self.status = status
        self.name = _NAMES.get(self.status) or _capi.err_name(self.status).decode()
        super().__init__("%s: %s" % (self.name, message or _message(self.status)))


def _status(code, name, message, *bases):
    if not any(issubclass(b, WorkGrinderError) for b in bases):
        bases = (WorkGrinderError,) + bases
    cls = type(name, bases, {"status": code, "default_message": message,
                                                   "__doc__": "WG status %d: %s." % (code, message)})
    cls.__module__ = __name__
    return cls


InvalidArgumentError = _status(EINVAL, "InvalidArgumentError", "invalid argument or configuration value",
                               ValueError)
NotStartedError = _status(ENOTSTARTED, "NotStartedError", "not started, or stopped", RuntimeError)
StoppingError = _status(ESTOPPING, "StoppingError", "stopping: no new work", RuntimeError)
WrongThreadError = _status(EWRONGTHREAD, "WrongThreadError", "blocking call on the loop thread", RuntimeError)
CanceledError = _status(ECANCELED, "CanceledError", "the item was cancelled", CancelledError)
TimedOutError = _status(ETIMEDOUT, "TimedOutError", "timed out", TimeoutError)
FullError = _status(EFULL, "FullError", "max_pending reached", queue.Full)
NoMemoryError = _status(ENOMEM, "NoMemoryError", "out of memory", MemoryError)
WorkError = _status(EWORK, "WorkError", "the work function failed")
LeaseError = _status(ELEASE, "LeaseError", "lease expired, released or revoked", RuntimeError)
UnavailableError = _status(EUNAVAILABLE, "UnavailableError", "no executor available", RuntimeError)
AlreadyError = _status(EALREADY, "AlreadyError", "the outcome was already decided", InvalidStateError)
# An unknown key is also a bad configuration value (libraries before WG_ENOKEY said WG_EINVAL).
UnknownKeyError = _status(ENOKEY, "UnknownKeyError", "unknown configuration key", InvalidArgumentError)

BY_STATUS = {cls.status: cls for cls in (
    InvalidArgumentError, NotStartedError, StoppingError, WrongThreadError, CanceledError, TimedOutError,
    FullError, NoMemoryError, WorkError, LeaseError, UnavailableError, AlreadyError, UnknownKeyError)}
_NAMES = {OK: "WG_OK", EINVAL: "WG_EINVAL", ENOTSTARTED: "WG_ENOTSTARTED", ESTOPPING: "WG_ESTOPPING",
          EWRONGTHREAD: "WG_EWRONGTHREAD", ECANCELED: "WG_ECANCELED", ETIMEDOUT: "WG_ETIMEDOUT",
          EFULL: "WG_EFULL", ENOMEM: "WG_ENOMEM", EWORK: "WG_EWORK", ELEASE: "WG_ELEASE",
          EUNAVAILABLE: "WG_EUNAVAILABLE", EALREADY: "WG_EALREADY", ENOKEY: "WG_ENOKEY"}


def _message(status):
    """The loaded library's message, or the table's for a code it predates."""
    text = _capi.strerror(status).decode()
    if text == "unknown error" and status in BY_STATUS:
        return BY_STATUS[status].default_message
    return text


def error_for(status, message=None):
    """The exception for a status (never called with OK)."""
    cls = BY_STATUS.get(status)
    return cls(message) if cls else WorkGrinderError(message, status=status)


def check(status):
    if status != OK:
        raise error_for(status)
