//! The HTTP server on `callbacks`: the same sans-IO [`Connection`] the
//! other servers drive, driven by readiness callbacks and timers.
//!
//! [`super::serve_connection`] drives a connection with a loop that
//! blocks in `read`, `sleep` and `write_all`. Here each of those waits is
//! the end of a callback: the connection's [`Phase`] says which wait it
//! ended in, and the next callback (the socket is readable or writable, or
//! a timer fired) picks up from there, with [`advance`] asking the
//! connection what to do next until it has to wait again.
//!
//! ```text
//!   advance ──▶ conn.step()
//!     ▲           ├─ Read            → Phase::Reading:  interest READ,  timer: read_timeout
//!     │           ├─ Respond(delay)  → Phase::Sleeping: interest none,  timer: the delay
//!     │           ├─ Respond(0)      → write; stuck → Phase::Writing: interest WRITE, timer: stall
//!     │           └─ Close           → unregister (the state drops with the callback)
//!     │
//!     └── on_ready (read some / write some) or on_timer (timed out / slept)
//! ```
//!
//! Three timeouts, one timer: the read's (the stall timeout cut short by
//! the head's or body's deadline, as [`Connection::read_timeout`] says),
//! the `?delay_ms` sleep, and the stalled write's; each phase sets the one
//! it needs and cancels the last.
#![forbid(unsafe_code)]

use super::conn::{Connection, Step};
use super::server::HTTP;
use crate::callbacks::{EVENT_READ, EVENT_WRITE, EventLoop, Interest, Key, TimerHandle};
use crate::server::{Open, ServerConfig, ServerHandle};
use crate::trace::{self, State, TaskId, Wait};
use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::rc::{Rc, Weak};
use std::time::{Duration, Instant};

/// Binds `addr` and serves HTTP on a callbacks loop in a thread of its
/// own until the handle stops it.
pub fn spawn(addr: SocketAddr, config: ServerConfig) -> io::Result<ServerHandle> {
    crate::server::callbacks::spawn(addr, config, &HTTP, start)
}

// ANCHOR: state
/// Which wait the connection is in: what the blocking loop knew from the
/// line it was blocked on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for request bytes.
    Reading,
    /// Waiting out a route's `?delay_ms`.
    Sleeping,
    /// Waiting for room to write the rest of the answer.
    Writing,
}

/// One connection's state, kept between callbacks.
struct Http {
    conn: Open<Rc<TcpStream>>,
    http: Connection,
    phase: Phase,
    /// How much of `http.output()` is written.
    sent: usize,
    /// The one timer of the phase.
    timer: Option<TimerHandle>,
    /// Its row on the trace.
    lane: TaskId,
}
// ANCHOR_END: state

/// Sets up a new connection: registers its callback and takes the first
/// step (which is to wait for a request).
pub fn start(lp: &mut EventLoop, conn: Open<Rc<TcpStream>>) {
    let stream = Rc::clone(&conn);
    let state = std::sync::Arc::clone(conn.state());
    let lane = trace::task(format_args!("conn {}", conn.id()));
    trace::record(lane, State::Running);
    let http = Http { conn, http: Connection::new(), phase: Phase::Reading, sent: 0, timer: None, lane };
    let http = Rc::new(RefCell::new(http));
    let me = Rc::downgrade(&http);
    let registered = lp.register(stream, EVENT_READ, {
        let me = Weak::clone(&me);
        move |lp, key, events| on_ready(lp, key, &mut http.borrow_mut(), events, &me)
    });
    match (registered, me.upgrade()) {
        (Ok(key), Some(http)) => advance(lp, key, &mut http.borrow_mut(), &me),
        _ => state.count_error(), // no room in the poller: the connection drops
    }
}

// ANCHOR: advance
/// Asks the connection what to do next and does it, until it must wait:
/// then sets the interest and the timer of that wait, and returns.
fn advance(lp: &mut EventLoop, key: Key, this: &mut Http, me: &Weak<RefCell<Http>>) {
    let config = this.conn.state().config;
    loop {
        if this.conn.state().stopping() {
            this.http.close_when_idle();
        }
        match this.http.step() {
            Step::Read => {
                let Some(left) = this.http.read_timeout(Instant::now(), &config) else {
                    this.http.timed_out();
                    continue;
                };
                return wait(lp, key, this, me, Phase::Reading, EVENT_READ, left);
            }
            Step::Respond(delay) if !delay.is_zero() => {
                return wait(lp, key, this, me, Phase::Sleeping, Interest::default(), delay);
            }
            Step::Respond(_) => match write_some(this) {
                Ok(true) => {
                    this.http.written();
                    this.sent = 0;
                    this.conn.state().count_request();
                }
                Ok(false) => {
                    return wait(lp, key, this, me, Phase::Writing, EVENT_WRITE, config.read_timeout);
                }
                Err(_) => return close(lp, key, this, true),
            },
            Step::Close => return close(lp, key, this, false),
        }
    }
}
// ANCHOR_END: advance

/// Enters `phase`: watch for `events`, and set the phase's timer.
fn wait(
    lp: &mut EventLoop,
    key: Key,
    this: &mut Http,
    me: &Weak<RefCell<Http>>,
    phase: Phase,
    events: Interest,
    timeout: Duration,
) {
    if lp.modify(key, events).is_err() {
        return close(lp, key, this, true);
    }
    this.phase = phase;
    still_waiting(this);
    if let Some(timer) = this.timer.take() {
        lp.cancel(timer);
    }
    let me = Weak::clone(me);
    this.timer = Some(lp.call_later(timeout, move |lp| {
        // The connection may have closed, and its state gone, meanwhile.
        if let Some(http) = me.upgrade() {
            on_timer(lp, key, &mut http.borrow_mut(), &Rc::downgrade(&http));
        }
    }));
}

// ANCHOR: callbacks
/// The socket is ready: read or write some, then take the next steps.
fn on_ready(lp: &mut EventLoop, key: Key, this: &mut Http, events: Interest, me: &Weak<RefCell<Http>>) {
    trace::record(this.lane, State::Running);
    match this.phase {
        Phase::Reading if events.read => match (&**this.conn).read(this.http.read_buf()) {
            Ok(n) => this.http.filled(n),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted) => {
                return still_waiting(this);
            }
            Err(_) => return close(lp, key, this, true),
        },
        Phase::Writing if events.write => {
            let before = this.sent;
            match write_some(this) {
                Ok(true) => {
                    this.http.written();
                    this.sent = 0;
                    this.conn.state().count_request();
                }
                Ok(false) if this.sent > before => {
                    // Progress: the stall clock starts again.
                    let stall = this.conn.state().config.read_timeout;
                    return wait(lp, key, this, me, Phase::Writing, EVENT_WRITE, stall);
                }
                Ok(false) => return still_waiting(this),
                Err(_) => return close(lp, key, this, true),
            }
        }
        _ => return still_waiting(this), // ready for what this phase does not wait for
    }
    advance(lp, key, this, me);
}

/// A callback that found nothing to do: the connection waits on.
fn still_waiting(this: &Http) {
    let waits = if this.phase == Phase::Sleeping { Wait::Timer } else { Wait::Io };
    trace::record(this.lane, State::Waiting(waits));
}

/// The phase's timer fired: the read timed out, the delay is over, or a
/// write stalled.
fn on_timer(lp: &mut EventLoop, key: Key, this: &mut Http, me: &Weak<RefCell<Http>>) {
    trace::record(this.lane, State::Running);
    this.timer = None;
    match this.phase {
        Phase::Reading => this.http.timed_out(),
        Phase::Sleeping => {}
        Phase::Writing => return close(lp, key, this, true), // a client that stopped reading
    }
    advance(lp, key, this, me);
}
// ANCHOR_END: callbacks

/// Writes as much of the answer as the socket takes: `Ok(true)` once it
/// is all written.
fn write_some(this: &mut Http) -> io::Result<bool> {
    let output = this.http.output();
    while this.sent < output.len() {
        match (&**this.conn).write(&output[this.sent..]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => this.sent += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// Closes the connection: cancels its timer and unregisters it, which
/// drops its callback, and with it this state, once the callback returns.
fn close(lp: &mut EventLoop, key: Key, this: &mut Http, error: bool) {
    if let Some(timer) = this.timer.take() {
        lp.cancel(timer);
    }
    if error {
        this.conn.state().count_error();
    }
    let _ = lp.unregister(key);
    trace::record(this.lane, State::Done);
}
