// The Rust binding against what a Rust user writes instead, in one process:
// a std::sync::mpsc worker pool (threads sharing a Mutex<Receiver> of boxed
// jobs, each job answering on a channel it carries). Tiny jobs (x + 1) from
// CALLERS threads, through `submit` (handles), `submit_with` (callbacks) and
// a `BatchGrinder`'s handler.
//
// Each scenario runs ours and its baseline alternately for R rounds (the
// machine's noise then hits both alike) and prints the median items/s of
// each and the median of the per-round ratios ours/baseline (min..max).
// Every result is checked; a wrong or missing one ends the program (status 1).
//
//     cargo run --release --example bench             # R = 5
//     cargo run --release --example bench -- --short  # R = 1, few items
//     cargo run --release --example bench -- --run NAME  # only the scenarios whose name contains NAME
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Instant;
use workgrinder::{BatchGrinder, BatchItem, Conf, Grinder};

const CALLERS: usize = 8;

type PoolJob = (Box<dyn FnOnce() -> u64 + Send>, Sender<u64>);

/// The Rust user's pool: `workers` threads taking boxed jobs from one channel.
/// Each caller thread sends through its own clone of `jobs` (a Sender is not
/// Sync before Rust 1.72).
struct MpscPool {
    jobs: Option<Mutex<Sender<PoolJob>>>,
    workers: Vec<thread::JoinHandle<()>>,
}

impl MpscPool {
    fn new(workers: usize) -> MpscPool {
        let (tx, rx) = channel::<PoolJob>();
        let rx = Arc::new(Mutex::new(rx));
        let workers = (0..workers)
            .map(|_| {
                let rx = Arc::clone(&rx);
                thread::spawn(move || loop {
                    let next = rx.lock().unwrap().recv();
                    match next {
                        Ok((job, reply)) => {
                            let _ = reply.send(job());
                        }
                        Err(_) => return, // the pool was dropped
                    }
                })
            })
            .collect();
        MpscPool {
            jobs: Some(Mutex::new(tx)),
            workers,
        }
    }

    fn sender(&self) -> Sender<PoolJob> {
        self.jobs.as_ref().unwrap().lock().unwrap().clone()
    }
}

fn send(jobs: &Sender<PoolJob>, x: u64, reply: &Sender<u64>) {
    let job: Box<dyn FnOnce() -> u64 + Send> = Box::new(move || x + 1);
    jobs.send((job, reply.clone())).unwrap();
}

impl Drop for MpscPool {
    fn drop(&mut self) {
        self.jobs = None;
        for w in self.workers.drain(..) {
            w.join().unwrap();
        }
    }
}

fn fail(what: String) -> ! {
    eprintln!("bench: {}", what);
    std::process::exit(1)
}

fn check(got: u64, want: u64) {
    if got != want {
        fail(format!("wrong result {}, want {}", got, want));
    }
}

fn ok<T, E: std::fmt::Debug>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| fail(format!("{:?}", e)))
}

/// Runs body(caller) on CALLERS threads and waits for them.
fn fan_out<F: Fn(usize) + Sync>(body: F) {
    thread::scope(|s| {
        for c in 0..CALLERS {
            let body = &body;
            s.spawn(move || body(c));
        }
    });
}

fn conf(kv: &[(&str, String)]) -> (Conf, String) {
    let mut c = Conf::new();
    let mut desc = Vec::new();
    for (k, v) in kv {
        ok(c.set(k, v));
        desc.push(format!("{}={}", k, v));
    }
    (c, desc.join(" "))
}

/// Wait each: every caller sends one job and waits for its reply.
fn pool_wait_each(pool: &MpscPool, per_caller: u64) {
    fan_out(|_| {
        let (jobs, (tx, rx)) = (pool.sender(), channel());
        for i in 0..per_caller {
            send(&jobs, i, &tx);
            check(rx.recv().unwrap(), i + 1);
        }
    });
}

/// Send all, then receive all (in any order: checked by their sum).
fn pool_send_all(pool: &MpscPool, per_caller: u64) {
    fan_out(|_| {
        let (jobs, (tx, rx)) = (pool.sender(), channel());
        for i in 0..per_caller {
            send(&jobs, i, &tx);
        }
        check(sum_of(&rx, per_caller), per_caller * (per_caller + 1) / 2);
    });
}

fn sum_of(rx: &Receiver<u64>, n: u64) -> u64 {
    (0..n).map(|_| rx.recv().unwrap()).sum()
}

struct Scenario<'a> {
    name: &'static str,
    baseline: &'static str,
    conf: String,
    ours: Box<dyn Fn() + 'a>,
    base: Box<dyn Fn() + 'a>,
}

fn rate(total: u64, f: &dyn Fn()) -> f64 {
    let start = Instant::now();
    f();
    total as f64 / start.elapsed().as_secs_f64()
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let short = args.iter().any(|a| a == "--short");
    let only = match args.iter().position(|a| a == "--run") {
        Some(i) => args
            .get(i + 1)
            .cloned()
            .unwrap_or_else(|| fail("--run needs a NAME".into())),
        None => String::new(),
    };
    let (rounds, n) = if short { (1, 20_000) } else { (5, 400_000) };
    let per_caller = (n / CALLERS) as u64;
    let total = per_caller * CALLERS as u64;
    let workers = thread::available_parallelism().map_or(2, |n| n.get());
    let w = workers.to_string();
    // One worker per pool, one pool per batch in flight: `workers` threads,
    // as many as the baseline's. Callers that wait for each item use
    // batch_size_threshold 1 (the README's advice); callers that queue many, 64.
    let shape = |threshold: &str| {
        vec![
            ("workers_per_pool", "1".to_string()),
            ("min_pools", w.clone()),
            ("max_pools", w.clone()),
            ("max_inflight_batches", w.clone()),
            ("batch_size_threshold", threshold.to_string()),
            ("max_wait_seconds", "0.0005".to_string()),
        ]
    };
    let (cw, desc_w) = conf(&shape("1"));
    let (cq, desc_q) = conf(&shape("64"));
    let g = ok(Grinder::new(&cw));
    let gq = ok(Grinder::new(&cq));
    let handler = |items: &mut [BatchItem<u64, u64>]| {
        for item in items.iter_mut() {
            let v = *item.arg() + 1;
            let _ = item.set(v);
        }
    };
    let bw = ok(BatchGrinder::new(&cw, handler));
    let bq = ok(BatchGrinder::new(&cq, handler));
    for r in [g.start(), gq.start(), bw.start(), bq.start()] {
        ok(r);
    }
    let pool = MpscPool::new(workers);
    let (g, gq, bw, bq, pool) = (&g, &gq, &bw, &bq, &pool);

    let mut scenarios = vec![
        Scenario {
            name: "submit + wait each, 8 threads",
            baseline: "mpsc pool, wait each",
            conf: desc_w.clone(),
            ours: Box::new(move || {
                fan_out(|_| {
                    for i in 0..per_caller {
                        check(ok(ok(g.submit(move || i + 1)).wait()), i + 1);
                    }
                })
            }),
            base: Box::new(move || pool_wait_each(pool, per_caller)),
        },
        Scenario {
            name: "submit all, then wait all",
            baseline: "mpsc pool, send all",
            conf: desc_q.clone(),
            ours: Box::new(move || {
                fan_out(|_| {
                    let hs: Vec<_> = (0..per_caller)
                        .map(|i| ok(gq.submit(move || i + 1)))
                        .collect();
                    for (i, h) in hs.into_iter().enumerate() {
                        check(ok(h.wait()), i as u64 + 1);
                    }
                })
            }),
            base: Box::new(move || pool_send_all(pool, per_caller)),
        },
        Scenario {
            name: "submit_with all, then receive all",
            baseline: "mpsc pool, send all",
            conf: desc_q.clone(),
            ours: Box::new(move || {
                fan_out(|_| {
                    let (tx, rx) = channel();
                    for i in 0..per_caller {
                        let tx = tx.clone();
                        ok(gq.submit_with(move || i + 1, move |r| tx.send(ok(r)).unwrap()));
                    }
                    check(sum_of(&rx, per_caller), per_caller * (per_caller + 1) / 2);
                })
            }),
            base: Box::new(move || pool_send_all(pool, per_caller)),
        },
        Scenario {
            name: "BatchGrinder submit + wait each",
            baseline: "mpsc pool, wait each",
            conf: desc_w,
            ours: Box::new(move || {
                fan_out(|_| {
                    for i in 0..per_caller {
                        check(ok(ok(bw.submit(i)).wait()), i + 1);
                    }
                })
            }),
            base: Box::new(move || pool_wait_each(pool, per_caller)),
        },
        Scenario {
            name: "BatchGrinder submit all, wait all",
            baseline: "mpsc pool, send all",
            conf: desc_q,
            ours: Box::new(move || {
                fan_out(|_| {
                    let hs: Vec<_> = (0..per_caller).map(|i| ok(bq.submit(i))).collect();
                    for (i, h) in hs.into_iter().enumerate() {
                        check(ok(h.wait()), i as u64 + 1);
                    }
                })
            }),
            base: Box::new(move || pool_send_all(pool, per_caller)),
        },
    ];

    scenarios.retain(|sc| sc.name.contains(&only));
    println!(
        "Rust binding vs a std::sync::mpsc pool of {} threads; tiny jobs from {} threads, {} round(s), ratio = ours/baseline items/s",
        workers, CALLERS, rounds
    );
    println!(
        "{:<36} {:<22} {:>12} {:>12}  ratio median (min..max)",
        "scenario", "baseline", "ours/s", "baseline/s"
    );
    for sc in &scenarios {
        let (mut ours, mut base, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            let o = rate(total, &*sc.ours);
            let b = rate(total, &*sc.base);
            ours.push(o);
            base.push(b);
            ratios.push(o / b);
        }
        let lo = ratios.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = ratios.iter().cloned().fold(0.0, f64::max);
        println!(
            "{:<36} {:<22} {:>12.0} {:>12.0}  {:.2}x ({:.2}..{:.2})",
            sc.name,
            sc.baseline,
            median(&ours),
            median(&base),
            median(&ratios),
            lo,
            hi
        );
    }
    println!("configurations:");
    for sc in &scenarios {
        println!("  {:<34} ours: {}", sc.name, sc.conf);
    }
    for r in [g.close(), gq.close(), bw.close(), bq.close()] {
        ok(r);
    }
}
