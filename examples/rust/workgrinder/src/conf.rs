use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::owned::Owned;
use crate::Error;
use workgrinder_sys as ffi;

/// Configuration; every key and rule is listed in the README.
///
/// ```
/// let mut conf = workgrinder::Conf::new();
/// conf.set("batch_size_threshold", "64")?.set("max_wait_seconds", "0.002")?;
/// assert!(conf.set("max_wait_seconds", "nan").is_err());
/// # Ok::<(), workgrinder::Error>(())
/// ```
pub struct Conf {
    pub(crate) raw: *mut ffi::wg_conf_t,
    pub(crate) hooks: Option<Arc<Hooks>>,
}

type Hook = Option<Box<dyn Fn() + Send + Sync>>;

/// A conf's worker hooks; each grinder made from it shares them.
pub(crate) struct Hooks {
    on_start: Hook,
    on_stop: Hook,
}

// Send: a wg_conf_t belongs to no thread. Not Sync: the header says a conf
// is not thread-safe (only `set`, through &mut, changes it, so nothing is lost).
unsafe impl Send for Conf {}

impl Conf {
    /// Every key at its default.
    pub fn new() -> Conf {
        let raw = unsafe { ffi::wg_conf_new() };
        assert!(!raw.is_null(), "out of memory");
        Conf { raw, hooks: None }
    }

    /// Sets functions that every worker thread of a grinder made from this
    /// conf runs on that thread: `on_start` before its first job, `on_stop`
    /// as it exits, exactly once each (per-thread connections, thread names).
    /// They must not block on the grinder. A panic in one aborts the process
    /// (it cannot unwind into C, and the worker cannot go on half set up).
    ///
    /// ```
    /// use std::sync::{atomic::{AtomicUsize, Ordering}, Arc};
    /// let started = Arc::new(AtomicUsize::new(0));
    /// let s = started.clone();
    /// let mut conf = workgrinder::Conf::new();
    /// conf.set("workers_per_pool", "1")?.worker_hooks(
    ///     move || { s.fetch_add(1, Ordering::SeqCst); },
    ///     || println!("a worker exits"),
    /// );
    /// let g = workgrinder::Grinder::new(&conf)?;
    /// g.start()?;
    /// g.submit(|| ())?.wait()?; // ran on the one worker, after its on_start
    /// assert_eq!(started.load(Ordering::SeqCst), 1);
    /// # Ok::<(), workgrinder::Error>(())
    /// ```
    pub fn worker_hooks<S, T>(&mut self, on_start: S, on_stop: T) -> &mut Conf
    where
        S: Fn() + Send + Sync + 'static,
        T: Fn() + Send + Sync + 'static,
    {
        self.hooks = Some(Arc::new(Hooks {
            on_start: Some(Box::new(on_start)),
            on_stop: Some(Box::new(on_stop)),
        }));
        self
    }

    /// Sets one key; a bad value gives [`Error::Invalid`] and an unknown key
    /// [`Error::UnknownKey`] (or `Invalid` from a library before `WG_ENOKEY`),
    /// with the library's message, e.g. `"batch_size_threshold must be an
    /// integer > 0"`.
    pub fn set(&mut self, key: &str, value: &str) -> Result<&mut Conf, Error> {
        let bad = || Error::Invalid("key and value must not contain NUL".into());
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

fn run_hook(hook: &Hook) {
    if let Some(f) = hook {
        if catch_unwind(AssertUnwindSafe(f)).is_err() {
            eprintln!("workgrinder: a worker hook panicked; aborting");
            std::process::abort();
        }
    }
}

// On the worker thread, once each; the worker counts as inside the hooks
// from its on_start to its on_stop (see Owned).
pub(crate) unsafe extern "C" fn on_start(opaque: *mut c_void) {
    let hooks = Owned::<Arc<Hooks>>::enter(opaque as *const Owned<Arc<Hooks>>);
    run_hook(&hooks.on_start);
}

pub(crate) unsafe extern "C" fn on_stop(opaque: *mut c_void) {
    let p = opaque as *const Owned<Arc<Hooks>>;
    run_hook(&Owned::value(p).on_stop);
    Owned::leave(p);
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
