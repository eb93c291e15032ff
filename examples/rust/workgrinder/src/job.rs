//! One submitted closure as it crosses C. The closure is boxed as the
//! library's `arg` and freed by `release_arg`, exactly once, whether the item
//! ran, failed, was cancelled or outlived its grinder. Its result travels as
//! the outcome's `result`: a `Box<Outcome<T>>` owned by whoever receives the
//! outcome, or dropped by the `dispose` hook.
use std::os::raw::{c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicIsize, Ordering};

use crate::Error;
use workgrinder_sys as ffi;

static LIVE_JOBS: AtomicIsize = AtomicIsize::new(0);

/// How many submitted closures are not freed yet (for tests and leak checks).
pub fn live_jobs() -> isize {
    LIVE_JOBS.load(Ordering::SeqCst)
}

pub(crate) type Outcome<T> = std::thread::Result<T>;

/// `f` is the closure, or for a batch grinder's item its arg (never run).
pub(crate) struct Job<T, F> {
    pub(crate) f: Option<F>,
    pub(crate) done: Option<Box<dyn FnOnce(Result<T, Error>) + Send>>,
}

impl<T, F> Job<T, F> {
    pub(crate) fn new(f: F) -> *mut Job<T, F> {
        LIVE_JOBS.fetch_add(1, Ordering::SeqCst);
        Box::into_raw(Box::new(Job {
            f: Some(f),
            done: None,
        }))
    }
}

impl<T, F> Drop for Job<T, F> {
    fn drop(&mut self) {
        LIVE_JOBS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A panic payload's text ("" when it is neither a &str nor a String).
pub(crate) fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        String::new()
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    match panic_text(p) {
        t if t.is_empty() => "panicked".to_string(),
        t => format!("panicked: {}", t),
    }
}

// Runs on a worker thread. A panic stops here: none unwinds into C.
pub(crate) unsafe extern "C" fn run<T: Send + 'static, F: FnOnce() -> T + Send + 'static>(
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

unsafe extern "C" fn release<T, F>(arg: *mut c_void, _opaque: *mut c_void) {
    drop(Box::from_raw(arg as *mut Job<T, F>));
}

pub(crate) fn opts<T, F>() -> ffi::wg_submit_opts_t {
    ffi::wg_submit_opts_t {
        version: ffi::WG_SUBMIT_OPTS_VERSION,
        owner: ptr::null(),
        dispose: Some(dispose_result::<T>),
        dispose_opaque: ptr::null_mut(),
        release_arg: Some(release::<T, F>),
        admit_timeout_seconds: 0.0,
        deadline_seconds: 0.0,
    }
}

/// An outcome as the caller's Result, taking ownership of its boxed result.
///
/// # Safety
/// `o.result` is null or a `Box<Outcome<T>>` not taken before.
pub(crate) unsafe fn settle<T>(o: &ffi::wg_outcome_t) -> Result<T, Error> {
    let value = if o.result.is_null() {
        None
    } else {
        Some(*Box::from_raw(o.result as *mut Outcome<T>))
    };
    match (o.status, value) {
        (ffi::WG_OK, Some(Ok(v))) => Ok(v),
        (ffi::WG_EWORK, Some(Err(p))) => Err(Error::Panicked(panic_message(&*p))),
        (ffi::WG_EWORK, None) => Err(Error::Failed(o.work_code)), // a batch handler's fail
        (ffi::WG_OK, _) | (ffi::WG_EWORK, Some(Ok(_))) => Err(Error::Panicked("no result".into())),
        (status, _) => Err(Error::from_status(status).unwrap_or(Error::Other(status))),
    }
}

// Callback style: runs on the loop thread. A panic in `done` stops here.
pub(crate) unsafe extern "C" fn done<T: Send + 'static, F>(
    o: *const ffi::wg_outcome_t,
    opaque: *mut c_void,
) {
    let job = &mut *(opaque as *mut Job<T, F>);
    let result = settle::<T>(&*o);
    if let Some(done) = job.done.take() {
        let _ = catch_unwind(AssertUnwindSafe(move || done(result)));
    }
}
