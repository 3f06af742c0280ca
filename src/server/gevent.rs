//! The gevent accept loop: a greenlet per connection on one thread's hub.
//!
//! The threads accept loop with gevent's sockets, which park the calling
//! greenlet instead of the thread when a call would block (what monkey
//! patching buys in Python). The same blocking handler runs unchanged in
//! every greenlet; one thread and its hub serve every connection, and the
//! stall timeouts are kept by the hub's timers.
#![forbid(unsafe_code)]

use super::{ACCEPT_BACKOFF, Protocol, ServerConfig, ServerHandle, ServerState};
use crate::gevent::{self, net::TcpListener, net::TcpStream};
use std::io;
use std::rc::Rc;
use std::sync::Arc;

/// Binds `addr` and serves `protocol` with `handler`, a greenlet per
/// connection, on a thread of its own (its hub) until the handle stops it.
pub fn spawn<H>(
    addr: impl std::net::ToSocketAddrs,
    config: ServerConfig,
    protocol: &'static Protocol,
    handler: H,
) -> io::Result<ServerHandle>
where
    H: Fn(&mut TcpStream, &ServerState) -> io::Result<()> + Send + 'static,
{
    let listener = std::net::TcpListener::bind(addr)?;
    let state = ServerState::new(listener.local_addr()?, config, protocol);
    let thread = std::thread::Builder::new().name(format!("{}-gevent", protocol.name)).spawn({
        let state = Arc::clone(&state);
        move || serve(TcpListener::from_std(listener)?, &state, handler)
    })?;
    Ok(ServerHandle::new(state, thread))
}

// ANCHOR: accept
/// The accept loop, in the calling greenlet: returns once the server is
/// stopping and its connections have closed (or the grace period is over).
pub fn serve<H>(listener: TcpListener, state: &Arc<ServerState>, handler: H) -> io::Result<()>
where
    H: Fn(&mut TcpStream, &ServerState) -> io::Result<()> + 'static,
{
    let handler = Rc::new(handler);
    for stream in listener.incoming() {
        if state.stopping() {
            break;
        }
        let Ok(stream) = stream else {
            gevent::sleep(ACCEPT_BACKOFF); // out of fds: let others finish
            continue;
        };
        if state.full(None) {
            state.refuse(&stream);
            continue;
        }
        super::prepare(&stream, &state.config);
        let conn = state.register(stream);
        let mut builder = gevent::Builder::new();
        if crate::trace::is_on() {
            builder = builder.name(format!("conn {}", conn.id()));
        }
        let handler = Rc::clone(&handler);
        if builder.spawn(move || conn.serve(|s, st| handler(s, st))).is_err() {
            state.count_error(); // no stack for it: the connection drops
        }
    }
    // Stopping: wake every connection parked in `read`, then give them the
    // grace period, waiting the hub's way so they can run.
    state.shut_down_all();
    state.drain(gevent::sleep);
    Ok(())
}
// ANCHOR_END: accept
