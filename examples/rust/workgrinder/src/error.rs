use std::ffi::CStr;
use std::fmt;
use std::os::raw::c_int;

use workgrinder_sys as ffi;

/// Why a call or an item failed: one variant per library status, plus
/// [`Error::Closed`] for use after [`Grinder::close`](crate::Grinder::close).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The grinder was closed; it takes no more work.
    Closed,
    /// `WG_EINVAL`: a bad argument or configuration value (the library's message).
    Invalid(String),
    /// `WG_ENOKEY`: an unknown configuration key (the library's message).
    UnknownKey(String),
    /// `WG_ENOTSTARTED`: not started, or stopped.
    NotStarted,
    /// `WG_ESTOPPING`: a stop is in progress.
    Stopping,
    /// `WG_EWRONGTHREAD`: a blocking call on the grinder's loop thread.
    WrongThread,
    /// `WG_ECANCELED`: the item was cancelled.
    Canceled,
    /// `WG_ETIMEDOUT`: a wait ended first, or the item's deadline
    /// ([`SubmitOptions::deadline`](crate::SubmitOptions::deadline)) passed
    /// before it started.
    TimedOut,
    /// `WG_EFULL`: `max_pending` reached (and no room came within the
    /// submission's admission timeout).
    Full,
    /// `WG_ENOMEM`: out of memory or threads.
    NoMemory,
    /// `WG_EWORK`: the closure panicked (the panic's message).
    Panicked(String),
    /// `WG_EWORK`: a batch handler failed the item with this work code
    /// ([`BatchItem::fail`](crate::BatchItem::fail)).
    Failed(i32),
    /// `WG_ELEASE`: lease expired, released or revoked.
    Lease,
    /// `WG_EUNAVAILABLE`: no executor free.
    Unavailable,
    /// `WG_EALREADY`: too late, the outcome was already decided.
    Already,
    /// A status this version does not know.
    Other(i32),
}

impl Error {
    /// The error for a library status (`None` for `WG_OK`).
    ///
    /// ```
    /// use workgrinder::{ffi, Error};
    /// assert_eq!(Error::from_status(ffi::WG_ECANCELED), Some(Error::Canceled));
    /// assert_eq!(Error::from_status(ffi::WG_OK), None);
    /// ```
    pub fn from_status(status: i32) -> Option<Error> {
        Some(match status {
            ffi::WG_OK => return None,
            ffi::WG_EINVAL => Error::Invalid(message(status)),
            ffi::WG_ENOKEY => Error::UnknownKey("unknown configuration key".into()),
            ffi::WG_ENOTSTARTED => Error::NotStarted,
            ffi::WG_ESTOPPING => Error::Stopping,
            ffi::WG_EWRONGTHREAD => Error::WrongThread,
            ffi::WG_ECANCELED => Error::Canceled,
            ffi::WG_ETIMEDOUT => Error::TimedOut,
            ffi::WG_EFULL => Error::Full,
            ffi::WG_ENOMEM => Error::NoMemory,
            ffi::WG_EWORK => Error::Panicked(message(status)),
            ffi::WG_ELEASE => Error::Lease,
            ffi::WG_EUNAVAILABLE => Error::Unavailable,
            ffi::WG_EALREADY => Error::Already,
            other => Error::Other(other),
        })
    }

    /// A status with the library's own message (configuration errors).
    pub(crate) fn with_message(status: c_int, msg: String) -> Error {
        match status {
            ffi::WG_EINVAL => Error::Invalid(msg),
            ffi::WG_ENOKEY => Error::UnknownKey(msg),
            _ => Error::from_status(status).unwrap_or(Error::Other(status)),
        }
    }

    /// The library status (`WG_E*`), or `None` for [`Error::Closed`].
    pub fn status(&self) -> Option<i32> {
        Some(match self {
            Error::Closed => return None,
            Error::Invalid(_) => ffi::WG_EINVAL,
            Error::UnknownKey(_) => ffi::WG_ENOKEY,
            Error::NotStarted => ffi::WG_ENOTSTARTED,
            Error::Stopping => ffi::WG_ESTOPPING,
            Error::WrongThread => ffi::WG_EWRONGTHREAD,
            Error::Canceled => ffi::WG_ECANCELED,
            Error::TimedOut => ffi::WG_ETIMEDOUT,
            Error::Full => ffi::WG_EFULL,
            Error::NoMemory => ffi::WG_ENOMEM,
            Error::Panicked(_) | Error::Failed(_) => ffi::WG_EWORK,
            Error::Lease => ffi::WG_ELEASE,
            Error::Unavailable => ffi::WG_EUNAVAILABLE,
            Error::Already => ffi::WG_EALREADY,
            Error::Other(s) => *s,
        })
    }

    /// The status's symbolic name, e.g. `"WG_ECANCELED"` (`"closed"` for [`Error::Closed`]).
    pub fn name(&self) -> String {
        match self.status() {
            None => "closed".into(),
            Some(ffi::WG_ENOKEY) => "WG_ENOKEY".into(), // named even by a library that predates it
            Some(s) => unsafe { CStr::from_ptr(ffi::wg_err_name(s)) }
                .to_string_lossy()
                .into_owned(),
        }
    }
}

fn message(status: c_int) -> String {
    unsafe { CStr::from_ptr(ffi::wg_strerror(status)) }
        .to_string_lossy()
        .into_owned()
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Closed => write!(f, "the grinder is closed"),
            Error::Invalid(m) | Error::UnknownKey(m) | Error::Panicked(m) => {
                write!(f, "{}: {}", self.name(), m)
            }
            Error::Other(s) => write!(f, "{}: {}", self.name(), message(*s)),
            Error::Failed(code) => write!(f, "{}: work code {}", self.name(), code),
            _ => write!(
                f,
                "{}: {}",
                self.name(),
                message(self.status().unwrap_or(0))
            ),
        }
    }
}

impl std::error::Error for Error {}

pub(crate) fn check(status: c_int) -> Result<(), Error> {
    match Error::from_status(status) {
        None => Ok(()),
        Some(e) => Err(e),
    }
}
