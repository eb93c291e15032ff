//! What the integration tests share: building a grinder from key/value
//! pairs and checking that every boxed closure was freed.
#![allow(dead_code)] // each test file uses its own part of it

use std::thread;
use std::time::{Duration, Instant};
use workgrinder::{live_jobs, Conf, Grinder};

pub fn conf(kv: &[(&str, &str)]) -> Conf {
    let mut conf = Conf::new();
    for (k, v) in kv {
        conf.set(k, v).unwrap();
    }
    conf
}

/// A started grinder with these settings.
pub fn grinder(kv: &[(&str, &str)]) -> Grinder {
    let g = Grinder::new(&conf(kv)).unwrap();
    g.start().unwrap();
    g
}

/// A job's box is freed by release_arg, which can trail its outcome by a
/// moment on a worker thread: bounded wait, exact check.
pub fn settle_jobs() {
    let t0 = Instant::now();
    while live_jobs() != 0 && t0.elapsed() < Duration::from_secs(10) {
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(live_jobs(), 0, "every boxed closure is freed exactly once");
}
