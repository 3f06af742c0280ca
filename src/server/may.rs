//! The may accept loop: a coroutine per connection, M:N on may's workers.
//!
//! The accept loop and every connection are may coroutines
//! ([`crate::gevent::may`]), so the same blocking handler that the threads
//! server runs on an OS thread runs here on a coroutine: may's `TcpStream`
//! parks the coroutine, not the thread, when a call would block. A hundred
//! idle connections cost a hundred small stacks, not a hundred threads.
#![forbid(unsafe_code)]

use super::{ACCEPT_BACKOFF, Protocol, ServerConfig, ServerHandle, ServerState};
use crate::gevent::may::{self as gevent, net::TcpListener, net::TcpStream};
use std::io;
use std::sync::Arc;

/// Binds `addr` and serves `protocol` with `handler`, a may coroutine per
/// connection, until the handle stops it.
pub fn spawn<H>(
    addr: impl std::net::ToSocketAddrs,
    config: ServerConfig,
    protocol: &'static Protocol,
    handler: H,
) -> io::Result<ServerHandle>
where
    H: Fn(&mut TcpStream, &ServerState) -> io::Result<()> + Send + Sync + 'static,
{
    gevent::configure(config.workers).map_err(io::Error::other)?;
    // Bound with std: may's own `bind` sets SO_REUSEPORT.
    let std_listener = std::net::TcpListener::bind(addr)?;
    let state = ServerState::new(std_listener.local_addr()?, config, protocol);
    let listener = super::fd::into_may(std_listener);
    let thread = std::thread::Builder::new().name(format!("{}-may", protocol.name)).spawn({
        let state = Arc::clone(&state);
        move || {
            let acceptor = gevent::try_spawn(move || serve(listener, &state, handler))?;
            acceptor.join().map_err(|e| io::Error::other(e.to_string()))?
        }
    })?;
    Ok(ServerHandle::new(state, thread))
}

// ANCHOR: accept
/// The accept loop, in the calling coroutine: returns once the server is
/// stopping and its connections have closed (or the grace period is over).
pub fn serve<H>(listener: TcpListener, state: &Arc<ServerState>, handler: H) -> io::Result<()>
where
    H: Fn(&mut TcpStream, &ServerState) -> io::Result<()> + Send + Sync + 'static,
{
    let handler = Arc::new(handler);
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
        let handler = Arc::clone(&handler);
        if gevent::try_spawn(move || conn.serve(|s, st| handler(s, st))).is_err() {
            state.count_error(); // no stack for it: the connection drops
        }
    }
    state.shut_down_all();
    state.drain(gevent::sleep);
    Ok(())
}
// ANCHOR_END: accept
