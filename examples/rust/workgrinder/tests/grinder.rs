// The safe API against the real library: flushes, isolation of errors and
// panics, cancellation, stops, many threads, stats, configuration errors, and
// that every boxed closure is freed exactly once.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};
use workgrinder::{ffi, Conf, Error};

mod common;
use common::*;

// Tests share the job counter: run them one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

#[test]
fn threshold_flush_sends_one_batch() {
    let _s = SERIAL.lock().unwrap();
    let g = grinder(&[("batch_size_threshold", "4"), ("max_wait_seconds", "600")]);
    let hs: Vec<_> = (0..3).map(|i| g.submit(move || i * 10).unwrap()).collect();
    assert!(!hs[0].wait_timeout(Duration::from_millis(200)));
    assert_eq!(g.stats().batches, 0);
    let last = g.submit(|| 30).unwrap();
    let mut sum = last.wait().unwrap();
    for h in hs {
        sum += h.wait().unwrap();
    }
    assert_eq!(sum, 60);
    assert_eq!(g.stats().batches, 1);
    drop(g);
    settle_jobs();
}

#[test]
fn timer_flush_is_not_early() {
    let _s = SERIAL.lock().unwrap();
    let g = grinder(&[
        ("batch_size_threshold", "1000"),
        ("max_wait_seconds", "0.05"),
    ]);
    let t0 = Instant::now();
    let h = g.submit(Instant::now).unwrap();
    let ran = h.wait().unwrap();
    assert!(ran.duration_since(t0) >= Duration::from_millis(50));
    assert!(ran.duration_since(t0) < Duration::from_millis(1000));
    drop(g);
    settle_jobs();
}

// The number after `"key":` in the first object named `section` (std only).
fn json_number(json: &str, section: &str, key: &str) -> u64 {
    let from = json.find(&format!("\"{}\":{{", section)).expect(section);
    let rest = &json[from..];
    let at = rest.find(&format!("\"{}\":", key)).expect(key) + key.len() + 3;
    let digits: String = rest[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().expect(key)
}

#[test]
fn stats_json_has_the_counts_and_histograms() {
    let _s = SERIAL.lock().unwrap();
    // A batch may take more than the threshold (the items pending when the
    // loop looks): a short max wait flushes the rest; only totals are exact.
    let g = grinder(&[("batch_size_threshold", "4"), ("max_wait_seconds", "0.002")]);
    let hs: Vec<_> = (0..8).map(|i| g.submit(move || i).unwrap()).collect();
    for (i, h) in hs.into_iter().enumerate() {
        assert_eq!(h.wait(), Ok(i));
    }
    let json = g.stats_json().unwrap();
    assert!(
        json.starts_with('{') && json.trim_end().ends_with('}'),
        "{}",
        json
    );
    assert!(json.contains("\"submitted\":8,"), "{}", json);
    assert_eq!(json_number(&json, "stats", "completed"), 8, "{}", json);
    assert_eq!(json_number(&json, "batch_size", "sum"), 8, "{}", json);
    assert_eq!(
        json_number(&json, "batch_size", "count"),
        json_number(&json, "stats", "batches"),
        "{}",
        json
    );
    drop(g);
    settle_jobs();
}

#[test]
fn errors_and_panics_stay_with_their_caller() {
    let _s = SERIAL.lock().unwrap();
    let g = grinder(&[("batch_size_threshold", "3"), ("max_wait_seconds", "600")]);
    let ok = g.submit(|| Ok::<i32, String>(1)).unwrap();
    let err = g.submit(|| Err::<i32, String>("no".into())).unwrap();
    let boom = g.submit(|| -> i32 { panic!("boom") }).unwrap();
    assert_eq!(ok.wait().unwrap(), Ok(1));
    assert_eq!(err.wait().unwrap(), Err("no".to_string()));
    let e = boom.wait().unwrap_err();
    assert_eq!(e.status(), Some(ffi::WG_EWORK));
    assert_eq!(e, Error::Panicked("panicked: boom".into()));
    let s = g.stats();
    assert_eq!((s.completed, s.failed), (2, 1));
    drop(g);
    settle_jobs();
}

#[test]
fn cancelling_a_pending_item_removes_it_at_once() {
    let _s = SERIAL.lock().unwrap();
    let g = grinder(&[("batch_size_threshold", "100"), ("max_wait_seconds", "600")]);
    let ran = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..3)
        .map(|_| {
            let r = ran.clone();
            g.submit(move || r.fetch_add(1, Ordering::SeqCst)).unwrap()
        })
        .collect();
    assert_eq!(g.stats().pending, 3);
    assert!(hs[1].cancel());
    assert_eq!(g.stats().pending, 2);
    assert!(hs[1].is_done());
    assert!(!hs[0].is_done());
    g.stop(false).unwrap();
    let mut it = hs.into_iter();
    assert!(it.next().unwrap().wait().is_ok());
    assert!(it.next().unwrap().wait().unwrap_err() == Error::Canceled);
    assert!(it.next().unwrap().wait().is_ok());
    assert_eq!(ran.load(Ordering::SeqCst), 2);
    drop(g);
    settle_jobs();
}

#[test]
fn drain_and_cancel_stops() {
    let _s = SERIAL.lock().unwrap();
    let g = grinder(&[
        ("batch_size_threshold", "1000"),
        ("max_wait_seconds", "600"),
    ]);
    let hs: Vec<_> = (0..20).map(|i| g.submit(move || i).unwrap()).collect();
    g.stop(false).unwrap();
    assert_eq!(hs.into_iter().map(|h| h.wait().unwrap()).sum::<i32>(), 190);

    g.start().unwrap();
    let (tx, rx) = mpsc::channel::<()>();
    let rx = Arc::new(Mutex::new(rx));
    let blocked = {
        let rx = rx.clone();
        g.submit(move || {
            let _ = rx.lock().unwrap().recv();
            Tracked::new() // nobody will receive it: dropped through the dispose hook
        })
        .unwrap()
    };
    let queued = g.submit(|| ()).unwrap();
    let t0 = Instant::now();
    g.stop(true).unwrap();
    assert!(t0.elapsed() < Duration::from_secs(1));
    assert!(blocked.wait().unwrap_err() == Error::Canceled);
    assert!(queued.wait().unwrap_err() == Error::Canceled);
    drop(tx); // the blocked closure returns; its box is freed then
    drop(g);
    settle_jobs();
    assert_eq!(
        TRACKED.load(Ordering::SeqCst),
        0,
        "the late result was dropped"
    );
}

static TRACKED: AtomicUsize = AtomicUsize::new(0);
#[derive(Debug)]
struct Tracked;
impl Tracked {
    fn new() -> Tracked {
        TRACKED.fetch_add(1, Ordering::SeqCst);
        Tracked
    }
}
impl Drop for Tracked {
    fn drop(&mut self) {
        TRACKED.fetch_sub(1, Ordering::SeqCst);
    }
}

#[test]
fn many_threads_submit_at_once() {
    let _s = SERIAL.lock().unwrap();
    let g = Arc::new(grinder(&[
        ("batch_size_threshold", "32"),
        ("max_wait_seconds", "0.001"),
    ]));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let g = g.clone();
            thread::spawn(move || {
                (0..2000u64)
                    .map(|i| g.submit(move || t * 2000 + i).unwrap().wait().unwrap())
                    .sum::<u64>()
            })
        })
        .collect();
    let total: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(total, (0..16000u64).sum());
    assert_eq!(g.stats().completed, 16000);
    drop(g);
    settle_jobs();
}

#[test]
fn callbacks_and_stats() {
    let _s = SERIAL.lock().unwrap();
    let g = grinder(&[
        ("batch_size_threshold", "2"),
        ("max_wait_seconds", "600"),
        ("lease_seconds", "30"),
    ]);
    let (tx, rx) = mpsc::channel();
    for i in 0..2 {
        let tx = tx.clone();
        g.submit_with(move || i + 1, move |r| tx.send(r).unwrap())
            .unwrap();
    }
    let mut got: Vec<i32> = (0..2).map(|_| rx.recv().unwrap().unwrap()).collect();
    got.sort();
    assert_eq!(got, vec![1, 2]);
    let s = g.stats();
    assert_eq!(s.started, 1);
    assert_eq!(s.batch_size_threshold, 2);
    assert_eq!(s.lease_seconds, 30.0);
    assert_eq!(s.submitted, 2);
    drop(g);
    settle_jobs();
}

#[test]
fn bad_configuration_is_an_error() {
    let mut conf = Conf::new();
    let e = conf.set("max_wait_seconds", "nan").err().unwrap();
    assert_eq!(
        e,
        Error::Invalid("max_wait_seconds must be a finite number > 0".into())
    );
    assert_eq!(
        e.to_string(),
        "WG_EINVAL: max_wait_seconds must be a finite number > 0"
    );
    // WG_EINVAL from a library before WG_ENOKEY, WG_ENOKEY after.
    match conf.set("no_such_key", "1").err().unwrap() {
        Error::Invalid(m) | Error::UnknownKey(m) => assert!(m.contains("no_such_key"), "{}", m),
        e => panic!("{}", e),
    }
}

// A waker that counts its wakes and lets a test block until the next one.
struct CountingWaker {
    wakes: Mutex<usize>,
    woken: std::sync::Condvar,
}
impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        *self.wakes.lock().unwrap() += 1;
        self.woken.notify_all();
    }
}

fn threads_in_process() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

#[test]
fn handles_are_futures_woken_through_on_ready() {
    let _s = SERIAL.lock().unwrap();
    let g = grinder(&[("batch_size_threshold", "101"), ("max_wait_seconds", "600")]);
    let w = Arc::new(CountingWaker {
        wakes: Mutex::new(0),
        woken: std::sync::Condvar::new(),
    });
    let waker = Waker::from(w.clone());
    let mut cx = Context::from_waker(&waker);
    // 100 pending futures, each polled once: no thread is parked for them.
    let threads = threads_in_process();
    let mut hs: Vec<_> = (0..100).map(|i| g.submit(move || i).unwrap()).collect();
    for h in hs.iter_mut() {
        assert!(std::pin::Pin::new(h).poll(&mut cx).is_pending());
    }
    assert_eq!(threads_in_process(), threads);
    assert_eq!(*w.wakes.lock().unwrap(), 0);
    // The 101st item dispatches the batch; each outcome wakes its task once.
    let last = g.submit(|| 100).unwrap();
    let mut wakes = w.wakes.lock().unwrap();
    while *wakes < 100 {
        wakes = w.woken.wait(wakes).unwrap();
    }
    drop(wakes);
    let mut sum = 0;
    for h in hs.iter_mut() {
        match std::pin::Pin::new(h).poll(&mut cx) {
            Poll::Ready(v) => sum += v.unwrap(),
            Poll::Pending => panic!("woken but not ready"),
        }
    }
    assert_eq!(sum + last.wait().unwrap(), 5050);
    assert_eq!(*w.wakes.lock().unwrap(), 100, "one wake per future");
    drop(hs);
    drop(g);
    settle_jobs();
}

use std::future::Future;
