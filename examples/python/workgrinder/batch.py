"""BatchGrinder: a grinder whose items are arguments to one handler that
decides a whole batch at once (one call per batch, one GIL acquisition).

Thread rules: the handler runs on a worker thread; a BatchItem belongs to
that call (its thread, its duration) and refuses use afterwards. An item's
value or error is written to its job before wg_batch_set decides it, and read
by whoever receives the outcome, which the library delivers after the call."""

from . import _capi, _items
from .errors import ECANCELED, OK, AlreadyError, WorkError, error_for
from .grinder import Grinder


class BatchItem:
    """One submitted argument inside a handler call: .arg, and set(value) or
    fail(error) to decide it. An item left undecided gets None (handler
    returned) or the handler's exception (it raised)."""

    __slots__ = ("_batch", "_index", "_job", "_decided")

    def __init__(self, batch, index, job):
        self._batch, self._index, self._job, self._decided = batch, index, job, False

    @property
    def arg(self):
        return self._job.args[0]

    def set(self, value):
        """The item's caller gets value. True if decided; False if the item was
        cancelled meanwhile (value is dropped). AlreadyError if decided before."""
        return self._decide(0, value, None)

    def fail(self, error=1):
        """The item's caller gets error: an exception instance, or a nonzero
        int work code (raised to the caller as WorkError with .work_code).
        Return value and errors as set()."""
        if isinstance(error, BaseException):
            return self._decide(1, None, error)
        code = int(error)
        if code == 0:
            raise ValueError("a work code of 0 means success: use set()")
        e = WorkError("the batch handler failed the item with work code %d" % code)
        e.work_code = code
        return self._decide(code, None, e)

    def _decide(self, code, value, error):
        if self._batch is None:
            raise RuntimeError("a BatchItem is valid only inside its handler call")
        if self._decided:
            raise AlreadyError()
        self._decided = True
        self._job.value, self._job.error = value, error
        rc = _capi.batch_set(self._batch, self._index, code, None)
        if rc == ECANCELED:
            return False
        if rc != OK:
            raise error_for(rc)
        return True


def _batch_fn(handler):
    """The C batch function calling handler(items) (kept alive by its grinder)."""

    def call(batch, _opaque):
        n = _capi.batch_size(batch)
        items = []
        for i in range(n):
            job = _items.job(_capi.batch_arg(batch, i))
            if job is not None:  # None: cancelled as the call began; its outcome is out
                items.append(BatchItem(batch, i, job))
        try:
            handler(items)
            return 0
        except BaseException as e:  # noqa: B902 - it belongs to the unset items' callers
            for item in items:
                if not item._decided:
                    item._job.error = e
            return 1
        finally:
            for item in items:
                item._batch = None

    return _capi.BATCH_FN(call)


class BatchGrinder(Grinder):
    """A grinder whose submissions are arguments to handler(items), called
    once per batch on a worker thread with the batch's items (items from one
    thread in the order it submitted them; items cancelled before the call
    are left out). Outcomes are delivered after the call returns. Configuration
    keys and close/stop/stats as Grinder.

        def handler(items):
            for item in items:
                item.set(item.arg * 2)
        with BatchGrinder(handler, batch_size_threshold=64) as g:
            g.submit(21)   # 42
    """

    def __init__(self, handler, keep_thread_state=True, **conf):
        if _capi.conf_set_batch_fn is None:
            raise NotImplementedError("the loaded libworkgrinder predates batch handlers")
        self._batch_fn = _batch_fn(handler)
        super().__init__(keep_thread_state=keep_thread_state, **conf)

    def _configure(self, conf):
        rc = _capi.conf_set_batch_fn(conf, self._batch_fn, None)
        if rc != OK:
            raise error_for(rc)

    def enqueue(self, arg, *, timeout=None, deadline=None):  # pylint: disable=arguments-differ
        """Submits arg; returns a Future of its item's value. timeout= and
        deadline= as Grinder.enqueue (an item past its deadline is left out of
        the handler's batch and raises TimedOutError)."""
        return Grinder.enqueue(self, None, arg, timeout=timeout, deadline=deadline)

    def submit(self, arg, *, timeout=None, deadline=None):  # pylint: disable=arguments-differ
        """Submits arg and returns its item's value (or raises its error)."""
        return self.enqueue(arg, timeout=timeout, deadline=deadline).result()

    def aenqueue(self, arg, *, timeout=None, deadline=None):  # pylint: disable=arguments-differ
        """Submits arg; an asyncio.Future of the running loop (cancelling it cancels the item)."""
        return Grinder.aenqueue(self, None, arg, timeout=timeout, deadline=deadline)

    async def asubmit(self, arg, *, timeout=None, deadline=None):  # pylint: disable=arguments-differ
        """await g.asubmit(arg): the item's value; cancelling the task cancels the item."""
        return await self.aenqueue(arg, timeout=timeout, deadline=deadline)
