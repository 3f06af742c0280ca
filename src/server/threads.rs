//! The thread-per-connection accept loop: the baseline.
//!
//! One thread accepts; every connection gets a thread of its own running
//! the handler. Simple and fast for a hundred clients; each connection
//! costs a thread (a stack, a kernel task, a context switch per wake-up),
//! which is what the coroutine servers save. Threads are capped at what
//! `vm.max_map_count` leaves room for: past it, std would abort the
//! process, so the server answers "busy" instead.
#![forbid(unsafe_code)]

use super::{ACCEPT_BACKOFF, Protocol, ServerConfig, ServerHandle, ServerState};
use std::io;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

/// Binds `addr` and serves `protocol` with `handler`, a thread per
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
    let listener = TcpListener::bind(addr)?;
    let state = ServerState::new(listener.local_addr()?, config, protocol);
    let thread = std::thread::Builder::new().name(format!("{}-accept", protocol.name)).spawn({
        let state = Arc::clone(&state);
        move || serve(listener, &state, handler)
    })?;
    Ok(ServerHandle::new(state, thread))
}

// ANCHOR: accept
/// The accept loop, on the calling thread: returns once the server is
/// stopping and its connections have closed (or the grace period is over).
pub fn serve<H>(listener: TcpListener, state: &Arc<ServerState>, handler: H) -> io::Result<()>
where
    H: Fn(&mut TcpStream, &ServerState) -> io::Result<()> + Send + Sync + 'static,
{
    let handler = Arc::new(handler);
    let threads = Some(crate::stack::limits::thread_limit());
    for stream in listener.incoming() {
        if state.stopping() {
            break;
        }
        let Ok(stream) = stream else {
            // Out of descriptors, or a connection reset before we took it:
            // try the next one, a little later.
            std::thread::sleep(ACCEPT_BACKOFF);
            continue;
        };
        if state.full(threads) {
            state.refuse(&stream);
            continue;
        }
        super::prepare(&stream, &state.config);
        let conn = state.register(stream);
        let handler = Arc::clone(&handler);
        let name = format!("{}-conn", state.protocol.name);
        // `Builder::spawn` returns an error where `thread::spawn` would
        // panic; the connection then drops (and unregisters) with the closure.
        if std::thread::Builder::new().name(name).spawn(move || conn.serve(|s, st| handler(s, st))).is_err() {
            state.count_error();
        }
    }
    // Stopping: wake every connection blocked in `read` and give them the
    // grace period to finish.
    state.shut_down_all();
    state.drain(std::thread::sleep);
    Ok(())
}
// ANCHOR_END: accept
