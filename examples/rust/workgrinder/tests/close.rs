// Use after close, close racing submissions from many threads, and every
// status mapped to its Error variant.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier, Mutex};
use std::thread;
use workgrinder::{ffi, Error};

mod common;
use common::*;

// Tests share the job counter: run them one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

#[test]
fn use_after_close_is_error_closed() {
    let _s = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let g = grinder(&[("max_wait_seconds", "0.001")]);
    assert_eq!(g.submit(|| 5).unwrap().wait(), Ok(5));
    g.close().unwrap();
    assert_eq!(g.submit(|| 1).err(), Some(Error::Closed));
    assert_eq!(
        g.submit_with(|| 1, |_| panic!("called")),
        Err(Error::Closed)
    );
    assert_eq!(g.start(), Err(Error::Closed));
    assert_eq!(g.stop(false), Err(Error::Closed));
    assert_eq!(g.close(), Ok(()), "idempotent");
    assert_eq!(Error::Closed.to_string(), "the grinder is closed");
    assert_eq!(Error::Closed.status(), None);
    let s = g.stats();
    assert_eq!((s.submitted, s.completed), (1, 1));
    let json = g.stats_json().expect("like stats(): the final counts");
    assert!(json.contains("\"submitted\":1,") && json.contains("\"completed\":1,"));
    drop(g);
    settle_jobs();
}

#[test]
fn close_races_submissions() {
    let _s = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let g = Arc::new(grinder(&[
        ("batch_size_threshold", "8"),
        ("max_wait_seconds", "0.001"),
    ]));
    let started = Arc::new(Barrier::new(9));
    let callbacks = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..8u64)
        .map(|t| {
            let (g, started, callbacks) = (g.clone(), started.clone(), callbacks.clone());
            thread::spawn(move || {
                let mut accepted_callbacks = 0;
                for i in 0u64.. {
                    if i == 10 {
                        started.wait();
                    }
                    let want = t * 1_000_000 + i;
                    let r = if i % 2 == 0 {
                        g.submit(move || want)
                            .map(|h| assert_eq!(h.wait(), Ok(want)))
                    } else {
                        let c = callbacks.clone();
                        g.submit_with(
                            move || want,
                            move |r| {
                                assert_eq!(r, Ok(want));
                                c.fetch_add(1, Ordering::SeqCst);
                            },
                        )
                        .map(|()| accepted_callbacks += 1)
                    };
                    match r {
                        Ok(()) => {}
                        Err(Error::Closed) => return (i, accepted_callbacks),
                        Err(e) => panic!("submission failed with {}", e),
                    }
                }
                unreachable!()
            })
        })
        .collect();
    started.wait();
    g.close().unwrap();
    let mut accepted = 0;
    for t in threads {
        let (n, c) = t.join().unwrap();
        assert!(n >= 10);
        accepted += c;
    }
    assert_eq!(
        callbacks.load(Ordering::SeqCst),
        accepted,
        "every accepted callback ran"
    );
    drop(g);
    settle_jobs();
}

#[test]
fn every_status_maps_to_its_variant() {
    let _s = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let table = [
        (ffi::WG_EINVAL, "WG_EINVAL"),
        (ffi::WG_ENOTSTARTED, "WG_ENOTSTARTED"),
        (ffi::WG_ESTOPPING, "WG_ESTOPPING"),
        (ffi::WG_EWRONGTHREAD, "WG_EWRONGTHREAD"),
        (ffi::WG_ECANCELED, "WG_ECANCELED"),
        (ffi::WG_ETIMEDOUT, "WG_ETIMEDOUT"),
        (ffi::WG_EFULL, "WG_EFULL"),
        (ffi::WG_ENOMEM, "WG_ENOMEM"),
        (ffi::WG_EWORK, "WG_EWORK"),
        (ffi::WG_ELEASE, "WG_ELEASE"),
        (ffi::WG_EUNAVAILABLE, "WG_EUNAVAILABLE"),
        (ffi::WG_EALREADY, "WG_EALREADY"),
        (ffi::WG_ENOKEY, "WG_ENOKEY"),
    ];
    for (code, name) in table {
        let e = Error::from_status(code).unwrap();
        let expected = match code {
            ffi::WG_EINVAL => matches!(e, Error::Invalid(_)),
            ffi::WG_ENOKEY => matches!(e, Error::UnknownKey(_)),
            ffi::WG_ENOTSTARTED => e == Error::NotStarted,
            ffi::WG_ESTOPPING => e == Error::Stopping,
            ffi::WG_EWRONGTHREAD => e == Error::WrongThread,
            ffi::WG_ECANCELED => e == Error::Canceled,
            ffi::WG_ETIMEDOUT => e == Error::TimedOut,
            ffi::WG_EFULL => e == Error::Full,
            ffi::WG_ENOMEM => e == Error::NoMemory,
            ffi::WG_EWORK => matches!(e, Error::Panicked(_)),
            ffi::WG_ELEASE => e == Error::Lease,
            ffi::WG_EUNAVAILABLE => e == Error::Unavailable,
            ffi::WG_EALREADY => e == Error::Already,
            _ => false,
        };
        assert!(expected, "{} became {:?}", code, e);
        assert_eq!(e.status(), Some(code));
        assert_eq!(e.name(), name);
        assert!(e.to_string().starts_with(&format!("{}: ", name)), "{}", e);
        assert_ne!(e, Error::Closed);
    }
    assert_eq!(Error::from_status(ffi::WG_OK), None);
    assert_eq!(Error::from_status(-99), Some(Error::Other(-99)));
    assert_eq!(Error::Other(-99).status(), Some(-99));
}

#[test]
fn statuses_met_in_practice() {
    let _s = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let g = grinder(&[
        ("batch_size_threshold", "100"),
        ("max_wait_seconds", "600"),
        ("max_pending", "1"),
    ]);
    let h = g.submit(|| 1).unwrap();
    assert_eq!(g.submit(|| 2).err(), Some(Error::Full));
    g.stop(false).unwrap();
    assert_eq!(h.wait(), Ok(1));
    assert_eq!(g.submit(|| 3).err(), Some(Error::NotStarted));
    // Closing on the loop thread is refused, and the grinder stays open.
    g.start().unwrap();
    let g = Arc::new(g);
    let (tx, rx) = mpsc::channel();
    let g2 = Arc::downgrade(&g);
    g.submit_with(
        || (),
        move |_| tx.send(g2.upgrade().unwrap().close()).unwrap(),
    )
    .unwrap();
    g.stop(false).unwrap();
    assert_eq!(rx.recv().unwrap(), Err(Error::WrongThread));
    drop(g);
    settle_jobs();
}
