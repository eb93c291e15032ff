// Flow control against the real library: waiting for room under
// max_pending, item deadlines, stop_timeout, and the stats that count them.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use workgrinder::{BatchGrinder, BatchItem, Conf, Error, Grinder, SubmitOptions};

mod common;
use common::*;

// Tests share the job counter: run them one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

const ONE_SLOT: &[(&str, &str)] = &[
    ("batch_size_threshold", "1"),
    ("max_wait_seconds", "600"),
    ("max_inflight_batches", "1"),
    ("max_batch_size", "1"),
];

// One item at a time: with one item blocked in its work, the next one stays pending.
fn one_slot(extra: &[(&str, &str)]) -> Grinder {
    let kv: Vec<(&str, &str)> = ONE_SLOT.iter().chain(extra).cloned().collect();
    grinder(&kv)
}

/// Blocks work until opened; says when work is inside.
#[derive(Default)]
struct Gate {
    state: Mutex<(bool, bool)>, // (entered, open)
    changed: Condvar,
}

impl Gate {
    fn work(&self) {
        let mut s = self.state.lock().unwrap();
        s.0 = true;
        self.changed.notify_all();
        drop(self.changed.wait_while(s, |s| !s.1).unwrap());
    }
    fn wait_entered(&self) {
        let s = self.state.lock().unwrap();
        drop(self.changed.wait_while(s, |s| !s.0).unwrap());
    }
    fn open(&self) {
        self.state.lock().unwrap().1 = true;
        self.changed.notify_all();
    }
}

// Fills a one-slot grinder with max_pending 1: one item blocked on the gate,
// one pending (its handle returned).
fn fill(g: &Grinder, gate: &Arc<Gate>) -> (workgrinder::Handle<()>, workgrinder::Handle<i32>) {
    let gt = gate.clone();
    let blocked = g.submit(move || gt.work()).unwrap();
    gate.wait_entered();
    let pending = g.submit(|| 100).unwrap();
    assert_eq!(g.submit(|| 0).err(), Some(Error::Full));
    (blocked, pending)
}

// Until n submissions wait for room (counted as each wait begins).
fn wait_for_admission_waits(g: &Grinder, n: u64) {
    let t0 = Instant::now();
    while g.stats().admission_waits < n {
        assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", g.stats());
        thread::sleep(Duration::from_millis(1));
    }
}

fn counter() -> (
    Arc<AtomicUsize>,
    impl Fn() -> Box<dyn FnOnce() -> usize + Send>,
) {
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    (ran, move || {
        let r = r.clone();
        Box::new(move || r.fetch_add(1, Ordering::SeqCst))
    })
}

#[test]
fn a_deadline_ends_an_item_behind_a_blocked_one_without_running() {
    let _s = SERIAL.lock().unwrap();
    let g = one_slot(&[]);
    let gate = Arc::new(Gate::default());
    let gt = gate.clone();
    let blocked = g.submit(move || gt.work()).unwrap();
    gate.wait_entered();
    let (ran, count) = counter();
    let opts = SubmitOptions::new().deadline(Duration::from_millis(50));
    let late = g.submit_opts(&opts, count()).unwrap();
    let (tx, rx) = mpsc::channel();
    g.submit_with_opts(&opts, count(), move |r| tx.send(r).unwrap())
        .unwrap();
    assert_eq!(late.wait(), Err(Error::TimedOut)); // while the first item still blocks
    assert_eq!(rx.recv().unwrap(), Err(Error::TimedOut));
    let s = g.stats();
    assert_eq!(
        (
            s.expired,
            s.failed,
            s.pending,
            s.inflight_items,
            s.completed
        ),
        (2, 2, 0, 1, 0)
    );
    gate.open();
    assert_eq!(blocked.wait(), Ok(()));
    g.close().unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 0, "an expired item never runs");
    drop(g);
    settle_jobs();
}

#[test]
fn a_zero_deadline_still_gives_an_outcome() {
    let _s = SERIAL.lock().unwrap();
    let g = one_slot(&[]);
    let (ran, count) = counter();
    let opts = SubmitOptions::new().deadline(Duration::ZERO);
    assert_eq!(
        g.submit_opts(&opts, count()).unwrap().wait(),
        Err(Error::TimedOut)
    );
    let s = g.stats();
    assert_eq!((s.expired, s.submitted), (1, 1));
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    drop(g);
    settle_jobs();
}

#[test]
fn a_waiting_submission_is_admitted_once_room_appears() {
    let _s = SERIAL.lock().unwrap();
    let g = Arc::new(one_slot(&[("max_pending", "1")]));
    let gate = Arc::new(Gate::default());
    let (blocked, pending) = fill(&g, &gate);
    let waiter = {
        let g = g.clone();
        thread::spawn(move || {
            g.submit_opts(&SubmitOptions::new().admit_forever(), || 7)
                .and_then(|h| h.wait())
        })
    };
    wait_for_admission_waits(&g, 1);
    let s = g.stats();
    assert_eq!((s.pending, s.submitted), (1, 2), "admitted without room");
    gate.open();
    assert_eq!(waiter.join().unwrap(), Ok(7));
    assert_eq!((blocked.wait(), pending.wait()), (Ok(()), Ok(100)));
    assert_eq!(g.stop_timeout(Duration::from_secs(60)), Ok(true));
    let s = g.stats();
    assert_eq!(
        (s.admission_waits, s.submitted, s.completed, s.rejected),
        (1, 3, 3, 1)
    );
    drop(g);
    settle_jobs();
}

#[test]
fn an_admission_timeout_gives_full() {
    let _s = SERIAL.lock().unwrap();
    let g = one_slot(&[("max_pending", "1")]);
    let gate = Arc::new(Gate::default());
    let (blocked, pending) = fill(&g, &gate);
    let wait = SubmitOptions::new().admit_timeout(Duration::from_millis(50));
    assert_eq!(g.submit_opts(&wait, || 1).err(), Some(Error::Full));
    let called = Arc::new(AtomicUsize::new(0));
    let c = called.clone();
    let r = g.submit_with_opts(
        &wait,
        || 1,
        move |_| {
            c.fetch_add(1, Ordering::SeqCst);
        },
    );
    assert_eq!(r, Err(Error::Full));
    // The deadline bounds even a wait without limit.
    let bounded = SubmitOptions::new()
        .admit_forever()
        .deadline(Duration::from_millis(50));
    assert_eq!(g.submit_opts(&bounded, || 1).err(), Some(Error::Full));
    let no_wait = SubmitOptions::new().admit_timeout(Duration::ZERO);
    assert_eq!(g.submit_opts(&no_wait, || 1).err(), Some(Error::Full));
    let s = g.stats();
    assert_eq!((s.admission_waits, s.rejected, s.submitted), (3, 5, 2));
    gate.open();
    assert_eq!((blocked.wait(), pending.wait()), (Ok(()), Ok(100)));
    drop(g);
    assert_eq!(
        called.load(Ordering::SeqCst),
        0,
        "a refused callback is never called"
    );
    settle_jobs();
}

#[test]
fn close_ends_an_admission_wait() {
    let _s = SERIAL.lock().unwrap();
    let g = Arc::new(one_slot(&[("max_pending", "1")]));
    let gate = Arc::new(Gate::default());
    let (blocked, pending) = fill(&g, &gate);
    let waiter = {
        let g = g.clone();
        thread::spawn(move || {
            g.submit_opts(&SubmitOptions::new().admit_forever(), || 1)
                .err()
        })
    };
    wait_for_admission_waits(&g, 1);
    let closer = {
        let g = g.clone();
        thread::spawn(move || g.close())
    };
    assert_eq!(waiter.join().unwrap(), Some(Error::Closed));
    gate.open(); // the drain can finish
    assert_eq!(closer.join().unwrap(), Ok(()));
    assert_eq!((blocked.wait(), pending.wait()), (Ok(()), Ok(100)));
    drop(g);
    settle_jobs();
}

#[test]
fn stop_timeout_drains_in_time() {
    let _s = SERIAL.lock().unwrap();
    let mut conf = Conf::new();
    conf.set("batch_size_threshold", "1000")
        .unwrap()
        .set("max_wait_seconds", "600")
        .unwrap();
    let g = Grinder::new(&conf).unwrap();
    g.start().unwrap();
    let hs: Vec<_> = (0..20).map(|i| g.submit(move || i).unwrap()).collect();
    assert_eq!(g.stop_timeout(Duration::from_secs(60)), Ok(true));
    assert_eq!(hs.into_iter().map(|h| h.wait().unwrap()).sum::<i32>(), 190);
    let s = g.stats();
    assert_eq!((s.started, s.completed, s.cancelled), (0, 20, 0));
    assert_eq!(g.stop_timeout(Duration::from_secs(1)), Ok(true)); // already stopped
    g.close().unwrap();
    assert_eq!(g.stop_timeout(Duration::from_secs(1)), Err(Error::Closed));
    drop(g);
    settle_jobs();
}

#[test]
fn stop_timeout_cancels_what_did_not_drain() {
    let _s = SERIAL.lock().unwrap();
    let g = one_slot(&[]);
    let gate = Arc::new(Gate::default());
    let gt = gate.clone();
    let blocked = g.submit(move || gt.work()).unwrap();
    gate.wait_entered();
    let (ran, count) = counter();
    let pending = g.submit(count()).unwrap();
    assert_eq!(g.stop_timeout(Duration::from_millis(50)), Ok(false));
    assert_eq!(blocked.wait(), Err(Error::Canceled));
    assert_eq!(pending.wait(), Err(Error::Canceled));
    let s = g.stats();
    assert_eq!((s.started, s.cancelled, s.completed), (0, 2, 0));
    gate.open(); // the cancelled work returns; its result is dropped
    g.start().unwrap();
    assert_eq!(g.submit(|| 5).unwrap().wait(), Ok(5));
    drop(g);
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    settle_jobs();
}

#[test]
fn waits_on_the_loop_thread_give_wrong_thread() {
    let _s = SERIAL.lock().unwrap();
    let g = Arc::new(one_slot(&[]));
    let (tx, rx) = mpsc::channel();
    let g2 = g.clone();
    g.submit_with(
        || (),
        move |_| {
            let wait = SubmitOptions::new().admit_timeout(Duration::from_secs(1));
            let deadline_only = SubmitOptions::new().deadline(Duration::from_secs(60));
            tx.send((
                g2.stop_timeout(Duration::from_secs(1)),
                g2.submit_opts(&wait, || 1).err(),
                g2.submit_opts(&deadline_only, || 2), // no wait: allowed
            ))
            .unwrap();
        },
    )
    .unwrap();
    let (stop, admit, plain) = rx.recv().unwrap();
    assert_eq!(stop, Err(Error::WrongThread));
    assert_eq!(admit, Some(Error::WrongThread));
    assert_eq!(plain.unwrap().wait(), Ok(2)); // waited for here, not on the loop thread
    assert_eq!(g.stop_timeout(Duration::from_secs(60)), Ok(true));
    let s = g.stats();
    assert_eq!(
        (s.submitted, s.completed, s.rejected, s.admission_waits),
        (2, 2, 1, 0)
    );
    drop(g);
    settle_jobs();
}

#[test]
fn batch_items_past_their_deadline_are_left_out() {
    let _s = SERIAL.lock().unwrap();
    let gate = Arc::new(Gate::default());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (gt, sn) = (gate.clone(), seen.clone());
    let g = BatchGrinder::new(&conf(&[]), move |items: &mut [BatchItem<i32, i32>]| {
        for item in items.iter_mut() {
            let arg = *item.arg();
            sn.lock().unwrap().push(arg);
            if arg == 0 {
                gt.work();
            }
            let _ = item.set(arg * 10);
        }
    })
    .unwrap();
    g.start().unwrap();
    let blocked = g.submit(0).unwrap();
    gate.wait_entered();
    let late = SubmitOptions::new().deadline(Duration::from_millis(50));
    assert_eq!(
        g.submit_opts(&late, 1).unwrap().wait(),
        Err(Error::TimedOut)
    );
    gate.open();
    assert_eq!(blocked.wait(), Ok(0));
    let roomy = SubmitOptions::new()
        .admit_timeout(Duration::from_secs(1))
        .deadline(Duration::from_secs(60));
    assert_eq!(g.submit_opts(&roomy, 3).unwrap().wait(), Ok(30));
    assert_eq!(g.stats().expired, 1);
    drop(g);
    assert_eq!(*seen.lock().unwrap(), vec![0, 3]);
    settle_jobs();
}
