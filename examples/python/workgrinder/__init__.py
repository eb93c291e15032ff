"""libworkgrinder for Python, over ctypes (standard library only).

    from workgrinder import Grinder
    with Grinder(batch_size_threshold=16, max_wait_seconds=0.005) as g:
        print(g.submit(pow, 2, 10))          # 1024, computed on a leased worker thread
        f = g.enqueue(sum, [1, 2, 3])        # a concurrent.futures.Future
        print(f.result(timeout=5))           # 6
        # in a coroutine: await g.asubmit(pow, 2, 10)

A BatchGrinder hands each whole batch to one handler(items) (see batch.py).

Work functions are Python callables run on the library's worker threads (each
takes the GIL while it runs; threading.local holds across jobs on a worker).
An exception raised by one reaches only its caller. The library is found
through $WORKGRINDER_LIB, then the loader path, then pkg-config's libdir.
"""

from concurrent.futures import CancelledError

from ._items import WAIT_FOREVER, live_jobs
from ._threads import live as live_thread_states
from .errors import *  # noqa: F401,F403 - the status exceptions
from .errors import GrinderClosedError, WorkGrinderError
from .batch import BatchGrinder, BatchItem
from .grinder import Future, Grinder

__version__ = "0.1.0"
__all__ = ["Grinder", "BatchGrinder", "BatchItem", "Future", "WorkGrinderError", "GrinderClosedError", "CancelledError", "live_jobs",
           "live_thread_states", "WAIT_FOREVER"]
