//! Safe Rust bindings to libworkgrinder: submit closures from any thread;
//! they run in batches on leased worker threads; each caller gets its own
//! result. The raw C API is [`ffi`] (the `workgrinder-sys` crate).
//!
//! ```
//! let mut conf = workgrinder::Conf::new();
//! conf.set("batch_size_threshold", "64")?.set("max_wait_seconds", "0.002")?;
//! let g = workgrinder::Grinder::new(&conf)?;
//! g.start()?;
//! let h = g.submit(|| 6 * 7)?;
//! assert_eq!(h.wait()?, 42);
//! let boom = g.submit(|| -> i32 { panic!("boom") })?;
//! assert!(matches!(boom.wait(), Err(workgrinder::Error::Panicked(_))));
//! g.close()?; // drains; later submissions return Error::Closed
//! # Ok::<(), workgrinder::Error>(())
//! ```
//!
//! A panic inside a closure is caught and becomes that caller's
//! [`Error::Panicked`]; no panic ever unwinds into C. Closures and their
//! results are boxed; the box is freed exactly once, when the library is done
//! with it (see `release_arg` in `workgrinder.h`), whether the item ran,
//! failed, was cancelled or outlived its grinder.
//!
//! Flow control: [`SubmitOptions`] (with [`Grinder::submit_opts`],
//! [`Grinder::submit_with_opts`] and their [`BatchGrinder`] twins) lets a
//! submission wait for room under `max_pending` and gives its item a
//! deadline ([`Error::TimedOut`] without running when not started by then);
//! [`Grinder::stop_timeout`] drains for a bounded time, then cancels.

mod batch;
mod conf;
mod error;
mod grinder;
mod handle;
mod job;
mod options;
mod owned;

pub use batch::{BatchGrinder, BatchItem};
pub use conf::Conf;
pub use error::Error;
pub use grinder::{Grinder, Stats};
pub use handle::Handle;
pub use job::live_jobs;
pub use options::SubmitOptions;
pub use workgrinder_sys as ffi;
