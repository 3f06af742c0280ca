//! The callbacks accept loop: one event loop, no coroutines, a callback
//! for every readiness.
//!
//! The listener is registered for reading; its callback accepts what is
//! waiting and hands each connection to the protocol's `start`, which
//! registers the connection's own callbacks and returns at once. There is
//! no "loop" in the code at all: the lifecycle is a chain of callbacks.
//!
//! ```text
//!   listener readable ─▶ accept ─▶ register (Open) ─▶ start(lp, conn): its callbacks
//!        │ stopping
//!        ▼
//!   unregister the listener, shut_down_all ─▶ every connection sees EOF
//!   drain: call_later(DRAIN_POLL) until open == 0 or the grace is over ─▶ lp.stop()
//! ```
//!
//! The stall timeouts are timers the protocol's callbacks set and cancel
//! (a socket of this loop is non-blocking, so it has no timeout of its
//! own); a panic in a connection's callback counts as an error of that
//! connection, which the loop unregisters, and the loop goes on.
#![forbid(unsafe_code)]

use super::{ACCEPT_BACKOFF, DRAIN_POLL, Open, Protocol, ServerConfig, ServerHandle, ServerState};
use crate::callbacks::{EVENT_READ, EventLoop, Interest, Key};
use std::io;
use std::net::{TcpListener, TcpStream};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

/// Binds `addr` and serves `protocol` on an event loop in a thread of its
/// own until the handle stops it; `start` sets up each connection's
/// callbacks.
pub fn spawn<H>(
    addr: impl std::net::ToSocketAddrs,
    config: ServerConfig,
    protocol: &'static Protocol,
    start: H,
) -> io::Result<ServerHandle>
where
    H: Fn(&mut EventLoop, Open<Rc<TcpStream>>) + Send + 'static,
{
    let listener = TcpListener::bind(addr)?;
    let state = ServerState::new(listener.local_addr()?, config, protocol);
    let thread = std::thread::Builder::new().name(format!("{}-callbacks", protocol.name)).spawn({
        let state = Arc::clone(&state);
        move || {
            let mut lp = EventLoop::new()?;
            serve(&mut lp, listener, &state, start)?;
            lp.run()
            // Dropping the loop drops what the grace period left open.
        }
    })?;
    Ok(ServerHandle::new(state, thread))
}

// ANCHOR: accept
/// Registers the accept callback on `lp` and returns: the loop serves
/// once it runs, and stops itself ([`EventLoop::stop`]) once the server
/// is stopping and its connections have closed (or the grace is over).
pub fn serve<H>(
    lp: &mut EventLoop,
    listener: TcpListener,
    state: &Arc<ServerState>,
    start: H,
) -> io::Result<()>
where
    H: Fn(&mut EventLoop, Open<Rc<TcpStream>>) + 'static,
{
    listener.set_nonblocking(true)?;
    let counting = Arc::clone(state);
    lp.set_exception_handler(move |_, _| counting.count_error());
    let state = Arc::clone(state);
    lp.register(Rc::new(listener), EVENT_READ, move |lp, key, _| accept(lp, key, &state, &start))?;
    Ok(())
}

/// The listener's callback: accepts every connection waiting.
fn accept<H>(lp: &mut EventLoop, key: Key, state: &Arc<ServerState>, start: &H)
where
    H: Fn(&mut EventLoop, Open<Rc<TcpStream>>),
{
    let Some(listener) = lp.source::<TcpListener>(key) else { return };
    loop {
        if state.stopping() {
            stop(lp, key, state);
            return;
        }
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return, // all taken
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => {
                // Out of descriptors: stop watching the listener for a
                // while (level-triggered, it would be ready at once again).
                let _ = lp.modify(key, Interest::default());
                lp.call_later(ACCEPT_BACKOFF, move |lp| drop(lp.modify(key, EVENT_READ)));
                return;
            }
        };
        if state.full(None) {
            state.refuse(&stream);
            continue;
        }
        if stream.set_nonblocking(true).is_err() {
            state.count_error();
            continue;
        }
        let _ = stream.set_nodelay(true);
        start(lp, state.register(Rc::new(stream)));
    }
}

/// Stopping: close the listener, wake every connection, and drain.
fn stop(lp: &mut EventLoop, listener: Key, state: &Arc<ServerState>) {
    let _ = lp.unregister(listener);
    state.shut_down_all();
    drain(lp, Arc::clone(state), state.grace_deadline());
}

/// Looks at the open count every [`DRAIN_POLL`] until it is zero or the
/// grace period is over, then ends the loop.
fn drain(lp: &mut EventLoop, state: Arc<ServerState>, deadline: Instant) {
    if state.open() == 0 || Instant::now() >= deadline {
        state.note_left_open();
        lp.stop();
    } else {
        lp.call_later(DRAIN_POLL, move |lp| drain(lp, state, deadline));
    }
}
// ANCHOR_END: accept
