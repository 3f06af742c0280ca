//! The may server: a coroutine per connection, M:N on may's worker threads.
//!
//! The accept loop and every connection are may coroutines
//! ([`crate::gevent::may`]), so the same blocking [`serve_connection`] that
//! the threads server runs on an OS thread runs here on a coroutine: may's
//! `TcpStream` parks the coroutine, not the thread, when a read would block,
//! and `gevent::may::sleep` parks it for `?delay_ms`. A hundred idle
//! connections cost a hundred small stacks, not a hundred threads.
//!
//! The listener is bound with std and handed to may, because may's own
//! `bind` sets `SO_REUSEPORT`, which would let two servers share a port
//! without an error.
#![deny(unsafe_code)]

use super::conn::serve_connection;
use super::server::{ServerConfig, ServerHandle, ServerState};
use crate::gevent::may as gevent;
use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, ToSocketAddrs};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Binds `addr` and serves with a may coroutine per connection until the
/// handle stops it.
pub fn spawn(addr: impl ToSocketAddrs, config: ServerConfig) -> io::Result<ServerHandle> {
    gevent::configure(config.workers).map_err(io::Error::other)?;
    let std_listener = std::net::TcpListener::bind(addr)?;
    let state = ServerState::new(std_listener.local_addr()?, config);
    let listener = into_may(std_listener)?;
    let thread = std::thread::Builder::new().name("http-may".into()).spawn({
        let state = Arc::clone(&state);
        move || {
            let open: Open = Arc::default();
            let acceptor = gevent::try_spawn({
                let (state, open) = (Arc::clone(&state), Arc::clone(&open));
                move || accept_loop(listener, state, open)
            })?;
            let result = acceptor.join().map_err(|e| io::Error::other(e.to_string()))?;
            // Stopping: wake every connection parked in `read`, then wait.
            for stream in lock(&open).values() {
                let _ = stream.shutdown(Shutdown::Read);
            }
            state.wait_closed();
            result
        }
    })?;
    Ok(ServerHandle::new(state, thread))
}

#[allow(unsafe_code)]
fn into_may(listener: std::net::TcpListener) -> io::Result<gevent::net::TcpListener> {
    use std::os::fd::{FromRawFd, IntoRawFd};
    let fd = listener.into_raw_fd();
    // SAFETY: `fd` is a listening socket that `into_raw_fd` just released:
    // nobody else owns or will close it, so may's listener takes sole
    // ownership of it.
    Ok(unsafe { gevent::net::TcpListener::from_raw_fd(fd) })
}

type Open = Arc<Mutex<HashMap<u64, gevent::net::TcpStream>>>;

fn lock(open: &Open) -> std::sync::MutexGuard<'_, HashMap<u64, gevent::net::TcpStream>> {
    open.lock().unwrap_or_else(PoisonError::into_inner)
}

// ANCHOR: accept
fn accept_loop(listener: gevent::net::TcpListener, state: Arc<ServerState>, open: Open) -> io::Result<()> {
    for (id, stream) in (0u64..).zip(listener.incoming()) {
        if state.stopping() {
            break;
        }
        let Ok(mut stream) = stream else {
            gevent::sleep(Duration::from_millis(1)); // out of fds: let others finish
            continue;
        };
        let guard = state.open_connection();
        let _ = stream.set_read_timeout(Some(state.config.read_timeout));
        let _ = stream.set_nodelay(true);
        if let Ok(clone) = stream.try_clone() {
            lock(&open).insert(id, clone);
        }
        let (conn_state, conn_open) = (Arc::clone(&state), Arc::clone(&open));
        let spawned = gevent::try_spawn(move || {
            let _ = serve_connection(&mut stream, gevent::sleep, &conn_state);
            lock(&conn_open).remove(&id);
            drop(guard);
        });
        if spawned.is_err() {
            lock(&open).remove(&id); // no stack for it: drop this connection
        }
    }
    Ok(())
}
// ANCHOR_END: accept
