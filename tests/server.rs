//! The shared server lifecycle (`corolab::server`) under handlers that
//! misbehave, and the threads backend at its cap.

use corolab::backend::Backend;
use corolab::server::{self, Protocol, ServerConfig, ServerHandle, ServerState};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static SERIAL: Mutex<()> = Mutex::new(());

const PATIENCE: Duration = Duration::from_secs(10);

/// A protocol whose handler panics once it has read a byte.
static PANICKY: Protocol = Protocol { name: "panicky", on_stop: Shutdown::Both, busy: b"" };

fn panicking<S: Read + Write>(stream: &mut S, _: &ServerState) -> io::Result<()> {
    let mut byte = [0u8; 1];
    stream.read_exact(&mut byte)?;
    panic!("this handler panics on purpose");
}

fn spawn_panicky(backend: Backend) -> ServerHandle {
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let config = ServerConfig::default();
    match backend {
        Backend::Fork => server::fork::spawn(addr, config, &PANICKY, panicking),
        Backend::Threads => server::threads::spawn(addr, config, &PANICKY, panicking),
        Backend::Gevent => server::gevent::spawn(addr, config, &PANICKY, panicking),
        Backend::May => server::may::spawn(addr, config, &PANICKY, panicking),
        Backend::Aio => server::aio::spawn(addr, config, &PANICKY, |conn| async move {
            let mut byte = [0u8; 1];
            conn.read_exact(&mut byte).await?;
            panic!("this handler panics on purpose");
        }),
        other => panic!("no {other} server"),
    }
    .expect("server starts")
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn until_closed(backend: Backend, server: &ServerHandle) {
    let started = Instant::now();
    while server.state().open() > 0 {
        assert!(
            started.elapsed() < PATIENCE,
            "{backend}: a connection is still registered after {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Connects, sends a byte and expects the server to close the connection.
fn poke(backend: Backend, server: &ServerHandle) {
    let mut client = TcpStream::connect(server.addr()).unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    client.write_all(b"!").unwrap();
    let mut rest = Vec::new();
    match client.read_to_end(&mut rest) {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("{backend}: the connection was left open ({e})"),
    }
}

#[test]
fn a_panicking_handler_still_unregisters_and_closes_its_connection() {
    let _alone = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    for backend in [Backend::Fork, Backend::Threads, Backend::Gevent, Backend::May, Backend::Aio] {
        let server = spawn_panicky(backend);
        poke(backend, &server); // warm-up: what a backend makes lazily exists
        until_closed(backend, &server);
        std::thread::sleep(Duration::from_millis(20));
        let before = open_fds();
        for _ in 0..5 {
            poke(backend, &server);
        }
        until_closed(backend, &server);
        std::thread::sleep(Duration::from_millis(20));
        assert!(open_fds() <= before, "{backend}: {before} descriptors before, {} after", open_fds());
        let summary = server.stop().unwrap();
        assert_eq!((summary.connections, summary.left_open), (6, 0), "{backend}: {summary:?}");
        if backend != Backend::Aio {
            // aio's loop catches the task's panic itself.
            assert_eq!(summary.errors, 6, "{backend}: a panic counts as an error");
        }
    }
}

#[test]
fn past_its_cap_the_threads_http_server_answers_503_and_keeps_serving() {
    let _alone = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let config = ServerConfig { max_connections: Some(2), ..Default::default() };
    let server = corolab::http::threads::spawn("127.0.0.1:0", config).unwrap();
    let served = |stream: &mut TcpStream| {
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.write_all(b"GET /hello/in HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut buf = [0u8; 512];
        let n = stream.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    let mut first = TcpStream::connect(server.addr()).unwrap();
    let mut second = TcpStream::connect(server.addr()).unwrap();
    assert!(served(&mut first).starts_with("HTTP/1.1 200 "));
    assert!(served(&mut second).starts_with("HTTP/1.1 200 "));
    let mut third = TcpStream::connect(server.addr()).unwrap();
    third.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut answer = String::new();
    third.read_to_string(&mut answer).expect("answered and closed, not left waiting");
    assert!(answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"), "{answer:?}");
    assert!(answer.contains("Connection: close\r\n"), "{answer:?}");
    // Once one leaves, there is room again.
    drop(first);
    let started = Instant::now();
    while server.state().open() > 1 {
        assert!(started.elapsed() < PATIENCE, "the first connection never closed");
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut fourth = TcpStream::connect(server.addr()).unwrap();
    assert!(served(&mut fourth).starts_with("HTTP/1.1 200 "));
    drop((second, fourth));
    let summary = server.stop().unwrap();
    assert_eq!((summary.refused, summary.requests), (1, 3), "{summary:?}");
}

#[test]
fn the_threads_backend_is_capped_by_default_at_what_the_mappings_allow() {
    let _alone = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let state = ServerState::new("127.0.0.1:1".parse().unwrap(), ServerConfig::default(), &PANICKY);
    assert!(!state.full(None), "no cap, no connections: not full");
    assert!(state.full(Some(0)), "the backend's own cap counts");
    let capped = ServerConfig { max_connections: Some(0), ..Default::default() };
    let state = ServerState::new("127.0.0.1:1".parse().unwrap(), capped, &PANICKY);
    assert!(state.full(Some(usize::MAX)), "the smaller cap wins");
}
