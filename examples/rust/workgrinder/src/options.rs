//! Flow control per submission: waiting for room under `max_pending`, and an
//! item deadline.
use std::time::Duration;

use workgrinder_sys as ffi;

/// How long a submission waits for room when `max_pending` items are pending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Admit {
    NoWait,
    Wait(Duration),
    Forever,
}

/// One submission's flow control, built in steps; the default is what
/// [`Grinder::submit`](crate::Grinder::submit) does: [`Error::Full`](crate::Error::Full)
/// at once when `max_pending` items are pending, no deadline.
///
/// Waiting for room blocks the calling thread inside the library. Waiters
/// are admitted in FIFO order; a stop ends the wait with
/// [`Error::Stopping`](crate::Error::Stopping) ([`Error::Closed`](crate::Error::Closed)
/// when it is [`Grinder::close`](crate::Grinder::close)). On the grinder's
/// loop thread (a `submit_with` callback) a wait gives
/// [`Error::WrongThread`](crate::Error::WrongThread).
///
/// ```
/// use std::time::Duration;
/// use workgrinder::SubmitOptions;
/// let mut conf = workgrinder::Conf::new();
/// conf.set("max_pending", "1000")?.set("max_wait_seconds", "0.002")?;
/// let g = workgrinder::Grinder::new(&conf)?;
/// g.start()?;
/// let opts = SubmitOptions::new()
///     .admit_timeout(Duration::from_millis(500)) // Error::Full after 0.5 s without room
///     .deadline(Duration::from_secs(2)); // not started within 2 s: Error::TimedOut, never runs
/// assert_eq!(g.submit_opts(&opts, || 6 * 7)?.wait()?, 42);
/// assert_eq!(g.stats().expired, 0);
/// # Ok::<(), workgrinder::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubmitOptions {
    admit: Admit,
    deadline: Option<Duration>,
}

impl Default for SubmitOptions {
    fn default() -> SubmitOptions {
        SubmitOptions::new()
    }
}

// A deadline of zero: the C API reads 0 as "none", and the item must still
// end with Error::TimedOut.
const PAST_DEADLINE_SECONDS: f64 = 1e-9;

impl SubmitOptions {
    /// No wait for room, no deadline.
    pub fn new() -> SubmitOptions {
        SubmitOptions {
            admit: Admit::NoWait,
            deadline: None,
        }
    }

    /// Waits up to `timeout` for room, then gives [`Error::Full`](crate::Error::Full);
    /// `Duration::ZERO` does not wait.
    pub fn admit_timeout(mut self, timeout: Duration) -> SubmitOptions {
        self.admit = if timeout.is_zero() {
            Admit::NoWait
        } else {
            Admit::Wait(timeout)
        };
        self
    }

    /// Waits for room without limit (a deadline still bounds the wait).
    pub fn admit_forever(mut self) -> SubmitOptions {
        self.admit = Admit::Forever;
        self
    }

    /// An item that has not started running `deadline` after its submission
    /// ends with [`Error::TimedOut`](crate::Error::TimedOut) without running
    /// (a closure already running is not interrupted; a batch grinder leaves
    /// it out of its batch). `Duration::ZERO` is already past: the item is
    /// submitted and ends that way. It also bounds the wait for room: room
    /// found after it would be of no use.
    pub fn deadline(mut self, deadline: Duration) -> SubmitOptions {
        self.deadline = Some(deadline);
        self
    }

    /// Writes these options into a C struct's version-2 fields.
    pub(crate) fn apply(&self, o: &mut ffi::wg_submit_opts_t) {
        let deadline = self
            .deadline
            .map(|d| d.as_secs_f64().max(PAST_DEADLINE_SECONDS));
        let mut admit = match self.admit {
            Admit::NoWait => 0.0,
            Admit::Wait(d) => d.as_secs_f64(),
            Admit::Forever => -1.0,
        };
        if let Some(d) = deadline {
            if admit < 0.0 || admit > d {
                admit = d;
            }
            o.deadline_seconds = d;
        }
        o.admit_timeout_seconds = admit;
    }
}
