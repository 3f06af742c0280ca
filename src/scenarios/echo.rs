//! `echo`: an echo server and C concurrent clients, over 127.0.0.1.
//!
//! The server sends back every byte it reads. Each of `--clients` clients
//! (default 10) connects, sends `--n` messages (default 1,000) one at a time,
//! reads each echo back and compares it with what it sent, byte for byte.
//! The scenario reports messages per second: a round trip through the
//! kernel's loopback and two context switches (thread or coroutine) each.
//!
//! The server is [`crate::echo`]'s, the one `corolab serve echo` runs: its
//! accept loop runs here in the scenario's own thread, hub or loop, beside
//! the clients, so on gevent and aio one thread serves both sides. The
//! client loop is one function over `Read + Write` ([`run_client`]), so
//! every blocking backend runs the same client and differs only in its
//! sockets and in how it runs many of them at once.
//!
//! Messages vary in length (16 to 128 bytes) and content by client and
//! sequence number ([`message`]), so an echo sent to the wrong client or
//! out of order fails the check.
#![forbid(unsafe_code)]

use super::{Backend, Config, Knob, KnobRange, Outcome, Scenario, ScenarioError};
use crate::echo::{self, ECHO};
use crate::server::{self, ServerConfig, ServerState, Socket};
use crate::trace::{self, State, Wait};
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// The scenario's entry in the registry.
pub const SCENARIO: Scenario = Scenario {
    name: "echo",
    summary: "an echo server and C clients each sending n messages, every echo checked",
    default_n: 1000,
    backends: echo::BACKENDS,
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
        Backend::Fork => fork(clients, n, config)?,
        Backend::Threads => threads(clients, n, config)?,
        Backend::Gevent => gevent(clients, n, config)?,
        Backend::May => may(clients, n, config)?,
        Backend::Aio => aio(clients, n, config)?,
        Backend::Genloop => genloop(clients, n, config)?,
        Backend::Callbacks => callbacks(clients, n, config)?,
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

// ANCHOR: client
/// One client on a blocking backend: connects with `connect`, sends its
/// `n` messages and checks each echo ([`run_client`]), and reports. `lane`
/// draws it on the trace (gevent's hub draws its greenlets itself).
pub fn client<S: Read + Write + Socket>(
    c: u64,
    n: u64,
    config: &Config,
    lane: bool,
    connect: impl FnOnce() -> io::Result<S>,
) -> ClientResult {
    let id = if lane { trace::task(format_args!("client {c}")) } else { trace::TaskId::NONE };
    trace::record(id, State::Running);
    let result = connect()
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
}
// ANCHOR_END: client

/// The server's state for a scenario run on `addr`.
fn state(addr: SocketAddr) -> Arc<ServerState> {
    ServerState::new(addr, ServerConfig { read_timeout: CLIENT_TIMEOUT, ..Default::default() }, &ECHO)
}

fn say_served(config: &Config, state: &ServerState) {
    config.say(format_args!("[server] served {} connections, {} bytes", state.connections(), state.bytes()));
}

/// A thread per client against a blocking accept loop (`serve`, run on a
/// thread of its own), then the server stopped: what the threads and fork
/// arms share; they differ only in the accept loop.
fn thread_clients<R: Send>(
    addr: SocketAddr,
    state: &ServerState,
    serve: impl FnOnce() -> R + Send,
    clients: u64,
    n: u64,
    config: &Config,
) -> Vec<ClientResult> {
    std::thread::scope(|s| {
        let server = s.spawn(serve);
        let clients: Vec<_> = (0..clients)
            .map(|c| s.spawn(move || client(c, n, config, true, || std::net::TcpStream::connect(addr))))
            .collect();
        let results: Vec<ClientResult> =
            clients.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("client panicked".into()))).collect();
        state.stop();
        let _ = server.join();
        results
    })
}

// ANCHOR: threads
/// OS threads: the threads accept loop on a thread of its own, a thread
/// per connection, and a thread per client.
fn threads(clients: u64, n: u64, config: &Config) -> Result<Vec<ClientResult>, ScenarioError> {
    let cap = crate::stack::limits::thread_limit() as u64 / 2;
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
    let state = state(addr);
    let results = thread_clients(
        addr,
        &state,
        || server::threads::serve(listener, &state, echo::serve),
        clients,
        n,
        config,
    );
    say_served(config, &state);
    Ok(results)
}
// ANCHOR_END: threads

// ANCHOR: fork
/// fork: the fork accept loop on a thread of its own, a process per
/// connection, and a thread per client. Each connection's child is a copy
/// of this whole process that runs only the echo loop.
fn fork(clients: u64, n: u64, config: &Config) -> Result<Vec<ClientResult>, ScenarioError> {
    let cap = crate::stack::limits::thread_limit() as u64;
    if clients > cap {
        return Err(ScenarioError::Failed(format!(
            "{clients} clients need {clients} threads (one per client); vm.max_map_count allows about {cap}"
        )));
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    config.say(format_args!("[server] listening on {addr}, a process per connection"));
    let state = state(addr);
    let results = thread_clients(
        addr,
        &state,
        || server::fork::serve(listener, &state, echo::serve),
        clients,
        n,
        config,
    );
    say_served(config, &state);
    Ok(results)
}
// ANCHOR_END: fork

// ANCHOR: gevent
/// gevent: one thread, one hub: the gevent accept loop in one greenlet, a
/// greenlet per connection and a greenlet per client.
fn gevent(clients: u64, n: u64, config: &Config) -> Result<Vec<ClientResult>, ScenarioError> {
    use crate::gevent;

    let listener = gevent::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    config.say(format_args!("[server] listening on {addr}, a greenlet per connection, one hub"));
    let state = state(addr);
    let server = gevent::Builder::new().name("server").spawn({
        let state = Arc::clone(&state);
        move || server::gevent::serve(listener, &state, echo::serve)
    })?;
    let mut handles = Vec::with_capacity(clients as usize);
    for c in 0..clients {
        let config = config.clone();
        let mut builder = gevent::Builder::new();
        if config.trace {
            builder = builder.name(format!("client {c}"));
        }
        handles.push(
            builder.spawn(move || client(c, n, &config, false, || gevent::net::TcpStream::connect(addr)))?,
        );
    }
    let results: Vec<ClientResult> =
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| Err(e.to_string()))).collect();
    state.stop();
    match server.join() {
        Ok(served) => served?,
        Err(e) => return Err(ScenarioError::Failed(e.to_string())),
    }
    say_served(config, &state);
    Ok(results)
}
// ANCHOR_END: gevent

// ANCHOR: may
/// may: the may accept loop and a coroutine per connection and per
/// client, on all may workers.
fn may(clients: u64, n: u64, config: &Config) -> Result<Vec<ClientResult>, ScenarioError> {
    use crate::gevent::may as gevent;

    let workers = super::configure_may(config)?;
    let listener = gevent::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    config
        .say(format_args!("[server] listening on {addr}, a coroutine per connection on {workers} worker(s)"));
    let state = state(addr);
    let server = gevent::try_spawn({
        let state = Arc::clone(&state);
        move || server::may::serve(listener, &state, echo::serve)
    })?;
    let mut handles = Vec::with_capacity(clients as usize);
    for c in 0..clients {
        let config = config.clone();
        handles.push(gevent::try_spawn(move || {
            client(c, n, &config, true, || gevent::net::TcpStream::connect(addr))
        })?);
    }
    let results: Vec<ClientResult> =
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| Err(e.to_string()))).collect();
    state.stop();
    match server.join() {
        Ok(served) => served?,
        Err(e) => return Err(ScenarioError::Failed(e.to_string())),
    }
    say_served(config, &state);
    Ok(results)
}
// ANCHOR_END: may

// ANCHOR: aio
/// aio: one loop runs the aio accept loop, a task per connection and a
/// task per client. The clients are tasks, so their loop is written with
/// `.await` ([`run_client`] is the same loop, blocking).
fn aio(clients: u64, n: u64, config: &Config) -> Result<Vec<ClientResult>, ScenarioError> {
    use crate::aio::{self, TcpListener, TcpStream};

    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    config.say(format_args!("[server] listening on {addr}, a task per connection, one loop"));
    let state = state(addr);
    let results = aio::run(async {
        let listener = TcpListener::from_std(listener)?;
        let server = aio::spawn_named("server", {
            let state = Arc::clone(&state);
            async move { server::aio::serve(listener, &state, echo::aio::serve).await }
        });
        let tasks: Vec<_> = (0..clients)
            .map(|c| {
                aio::spawn_named(format!("client-{c}"), async move {
                    let stream =
                        TcpStream::connect(addr).await.map_err(|e| format!("client {c}: connect: {e}"))?;
                    let _ = stream.set_nodelay(true);
                    let mut echo = [0u8; 128];
                    for seq in 0..n {
                        let sent = message(c, seq);
                        let io = |e| format!("client {c}: message {seq}: {e}");
                        stream.write_all(&sent).await.map_err(io)?;
                        let echo = &mut echo[..sent.len()];
                        aio::wait_for(stream.read_exact(echo), CLIENT_TIMEOUT)
                            .await
                            .map_err(|e| format!("client {c}: read {seq}: {e}"))?
                            .map_err(io)?;
                        if echo != sent.as_slice() {
                            return Err(format!("client {c}: echo {seq} differs from what was sent"));
                        }
                    }
                    let _ = stream.close().await;
                    Ok(n)
                })
            })
            .collect();
        let mut results = Vec::with_capacity(tasks.len());
        for task in tasks {
            results.push(task.await.unwrap_or_else(|e| Err(e.to_string())));
        }
        state.stop();
        match server.await {
            Ok(served) => served?,
            Err(e) => return Err(ScenarioError::Failed(e.to_string())),
        }
        Ok::<_, ScenarioError>(results)
    })?;
    say_served(config, &state);
    Ok(results)
}
// ANCHOR_END: aio

// ANCHOR: genloop
/// genloop: the echo server's accept loop as a generator task and a task
/// per client, on one loop. Every wait is a `yield_from` into a socket
/// sub-operation (`sock_connect`, `sock_sendall`, `sock_recv`).
fn genloop(clients: u64, n: u64, config: &Config) -> Result<Vec<ClientResult>, ScenarioError> {
    use crate::genloop::{self, Answer, Co, sock_connect, sock_recv, sock_sendall};
    use std::rc::Rc;

    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    config.say(format_args!("[server] listening on {addr}, a generator task per connection, one loop"));
    let state = state(addr);
    let client = move |co: &Co<'_>, c: u64| -> Result<u64, String> {
        let io = |what: &str, seq: u64, e: io::Error| format!("client {c}: {what} {seq}: {e}");
        let stream = co.yield_from(sock_connect(addr), Answer::Go).map_err(|e| e.to_string())?;
        let stream = Rc::new(stream.map_err(|e| format!("client {c}: connect: {e}"))?);
        stream.set_timeout(Some(CLIENT_TIMEOUT));
        for seq in 0..n {
            let sent = message(c, seq);
            let send = sock_sendall(Rc::clone(&stream), sent.clone());
            co.yield_from(send, Answer::Go).map_err(|e| e.to_string())?.map_err(|e| io("write", seq, e))?;
            let mut echo = Vec::with_capacity(sent.len());
            while echo.len() < sent.len() {
                let recv = sock_recv(Rc::clone(&stream), sent.len() - echo.len());
                let got = co
                    .yield_from(recv, Answer::Go)
                    .map_err(|e| e.to_string())?
                    .map_err(|e| io("read", seq, e))?;
                if got.is_empty() {
                    return Err(format!("client {c}: read {seq}: the server closed the connection"));
                }
                echo.extend_from_slice(&got);
            }
            if echo != sent {
                return Err(format!("client {c}: echo {seq} differs from what was sent"));
            }
        }
        Ok(n)
    };
    let main = genloop::task("main", {
        let state = Arc::clone(&state);
        move |co| -> Result<Vec<ClientResult>, ScenarioError> {
            let lost = |e: crate::generator::GeneratorError| ScenarioError::Failed(e.to_string());
            let server = genloop::task("server", {
                let state = Arc::clone(&state);
                move |co| echo::genloop::serve(co, listener, &state)
            });
            let server = co.yield_from(genloop::spawn::<io::Result<()>>(server), Answer::Go).map_err(lost)?;
            let mut handles = Vec::with_capacity(clients as usize);
            for c in 0..clients {
                let task = genloop::task(format_args!("client {c}"), move |co| client(co, c));
                handles.push(co.yield_from(genloop::spawn::<ClientResult>(task), Answer::Go).map_err(lost)?);
            }
            let mut results = Vec::with_capacity(handles.len());
            for handle in handles {
                let joined = co.yield_from(genloop::join(handle), Answer::Go).map_err(lost)?;
                results.push(joined.unwrap_or_else(|e| Err(e.to_string())));
            }
            // Raise the stop flag and connect once (the kernel completes a
            // loopback connect without the accept), so the server's pending
            // accept returns and sees the flag.
            state.stop();
            let served = co.yield_from(genloop::join(server), Answer::Go).map_err(lost)?;
            served.map_err(|e| ScenarioError::Failed(e.to_string()))??;
            Ok(results)
        }
    });
    let results = genloop::run::<Result<Vec<ClientResult>, ScenarioError>>(main)
        .map_err(|e| ScenarioError::Failed(e.to_string()))??;
    say_served(config, &state);
    Ok(results)
}
// ANCHOR_END: genloop

// ANCHOR: callbacks
/// callbacks: one loop, no tasks: the server's accept callback and each
/// connection's callbacks ([`crate::echo::callbacks`]), and each client a
/// [`Conversation`](crate::callbacks::client::Conversation) whose fields
/// are what [`run_client`]'s locals were (which message it is on, what it
/// sent). When the last client finishes, its callback stops the server,
/// whose drain ends the loop.
fn callbacks(clients: u64, n: u64, config: &Config) -> Result<Vec<ClientResult>, ScenarioError> {
    use crate::callbacks::EventLoop;
    use crate::callbacks::client::{Conversation, Next, converse};
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    struct Client {
        c: u64,
        n: u64,
        seq: u64,
        sent: Vec<u8>,
        results: Rc<RefCell<Vec<ClientResult>>>,
        running: Rc<Cell<u64>>,
        state: Arc<ServerState>,
        config: Rc<Config>,
    }

    impl Client {
        fn send(&mut self) -> Next {
            self.sent = message(self.c, self.seq);
            Next::Send(self.sent.clone())
        }
    }

    impl Conversation for Client {
        fn connected(&mut self, _: &mut EventLoop) -> Next {
            self.send()
        }
        fn whole(&self, received: &[u8]) -> Result<Option<usize>, String> {
            Ok((received.len() >= self.sent.len()).then_some(self.sent.len()))
        }
        fn answer(&mut self, _: &mut EventLoop, echo: &[u8]) -> Result<Next, String> {
            if echo != self.sent.as_slice() {
                return Err(format!("echo {} differs from what was sent", self.seq));
            }
            self.seq += 1;
            Ok(if self.seq == self.n { Next::Done } else { self.send() })
        }
        fn finished(&mut self, _: &mut EventLoop, result: Result<(), String>) {
            let result = result.map(|()| self.seq).map_err(|e| format!("client {}: {e}", self.c));
            self.config.say(format_args!("[client {}] done: {result:?}", self.c));
            self.results.borrow_mut().push(result);
            self.running.set(self.running.get() - 1);
            if self.running.get() == 0 {
                // Raise the stop flag and connect once (the kernel completes
                // a loopback connect without the accept): the accept callback
                // sees the flag and drains.
                self.state.stop();
            }
        }
    }

    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    config.say(format_args!("[server] listening on {addr}, callbacks per connection, one loop"));
    let state = state(addr);
    let mut lp = EventLoop::new()?;
    server::callbacks::serve(&mut lp, listener, &state, echo::callbacks::start)?;
    let results: Rc<RefCell<Vec<ClientResult>>> = Rc::default();
    let running = Rc::new(Cell::new(clients));
    let config = Rc::new(config.clone());
    for c in 0..clients {
        let client = Client {
            c,
            n,
            seq: 0,
            sent: Vec::new(),
            results: Rc::clone(&results),
            running: Rc::clone(&running),
            state: Arc::clone(&state),
            config: Rc::clone(&config),
        };
        converse(&mut lp, addr, CLIENT_TIMEOUT, trace::task(format_args!("client {c}")), client);
    }
    lp.run()?;
    say_served(&config, &state);
    let results = std::mem::take(&mut *results.borrow_mut());
    Ok(results)
}
// ANCHOR_END: callbacks

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_differ_by_client_and_sequence() {
        assert_ne!(message(0, 1), message(1, 1));
        assert_ne!(message(3, 0), message(3, 1));
        assert!(message(7, 9).len() >= 16 && message(7, 9).len() <= 128);
    }
}
