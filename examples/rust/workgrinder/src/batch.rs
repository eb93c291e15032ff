//! A grinder whose items are args to one handler that decides a whole batch.
use std::marker::PhantomData;
use std::os::raw::{c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::time::Duration;

use crate::job::{panic_text, Job, Outcome};
use crate::owned::Owned;
use crate::{Conf, Error, Grinder, Handle, Stats, SubmitOptions};
use workgrinder_sys as ffi;

/// A grinder whose submissions are args of type `A` to one handler, called
/// once per batch on a worker thread with the batch's items: one thread's
/// items in the order it submitted them, items cancelled before the call left
/// out. Each caller gets its own result:
///
/// - the value the handler gave with [`BatchItem::set`];
/// - [`Error::Failed`] with the work code it gave with [`BatchItem::fail`];
/// - for an item the handler decided nothing about: `R::default()` when it
///   returned, [`Error::Panicked`] (with its message) when it panicked.
///
/// Results are delivered after the handler returns, so a result can mean
/// "committed". Start, stop, close and stats are as for [`Grinder`].
///
/// ```
/// let mut conf = workgrinder::Conf::new();
/// conf.set("batch_size_threshold", "3")?.set("max_wait_seconds", "60")?;
/// let g = workgrinder::BatchGrinder::new(&conf, |items: &mut [workgrinder::BatchItem<i32, i32>]| {
///     for item in items.iter_mut() {
///         if *item.arg() < 0 {
///             let _ = item.fail(22);
///         } else if *item.arg() > 0 {
///             let _ = item.set(item.arg() * 2);
///         } // 0 stays unset: i32::default()
///     }
/// })?;
/// g.start()?;
/// let (a, b, c) = (g.submit(21)?, g.submit(-1)?, g.submit(0)?);
/// assert_eq!(a.wait()?, 42);
/// assert_eq!(b.wait(), Err(workgrinder::Error::Failed(22)));
/// assert_eq!(c.wait()?, 0);
/// assert_eq!(g.stats().batches, 1);
/// # Ok::<(), workgrinder::Error>(())
/// ```
pub struct BatchGrinder<A, R> {
    grinder: Grinder,
    _types: PhantomData<fn(A) -> R>,
}

/// One submitted arg inside a handler call.
pub struct BatchItem<A, R> {
    batch: *mut ffi::wg_batch_t,
    index: usize,
    arg: *const A, // the item's Job, which the library holds until after the call
    decided: bool,
    _result: PhantomData<fn(R)>,
}

impl<A, R> BatchItem<A, R> {
    /// The submitted arg.
    pub fn arg(&self) -> &A {
        unsafe { &*self.arg }
    }

    /// Whether `set` or `fail` was called on this item.
    pub fn is_decided(&self) -> bool {
        self.decided
    }

    /// Gives the item's caller `value`. [`Error::Already`] if decided before;
    /// [`Error::Canceled`] if it was cancelled meanwhile (`value` is dropped).
    pub fn set(&mut self, value: R) -> Result<(), Error> {
        self.decide(0, Some(Ok(value)))
    }

    /// Gives the item's caller [`Error::Failed`]`(code)`; `code` 0 (success)
    /// gives [`Error::Invalid`]. Otherwise as [`BatchItem::set`].
    pub fn fail(&mut self, code: i32) -> Result<(), Error> {
        if code == 0 {
            return Err(Error::Invalid("work code 0 means success: use set".into()));
        }
        self.decide(code, None)
    }

    fn decide(&mut self, code: i32, result: Option<Outcome<R>>) -> Result<(), Error> {
        if self.decided {
            return Err(Error::Already);
        }
        self.decided = true;
        let p = result.map_or(ptr::null_mut(), |r| {
            Box::into_raw(Box::new(r)) as *mut c_void
        });
        match unsafe { ffi::wg_batch_set(self.batch, self.index, code, p) } {
            ffi::WG_OK => Ok(()),
            ffi::WG_ECANCELED => Err(Error::Canceled), // the item's dispose dropped the result
            rc => {
                if !p.is_null() {
                    drop(unsafe { Box::from_raw(p as *mut Outcome<R>) }); // not taken over
                }
                Err(Error::from_status(rc).unwrap_or(Error::Other(rc)))
            }
        }
    }
}

// The C batch function: on a worker thread, once per batch. No panic leaves it.
unsafe extern "C" fn batch_call<A, R, H>(b: *mut ffi::wg_batch_t, opaque: *mut c_void) -> c_int
where
    R: Default,
    H: Fn(&mut [BatchItem<A, R>]),
{
    let owned = opaque as *const Owned<H>;
    let handler = Owned::enter(owned);
    let rc = catch_unwind(AssertUnwindSafe(|| run_batch(b, handler))).unwrap_or(1);
    Owned::leave(owned);
    rc
}

fn run_batch<A, R: Default, H: Fn(&mut [BatchItem<A, R>])>(
    b: *mut ffi::wg_batch_t,
    handler: &H,
) -> c_int {
    let n = unsafe { ffi::wg_batch_size(b) };
    let mut items: Vec<BatchItem<A, R>> = (0..n)
        .map(|i| {
            let job = unsafe { ffi::wg_batch_arg(b, i) } as *const Job<R, A>;
            let arg = unsafe { (*job).f.as_ref() }.expect("a batch item holds its arg");
            BatchItem {
                batch: b,
                index: i,
                arg,
                decided: false,
                _result: PhantomData,
            }
        })
        .collect();
    match catch_unwind(AssertUnwindSafe(|| handler(&mut items))) {
        Ok(()) => {
            for item in items.iter_mut().filter(|i| !i.decided) {
                let _ = item.set(R::default()); // Canceled: nobody waits for it
            }
            0
        }
        Err(payload) => {
            let text = panic_text(&*payload);
            for item in items.iter_mut().filter(|i| !i.decided) {
                let _ = item.decide(1, Some(Err(Box::new(text.clone()))));
            }
            1
        }
    }
}

unsafe fn close_handler<H>(p: *const c_void) {
    Owned::close(p as *const Owned<H>)
}

impl<A: Send + 'static, R: Default + Send + 'static> BatchGrinder<A, R> {
    /// A stopped batch grinder with a private manager built from `conf` (which
    /// may be dropped afterwards); `handler` gets every batch.
    pub fn new<H>(conf: &Conf, handler: H) -> Result<BatchGrinder<A, R>, Error>
    where
        H: Fn(&mut [BatchItem<A, R>]) + Send + Sync + 'static,
    {
        let owned = Owned::hand_to_c(handler) as *const c_void;
        let f: ffi::wg_batch_fn = batch_call::<A, R, H>;
        let grinder = Grinder::create(conf, Some((f, owned, close_handler::<H>)))?;
        Ok(BatchGrinder {
            grinder,
            _types: PhantomData,
        })
    }

    /// Submits `arg`; the [`Handle`] waits for, polls, cancels or `.await`s its result.
    pub fn submit(&self, arg: A) -> Result<Handle<R>, Error> {
        self.submit_opts(&SubmitOptions::new(), arg)
    }

    /// [`BatchGrinder::submit`] with flow control, as [`Grinder::submit_opts`]:
    /// an item whose deadline passes before the handler is called with it is
    /// left out of the batch and ends with [`Error::TimedOut`].
    pub fn submit_opts(&self, opts: &SubmitOptions, arg: A) -> Result<Handle<R>, Error> {
        self.grinder.enqueue_job(None, Job::<R, A>::new(arg), opts)
    }

    /// Submits `arg` and calls `done` with its result on the grinder's loop
    /// thread (keep it short; it must not block).
    pub fn submit_with<D>(&self, arg: A, done: D) -> Result<(), Error>
    where
        D: FnOnce(Result<R, Error>) + Send + 'static,
    {
        self.submit_with_opts(&SubmitOptions::new(), arg, done)
    }

    /// [`BatchGrinder::submit_with`] with flow control, as [`Grinder::submit_with_opts`].
    pub fn submit_with_opts<D>(&self, opts: &SubmitOptions, arg: A, done: D) -> Result<(), Error>
    where
        D: FnOnce(Result<R, Error>) + Send + 'static,
    {
        self.grinder
            .submit_job_with(None, Job::<R, A>::new(arg), opts, done)
    }

    /// As [`Grinder::start`].
    pub fn start(&self) -> Result<(), Error> {
        self.grinder.start()
    }

    /// As [`Grinder::stop`].
    pub fn stop(&self, cancel: bool) -> Result<(), Error> {
        self.grinder.stop(cancel)
    }

    /// As [`Grinder::stop_timeout`].
    pub fn stop_timeout(&self, drain: Duration) -> Result<bool, Error> {
        self.grinder.stop_timeout(drain)
    }

    /// As [`Grinder::close`].
    pub fn close(&self) -> Result<(), Error> {
        self.grinder.close()
    }

    /// As [`Grinder::stats`].
    pub fn stats(&self) -> Stats {
        self.grinder.stats()
    }

    /// As [`Grinder::stats_json`].
    pub fn stats_json(&self) -> Result<String, Error> {
        self.grinder.stats_json()
    }
}
