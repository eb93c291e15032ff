use std::future::Future;
use std::marker::PhantomData;
use std::os::raw::c_void;
use std::pin::Pin;
use std::ptr;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::job::settle;
use crate::Error;
use workgrinder_sys as ffi;

/// Where an item's readiness meets its handle: `ready_cb` (registered with
/// `wg_future_on_ready`, run once on whichever thread decided the outcome)
/// sets `ready`, wakes blocking waiters and the stored async waker. Nothing
/// parks a thread per future.
pub(crate) struct Slot {
    state: Mutex<SlotState>,
    ready: Condvar,
}

struct SlotState {
    ready: bool,
    waker: Option<Waker>,
}

impl Slot {
    fn new() -> Arc<Slot> {
        Arc::new(Slot {
            state: Mutex::new(SlotState {
                ready: false,
                waker: None,
            }),
            ready: Condvar::new(),
        })
    }
}

// The Arc reference given to C in `Handle::new` comes back here, once.
unsafe extern "C" fn ready_cb(opaque: *mut c_void) {
    let slot = Arc::from_raw(opaque as *const Slot);
    let waker = match slot.state.lock() {
        Ok(mut s) => {
            s.ready = true;
            s.waker.take()
        }
        Err(_) => None,
    };
    slot.ready.notify_all();
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
    slot: Arc<Slot>,
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
    /// Wraps a new future from wg_enqueue and registers the readiness callback.
    ///
    /// # Safety
    /// `fut` is a future just returned by `wg_enqueue`, owned by the caller.
    pub(crate) unsafe fn new(fut: *mut ffi::wg_future_t) -> Handle<T> {
        let slot = Slot::new();
        let notify = Arc::into_raw(slot.clone()) as *mut c_void;
        let rc = ffi::wg_future_on_ready(fut, ready_cb, notify);
        assert_eq!(rc, ffi::WG_OK, "a new future has no callback yet");
        Handle {
            fut,
            slot,
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

    /// Waits up to `timeout`; true once the result is there.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let s = self.slot.state.lock().unwrap();
        let (s, _) = self
            .slot
            .ready
            .wait_timeout_while(s, timeout, |s| !s.ready)
            .unwrap();
        s.ready
    }

    /// Waits for the result.
    pub fn wait(mut self) -> Result<T, Error> {
        {
            let s = self.slot.state.lock().unwrap();
            drop(self.slot.ready.wait_while(s, |s| !s.ready).unwrap());
        }
        self.take()
    }

    // The outcome is ready: take it, and its boxed result, from the library.
    // Only once: the library hands the same result pointer to every wait.
    fn take(&mut self) -> Result<T, Error> {
        assert!(!self.taken, "a Handle's result is taken once");
        self.taken = true;
        let mut o = ffi::wg_outcome_t {
            status: 0,
            work_code: 0,
            result: ptr::null_mut(),
        };
        let rc = unsafe { ffi::wg_future_wait(self.fut, 0.0, &mut o) };
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
        {
            let mut s = this.slot.state.lock().unwrap();
            if !s.ready {
                s.waker = Some(cx.waker().clone());
                return Poll::Pending;
            }
        }
        Poll::Ready(this.take())
    }
}

impl<T> Drop for Handle<T> {
    fn drop(&mut self) {
        // A result never taken goes to the item's dispose hook.
        unsafe { ffi::wg_future_release(self.fut) };
    }
}
