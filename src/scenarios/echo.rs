//! `echo`: an echo server and C concurrent clients, over 127.0.0.1.
//!
//! The server sends back every byte it reads. Each of `--clients` clients
//! (default 10) connects, sends `--n` messages (default 1,000) one at a time,
//! reads each echo back and compares it with what it sent, byte for byte.
//! The scenario reports messages per second: a round trip through the
//! kernel's loopback and two context switches (thread or coroutine) each.
//!
//! The server and client loops are plain functions over `Read + Write`
//! ([`serve_connection`], [`run_client`]), so every backend uses the same
//! code and differs only in its sockets and in how it runs many of them at
//! once: a thread per connection (`threads`), a may coroutine per connection
//! on all cores (`may`). `corolab serve echo` serves with the same
//! [`serve_connection`].
//!
//! Messages vary in length (16 to 128 bytes) and content by client and
//! sequence number ([`message`]), so an echo sent to the wrong client or
//! out of order fails the check.
#![forbid(unsafe_code)]

use super::{Backend, Config, Knob, KnobRange, Outcome, Scenario, ScenarioError};
use crate::trace::{self, State, Wait};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The scenario's entry in the registry.
pub const SCENARIO: Scenario = Scenario {
    name: "echo",
    summary: "an echo server and C clients each sending n messages, every echo checked",
    default_n: 1000,
    backends: &[Backend::Threads, Backend::Gevent, Backend::May, Backend::Aio],
    knobs: &[
        KnobRange::new(Knob::N, 1, 1_000_000),
        KnobRange::new(Knob::Clients, 1, 1_000),
        KnobRange::new(Knob::Workers, 1, 256),
    ],
    run,
};

/// Clients when `--clients` is not given.
pub const DEFAULT_CLIENTS: u64 = 10;

/// How long a client waits for an echo before it gives up (so a broken
/// server fails the run instead of hanging it).
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

fn run(backend: Backend, config: &Config) -> Result<Outcome, ScenarioError> {
    let n = config.n.unwrap_or(SCENARIO.default_n);
    let clients = config.clients.unwrap_or(DEFAULT_CLIENTS);
    let results = match backend {
        Backend::Threads => threads(clients, n, config)?,
        Backend::Gevent => gevent(clients, n, config)?,
        Backend::May => may(clients, n, config)?,
        // The aio clients count the echoes they verified byte for byte; see
        // `aio::scenarios::echo`.
        Backend::Aio => return crate::aio::scenarios::echo(clients, n, config),
        _ => return Err(ScenarioError::Unsupported { scenario: SCENARIO.name, backend }),
    };
    Ok(check(clients, n, &results))
}

/// What one client saw: the echoes it verified, or why it stopped.
pub type ClientResult = Result<u64, String>;

/// Checks that every client verified all `n` of its echoes.
pub fn check(clients: u64, n: u64, results: &[ClientResult]) -> Outcome {
    let verified: u64 = results.iter().filter_map(|r| r.as_ref().ok()).sum();
    let first_error = results.iter().find_map(|r| r.as_ref().err());
    let ok = results.len() as u64 == clients && verified == clients * n && first_error.is_none();
    let detail = match first_error {
        None if ok => format!("{clients} clients x {n} messages, every echo verified byte for byte"),
        None => format!("{verified} of {} echoes verified", clients * n),
        Some(e) => format!("{verified} of {} echoes verified; a client failed: {e}", clients * n),
    };
    Outcome { items: verified, unit: "messages", ok, detail }
}

/// Message `seq` of client `client`: 16 to 128 bytes, its content a function
/// of both numbers.
pub fn message(client: u64, seq: u64) -> Vec<u8> {
    let len = 16 + ((client * 31 + seq * 7) % 113) as usize;
    (0..len).map(|i| (client.wrapping_mul(131) + seq * 17 + i as u64) as u8).collect()
}

// ANCHOR: serve_connection
/// Echoes everything `stream` sends until it closes its side. Returns the
/// bytes echoed, and how the connection ended: `Ok` at end of file, or the
/// error (connection reset, broken pipe) of a client that vanished
/// mid-message, which is the caller's to count.
pub fn serve_connection<S: Read + Write>(mut stream: S) -> (u64, io::Result<()>) {
    let mut buf = [0u8; 4096];
    let mut echoed = 0;
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => return (echoed, Ok(())),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return (echoed, Err(e)),
        };
        if let Err(e) = stream.write_all(&buf[..n]) {
            return (echoed, Err(e));
        }
        echoed += n as u64;
    }
}
// ANCHOR_END: serve_connection

// ANCHOR: run_client
/// Sends `n` messages on `stream`, one at a time, and checks each echo byte
/// for byte; returns how many it verified.
pub fn run_client<S: Read + Write>(mut stream: S, client: u64, n: u64) -> ClientResult {
    let mut echo = [0u8; 128];
    for seq in 0..n {
        let sent = message(client, seq);
        stream.write_all(&sent).map_err(|e| format!("client {client}: write {seq}: {e}"))?;
        let echo = &mut echo[..sent.len()];
        stream.read_exact(echo).map_err(|e| format!("client {client}: read {seq}: {e}"))?;
        if echo != sent.as_slice() {
            return Err(format!("client {client}: echo {seq} differs from what was sent"));
        }
    }
    Ok(n)
}
// ANCHOR_END: run_client

/// What a server counts while it serves, and the connections still open
/// (so a server that is asked to stop can close them).
#[derive(Debug, Default)]
pub struct Served {
    /// Connections accepted.
    pub connections: AtomicU64,
    /// Bytes echoed back.
    pub bytes: AtomicU64,
    /// Connections that ended with an error (reset, broken pipe).
    pub errors: AtomicU64,
    /// A duplicate of each open connection's socket, by key, so
    /// [`Served::shutdown_all`] can wake a handler parked on it.
    live: Mutex<HashMap<u64, std::net::TcpStream>>,
}

impl Served {
    /// Counts a new connection and keeps `socket` (a duplicate of its
    /// descriptor) until [`Served::close`]; returns its key.
    pub fn open(&self, socket: io::Result<std::net::TcpStream>) -> u64 {
        let key = self.connections.fetch_add(1, Ordering::Relaxed);
        if let Ok(socket) = socket {
            self.live().insert(key, socket);
        }
        key
    }

    /// Counts the end of connection `key` (what [`serve_connection`]
    /// returned) and drops its duplicate socket.
    pub fn close(&self, key: u64, (bytes, result): (u64, io::Result<()>)) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        if result.is_err() {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        self.live().remove(&key);
    }

    /// How many connections are open.
    pub fn open_now(&self) -> usize {
        self.live().len()
    }

    /// Shuts down both directions of every open connection: a handler
    /// parked in `read` sees end of file, one parked in `write` an error,
    /// and each then ends on its own. Returns how many were open.
    pub fn shutdown_all(&self) -> usize {
        let live = self.live();
        for socket in live.values() {
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
        live.len()
    }

    /// Waits up to `timeout` for every handler to finish; returns how many
    /// connections are still open.
    pub fn wait_closed(&self, timeout: Duration) -> usize {
        let deadline = std::time::Instant::now() + timeout;
        while self.open_now() > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.open_now()
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<u64, std::net::TcpStream>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Wakes a server blocked in `accept` after its stop flag is set, by
/// connecting once; the server sees the flag and stops.
pub fn wake_acceptor(addr: SocketAddr) {
    let _ = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1));
}

/// How long an acceptor backs off after `accept` fails (out of file
/// descriptors, say), instead of spinning on the error.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

// ANCHOR: threads
/// The threaded echo server: accepts until `stop` is set, a thread per
/// connection. Returns when the acceptor stops; connection threads end when
/// their clients close (or when [`Served::shutdown_all`] closes them).
pub fn threads_server(listener: std::net::TcpListener, stop: Arc<AtomicBool>, served: Arc<Served>) {
    for stream in listener.incoming() {
        if stop.load(Ordering::Acquire) {
            break;
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(_) => {
                std::thread::sleep(ACCEPT_BACKOFF);
                continue;
            }
        };
        // Past the thread cap a new thread would abort the process (see
        // `limits::thread_limit`): turn the connection away instead.
        if served.open_now() >= crate::gevent::limits::thread_limit() {
            served.errors.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let _ = stream.set_nodelay(true);
        let key = served.open(stream.try_clone());
        let served = served.clone();
        std::thread::spawn(move || served.close(key, serve_connection(stream)));
    }
}

/// OS threads: the server above, and a thread per client.
fn threads(clients: u64, n: u64, config: &Config) -> Result<Vec<ClientResult>, ScenarioError> {
    let cap = crate::gevent::limits::thread_limit() as u64 / 2;
    if clients > cap {
        return Err(ScenarioError::Failed(format!(
            "{clients} clients need {} threads (one per client, one per connection); \
             vm.max_map_count allows about {}",
            2 * clients,
            2 * cap
        )));
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    config.say(format_args!("[server] listening on {addr}, a thread per connection"));
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(Served::default());
    let results = std::thread::scope(|s| {
        let server = {
            let (stop, served) = (stop.clone(), served.clone());
            s.spawn(move || threads_server(listener, stop, served))
        };
        let clients: Vec<_> = (0..clients)
            .map(|c| {
                s.spawn(move || {
                    let id = trace::task(format_args!("client {c}"));
                    trace::record(id, State::Running);
                    let result = std::net::TcpStream::connect(addr)
                        .and_then(|stream| {
                            stream.set_nodelay(true)?;
                            stream.set_read_timeout(Some(CLIENT_TIMEOUT))?;
                            Ok(stream)
                        })
                        .map_err(|e| format!("client {c}: connect: {e}"))
                        .and_then(|stream| {
                            trace::record(id, State::Waiting(Wait::Io));
                            run_client(stream, c, n)
                        });
                    trace::record(id, State::Done);
                    config.say(format_args!("[client {c}] done: {result:?}"));
                    result
                })
            })
            .collect();
        let results: Vec<ClientResult> =
            clients.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("client panicked".into()))).collect();
        stop.store(true, Ordering::Release);
        wake_acceptor(addr);
        let _ = server.join();
        results
    });
    say_served(config, &served);
    Ok(results)
}
// ANCHOR_END: threads

fn say_served(config: &Config, served: &Served) {
    config.say(format_args!(
        "[server] served {} connections, {} bytes",
        served.connections.load(Ordering::Relaxed),
        served.bytes.load(Ordering::Relaxed)
    ));
}

// ANCHOR: gevent
/// The gevent echo server: the calling greenlet accepts until `stop` is
/// set and spawns a greenlet per connection, all on this thread's hub. The
/// same [`serve_connection`] runs on `gevent::net::TcpStream`. Returns once
/// the acceptor stops and every connection has closed (or `drain` passed:
/// [`Served::shutdown_all`] from another thread closes them sooner).
pub fn gevent_server(
    listener: crate::gevent::net::TcpListener,
    stop: &AtomicBool,
    served: &Arc<Served>,
    drain: Duration,
) {
    use crate::gevent;

    for stream in listener.incoming() {
        if stop.load(Ordering::Acquire) {
            break;
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(_) => {
                gevent::sleep(ACCEPT_BACKOFF);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let key = served.open(stream.try_clone_std());
        let mut builder = gevent::Builder::new();
        if trace::is_on() {
            builder = builder.name(format!("conn {key}"));
        }
        let handler = builder.spawn({
            let served = served.clone();
            move || served.close(key, serve_connection(stream))
        });
        if let Err(e) = handler {
            served.close(key, (0, Err(e)));
        }
    }
    let deadline = std::time::Instant::now() + drain;
    while served.open_now() > 0 && std::time::Instant::now() < deadline {
        gevent::sleep(Duration::from_millis(5));
    }
}

/// gevent: one thread, one hub: the server above in one greenlet and a
/// greenlet per client.
fn gevent(clients: u64, n: u64, config: &Config) -> Result<Vec<ClientResult>, ScenarioError> {
    use crate::gevent;

    let listener = gevent::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    config.say(format_args!("[server] listening on {addr}, a greenlet per connection, one hub"));
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(Served::default());
    let server = {
        let (stop, served) = (stop.clone(), served.clone());
        gevent::Builder::new()
            .name("server")
            .spawn(move || gevent_server(listener, &stop, &served, CLIENT_TIMEOUT))?
    };
    let mut handles = Vec::with_capacity(clients as usize);
    for c in 0..clients {
        let config = config.clone();
        let mut builder = gevent::Builder::new();
        if config.trace {
            builder = builder.name(format!("client {c}"));
        }
        handles.push(builder.spawn(move || {
            let result = gevent::net::TcpStream::connect(addr)
                .and_then(|stream| {
                    stream.set_nodelay(true)?;
                    stream.set_read_timeout(Some(CLIENT_TIMEOUT))?;
                    Ok(stream)
                })
                .map_err(|e| format!("client {c}: connect: {e}"))
                .and_then(|stream| run_client(stream, c, n));
            config.say(format_args!("[client {c}] done: {result:?}"));
            result
        })?);
    }
    let results: Vec<ClientResult> =
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| Err(e.to_string()))).collect();
    // The acceptor is parked in accept: kill it there (its listener closes
    // as its stack unwinds).
    stop.store(true, Ordering::Release);
    server.kill();
    say_served(config, &served);
    Ok(results)
}
// ANCHOR_END: gevent

// ANCHOR: may
/// The may echo server: a coroutine accepts until `stop` is set and spawns
/// a coroutine per connection. The same [`serve_connection`] runs on may's
/// sockets, which park the coroutine rather than the worker thread.
pub fn may_server(
    listener: crate::gevent::may::net::TcpListener,
    stop: Arc<AtomicBool>,
    served: Arc<Served>,
) -> io::Result<()> {
    use crate::gevent::may as gevent;

    for stream in listener.incoming() {
        if stop.load(Ordering::Acquire) {
            break;
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(_) => {
                gevent::sleep(ACCEPT_BACKOFF);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let key = served.open(stream.inner().try_clone());
        let handler = gevent::try_spawn({
            let served = served.clone();
            move || served.close(key, serve_connection(stream))
        });
        if let Err(e) = handler {
            served.close(key, (0, Err(e)));
        }
    }
    Ok(())
}

/// may: the server above and a coroutine per client, on all may workers.
fn may(clients: u64, n: u64, config: &Config) -> Result<Vec<ClientResult>, ScenarioError> {
    use crate::gevent::may as gevent;

    let workers = super::configure_may(config)?;
    let listener = gevent::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    config
        .say(format_args!("[server] listening on {addr}, a coroutine per connection on {workers} worker(s)"));
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(Served::default());
    let server = gevent::try_spawn({
        let (stop, served) = (stop.clone(), served.clone());
        move || may_server(listener, stop, served)
    })?;
    let mut handles = Vec::with_capacity(clients as usize);
    for c in 0..clients {
        let config = config.clone();
        handles.push(gevent::try_spawn(move || {
            let id = trace::task(format_args!("client {c}"));
            trace::record(id, State::Running);
            let result = gevent::net::TcpStream::connect(addr)
                .and_then(|stream| {
                    stream.set_nodelay(true)?;
                    stream.set_read_timeout(Some(CLIENT_TIMEOUT))?;
                    Ok(stream)
                })
                .map_err(|e| format!("client {c}: connect: {e}"))
                .and_then(|stream| {
                    trace::record(id, State::Waiting(Wait::Io));
                    run_client(stream, c, n)
                });
            trace::record(id, State::Done);
            config.say(format_args!("[client {c}] done: {result:?}"));
            result
        })?);
    }
    let results: Vec<ClientResult> =
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| Err(e.to_string()))).collect();
    stop.store(true, Ordering::Release);
    wake_acceptor(addr);
    match server.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e.into()),
        Err(e) => return Err(ScenarioError::Failed(e.to_string())),
    }
    say_served(config, &served);
    Ok(results)
}
// ANCHOR_END: may

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_differ_by_client_and_sequence() {
        assert_ne!(message(0, 1), message(1, 1));
        assert_ne!(message(3, 0), message(3, 1));
        assert!(message(7, 9).len() >= 16 && message(7, 9).len() <= 128);
    }

    #[test]
    fn serve_connection_echoes_an_in_memory_stream() {
        struct Loop(io::Cursor<Vec<u8>>, Vec<u8>);
        impl Read for Loop {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.0.read(buf)
            }
        }
        impl Write for Loop {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.1.write(buf)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut s = Loop(io::Cursor::new(b"hello".to_vec()), Vec::new());
        let (echoed, result) = serve_connection(&mut s);
        assert!(result.is_ok());
        assert_eq!(echoed, 5);
        assert_eq!(s.1, b"hello");
    }
}
