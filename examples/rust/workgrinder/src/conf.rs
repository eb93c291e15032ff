use std::ffi::{CStr, CString};
use std::os::raw::c_char;

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
}

// Send: a wg_conf_t belongs to no thread. Not Sync: the header says a conf
// is not thread-safe (only `set`, through &mut, changes it, so nothing is lost).
unsafe impl Send for Conf {}

impl Conf {
    /// Every key at its default.
    pub fn new() -> Conf {
        let raw = unsafe { ffi::wg_conf_new() };
        assert!(!raw.is_null(), "out of memory");
        Conf { raw }
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
