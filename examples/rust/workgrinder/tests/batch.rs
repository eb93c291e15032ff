// Batch handlers and worker hooks against the real library: one call per
// batch, submission order per thread, the set/fail/unset rules, a panicking
// handler, cancellation before and during the call, use after close, and
// that every arg, result, handler and hook is freed exactly once.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use workgrinder::{BatchGrinder, BatchItem, Error, Grinder};

mod common;
use common::*;

// Tests share the job counter: run them one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

#[test]
fn one_call_per_batch_in_submission_order() {
    let _s = SERIAL.lock().unwrap();
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = calls.clone();
    let g = BatchGrinder::new(
        &conf(&[
            ("batch_size_threshold", "4"),
            ("max_batch_size", "4"),
            ("max_wait_seconds", "600"),
        ]),
        move |items: &mut [BatchItem<u32, String>]| {
            seen.lock()
                .unwrap()
                .push(items.iter().map(|i| *i.arg()).collect::<Vec<_>>());
            for item in items.iter_mut() {
                let v = format!("#{}", item.arg());
                item.set(v).unwrap();
            }
        },
    )
    .unwrap();
    g.start().unwrap();
    // Four at a time: had all eight been queued at once, the rest of a cut
    // batch could go before the items after it arrived (a batch of two, the
    // last ones then waiting for the 600 s timer).
    let mut got: Vec<String> = Vec::new();
    for first in [0u32, 4] {
        let hs: Vec<_> = (first..first + 4).map(|i| g.submit(i).unwrap()).collect();
        got.extend(hs.into_iter().map(|h| h.wait().unwrap()));
    }
    assert_eq!(got, (0..8).map(|i| format!("#{}", i)).collect::<Vec<_>>());
    assert_eq!(
        *calls.lock().unwrap(),
        vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7]]
    );
    assert_eq!(g.stats().batches, 2);
    drop(g);
    assert_eq!(
        Arc::strong_count(&calls),
        1,
        "the handler is freed with its grinder"
    );
    settle_jobs();
}

#[test]
fn set_fail_and_unset_rules() {
    let _s = SERIAL.lock().unwrap();
    let answers = Arc::new(Mutex::new(Vec::new()));
    let a = answers.clone();
    let g = BatchGrinder::new(
        &conf(&[
            ("batch_size_threshold", "4"),
            ("max_batch_size", "4"),
            ("max_wait_seconds", "600"),
        ]),
        move |items: &mut [BatchItem<i32, i64>]| {
            let mut a = a.lock().unwrap();
            a.push(items[0].set(10));
            a.push(items[0].set(11)); // decided twice
            a.push(items[1].fail(0)); // 0 is success
            a.push(items[1].fail(7));
            a.push(items[2].set(20).and(items[2].fail(8)));
            // items[3] stays unset: i64::default()
        },
    )
    .unwrap();
    g.start().unwrap();
    let hs: Vec<_> = (0..4).map(|i| g.submit(i).unwrap()).collect();
    let got: Vec<_> = hs.into_iter().map(|h| h.wait()).collect();
    assert_eq!(got, vec![Ok(10), Err(Error::Failed(7)), Ok(20), Ok(0)]);
    let answers = answers.lock().unwrap().clone();
    assert_eq!(answers[0], Ok(()));
    assert_eq!(answers[1], Err(Error::Already));
    assert!(matches!(answers[2], Err(Error::Invalid(_))));
    assert_eq!(answers[3], Ok(()));
    assert_eq!(answers[4], Err(Error::Already));
    let s = g.stats();
    assert_eq!((s.completed, s.failed, s.batches), (3, 1, 1));
    drop(g);
    settle_jobs();
}

#[test]
fn a_panicking_handler_fails_every_unset_item() {
    let _s = SERIAL.lock().unwrap();
    let g = BatchGrinder::new(
        &conf(&[("batch_size_threshold", "3"), ("max_wait_seconds", "600")]),
        |items: &mut [BatchItem<String, String>]| {
            let v = format!("{}!", items[1].arg());
            items[1].set(v).unwrap();
            panic!("commit failed");
        },
    )
    .unwrap();
    g.start().unwrap();
    let (tx, rx) = mpsc::channel();
    for s in ["a", "b", "c"] {
        let tx = tx.clone();
        g.submit_with(s.to_string(), move |r| tx.send((s, r)).unwrap())
            .unwrap();
    }
    let mut got: Vec<_> = (0..3)
        .map(|_| rx.recv_timeout(Duration::from_secs(10)).unwrap())
        .collect();
    got.sort_by_key(|(s, _)| *s);
    let failed = Err(Error::Panicked("panicked: commit failed".into()));
    assert_eq!(
        got,
        vec![
            ("a", failed.clone()),
            ("b", Ok("b!".to_string())),
            ("c", failed)
        ]
    );
    let s = g.stats();
    assert_eq!((s.completed, s.failed), (1, 2));
    drop(g);
    settle_jobs();
}

// Counts drops, to show a result set on a cancelled item is dropped once.
#[derive(Default, Debug)]
struct Tracked(Option<Arc<AtomicUsize>>);

impl Drop for Tracked {
    fn drop(&mut self) {
        if let Some(c) = &self.0 {
            c.fetch_add(1, Ordering::SeqCst);
        }
    }
}

#[test]
fn cancelled_items_before_and_during_the_call() {
    let _s = SERIAL.lock().unwrap();
    let dropped = Arc::new(AtomicUsize::new(0));
    let (inside_tx, inside_rx) = mpsc::channel::<Vec<u32>>();
    let (resume_tx, resume_rx) = mpsc::channel::<()>();
    let (inside_tx, resume_rx) = (Mutex::new(inside_tx), Mutex::new(resume_rx));
    let late = Arc::new(Mutex::new(None));
    let (late2, dropped2) = (late.clone(), dropped.clone());
    let g = BatchGrinder::new(
        &conf(&[("batch_size_threshold", "100"), ("max_wait_seconds", "600")]),
        move |items: &mut [BatchItem<u32, Tracked>]| {
            inside_tx
                .lock()
                .unwrap()
                .send(items.iter().map(|i| *i.arg()).collect())
                .unwrap();
            resume_rx.lock().unwrap().recv().unwrap(); // the test cancels the last item meanwhile
            let last = items.len() - 1;
            *late2.lock().unwrap() = Some(items[last].set(Tracked(Some(dropped2.clone()))));
        },
    )
    .unwrap();
    g.start().unwrap();
    let hs: Vec<_> = (0..4).map(|i| g.submit(i).unwrap()).collect();
    assert!(hs[1].cancel()); // before the call: left out of the batch
    let g = Arc::new(g);
    let g2 = g.clone();
    let stopper = thread::spawn(move || g2.stop(false)); // drains: the batch runs now
    assert_eq!(
        inside_rx.recv_timeout(Duration::from_secs(10)).unwrap(),
        vec![0, 2, 3]
    );
    assert!(hs[3].cancel());
    resume_tx.send(()).unwrap();
    stopper.join().unwrap().unwrap();
    assert_eq!(*late.lock().unwrap(), Some(Err(Error::Canceled)));
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        1,
        "the result of a cancelled item is dropped once"
    );
    let got: Vec<_> = hs.into_iter().map(|h| h.wait().map(|_| ())).collect();
    assert_eq!(
        got,
        vec![Ok(()), Err(Error::Canceled), Ok(()), Err(Error::Canceled)]
    );
    drop(g);
    settle_jobs();
}

#[test]
fn order_per_thread_and_use_after_close() {
    let _s = SERIAL.lock().unwrap();
    let out_of_order = Arc::new(AtomicUsize::new(0));
    let calls = Arc::new(AtomicUsize::new(0));
    let (o, c) = (out_of_order.clone(), calls.clone());
    let g = Arc::new(
        BatchGrinder::new(
            &conf(&[
                ("batch_size_threshold", "16"),
                ("max_wait_seconds", "0.002"),
            ]),
            move |items: &mut [BatchItem<(usize, usize), usize>]| {
                c.fetch_add(1, Ordering::SeqCst);
                let mut last = std::collections::HashMap::new();
                for item in items.iter_mut() {
                    let (p, seq) = *item.arg();
                    if let Some(prev) = last.insert(p, seq) {
                        if prev >= seq {
                            o.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    item.set(p * 1000 + seq).unwrap();
                }
            },
        )
        .unwrap(),
    );
    g.start().unwrap();
    let threads: Vec<_> = (0..6)
        .map(|p| {
            let g = g.clone();
            thread::spawn(move || {
                let hs: Vec<_> = (0..100).map(|i| g.submit((p, i)).unwrap()).collect();
                for (i, h) in hs.into_iter().enumerate() {
                    assert_eq!(h.wait().unwrap(), p * 1000 + i);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let s = g.stats();
    assert_eq!(s.completed, 600);
    assert_eq!(s.batches as usize, calls.load(Ordering::SeqCst));
    assert_eq!(
        out_of_order.load(Ordering::SeqCst),
        0,
        "one thread's items keep its order"
    );
    g.close().unwrap();
    assert_eq!(g.submit((0, 0)).err(), Some(Error::Closed));
    assert_eq!(g.submit_with((0, 0), |_| ()).err(), Some(Error::Closed));
    drop(g);
    settle_jobs();
}

#[test]
fn worker_hooks_run_once_per_thread_on_that_thread() {
    let _s = SERIAL.lock().unwrap();
    let started = Arc::new(Mutex::new(Vec::new()));
    let stopped = Arc::new(Mutex::new(Vec::new()));
    let (s1, s2) = (started.clone(), stopped.clone());
    let mut c = conf(&[
        ("batch_size_threshold", "1"),
        ("max_wait_seconds", "600"),
        ("workers_per_pool", "3"),
    ]);
    c.worker_hooks(
        move || s1.lock().unwrap().push(thread::current().id()),
        move || s2.lock().unwrap().push(thread::current().id()),
    );
    let g = Grinder::new(&c).unwrap();
    drop(c); // the grinder keeps the hooks
    g.start().unwrap();
    let mut workers = Vec::new();
    for _ in 0..20 {
        workers.push(g.submit(|| thread::current().id()).unwrap().wait().unwrap());
    }
    // Dropping drains and stops the private manager's workers.
    drop(g);
    // A worker that drops its executor's last reference exits detached, so
    // its on_stop may trail the drop by a moment: bounded wait, exact check.
    let t0 = Instant::now();
    while stopped.lock().unwrap().len() < 3 && t0.elapsed() < Duration::from_secs(10) {
        thread::sleep(Duration::from_millis(5));
    }
    let mut started = started.lock().unwrap().clone();
    let mut stopped = stopped.lock().unwrap().clone();
    assert_eq!(started.len(), 3);
    for w in workers {
        assert!(
            started.contains(&w),
            "every job ran on a thread that ran on_start"
        );
    }
    started.sort_by_key(|t| format!("{:?}", t));
    stopped.sort_by_key(|t| format!("{:?}", t));
    assert_eq!(
        started, stopped,
        "on_stop once on each thread that ran on_start"
    );
    settle_jobs();
}
