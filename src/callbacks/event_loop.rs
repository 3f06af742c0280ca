//! The loop: a selector of sockets with their callbacks, a timer heap of
//! callbacks, and a queue of callbacks to run soon.
//!
//! Each turn runs the callbacks queued with [`EventLoop::call_soon`], then
//! waits in the selector until a socket is ready or the next timer is due,
//! then runs the callback of every ready socket and of every timer due.
//! A callback gets the loop (`&mut EventLoop`) and may do anything with
//! it: register, modify or unregister sockets, schedule more callbacks,
//! stop the loop. It must never block: the whole loop waits while it runs.
//!
//! A panic in a callback does not end the loop: it is caught, the socket
//! whose callback panicked is unregistered (so its callback, and whatever
//! state the callback held, is dropped), and the exception handler hears
//! of it, as asyncio's `loop.set_exception_handler` does.
#![forbid(unsafe_code)]

use crate::reactor::Interest;
use crate::reactor::TimerId;
use crate::reactor::Timers;
use crate::reactor::selectors::{DefaultSelector, Key};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::os::fd::AsFd;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// What a socket's callback is called with: the loop, the socket's key,
/// and the events it is ready for (Python: `callback(key.fileobj, mask)`).
pub type IoCallback = dyn FnMut(&mut EventLoop, Key, Interest);

/// A callback for `call_soon` and the timers: called once, with the loop.
pub type Callback = Box<dyn FnOnce(&mut EventLoop)>;

/// The exception handler: told the panic's message (asyncio's context
/// dict, reduced to its `"message"`).
type ExceptionHandler = Rc<dyn Fn(&mut EventLoop, &str)>;

/// A timer callback, cancellable until it runs (asyncio's `TimerHandle`,
/// whose `cancel()` is [`EventLoop::cancel`] here: the heap is the loop's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerHandle(TimerId);

/// An event loop of callbacks; see the module docs.
pub struct EventLoop {
    /// Every socket watched, with its callback. The callback sits in an
    /// `Rc<RefCell<..>>` so the loop can call it while the callback holds
    /// `&mut EventLoop` (and may replace itself with [`set_callback`]).
    ///
    /// [`set_callback`]: EventLoop::set_callback
    selector: DefaultSelector<Rc<RefCell<IoCallback>>>,
    timers: Timers<Callback>,
    soon: VecDeque<Callback>,
    stopping: bool,
    running: bool,
    on_panic: Option<ExceptionHandler>,
    panics: u64,
}

impl fmt::Debug for EventLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventLoop")
            .field("sockets", &self.selector.len())
            .field("timers", &self.timers.len())
            .field("soon", &self.soon.len())
            .field("stopping", &self.stopping)
            .finish_non_exhaustive()
    }
}

impl EventLoop {
    /// A loop with nothing to do, on the default poller (epoll).
    pub fn new() -> io::Result<EventLoop> {
        Ok(EventLoop {
            selector: DefaultSelector::new()?,
            timers: Timers::new(),
            soon: VecDeque::new(),
            stopping: false,
            running: false,
            on_panic: None,
            panics: 0,
        })
    }

    /// The loop's clock (Python's `loop.time()`).
    pub fn time(&self) -> Instant {
        Instant::now()
    }

    /// Runs `callback` on the next turn, after what is already queued.
    pub fn call_soon(&mut self, callback: impl FnOnce(&mut EventLoop) + 'static) {
        self.soon.push_back(Box::new(callback));
    }

    /// Runs `callback` once `delay` has passed.
    pub fn call_later(
        &mut self,
        delay: Duration,
        callback: impl FnOnce(&mut EventLoop) + 'static,
    ) -> TimerHandle {
        self.call_at(Instant::now() + delay, callback)
    }

    /// Runs `callback` at `when` (or as soon as it can, if that has passed).
    pub fn call_at(&mut self, when: Instant, callback: impl FnOnce(&mut EventLoop) + 'static) -> TimerHandle {
        TimerHandle(self.timers.insert(when, Box::new(callback)))
    }

    /// Cancels a timer callback that has not run yet; `false` if it ran or
    /// was cancelled already.
    pub fn cancel(&mut self, handle: TimerHandle) -> bool {
        self.timers.cancel(handle.0).is_some()
    }

    // ANCHOR: register
    /// Watches `source` for `events` and calls `callback` whenever it is
    /// ready for one of them (Python: `sel.register(sock, EVENT_READ,
    /// callback)`). The loop holds `source` until [`unregister`].
    ///
    /// [`unregister`]: EventLoop::unregister
    pub fn register<S: AsFd + 'static>(
        &mut self,
        source: Rc<S>,
        events: Interest,
        callback: impl FnMut(&mut EventLoop, Key, Interest) + 'static,
    ) -> io::Result<Key> {
        self.selector.register(source, events, Rc::new(RefCell::new(callback)))
    }
    // ANCHOR_END: register

    /// Changes what `key`'s socket is watched for (read while waiting for
    /// a request, write while an answer is stuck, nothing while sleeping).
    pub fn modify(&mut self, key: Key, events: Interest) -> io::Result<()> {
        self.selector.modify(key, events)
    }

    /// Replaces `key`'s callback (Python: `sel.modify(sock, events,
    /// new_callback)`): the next readiness calls `callback`.
    pub fn set_callback(
        &mut self,
        key: Key,
        callback: impl FnMut(&mut EventLoop, Key, Interest) + 'static,
    ) -> io::Result<()> {
        let entry = self.selector.get_mut(key).ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        entry.data = Rc::new(RefCell::new(callback));
        Ok(())
    }

    /// Stops watching `key`'s socket and drops its callback and the loop's
    /// hold on the socket (a socket nobody else holds closes). A key
    /// already unregistered is not an error: closing twice is harmless.
    pub fn unregister(&mut self, key: Key) -> io::Result<()> {
        match self.selector.unregister(key) {
            Ok(_released) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `key`'s socket, if it is still registered and is an `S`.
    pub fn source<S: 'static>(&self, key: Key) -> Option<Rc<S>> {
        self.selector.get(key)?.source::<S>()
    }

    /// What `key`'s socket is watched for, if it is still registered.
    pub fn events(&self, key: Key) -> Option<Interest> {
        Some(self.selector.get(key)?.events)
    }

    /// Whether `key` is still registered.
    pub fn is_registered(&self, key: Key) -> bool {
        self.selector.get(key).is_some()
    }

    /// How many sockets are watched.
    pub fn sockets(&self) -> usize {
        self.selector.len()
    }

    /// How many timer callbacks are pending.
    pub fn timers(&self) -> usize {
        self.timers.len()
    }

    /// Makes [`run`](EventLoop::run) return after the callback that
    /// called this (Python's `loop.stop()`).
    pub fn stop(&mut self) {
        self.stopping = true;
    }

    /// What to do when a callback panics, besides carrying on: count it,
    /// log it. Without one, the panic is only counted ([`panics`]), and
    /// the default panic hook has already printed it.
    ///
    /// [`panics`]: EventLoop::panics
    pub fn set_exception_handler(&mut self, handler: impl Fn(&mut EventLoop, &str) + 'static) {
        self.on_panic = Some(Rc::new(handler));
    }

    /// How many callbacks have panicked so far.
    pub fn panics(&self) -> u64 {
        self.panics
    }

    // ANCHOR: run
    /// Runs callbacks until [`stop`](EventLoop::stop) is called, or until
    /// nothing is left that could ever call one (no socket, no timer, no
    /// queued callback). Errors: the poller's, or a loop already running.
    pub fn run(&mut self) -> io::Result<()> {
        if std::mem::replace(&mut self.running, true) {
            return Err(io::Error::other("the loop is already running (a callback called run)"));
        }
        self.stopping = false;
        let result = self.turns();
        self.running = false;
        result
    }

    fn turns(&mut self) -> io::Result<()> {
        let mut due = Vec::new();
        loop {
            // 1. What was queued before this turn (callbacks queued now wait
            //    for the next turn, so a callback that requeues itself
            //    cannot starve the sockets).
            for _ in 0..self.soon.len() {
                let Some(callback) = self.soon.pop_front() else { break };
                self.guarded(None, callback);
            }
            if self.stopping {
                return Ok(());
            }
            if self.soon.is_empty() && self.timers.is_empty() && self.selector.is_empty() {
                return Ok(()); // nothing can ever happen again
            }
            // 2. Wait: not at all with callbacks queued, else until the next
            //    timer (for ever, with none).
            let timeout = if self.soon.is_empty() {
                self.timers.next_deadline().map(|at| at.saturating_duration_since(Instant::now()))
            } else {
                Some(Duration::ZERO)
            };
            // 3. The ready sockets' callbacks. A key unregistered by an
            //    earlier callback of this turn finds nothing and is skipped.
            for (key, events) in self.selector.select(timeout)? {
                let Some(callback) = self.selector.get(key).map(|entry| Rc::clone(&entry.data)) else {
                    continue;
                };
                self.guarded(Some(key), move |lp| (callback.borrow_mut())(lp, key, events));
                if self.stopping {
                    return Ok(());
                }
            }
            // 4. The timers that are due.
            self.timers.drain_due(Instant::now(), &mut due);
            for callback in due.drain(..) {
                self.guarded(None, callback);
            }
            if self.stopping {
                return Ok(());
            }
        }
    }
    // ANCHOR_END: run

    /// Calls `callback`; if it panics, unregisters `key` (whose callback
    /// it was) and tells the exception handler.
    fn guarded(&mut self, key: Option<Key>, callback: impl FnOnce(&mut EventLoop)) {
        let Err(payload) = catch_unwind(AssertUnwindSafe(|| callback(self))) else { return };
        self.panics += 1;
        if let Some(key) = key {
            let _ = self.unregister(key);
        }
        let message = crate::panic_message::of(&*payload);
        if let Some(handler) = self.on_panic.clone() {
            let told = catch_unwind(AssertUnwindSafe(|| handler(self, &message)));
            if told.is_err() {
                self.panics += 1; // a handler that panics is counted, not retried
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reactor::selectors::{EVENT_READ, EVENT_WRITE};
    use std::cell::Cell;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};

    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let a = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (b, _) = listener.accept().unwrap();
        b.set_nonblocking(true).unwrap();
        (a, b)
    }

    #[test]
    fn timers_fire_in_deadline_order_and_soon_runs_first() {
        let mut lp = EventLoop::new().unwrap();
        let order = Rc::new(RefCell::new(Vec::new()));
        for (name, ms) in [("late", 30u64), ("early", 10), ("middle", 20)] {
            let order = Rc::clone(&order);
            lp.call_later(Duration::from_millis(ms), move |_| order.borrow_mut().push(name));
        }
        let o = Rc::clone(&order);
        lp.call_soon(move |_| o.borrow_mut().push("soon"));
        lp.run().unwrap();
        assert_eq!(*order.borrow(), ["soon", "early", "middle", "late"]);
    }

    #[test]
    fn a_cancelled_timer_never_runs() {
        let mut lp = EventLoop::new().unwrap();
        let ran = Rc::new(Cell::new(false));
        let r = Rc::clone(&ran);
        let handle = lp.call_later(Duration::from_millis(5), move |_| r.set(true));
        assert!(lp.cancel(handle));
        assert!(!lp.cancel(handle), "cancelling twice finds nothing");
        lp.run().unwrap();
        assert!(!ran.get());
    }

    #[test]
    fn a_readable_socket_calls_its_callback_until_unregistered() {
        let (mut client, server) = pair();
        client.write_all(b"ping").unwrap();
        let mut lp = EventLoop::new().unwrap();
        let got = Rc::new(RefCell::new(Vec::new()));
        let g = Rc::clone(&got);
        lp.register(Rc::new(server), EVENT_READ, move |lp, key, events| {
            assert!(events.read);
            let stream = lp.source::<TcpStream>(key).unwrap();
            let mut buf = [0u8; 16];
            let n = (&*stream).read(&mut buf).unwrap();
            g.borrow_mut().extend_from_slice(&buf[..n]);
            lp.unregister(key).unwrap();
        })
        .unwrap();
        lp.run().unwrap();
        assert_eq!(&*got.borrow(), b"ping");
        assert_eq!(lp.sockets(), 0);
        // The loop let go of the socket: the client sees it closed.
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).unwrap();
    }

    #[test]
    fn a_callback_can_replace_itself_and_change_its_interest() {
        let (_client, server) = pair();
        let mut lp = EventLoop::new().unwrap();
        let calls = Rc::new(RefCell::new(Vec::new()));
        let c = Rc::clone(&calls);
        lp.register(Rc::new(server), EVENT_WRITE, move |lp, key, _| {
            c.borrow_mut().push("first");
            let c = Rc::clone(&c);
            lp.set_callback(key, move |lp, key, _| {
                c.borrow_mut().push("second");
                lp.unregister(key).unwrap();
            })
            .unwrap();
        })
        .unwrap();
        lp.run().unwrap();
        assert_eq!(*calls.borrow(), ["first", "second"]);
    }

    #[test]
    fn a_panicking_callback_is_unregistered_and_the_loop_goes_on() {
        let (_client, server) = pair();
        let mut lp = EventLoop::new().unwrap();
        let told = Rc::new(RefCell::new(String::new()));
        let t = Rc::clone(&told);
        lp.set_exception_handler(move |_, message| *t.borrow_mut() = message.to_string());
        let state = Rc::new(());
        let held = Rc::clone(&state);
        lp.register(Rc::new(server), EVENT_WRITE, move |_, _, _| {
            let _held = &held;
            panic!("on purpose");
        })
        .unwrap();
        let after = Rc::new(Cell::new(false));
        let a = Rc::clone(&after);
        lp.call_later(Duration::from_millis(5), move |_| a.set(true));
        lp.run().unwrap();
        assert_eq!((lp.panics(), lp.sockets()), (1, 0));
        assert_eq!(&*told.borrow(), "on purpose");
        assert!(after.get(), "the timer still ran");
        assert_eq!(Rc::strong_count(&state), 1, "the callback's state was dropped with it");
    }

    #[test]
    fn stop_ends_run_and_a_nested_run_is_refused() {
        let mut lp = EventLoop::new().unwrap();
        let nested = Rc::new(RefCell::new(None));
        let n = Rc::clone(&nested);
        lp.call_soon(move |lp| {
            *n.borrow_mut() = Some(lp.run().is_err());
            lp.stop();
        });
        lp.call_later(Duration::from_secs(60), |_| panic!("stop ends the loop before this"));
        lp.run().unwrap();
        assert_eq!(*nested.borrow(), Some(true));
        assert_eq!(lp.timers(), 1);
    }
}
