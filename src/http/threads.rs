//! The thread-per-connection server: the baseline.
//!
//! One thread accepts; every connection gets a thread of its own running
//! [`serve_connection`] with `std::thread::sleep` as its sleep. Simple and
//! fast for a hundred clients; each connection costs a thread (a stack, a
//! kernel task, a context switch per wake-up), which is what the coroutine
//! servers save.
//!
//! ```
//! use corolab::http::{Client, ServerConfig, threads};
//! use std::net::TcpStream;
//!
//! let server = threads::spawn("127.0.0.1:0", ServerConfig::default())?;
//! let mut client = Client::new(TcpStream::connect(server.addr())?);
//! let page = client.get("/hello/threads").unwrap();
//! assert_eq!((page.status, &page.body[..]), (200, &b"Hello, threads!\n"[..]));
//! drop(client);
//! assert_eq!(server.stop()?.requests, 1);
//! # Ok::<(), std::io::Error>(())
//! ```
#![forbid(unsafe_code)]

use super::conn::serve_connection;
use super::server::{ServerConfig, ServerHandle, ServerState};
use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Binds `addr` and serves on new threads until the handle stops it.
pub fn spawn(addr: impl ToSocketAddrs, config: ServerConfig) -> io::Result<ServerHandle> {
    let listener = TcpListener::bind(addr)?;
    let state = ServerState::new(listener.local_addr()?, config);
    let thread = std::thread::Builder::new().name("http-accept".into()).spawn({
        let state = Arc::clone(&state);
        move || accept_loop(listener, state)
    })?;
    Ok(ServerHandle::new(state, thread))
}

/// The open connections, so that a stop can wake their blocked reads.
type Open = Arc<Mutex<HashMap<u64, TcpStream>>>;

// ANCHOR: accept
fn accept_loop(listener: TcpListener, state: Arc<ServerState>) -> io::Result<()> {
    let open: Open = Arc::default();
    for (id, stream) in (0u64..).zip(listener.incoming()) {
        if state.stopping() {
            break;
        }
        let mut stream = match stream {
            Ok(stream) => stream,
            // Out of file descriptors, or a connection reset before we took
            // it: nothing to do but try the next one, a little later.
            Err(_) => {
                std::thread::sleep(Duration::from_millis(1));
                continue;
            }
        };
        let guard = state.open_connection();
        // Neither fails on a connected socket; if one did, the connection
        // would still work, only without the stall timeout or with Nagle.
        let _ = stream.set_read_timeout(Some(state.config.read_timeout));
        let _ = stream.set_nodelay(true);
        if let Ok(clone) = stream.try_clone() {
            lock(&open).insert(id, clone);
        }
        let (conn_state, conn_open) = (Arc::clone(&state), Arc::clone(&open));
        let spawned = std::thread::Builder::new().name("http-conn".into()).spawn(move || {
            // A client that resets mid-answer is its own problem.
            let _ = serve_connection(&mut stream, std::thread::sleep, &conn_state);
            lock(&conn_open).remove(&id);
            drop(guard);
        });
        if spawned.is_err() {
            // Out of threads: this connection is dropped, the server goes on.
            lock(&open).remove(&id);
        }
    }
    // Stopping: wake every connection blocked in `read` (it reads end of
    // stream and closes), and give them the grace period to finish.
    for stream in lock(&open).values() {
        let _ = stream.shutdown(Shutdown::Read);
    }
    state.wait_closed();
    Ok(())
}
// ANCHOR_END: accept

fn lock(open: &Open) -> std::sync::MutexGuard<'_, HashMap<u64, TcpStream>> {
    open.lock().unwrap_or_else(PoisonError::into_inner)
}
