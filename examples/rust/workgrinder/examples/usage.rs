// The three usage styles: wait for a handle, await it as a future, or get a
// callback on the loop thread.
use std::sync::mpsc;
use workgrinder::{Conf, Grinder};

fn main() -> Result<(), workgrinder::Error> {
    let mut conf = Conf::new();
    conf.set("batch_size_threshold", "8")?
        .set("max_wait_seconds", "0.005")?;
    let g = Grinder::new(&conf)?;
    g.start()?;

    // 1. Submit and wait.
    let h = g.submit(|| (1..=10).sum::<u32>())?;
    println!("sum = {}", h.wait()?);

    // 2. A handle is a std::future::Future; here driven by a tiny executor.
    let h = g.submit(|| "async".to_string())?;
    println!("awaited = {}", block_on(h)?);

    // 3. A callback with the result, on the grinder's loop thread.
    let (tx, rx) = mpsc::channel();
    g.submit_with(|| 6 * 7, move |r| tx.send(r).unwrap())?;
    println!("callback = {}", rx.recv().unwrap()?);

    // A panic reaches only its caller (silence the default hook's report).
    std::panic::set_hook(Box::new(|_| {}));
    let err = g.submit(|| -> u32 { panic!("oops") })?.wait().unwrap_err();
    println!("panic = {}", err);
    g.stop(false)
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::sync::{Arc, Condvar, Mutex};
    use std::task::{Context, Poll, Wake, Waker};
    struct Signal(Mutex<bool>, Condvar);
    impl Wake for Signal {
        fn wake(self: Arc<Self>) {
            *self.0.lock().unwrap() = true;
            self.1.notify_one();
        }
    }
    let signal = Arc::new(Signal(Mutex::new(false), Condvar::new()));
    let waker = Waker::from(signal.clone());
    let mut cx = Context::from_waker(&waker);
    let mut f = Box::pin(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        let mut woken = signal.0.lock().unwrap();
        while !*woken {
            woken = signal.1.wait(woken).unwrap();
        }
        *woken = false;
    }
}
