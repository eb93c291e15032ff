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

mod conf;
mod error;
mod grinder;
mod handle;
mod job;

pub use conf::Conf;
pub use error::Error;
pub use grinder::{Grinder, Stats};
pub use handle::Handle;
pub use job::live_jobs;
pub use workgrinder_sys as ffi;
