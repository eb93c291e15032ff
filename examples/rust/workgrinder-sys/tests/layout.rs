// The Rust mirrors of wg_stats_t and wg_outcome_t have the C layouts
// (sizes and field offsets measured by build.rs with the C compiler).
use std::collections::HashMap;
use std::mem::{size_of, MaybeUninit};
use workgrinder_sys::{wg_outcome_t, wg_stats_t, wg_submit_opts_t};

fn c_layout() -> HashMap<String, usize> {
    env!("WG_C_LAYOUT")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let mut it = kv.splitn(2, '=');
            (
                it.next().unwrap().to_string(),
                it.next().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

macro_rules! offset {
    ($t:ty, $f:ident) => {{
        let u = MaybeUninit::<$t>::uninit();
        let base = u.as_ptr();
        unsafe { (std::ptr::addr_of!((*base).$f) as usize) - (base as usize) }
    }};
}

#[test]
fn layouts_match_the_c_header() {
    let c = c_layout();
    assert_eq!(c["wg_stats_t"], size_of::<wg_stats_t>());
    assert_eq!(c["wg_outcome_t"], size_of::<wg_outcome_t>());
    assert_eq!(c["wg_submit_opts_t"], size_of::<wg_submit_opts_t>());
    macro_rules! check {
        ($t:ident, $($f:ident),*) => {$(
            assert_eq!(c[concat!(stringify!($t), ".", stringify!($f))], offset!($t, $f), stringify!($f));
        )*};
    }
    check!(
        wg_stats_t,
        version,
        started,
        stopping,
        pending,
        batch_size_threshold,
        max_wait_seconds,
        lease_seconds,
        oldest_wait_seconds,
        submitted,
        completed,
        failed,
        cancelled,
        rejected,
        batches,
        inflight_items,
        inflight_batches,
        expired,
        admission_waits
    );
    check!(wg_submit_opts_t, admit_timeout_seconds, deadline_seconds);
    check!(wg_outcome_t, status, work_code, result);
}
