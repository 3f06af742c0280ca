//! The gevent server: a greenlet per connection on one thread's hub.
//!
//! This is the threads server with two imports changed, which is the point
//! of gevent: the listener and the streams are [`gevent::net`]'s, which
//! park the calling greenlet instead of the thread when a call would block,
//! and `?delay_ms` sleeps with [`gevent::sleep`]. The same blocking
//! [`serve_connection`] runs unchanged in every greenlet; one thread and its
//! hub serve every connection. The stall timeout is the stream's read
//! timeout, kept by the hub's timers.
#![forbid(unsafe_code)]

use super::conn::serve_connection;
use super::server::{ServerConfig, ServerHandle, ServerState};
use crate::gevent;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, ToSocketAddrs};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Binds `addr` and serves with a greenlet per connection, on a thread of
/// its own (its hub), until the handle stops it.
pub fn spawn(addr: impl ToSocketAddrs, config: ServerConfig) -> io::Result<ServerHandle> {
    let listener = std::net::TcpListener::bind(addr)?;
    let state = ServerState::new(listener.local_addr()?, config);
    let thread = std::thread::Builder::new().name("http-gevent".into()).spawn({
        let state = Arc::clone(&state);
        move || accept_loop(gevent::net::TcpListener::from_std(listener)?, state)
    })?;
    Ok(ServerHandle::new(state, thread))
}

/// The open connections (std handles on the same sockets), so that a stop
/// can wake their parked reads.
type Open = Rc<RefCell<HashMap<u64, std::net::TcpStream>>>;

// ANCHOR: accept
fn accept_loop(listener: gevent::net::TcpListener, state: Arc<ServerState>) -> io::Result<()> {
    let open: Open = Rc::default();
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
        if let Ok(clone) = stream.try_clone_std() {
            open.borrow_mut().insert(id, clone);
        }
        let (conn_state, conn_open) = (Arc::clone(&state), Rc::clone(&open));
        let spawned = gevent::try_spawn(move || {
            let _ = serve_connection(&mut stream, gevent::sleep, &conn_state);
            conn_open.borrow_mut().remove(&id);
            drop(guard);
        });
        if spawned.is_err() {
            open.borrow_mut().remove(&id); // no stack for it: drop this connection
        }
    }
    // Stopping: wake every connection parked in `read`, then give them the
    // grace period, waiting the hub's way so they can run.
    for stream in open.borrow().values() {
        let _ = stream.shutdown(Shutdown::Read);
    }
    let deadline = Instant::now() + state.config.grace;
    while state.open() > 0 && Instant::now() < deadline {
        gevent::sleep(Duration::from_millis(5));
    }
    Ok(())
}
// ANCHOR_END: accept
