use std::future::Future;
use std::marker::PhantomData;
use std::os::raw::c_void;
use std::pin::Pin;
use std::ptr;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::job::settle;
use crate::Error;
use workgrinder_sys as ffi;

/// Where an item's readiness meets an async task: made by the first
/// `poll` that finds the item not ready, registered with
/// `wg_future_on_ready` (which runs `ready_cb` once, on whichever thread
/// decided the outcome). Blocking waits don't use it: they wait in the
/// library (`wg_future_wait`), which wakes a thread only if one waits, so
/// an item that is never awaited costs no allocation, lock or wake-up here.
pub(crate) struct Slot {
    state: Mutex<SlotState>,
}

struct SlotState {
    ready: bool,
    waker: Option<Waker>,
}

// The Arc reference given to C in `poll` comes back here, once.
unsafe extern "C" fn ready_cb(opaque: *mut c_void) {
    let slot = Arc::from_raw(opaque as *const Slot);
    let waker = match slot.state.lock() {
        Ok(mut s) => {
            s.ready = true;
            s.waker.take()
        }
        Err(_) => None,
    };
    // Woken outside the lock: a waker may run the task's poll inline.
    if let Some(w) = waker {
        w.wake();
    }
}

/// The pending result of [`Grinder::submit`](crate::Grinder::submit): wait
/// for it, poll it, cancel it, or `.await` it (it is a
/// [`std::future::Future`], woken through `wg_future_on_ready`). Dropping it
/// does not cancel the work; its result is then dropped.
///
/// ```
/// # let mut conf = workgrinder::Conf::new();
/// # conf.set("max_wait_seconds", "0.002")?;
/// # let g = workgrinder::Grinder::new(&conf)?;
/// # g.start()?;
/// let h = g.submit(|| "done")?;
/// assert!(h.wait_timeout(std::time::Duration::from_secs(10)));
/// assert!(h.is_done());
/// assert_eq!(h.wait()?, "done");
/// # Ok::<(), workgrinder::Error>(())
/// ```
pub struct Handle<T> {
    fut: *mut ffi::wg_future_t,
    slot: Option<Arc<Slot>>, // made by the first poll that finds the item not ready
    taken: bool,
    _result: PhantomData<fn() -> T>,
}

// Send when T is: the result moves to whichever thread waits; the C future
// may be used and released from any thread. Sync: through &Handle only
// is_done, cancel and wait_timeout are reachable, which never touch T and
// call only C functions documented as callable from any thread.
unsafe impl<T: Send> Send for Handle<T> {}
unsafe impl<T: Send> Sync for Handle<T> {}
impl<T> Unpin for Handle<T> {}

impl<T> Handle<T> {
    /// Wraps a new future from wg_enqueue.
    ///
    /// # Safety
    /// `fut` is a future just returned by `wg_enqueue`, owned by the caller.
    pub(crate) unsafe fn new(fut: *mut ffi::wg_future_t) -> Handle<T> {
        Handle {
            fut,
            slot: None,
            taken: false,
            _result: PhantomData,
        }
    }

    /// True once the result is there.
    pub fn is_done(&self) -> bool {
        unsafe { ffi::wg_future_done(self.fut) == 1 }
    }

    /// Cancels the item: true if it became cancelled (its result is then
    /// [`Error::Canceled`]); a running closure is not interrupted.
    pub fn cancel(&self) -> bool {
        unsafe { ffi::wg_future_cancel(self.fut) == ffi::WG_OK }
    }

    /// Waits up to `timeout`; true once the result is there. On a grinder's
    /// loop thread only a zero `timeout` is allowed (any other gives false
    /// until the result is there, as the library refuses to block there).
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let mut o = empty_outcome();
        // The result pointer stays the library's until `take`.
        unsafe { ffi::wg_future_wait(self.fut, timeout.as_secs_f64(), &mut o) == ffi::WG_OK }
    }

    /// Waits for the result. On a grinder's loop thread (inside a `done`
    /// callback) it does not block: [`Error::WrongThread`] unless the result
    /// is already there.
    pub fn wait(mut self) -> Result<T, Error> {
        self.take(-1.0)
    }

    // Waits (timeout as wg_future_wait's) and takes the outcome, and its
    // boxed result, from the library. Only once: the library hands the same
    // result pointer to every wait.
    fn take(&mut self, timeout_seconds: f64) -> Result<T, Error> {
        assert!(!self.taken, "a Handle's result is taken once");
        let mut o = empty_outcome();
        let mut rc = unsafe { ffi::wg_future_wait(self.fut, timeout_seconds, &mut o) };
        if rc == ffi::WG_EWRONGTHREAD {
            // A loop thread may still take a result that is already there.
            rc = unsafe { ffi::wg_future_wait(self.fut, 0.0, &mut o) };
            if rc == ffi::WG_ETIMEDOUT {
                rc = ffi::WG_EWRONGTHREAD;
            }
        }
        self.taken = rc == ffi::WG_OK;
        if rc != ffi::WG_OK {
            return Err(Error::from_status(rc).unwrap_or(Error::Other(rc)));
        }
        unsafe { settle::<T>(&o) }
    }
}

impl<T> Future for Handle<T> {
    type Output = Result<T, Error>;
    /// Panics if polled again after it returned `Ready`.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if unsafe { ffi::wg_future_done(this.fut) } != 1 {
            let slot = this.slot.get_or_insert_with(|| {
                let slot = Arc::new(Slot {
                    state: Mutex::new(SlotState {
                        ready: false,
                        waker: None,
                    }),
                });
                let notify = Arc::into_raw(slot.clone()) as *mut c_void;
                let rc = unsafe { ffi::wg_future_on_ready(this.fut, ready_cb, notify) };
                assert_eq!(rc, ffi::WG_OK, "only this poll registers a callback");
                slot
            });
            let mut s = slot.state.lock().unwrap();
            if !s.ready {
                s.waker = Some(cx.waker().clone());
                return Poll::Pending;
            }
        }
        Poll::Ready(this.take(0.0))
    }
}

fn empty_outcome() -> ffi::wg_outcome_t {
    ffi::wg_outcome_t {
        status: 0,
        work_code: 0,
        result: ptr::null_mut(),
    }
}

impl<T> Drop for Handle<T> {
    fn drop(&mut self) {
        // A result never taken goes to the item's dispose hook.
        unsafe { ffi::wg_future_release(self.fut) };
    }
}
