use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::conf;
use crate::error::check;
use crate::job::{self, Job};
use crate::owned::Owned;
use crate::{Conf, Error, Handle, SubmitOptions};
use workgrinder_sys as ffi;

/// A snapshot of [`Grinder::stats`]. Besides the counts of `wg_stats_t`
/// version 1: `expired`, the items ended by their deadline (also counted in
/// `failed`), and `admission_waits`, the submissions that found
/// `max_pending` reached and waited for room, whatever came of it.
pub type Stats = ffi::wg_stats_t;

/// A grinder: batches submitted closures onto leased worker threads.
///
/// Share it between threads by reference or in an `Arc`. [`Grinder::close`]
/// (or dropping it) drains: every accepted closure runs and its caller gets
/// the result. Close may race with submissions from other threads: each one
/// is either accepted (and gets its result) or returns [`Error::Closed`].
///
/// ```
/// use std::sync::Arc;
/// let mut conf = workgrinder::Conf::new();
/// conf.set("max_wait_seconds", "0.002")?;
/// let g = Arc::new(workgrinder::Grinder::new(&conf)?);
/// g.start()?;
/// let g2 = g.clone();
/// let t = std::thread::spawn(move || g2.submit(|| 2 + 2)?.wait());
/// assert_eq!(t.join().unwrap()?, 4);
/// g.close()?;
/// assert_eq!(g.submit(|| 0).err(), Some(workgrinder::Error::Closed));
/// # Ok::<(), workgrinder::Error>(())
/// ```
pub struct Grinder {
    // Valid from new() until Drop frees it: close() only stops the grinder,
    // so no call can meet a freed pointer, whatever races with close().
    raw: *mut ffi::wg_grinder_t,
    // Set by close() before it stops the grinder; every call checks it
    // first, a refusal (WG_ESTOPPING, WG_ENOTSTARTED) that raced with close()
    // reads it again, and a start() that raced with it stops again. No Rust
    // lock is held across a blocking C call: close() may then run on any
    // thread while another thread is inside stop() without deadlocking.
    closed: AtomicBool,
    // What C calls back into; given up after wg_destroy (see Owned).
    callbacks: Callbacks,
}

/// The C side's references to a grinder's batch handler and hooks: each
/// closed (see [`Owned::close`]) once the grinder is destroyed.
struct Callbacks {
    batch: Option<(*const c_void, unsafe fn(*const c_void))>,
    hooks: Option<*const Owned<Arc<conf::Hooks>>>,
}

impl Drop for Callbacks {
    fn drop(&mut self) {
        unsafe {
            if let Some((opaque, close)) = self.batch {
                close(opaque);
            }
            if let Some(h) = self.hooks {
                Owned::close(h);
            }
        }
    }
}

// Send and Sync: every wg_* function called through &Grinder is documented
// as callable from any thread (blocking ones refuse with WG_EWRONGTHREAD on
// the loop thread instead of deadlocking), and the Rust-side state is one
// atomic. The C grinder is freed only by Drop, which has the
// grinder to itself.
unsafe impl Send for Grinder {}
unsafe impl Sync for Grinder {}

impl Grinder {
    /// A stopped grinder with a private manager built from `conf` (which
    /// may be dropped afterwards).
    pub fn new(conf: &Conf) -> Result<Grinder, Error> {
        Grinder::create(conf, None)
    }

    /// A grinder whose conf gets, for wg_create only, `batch` (a batch
    /// function and its Owned opaque, taken over) and the conf's hooks.
    pub(crate) fn create(
        conf: &Conf,
        batch: Option<(ffi::wg_batch_fn, *const c_void, unsafe fn(*const c_void))>,
    ) -> Result<Grinder, Error> {
        let hooks = conf.hooks.as_ref().map(|h| Owned::hand_to_c(h.clone()));
        // The conf is !Sync: nobody else uses it while these are set.
        unsafe {
            if let Some((f, opaque, _)) = batch {
                ffi::wg_conf_set_batch_fn(conf.raw, Some(f), opaque as *mut c_void);
            }
            if let Some(h) = hooks {
                ffi::wg_conf_set_worker_hooks(
                    conf.raw,
                    Some(conf::on_start),
                    Some(conf::on_stop),
                    h as *mut c_void,
                );
            }
        }
        let created = Grinder::create_raw(conf);
        // The conf is left as the caller made it.
        unsafe {
            if batch.is_some() {
                ffi::wg_conf_set_batch_fn(conf.raw, None, ptr::null_mut());
            }
            if hooks.is_some() {
                ffi::wg_conf_set_worker_hooks(conf.raw, None, None, ptr::null_mut());
            }
        }
        let callbacks = Callbacks {
            batch: batch.map(|(_, opaque, close)| (opaque, close)),
            hooks,
        };
        match created {
            Ok(raw) => Ok(Grinder {
                raw,
                closed: AtomicBool::new(false),
                callbacks,
            }),
            Err(e) => {
                drop(callbacks); // nothing was created: no callback can come
                Err(e)
            }
        }
    }

    fn create_raw(conf: &Conf) -> Result<*mut ffi::wg_grinder_t, Error> {
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
        Ok(raw)
    }

    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    // A submission's refusal: Closed if close() raced with it.
    fn refused(&self, rc: c_int) -> Error {
        if (rc == ffi::WG_ESTOPPING || rc == ffi::WG_ENOTSTARTED) && self.is_closed() {
            Error::Closed
        } else {
            Error::from_status(rc).unwrap_or(Error::Other(rc))
        }
    }

    /// Starts (or restarts after [`Grinder::stop`]); [`Error::Closed`] after close.
    pub fn start(&self) -> Result<(), Error> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        check(unsafe { ffi::wg_start(self.raw) })?;
        if self.is_closed() {
            // close() ran meanwhile and may have stopped before this start:
            // stop again (draining whatever slipped in).
            unsafe { ffi::wg_stop(self.raw, 0) };
            return Err(Error::Closed);
        }
        Ok(())
    }

    /// Drains (`cancel` false) or cancels (`cancel` true) and waits until
    /// stopped; [`Grinder::start`] may start it again.
    pub fn stop(&self, cancel: bool) -> Result<(), Error> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        check(unsafe { ffi::wg_stop(self.raw, cancel as c_int) })
    }

    /// Stops like `stop(false)`, but drains for at most `drain`, then cancels
    /// what has not finished, as `stop(true)` does (a running closure is not
    /// interrupted). `Ok(true)` when everything drained in time, `Ok(false)`
    /// when it had to cancel; stopped either way ([`Grinder::start`] may
    /// start it again). Blocks until stopped; on the loop thread (a
    /// [`Grinder::submit_with`] callback) it gives [`Error::WrongThread`]
    /// and stops nothing.
    pub fn stop_timeout(&self, drain: Duration) -> Result<bool, Error> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        match unsafe { ffi::wg_stop_timeout(self.raw, drain.as_secs_f64()) } {
            ffi::WG_ETIMEDOUT => Ok(false),
            rc => check(rc).map(|()| true),
        }
    }

    /// Drains and closes: every accepted closure completes and delivers its
    /// result; later calls return [`Error::Closed`]. Idempotent (a second
    /// close racing the first returns at once). Called from a
    /// [`Grinder::submit_with`] callback (the loop thread) it returns
    /// [`Error::WrongThread`] and the grinder stays open.
    pub fn close(&self) -> Result<(), Error> {
        if self
            .closed
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            return Ok(());
        }
        let rc = unsafe { ffi::wg_stop(self.raw, 0) };
        if rc != ffi::WG_OK {
            self.closed.store(false, Ordering::SeqCst);
        }
        check(rc)
    }

    /// A snapshot of the state and counters (also after close: the final counts).
    pub fn stats(&self) -> Stats {
        let mut s = Stats {
            version: ffi::WG_STATS_VERSION,
            ..Default::default()
        };
        unsafe { ffi::wg_stats(self.raw, &mut s) };
        s
    }

    /// `wg_stats_json`'s document: every [`Stats`] field, the manager's
    /// stats and the histograms (durations in ns). Like [`Grinder::stats`] it
    /// works after close (the final counts).
    ///
    /// ```
    /// let mut conf = workgrinder::Conf::new();
    /// conf.set("max_wait_seconds", "0.002")?;
    /// let g = workgrinder::Grinder::new(&conf)?;
    /// g.start()?;
    /// g.submit(|| 1)?.wait()?;
    /// let json = g.stats_json()?;
    /// assert!(json.starts_with('{') && json.contains("\"submitted\":1,"));
    /// # Ok::<(), workgrinder::Error>(())
    /// ```
    pub fn stats_json(&self) -> Result<String, Error> {
        let mut buf = vec![0u8; 1024];
        loop {
            let mut needed = 0usize;
            let rc = unsafe {
                ffi::wg_stats_json(
                    self.raw,
                    buf.as_mut_ptr() as *mut c_char,
                    buf.len(),
                    &mut needed,
                )
            };
            if rc == ffi::WG_OK {
                buf.truncate(needed - 1); // without the NUL
                return Ok(String::from_utf8(buf)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()));
            }
            if needed <= buf.len() {
                check(rc)?; // not a size problem
                return Err(Error::Other(rc));
            }
            // Too small (the document may also grow between two calls).
            buf.resize(needed, 0);
        }
    }

    /// Runs `f` on a worker; the [`Handle`] waits for, polls, cancels or
    /// `.await`s its result. A panic in `f` becomes [`Error::Panicked`].
    pub fn submit<T, F>(&self, f: F) -> Result<Handle<T>, Error>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.submit_opts(&SubmitOptions::new(), f)
    }

    /// [`Grinder::submit`] with flow control: it may wait on this thread
    /// for room ([`Error::Full`] when none came in time, [`Error::Stopping`]
    /// or [`Error::Closed`] when a stop ended the wait, [`Error::WrongThread`]
    /// for a wait on the loop thread), and an item not started by its
    /// deadline ends with [`Error::TimedOut`] without running. See
    /// [`SubmitOptions`].
    pub fn submit_opts<T, F>(&self, opts: &SubmitOptions, f: F) -> Result<Handle<T>, Error>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.enqueue_job(Some(job::run::<T, F>), Job::new(f), opts)
    }

    /// Enqueues a job (`work` None: an arg for the batch function). Takes
    /// the job over: on refusal it is freed here.
    pub(crate) fn enqueue_job<T: Send + 'static, F>(
        &self,
        work: Option<ffi::wg_work_fn>,
        job: *mut Job<T, F>,
        opts: &SubmitOptions,
    ) -> Result<Handle<T>, Error> {
        if self.is_closed() {
            drop(unsafe { Box::from_raw(job) });
            return Err(Error::Closed);
        }
        let mut o = job::opts::<T, F>();
        opts.apply(&mut o);
        let mut fut = ptr::null_mut();
        let rc = unsafe { ffi::wg_enqueue(self.raw, work, job as *mut c_void, &o, &mut fut) };
        if rc != ffi::WG_OK {
            drop(unsafe { Box::from_raw(job) }); // refused: nothing was taken over
            return Err(self.refused(rc));
        }
        Ok(unsafe { Handle::new(fut) })
    }

    /// Runs `f` on a worker and calls `done` with its result on the grinder's
    /// loop thread (keep `done` short; it must not block).
    pub fn submit_with<T, F, D>(&self, f: F, done: D) -> Result<(), Error>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
        D: FnOnce(Result<T, Error>) + Send + 'static,
    {
        self.submit_with_opts(&SubmitOptions::new(), f, done)
    }

    /// [`Grinder::submit_with`] with flow control; errors as
    /// [`Grinder::submit_opts`]. An item ended by its deadline gets
    /// `done(Err(Error::TimedOut))` on the loop thread.
    pub fn submit_with_opts<T, F, D>(
        &self,
        opts: &SubmitOptions,
        f: F,
        done: D,
    ) -> Result<(), Error>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
        D: FnOnce(Result<T, Error>) + Send + 'static,
    {
        self.submit_job_with(Some(job::run::<T, F>), Job::new(f), opts, done)
    }

    /// As [`Grinder::enqueue_job`], with `done` called on the loop thread.
    pub(crate) fn submit_job_with<T: Send + 'static, F, D>(
        &self,
        work: Option<ffi::wg_work_fn>,
        job: *mut Job<T, F>,
        opts: &SubmitOptions,
        done: D,
    ) -> Result<(), Error>
    where
        D: FnOnce(Result<T, Error>) + Send + 'static,
    {
        if self.is_closed() {
            drop(unsafe { Box::from_raw(job) });
            return Err(Error::Closed);
        }
        unsafe { (*job).done = Some(Box::new(done)) };
        let mut o = job::opts::<T, F>();
        opts.apply(&mut o);
        let rc = unsafe {
            ffi::wg_submit_ex(
                self.raw,
                work,
                job as *mut c_void,
                Some(job::done::<T, F>),
                job as *mut c_void,
                &o,
            )
        };
        if rc != ffi::WG_OK {
            drop(unsafe { Box::from_raw(job) });
            return Err(self.refused(rc));
        }
        Ok(())
    }
}

impl Drop for Grinder {
    /// Drains, then frees the grinder. Dropped on its own loop thread (inside
    /// a `submit_with` callback) it cannot stop, and leaks instead.
    fn drop(&mut self) {
        let _ = self.close();
        if unsafe { ffi::wg_destroy(self.raw) } != ffi::WG_OK {
            // On the loop thread: the grinder lives on, and so must what it calls.
            std::mem::forget(std::mem::replace(
                &mut self.callbacks,
                Callbacks {
                    batch: None,
                    hooks: None,
                },
            ));
        }
    }
}
