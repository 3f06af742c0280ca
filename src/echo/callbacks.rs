//! The echo server on `callbacks`: the four-line echo loop, turned inside
//! out.
//!
//! [`super::serve_connection`] is `loop { read; write_all }`, and what it
//! knows lives in its locals. Here nothing may wait, so each readiness
//! runs a callback that does one step and returns, and everything the
//! loop's locals held is a field of [`Echo`], kept between callbacks by
//! hand:
//!
//! ```text
//!             readable: read n ─▶ write what the socket takes
//!   Reading ◀──────────────────────────────┐  │ the rest does not fit
//!     │ 0 (EOF), an error                  │  ▼
//!     ▼                          all sent  │ Writing: interest WRITE only
//!   close ◀── the stall timer ── (no progress for the stall timeout)
//! ```
//!
//! While an echo is stuck (the client does not read), the connection
//! stops reading too: write interest only, so a flood cannot make the
//! server buffer without bound. The stall timeout is a timer, cancelled
//! and set again at every step that made progress.
#![forbid(unsafe_code)]

use super::ECHO;
use crate::callbacks::{EVENT_READ, EVENT_WRITE, EventLoop, Interest, Key, TimerHandle};
use crate::server::{Open, ServerConfig, ServerHandle};
use crate::trace::{self, State, TaskId, Wait};
use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::rc::{Rc, Weak};
use std::sync::Arc;

/// Binds `addr` and serves echo on a callbacks loop in a thread of its own
/// until the handle stops it.
pub fn spawn(addr: impl std::net::ToSocketAddrs, config: ServerConfig) -> io::Result<ServerHandle> {
    crate::server::callbacks::spawn(addr, config, &ECHO, start)
}

// ANCHOR: state
/// One connection's state: what the blocking loop kept in its locals.
struct Echo {
    /// The connection (registered with the server until this drops).
    conn: Open<Rc<TcpStream>>,
    /// Bytes read and not yet written back, from `sent` on.
    pending: Vec<u8>,
    sent: usize,
    /// Bytes echoed, for the server's count.
    echoed: u64,
    /// The stall timeout, running.
    stall: Option<TimerHandle>,
    /// Its row on the trace.
    lane: TaskId,
}
// ANCHOR_END: state

impl Drop for Echo {
    /// However the connection ends (closed, cut off, dropped with the
    /// loop), what it echoed counts.
    fn drop(&mut self) {
        self.conn.state().count_bytes(self.echoed);
    }
}

// ANCHOR: start
/// Sets up a new connection's callbacks: read interest and the stall
/// timer. The readiness callback holds the only strong reference to the
/// state; the timer holds a `Weak`, so unregistering is closing.
pub fn start(lp: &mut EventLoop, conn: Open<Rc<TcpStream>>) {
    let stream = Rc::clone(&conn);
    let state = Arc::clone(conn.state());
    let lane = trace::task(format_args!("conn {}", conn.id()));
    trace::record(lane, State::Waiting(Wait::Io));
    let echo = Echo { conn, pending: Vec::new(), sent: 0, echoed: 0, stall: None, lane };
    let echo = Rc::new(RefCell::new(echo));
    let me = Rc::downgrade(&echo);
    let registered = lp.register(stream, EVENT_READ, {
        let me = Weak::clone(&me);
        move |lp, key, events| on_ready(lp, key, &mut echo.borrow_mut(), events, &me)
    });
    match (registered, me.upgrade()) {
        (Ok(key), Some(echo)) => arm_stall(lp, key, &mut echo.borrow_mut(), &me),
        _ => state.count_error(), // no room in the poller: the connection drops
    }
}
// ANCHOR_END: start

// ANCHOR: on_ready
/// The readiness callback: one step, then back to the loop.
fn on_ready(lp: &mut EventLoop, key: Key, this: &mut Echo, events: Interest, me: &Weak<RefCell<Echo>>) {
    trace::record(this.lane, State::Running);
    let writing = this.sent < this.pending.len();
    let step = match (writing, events.write, events.read) {
        (true, true, _) => write_pending(this),
        (false, _, true) => read_then_echo(this),
        _ => Ok(false), // ready for what we no longer wait for
    };
    match step {
        Ok(false) => {}
        Ok(true) => {
            // Progress: wait for what comes next, and restart the stall clock.
            let want = if this.sent < this.pending.len() { EVENT_WRITE } else { EVENT_READ };
            match lp.modify(key, want) {
                Ok(()) => arm_stall(lp, key, this, me),
                Err(_) => return close(lp, key, this, true),
            }
        }
        Err(e) => return close(lp, key, this, e.kind() != io::ErrorKind::UnexpectedEof),
    }
    trace::record(this.lane, State::Waiting(Wait::Io));
}
// ANCHOR_END: on_ready

/// Reads what is there and writes what the socket takes of it at once.
/// `Ok(true)` on progress; the client's end of stream is `Err` of kind
/// `UnexpectedEof`, so the caller closes.
fn read_then_echo(this: &mut Echo) -> io::Result<bool> {
    let mut buf = [0u8; 4096];
    let n = match (&**this.conn).read(&mut buf) {
        Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
        Ok(n) => n,
        Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted) => {
            return Ok(false);
        }
        Err(e) => return Err(e),
    };
    this.pending.clear();
    this.pending.extend_from_slice(&buf[..n]);
    this.sent = 0;
    write_pending(this)?;
    Ok(true)
}

/// Writes as much of the pending echo as the socket takes; `Ok(true)` if
/// it took some.
fn write_pending(this: &mut Echo) -> io::Result<bool> {
    let mut progress = false;
    while this.sent < this.pending.len() {
        match (&**this.conn).write(&this.pending[this.sent..]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                this.sent += n;
                this.echoed += n as u64;
                progress = true;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(progress)
}

/// Cancels the stall timer and sets it again, a stall timeout from now.
fn arm_stall(lp: &mut EventLoop, key: Key, this: &mut Echo, me: &Weak<RefCell<Echo>>) {
    if let Some(timer) = this.stall.take() {
        lp.cancel(timer);
    }
    let me = Weak::clone(me);
    let after = this.conn.state().config.read_timeout;
    this.stall = Some(lp.call_later(after, move |lp| {
        // The connection may have closed, and its state gone, meanwhile.
        if let Some(echo) = me.upgrade() {
            let mut this = echo.borrow_mut();
            this.stall = None;
            close(lp, key, &mut this, true); // a stall is an error, as a timed-out read is
        }
    }));
}

/// Closes the connection: cancels its timer and unregisters it, which
/// drops its callback, and with it this state, once the callback returns.
fn close(lp: &mut EventLoop, key: Key, this: &mut Echo, error: bool) {
    if let Some(timer) = this.stall.take() {
        lp.cancel(timer);
    }
    if error {
        this.conn.state().count_error();
    }
    let _ = lp.unregister(key);
    trace::record(this.lane, State::Done);
}
