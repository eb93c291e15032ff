//! Raw declarations of libworkgrinder's C API (`workgrinder/workgrinder.h`),
//! hand-written and kept in step with the header; `tests/layout.rs` checks
//! the struct layouts against the C compiler's. The build script links the
//! library found by pkg-config (or `WORKGRINDER_LIB_DIR`). Everything here is
//! `unsafe` and follows the header's ownership and thread rules; use the
//! `workgrinder` crate for a safe API.
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_double, c_int, c_uint, c_void};

pub const WG_OK: c_int = 0;
pub const WG_EINVAL: c_int = -1;
pub const WG_ENOTSTARTED: c_int = -2;
pub const WG_ESTOPPING: c_int = -3;
pub const WG_EWRONGTHREAD: c_int = -4;
pub const WG_ECANCELED: c_int = -5;
pub const WG_ETIMEDOUT: c_int = -6;
pub const WG_EFULL: c_int = -7;
pub const WG_ENOMEM: c_int = -8;
pub const WG_EWORK: c_int = -9;
pub const WG_ELEASE: c_int = -10;
pub const WG_EUNAVAILABLE: c_int = -11;
pub const WG_EALREADY: c_int = -12;
pub const WG_ENOKEY: c_int = -13;

pub const WG_SUBMIT_OPTS_VERSION: u32 = 2;
pub const WG_STATS_VERSION: u32 = 2;

pub enum wg_conf_t {}
pub enum wg_grinder_t {}
pub enum wg_future_t {}
pub enum wg_manager_t {}
pub enum wg_batch_t {}

pub type wg_work_fn = unsafe extern "C" fn(arg: *mut c_void, result: *mut *mut c_void) -> c_int;
pub type wg_done_fn = unsafe extern "C" fn(outcome: *const wg_outcome_t, opaque: *mut c_void);
pub type wg_dispose_fn = unsafe extern "C" fn(result: *mut c_void, opaque: *mut c_void);
pub type wg_ready_fn = unsafe extern "C" fn(opaque: *mut c_void);
pub type wg_worker_fn = unsafe extern "C" fn(opaque: *mut c_void);
pub type wg_batch_fn = unsafe extern "C" fn(batch: *mut wg_batch_t, opaque: *mut c_void) -> c_int;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct wg_outcome_t {
    pub status: c_int,
    pub work_code: c_int,
    pub result: *mut c_void,
}

#[repr(C)]
pub struct wg_submit_opts_t {
    pub version: u32,
    pub owner: *const c_char,
    pub dispose: Option<wg_dispose_fn>,
    pub dispose_opaque: *mut c_void,
    pub release_arg: Option<wg_dispose_fn>,
    // Version 2.
    pub admit_timeout_seconds: c_double,
    pub deadline_seconds: c_double,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct wg_stats_t {
    pub version: u32,
    pub started: u32,
    pub stopping: u32,
    pub pending: u64,
    pub batch_size_threshold: u64,
    pub max_wait_seconds: c_double,
    pub lease_seconds: c_double,
    pub oldest_wait_seconds: c_double,
    pub submitted: u64,
    pub completed: u64,
    pub failed: u64,
    pub cancelled: u64,
    pub rejected: u64,
    pub batches: u64,
    pub inflight_items: u64,
    pub inflight_batches: u64,
    // Version 2.
    pub expired: u64,
    pub admission_waits: u64,
}

extern "C" {
    pub fn wg_version() -> c_uint;
    pub fn wg_strerror(status: c_int) -> *const c_char;
    pub fn wg_err_name(status: c_int) -> *const c_char;
    pub fn wg_conf_new() -> *mut wg_conf_t;
    pub fn wg_conf_set(
        conf: *mut wg_conf_t,
        key: *const c_char,
        value: *const c_char,
        errstr: *mut c_char,
        errstr_size: usize,
    ) -> c_int;
    pub fn wg_conf_destroy(conf: *mut wg_conf_t);
    /// Newer than 0.1.0: only link against it with a library that has it.
    pub fn wg_conf_set_worker_hooks(
        conf: *mut wg_conf_t,
        on_start: Option<wg_worker_fn>,
        on_stop: Option<wg_worker_fn>,
        opaque: *mut c_void,
    ) -> c_int;
    /// Newer than 0.1.0, as are the wg_batch_* functions.
    pub fn wg_conf_set_batch_fn(
        conf: *mut wg_conf_t,
        f: Option<wg_batch_fn>,
        opaque: *mut c_void,
    ) -> c_int;
    pub fn wg_batch_size(batch: *const wg_batch_t) -> usize;
    pub fn wg_batch_arg(batch: *const wg_batch_t, i: usize) -> *mut c_void;
    pub fn wg_batch_id(batch: *const wg_batch_t) -> u64;
    pub fn wg_batch_set(
        batch: *mut wg_batch_t,
        i: usize,
        work_code: c_int,
        result: *mut c_void,
    ) -> c_int;
    pub fn wg_create(
        out: *mut *mut wg_grinder_t,
        conf: *const wg_conf_t,
        manager: *mut wg_manager_t,
        errstr: *mut c_char,
        errstr_size: usize,
    ) -> c_int;
    pub fn wg_start(g: *mut wg_grinder_t) -> c_int;
    pub fn wg_stop(g: *mut wg_grinder_t, cancel_pending: c_int) -> c_int;
    /// Drains for at most `drain_seconds` (< 0: no limit), then cancels the
    /// rest; WG_OK if everything drained, WG_ETIMEDOUT if it had to cancel.
    pub fn wg_stop_timeout(g: *mut wg_grinder_t, drain_seconds: c_double) -> c_int;
    pub fn wg_destroy(g: *mut wg_grinder_t) -> c_int;
    /// `f` None: an item for the grinder's batch function (see wg_conf_set_batch_fn).
    pub fn wg_submit_ex(
        g: *mut wg_grinder_t,
        f: Option<wg_work_fn>,
        arg: *mut c_void,
        done: Option<wg_done_fn>,
        opaque: *mut c_void,
        opts: *const wg_submit_opts_t,
    ) -> c_int;
    /// `f` None: an item for the grinder's batch function.
    pub fn wg_enqueue(
        g: *mut wg_grinder_t,
        f: Option<wg_work_fn>,
        arg: *mut c_void,
        opts: *const wg_submit_opts_t,
        out: *mut *mut wg_future_t,
    ) -> c_int;
    pub fn wg_future_wait(
        f: *mut wg_future_t,
        timeout_seconds: c_double,
        out: *mut wg_outcome_t,
    ) -> c_int;
    pub fn wg_future_cancel(f: *mut wg_future_t) -> c_int;
    pub fn wg_future_done(f: *const wg_future_t) -> c_int;
    pub fn wg_future_on_ready(
        f: *mut wg_future_t,
        ready: wg_ready_fn,
        opaque: *mut c_void,
    ) -> c_int;
    pub fn wg_future_release(f: *mut wg_future_t);
    pub fn wg_stats(g: *mut wg_grinder_t, out: *mut wg_stats_t) -> c_int;
    pub fn wg_stats_json(
        g: *mut wg_grinder_t,
        buf: *mut c_char,
        size: usize,
        needed: *mut usize,
    ) -> c_int;
}
