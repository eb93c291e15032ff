//! A value that C calls back into (a batch handler, worker hooks) and that
//! may be in use when its grinder is dropped: a worker left inside a batch
//! call by a cancelling stop, or a worker whose `on_stop` has yet to run.
//! C holds it as a raw pointer; it is freed by whoever is last of the
//! grinder's drop ([`Owned::close`]) and the callbacks inside it
//! ([`Owned::leave`]).
//!
//! Thread rules: `state` guards the count and the closed flag; `value` is
//! only read.
use std::sync::Mutex;

pub(crate) struct Owned<T> {
    value: T,
    state: Mutex<State>,
}

struct State {
    inside: usize,
    closed: bool,
}

impl<T> Owned<T> {
    pub(crate) fn hand_to_c(value: T) -> *const Owned<T> {
        Box::into_raw(Box::new(Owned {
            value,
            state: Mutex::new(State {
                inside: 0,
                closed: false,
            }),
        }))
    }

    /// A callback starts using the value (a batch call, or a worker's life
    /// from `on_start` to `on_stop`).
    ///
    /// # Safety
    /// `p` came from `hand_to_c`, is not freed, and the call pairs with `leave`.
    pub(crate) unsafe fn enter<'a>(p: *const Owned<T>) -> &'a T {
        let o = &*p;
        o.state.lock().unwrap_or_else(|e| e.into_inner()).inside += 1;
        &o.value
    }

    /// # Safety
    /// After `enter` on `p`; the value is not used afterwards.
    pub(crate) unsafe fn leave(p: *const Owned<T>) {
        let last = {
            let mut s = (*p).state.lock().unwrap_or_else(|e| e.into_inner());
            s.inside -= 1;
            s.closed && s.inside == 0
        };
        if last {
            drop(Box::from_raw(p as *mut Owned<T>));
        }
    }

    /// The grinder is destroyed: no callback enters any more.
    ///
    /// # Safety
    /// Once per `p`, after which the caller does not use it.
    pub(crate) unsafe fn close(p: *const Owned<T>) {
        let last = {
            let mut s = (*p).state.lock().unwrap_or_else(|e| e.into_inner());
            s.closed = true;
            s.inside == 0
        };
        if last {
            drop(Box::from_raw(p as *mut Owned<T>));
        }
    }

    /// # Safety
    /// Between `enter` and `leave` on `p`.
    pub(crate) unsafe fn value<'a>(p: *const Owned<T>) -> &'a T {
        &(*p).value
    }
}
