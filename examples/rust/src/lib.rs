//! Safe Rust bindings to libworkgrinder: submit closures from any thread; they
//! run in batches on leased worker threads; each caller gets its own result.
//!
//! ```no_run
//! let mut conf = workgrinder::Conf::new();
//! conf.set("batch_size_threshold", "64").unwrap();
//! let g = workgrinder::Grinder::new(&conf).unwrap();
//! g.start().unwrap();
//! let h = g.submit(|| 6 * 7).unwrap();
//! assert_eq!(h.wait().unwrap(), 42);
//! ```
//!
//! A panic inside a closure is caught and becomes that caller's [`Error`]; no
//! panic ever unwinds into C. Closures and their results are boxed; the box
//! is freed exactly once, when the library is done with it (see
//! `release_arg` in `workgrinder.h`), whether the item ran, failed, was
//! cancelled or outlived its grinder.

pub mod ffi;

use std::ffi::{CStr, CString};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::os::raw::{c_char, c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// A library status (`WG_E*`) with its message, or a panic in a closure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The `WG_E*` status; `WG_EWORK` for a closure that panicked.
    pub status: i32,
    pub message: String,
}

impl Error {
    fn from_status(status: c_int) -> Error {
        let message = unsafe { CStr::from_ptr(ffi::wg_strerror(status)) }
            .to_string_lossy()
            .into_owned();
        Error { status, message }
    }
    fn with_message(status: c_int, message: String) -> Error {
        Error { status, message }
    }
    /// The status's symbolic name, e.g. `"WG_ECANCELED"`.
    pub fn name(&self) -> String {
        unsafe { CStr::from_ptr(ffi::wg_err_name(self.status)) }
            .to_string_lossy()
            .into_owned()
    }
    pub fn is_canceled(&self) -> bool {
        self.status == ffi::WG_ECANCELED
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name(), self.message)
    }
}

impl std::error::Error for Error {}

fn check(status: c_int) -> Result<(), Error> {
    if status == ffi::WG_OK {
        Ok(())
    } else {
        Err(Error::from_status(status))
    }
}

/// Configuration; every key and rule is listed in the README.
pub struct Conf {
    raw: *mut ffi::wg_conf_t,
}

impl Conf {
    pub fn new() -> Conf {
        let raw = unsafe { ffi::wg_conf_new() };
        assert!(!raw.is_null(), "out of memory");
        Conf { raw }
    }

    /// Sets one key; a bad value gives `WG_EINVAL` with the library's message,
    /// e.g. `"batch_size_threshold must be an integer > 0"`.
    pub fn set(&mut self, key: &str, value: &str) -> Result<&mut Conf, Error> {
        let bad =
            || Error::with_message(ffi::WG_EINVAL, "key and value must not contain NUL".into());
        let k = CString::new(key).map_err(|_| bad())?;
        let v = CString::new(value).map_err(|_| bad())?;
        let mut err = [0 as c_char; 256];
        let rc = unsafe {
            ffi::wg_conf_set(
                self.raw,
                k.as_ptr(),
                v.as_ptr(),
                err.as_mut_ptr(),
                err.len(),
            )
        };
        if rc == ffi::WG_OK {
            Ok(self)
        } else {
            let msg = unsafe { CStr::from_ptr(err.as_ptr()) }
                .to_string_lossy()
                .into_owned();
            Err(Error::with_message(rc, msg))
        }
    }
}

impl Default for Conf {
    fn default() -> Self {
        Conf::new()
    }
}

impl Drop for Conf {
    fn drop(&mut self) {
        unsafe { ffi::wg_conf_destroy(self.raw) }
    }
}

/// A snapshot of [`Grinder::stats`].
pub type Stats = ffi::wg_stats_t;

static LIVE_JOBS: AtomicIsize = AtomicIsize::new(0);

/// How many submitted closures are not freed yet (for tests and leak checks).
pub fn live_jobs() -> isize {
    LIVE_JOBS.load(Ordering::SeqCst)
}

type Outcome<T> = std::thread::Result<T>;

/// Where a job's readiness meets its handle.
struct Slot {
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

/// One submitted closure: the library's `arg`, freed by `release_arg`. Its
/// result travels as the outcome's `result`: a `Box<Outcome<T>>` owned by
/// whoever receives it, or dropped by the `dispose` hook.
struct Job<T, F> {
    f: Option<F>,
    done: Option<Box<dyn FnOnce(Result<T, Error>) + Send>>,
}

impl<T, F> Drop for Job<T, F> {
    fn drop(&mut self) {
        LIVE_JOBS.fetch_sub(1, Ordering::SeqCst);
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        format!("panicked: {}", s)
    } else if let Some(s) = p.downcast_ref::<String>() {
        format!("panicked: {}", s)
    } else {
        "panicked".to_string()
    }
}

// Runs on a worker thread. A panic stops here.
unsafe extern "C" fn run_job<T: Send + 'static, F: FnOnce() -> T + Send + 'static>(
    arg: *mut c_void,
    result: *mut *mut c_void,
) -> c_int {
    let job = &mut *(arg as *mut Job<T, F>);
    let f = match job.f.take() {
        Some(f) => f,
        None => return 1,
    };
    let out: Outcome<T> = catch_unwind(AssertUnwindSafe(f));
    let failed = out.is_err();
    *result = Box::into_raw(Box::new(out)) as *mut c_void;
    failed as c_int
}

// A result nobody will receive (cancelled while running, or released unread).
unsafe extern "C" fn dispose_result<T>(result: *mut c_void, _opaque: *mut c_void) {
    drop(Box::from_raw(result as *mut Outcome<T>));
}

unsafe extern "C" fn release_job<T, F>(arg: *mut c_void, _opaque: *mut c_void) {
    drop(Box::from_raw(arg as *mut Job<T, F>));
}

// An outcome, taking ownership of its boxed result, as the caller's Result.
unsafe fn settle<T>(o: &ffi::wg_outcome_t) -> Result<T, Error> {
    let value = if o.result.is_null() {
        None
    } else {
        Some(*Box::from_raw(o.result as *mut Outcome<T>))
    };
    match (o.status, value) {
        (ffi::WG_OK, Some(Ok(v))) => Ok(v),
        (ffi::WG_EWORK, Some(Err(p))) => {
            Err(Error::with_message(ffi::WG_EWORK, panic_message(&*p)))
        }
        (ffi::WG_OK, _) | (ffi::WG_EWORK, _) => Err(Error::from_status(ffi::WG_EWORK)),
        (status, _) => Err(Error::from_status(status)),
    }
}

// Callback style: runs on the loop thread. A panic in `done` stops here.
unsafe extern "C" fn done_job<T: Send + 'static, F>(
    o: *const ffi::wg_outcome_t,
    opaque: *mut c_void,
) {
    let job = &mut *(opaque as *mut Job<T, F>);
    let result = settle::<T>(&*o);
    if let Some(done) = job.done.take() {
        let _ = catch_unwind(AssertUnwindSafe(move || done(result)));
    }
}

// Future style: the outcome is ready. Runs once, on whichever thread decided it.
unsafe extern "C" fn ready_job(opaque: *mut c_void) {
    let slot = Arc::from_raw(opaque as *const Slot);
    let waker = match slot.state.lock() {
        Ok(mut s) => {
            s.ready = true;
            s.waker.take()
        }
        Err(_) => None,
    };
    slot.ready.notify_all();
    if let Some(w) = waker {
        w.wake();
    }
}

fn opts<T, F>() -> ffi::wg_submit_opts_t {
    ffi::wg_submit_opts_t {
        version: ffi::WG_SUBMIT_OPTS_VERSION,
        owner: ptr::null(),
        dispose: Some(dispose_result::<T>),
        dispose_opaque: ptr::null_mut(),
        release_arg: Some(release_job::<T, F>),
    }
}

/// A grinder: batches submitted closures onto leased worker threads. `Send`
/// and `Sync`: share it between threads by reference or in an `Arc`. Dropping
/// it drains (like `wg_destroy`).
pub struct Grinder {
    raw: *mut ffi::wg_grinder_t,
}

unsafe impl Send for Grinder {}
unsafe impl Sync for Grinder {}

impl Grinder {
    /// A stopped grinder with a private manager built from `conf`.
    pub fn new(conf: &Conf) -> Result<Grinder, Error> {
        let mut raw = ptr::null_mut();
        let mut err = [0 as c_char; 256];
        let rc = unsafe {
            ffi::wg_create(
                &mut raw,
                conf.raw,
                ptr::null_mut(),
                err.as_mut_ptr(),
                err.len(),
            )
        };
        if rc != ffi::WG_OK {
            let msg = unsafe { CStr::from_ptr(err.as_ptr()) }
                .to_string_lossy()
                .into_owned();
            return Err(Error::with_message(rc, msg));
        }
        Ok(Grinder { raw })
    }

    pub fn start(&self) -> Result<(), Error> {
        check(unsafe { ffi::wg_start(self.raw) })
    }

    /// Drains (`cancel` false) or cancels (`cancel` true) and waits until stopped.
    pub fn stop(&self, cancel: bool) -> Result<(), Error> {
        check(unsafe { ffi::wg_stop(self.raw, cancel as c_int) })
    }

    pub fn stats(&self) -> Stats {
        let mut s = Stats {
            version: ffi::WG_STATS_VERSION,
            ..Default::default()
        };
        unsafe { ffi::wg_stats(self.raw, &mut s) };
        s
    }

    fn new_job<T, F>(f: F) -> *mut Job<T, F> {
        LIVE_JOBS.fetch_add(1, Ordering::SeqCst);
        Box::into_raw(Box::new(Job {
            f: Some(f),
            done: None,
        }))
    }

    /// Runs `f` on a worker; the [`Handle`] waits for, polls, cancels or
    /// `.await`s its result.
    pub fn submit<T, F>(&self, f: F) -> Result<Handle<T>, Error>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let slot = Slot::new();
        let job: *mut Job<T, F> = Self::new_job(f);
        let o = opts::<T, F>();
        let mut fut = ptr::null_mut();
        let rc =
            unsafe { ffi::wg_enqueue(self.raw, run_job::<T, F>, job as *mut c_void, &o, &mut fut) };
        if rc != ffi::WG_OK {
            drop(unsafe { Box::from_raw(job) }); // refused: nothing was taken over
            return Err(Error::from_status(rc));
        }
        let notify = Arc::into_raw(slot.clone()) as *mut c_void;
        let rc = unsafe { ffi::wg_future_on_ready(fut, ready_job, notify) };
        debug_assert_eq!(rc, ffi::WG_OK);
        Ok(Handle {
            fut,
            slot,
            _result: PhantomData,
        })
    }

    /// Runs `f` on a worker and calls `done` with its result on the grinder's
    /// loop thread (keep `done` short; it must not block).
    pub fn submit_with<T, F, D>(&self, f: F, done: D) -> Result<(), Error>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
        D: FnOnce(Result<T, Error>) + Send + 'static,
    {
        let job: *mut Job<T, F> = Self::new_job(f);
        unsafe { (*job).done = Some(Box::new(done)) };
        let o = opts::<T, F>();
        let rc = unsafe {
            ffi::wg_submit_ex(
                self.raw,
                run_job::<T, F>,
                job as *mut c_void,
                Some(done_job::<T, F>),
                job as *mut c_void,
                &o,
            )
        };
        if rc != ffi::WG_OK {
            drop(unsafe { Box::from_raw(job) });
            return Err(Error::from_status(rc));
        }
        Ok(())
    }
}

impl Drop for Grinder {
    fn drop(&mut self) {
        unsafe { ffi::wg_destroy(self.raw) };
    }
}

/// The pending result of [`Grinder::submit`]. Dropping it does not cancel the
/// work (call [`Handle::cancel`]); its result is then simply dropped.
pub struct Handle<T> {
    fut: *mut ffi::wg_future_t,
    slot: Arc<Slot>,
    _result: PhantomData<fn() -> T>,
}

unsafe impl<T: Send> Send for Handle<T> {}
impl<T> Unpin for Handle<T> {}

impl<T> Handle<T> {
    /// True once the result is there.
    pub fn is_done(&self) -> bool {
        unsafe { ffi::wg_future_done(self.fut) == 1 }
    }

    /// Cancels the item: true if it became cancelled (its result is then
    /// `WG_ECANCELED`); a running closure is not interrupted.
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
    pub fn wait(self) -> Result<T, Error> {
        {
            let s = self.slot.state.lock().unwrap();
            drop(self.slot.ready.wait_while(s, |s| !s.ready).unwrap());
        }
        self.take()
    }

    // The outcome is ready: take it, and its boxed result, from the library.
    // A handle takes it once: wait consumes the handle, poll is Ready once.
    fn take(&self) -> Result<T, Error> {
        let mut o = ffi::wg_outcome_t {
            status: 0,
            work_code: 0,
            result: ptr::null_mut(),
        };
        let rc = unsafe { ffi::wg_future_wait(self.fut, 0.0, &mut o) };
        if rc != ffi::WG_OK {
            return Err(Error::from_status(rc));
        }
        unsafe { settle::<T>(&o) }
    }
}

impl<T> Future for Handle<T> {
    type Output = Result<T, Error>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        {
            let mut s = self.slot.state.lock().unwrap();
            if !s.ready {
                s.waker = Some(cx.waker().clone());
                return Poll::Pending;
            }
        }
        Poll::Ready(self.take())
    }
}

impl<T> Drop for Handle<T> {
    fn drop(&mut self) {
        unsafe { ffi::wg_future_release(self.fut) };
    }
}
