//! The holes a probe found in the HTTP servers (issue 11), each closed on
//! every backend: slow readers, trickles, descriptors per connection, the
//! stop summary, a timeout knob that overflowed, and HTTP conformance.
//!
//! Every test takes `SERIAL`, so that no test opens sockets while another
//! counts this process's descriptors.

use corolab::backend::Backend;
use corolab::http::{self, ServerConfig, ServerHandle};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Mutex;
use std::time::{Duration, Instant};

static SERIAL: Mutex<()> = Mutex::new(());

/// How long a test waits for something that should happen well before.
const PATIENCE: Duration = Duration::from_secs(10);

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn spawn(backend: Backend, config: ServerConfig) -> ServerHandle {
    http::server::spawn(backend, "127.0.0.1:0".parse().unwrap(), config).expect("server starts")
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn connect(server: &ServerHandle) -> TcpStream {
    let stream = TcpStream::connect(server.addr()).expect("connect");
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream
}

/// Sends `bytes` on a new connection and reads until the server closes it.
fn raw(server: &ServerHandle, bytes: &[u8]) -> String {
    let mut stream = connect(server);
    stream.write_all(bytes).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("the server answers and closes");
    String::from_utf8_lossy(&answer).into_owned()
}

/// Waits until the server has no open connection; returns how long it took.
fn until_closed(backend: Backend, server: &ServerHandle, what: &str) -> Duration {
    let started = Instant::now();
    while server.state().open() > 0 {
        assert!(started.elapsed() < PATIENCE, "{backend}: {what} still open after {PATIENCE:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    started.elapsed()
}

/// A warm-up request, so that what a backend makes lazily (may's and the
/// hub's descriptors) exists before the baseline is taken.
fn warm_up(server: &ServerHandle) {
    let answer = raw(server, b"GET /hello/warm HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
}

#[test]
fn a_client_that_stops_reading_is_cut_off_after_the_stall_timeout() {
    let _alone = serial();
    let stall = Duration::from_millis(300);
    for &backend in http::server::BACKENDS {
        let server = spawn(backend, ServerConfig { read_timeout: stall, ..Default::default() });
        warm_up(&server);
        until_closed(backend, &server, "the warm-up");
        let before = open_fds();
        let reader = {
            // A small receive buffer, so the server's writes stall soon.
            let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
            socket.set_recv_buffer_size(4096).unwrap();
            socket.connect(&server.addr().into()).unwrap();
            TcpStream::from(socket)
        };
        // Pipeline requests for the index page and never read an answer.
        reader.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
        let requests = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(1000);
        let mut writer = &reader;
        let started = Instant::now();
        let mut sent = 0;
        while sent < 200 && writer.write_all(&requests).is_ok() {
            sent += 1; // until the server stops reading, or 200,000 requests
        }
        until_closed(backend, &server, "a client that does not read");
        let took = started.elapsed();
        eprintln!("{backend}: a slow reader was closed {took:?} after its first request (stall {stall:?})");
        drop(reader);
        std::thread::sleep(Duration::from_millis(50));
        assert!(open_fds() <= before, "{backend}: {} descriptors before, {} after", before, open_fds());
        still_serving(backend, &server);
    }
}

/// Sends `bytes` one at a time, one per `gap`, until the server closes the
/// connection; returns what it answered and how long after the first byte
/// it closed (or `None` if every byte went out and no close came in
/// `PATIENCE`).
fn trickle(server: &ServerHandle, bytes: &[u8], gap: Duration) -> (String, Option<Duration>) {
    let mut stream = connect(server);
    stream.set_read_timeout(Some(gap)).unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    let mut next = 0;
    loop {
        if next < bytes.len() && stream.write_all(&bytes[next..next + 1]).is_ok() {
            next += 1;
        }
        match stream.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&answer).into_owned(), Some(started.elapsed())),
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return (String::from_utf8_lossy(&answer).into_owned(), Some(started.elapsed())),
        }
        if started.elapsed() > PATIENCE {
            return (String::from_utf8_lossy(&answer).into_owned(), None);
        }
    }
}

#[test]
fn a_trickled_head_or_body_is_cut_off_within_twice_the_stall_timeout() {
    let _alone = serial();
    let stall = Duration::from_millis(400);
    let head = b"GET /hello/trickle HTTP/1.1\r\nHost: x\r\nUser-Agent: one byte at a time\r\n\r\n";
    let body = b"POST /data HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n";
    for &backend in http::server::BACKENDS {
        let server = spawn(backend, ServerConfig { read_timeout: stall, ..Default::default() });
        warm_up(&server);
        until_closed(backend, &server, "the warm-up");
        let before = open_fds();
        // One byte per half stall timeout: each read makes progress.
        let (answer, closed) = trickle(&server, head, stall / 2);
        let closed = closed.unwrap_or_else(|| panic!("{backend}: a trickled head was never cut off"));
        eprintln!("{backend}: a trickled head was closed {closed:?} after its first byte");
        assert!(answer.starts_with("HTTP/1.1 408 "), "{backend}: {answer:?}");
        assert!(closed < 4 * stall, "{backend}: closed after {closed:?}, the stall timeout is {stall:?}");
        // The head at once, then the body a byte per half timeout.
        let mut body_stream = connect(&server);
        body_stream.write_all(body).unwrap();
        let (answer, closed) = {
            let mut stream = body_stream;
            stream.set_read_timeout(Some(stall / 2)).unwrap();
            let started = Instant::now();
            let mut answer = Vec::new();
            let mut buf = [0u8; 1024];
            let closed = loop {
                let _ = stream.write_all(b"x");
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) if started.elapsed() > PATIENCE => break None,
                    Ok(0) => break Some(started.elapsed()),
                    Ok(n) => answer.extend_from_slice(&buf[..n]),
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) => {}
                    Err(_) => break Some(started.elapsed()),
                }
                if started.elapsed() > PATIENCE {
                    break None;
                }
            };
            (String::from_utf8_lossy(&answer).into_owned(), closed)
        };
        let closed = closed.unwrap_or_else(|| panic!("{backend}: a trickled body was never cut off"));
        eprintln!("{backend}: a trickled body was closed {closed:?} after its head");
        assert!(answer.starts_with("HTTP/1.1 408 "), "{backend}: {answer:?}");
        assert!(closed < 4 * stall, "{backend}: closed after {closed:?}, the stall timeout is {stall:?}");
        until_closed(backend, &server, "the trickles");
        assert!(open_fds() <= before, "{backend}: {} descriptors before, {} after", before, open_fds());
    }
}

fn still_serving(backend: Backend, server: &ServerHandle) {
    let answer = raw(server, b"GET /hello/still HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(answer.ends_with("Hello, still!\n"), "{backend}: {answer}");
}

#[test]
fn each_connection_costs_the_server_one_descriptor() {
    let _alone = serial();
    const CLIENTS: usize = 20;
    for &backend in http::server::BACKENDS {
        let server = spawn(backend, ServerConfig::default());
        warm_up(&server);
        until_closed(backend, &server, "the warm-up");
        let before = open_fds();
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let mut c = connect(&server);
                c.write_all(b"GET /hello/fd HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
                let mut buf = [0u8; 512];
                assert!(c.read(&mut buf).unwrap() > 0, "{backend}: answered");
                c
            })
            .collect();
        assert_eq!(server.state().open(), CLIENTS as u64, "{backend}");
        // Each connection is two sockets in this process: the client's and
        // the server's. A kept duplicate for the stop would make it three.
        let during = open_fds() - before;
        assert!(during <= 2 * CLIENTS + 2, "{backend}: {during} descriptors for {CLIENTS} connections");
        drop(clients);
        until_closed(backend, &server, "the clients");
        std::thread::sleep(Duration::from_millis(50));
        assert!(open_fds() <= before, "{backend}: {} descriptors before, {} after", before, open_fds());
    }
}

#[test]
fn the_stop_summary_counts_connections_cut_off_at_the_grace_period() {
    let _alone = serial();
    for &backend in http::server::BACKENDS {
        let config = ServerConfig { grace: Duration::from_millis(200), ..Default::default() };
        let server = spawn(backend, config);
        let mut busy = connect(&server);
        busy.write_all(b"GET /hello/late?delay_ms=3000 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let started = Instant::now();
        while server.state().open() == 0 && started.elapsed() < PATIENCE {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(50)); // the request is read: its delay runs
        let summary = server.stop().unwrap();
        assert_eq!(summary.left_open, 1, "{backend}: {summary:?}");
    }
}

#[test]
fn a_timeout_too_long_for_the_clock_still_serves() {
    let _alone = serial();
    for &backend in http::server::BACKENDS {
        let config = ServerConfig { read_timeout: Duration::MAX, ..Default::default() };
        let server = spawn(backend, config);
        let answer = raw(&server, b"GET /hello/forever HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assert!(answer.ends_with("Hello, forever!\n"), "{backend}: {answer}");
        until_closed(backend, &server, "a connection with an unbounded timeout");
    }
}

#[test]
fn http11_needs_host_absolute_targets_work_and_text_is_not_sniffed() {
    let _alone = serial();
    for &backend in http::server::BACKENDS {
        let server = spawn(backend, ServerConfig::default());
        let no_host = raw(&server, b"GET /hello/x HTTP/1.1\r\nConnection: close\r\n\r\n");
        assert!(no_host.starts_with("HTTP/1.1 400 "), "{backend}: {no_host}");
        let http10 = raw(&server, b"GET /hello/old HTTP/1.0\r\n\r\n");
        assert!(http10.ends_with("Hello, old!\n"), "{backend}: {http10}");
        let absolute = raw(
            &server,
            b"GET http://localhost/hello/abs HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        );
        assert!(
            absolute.starts_with("HTTP/1.1 200 ") && absolute.ends_with("Hello, abs!\n"),
            "{backend}: {absolute}"
        );
        let echoed = raw(&server, b"GET /hello/%3Cb%3E HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assert!(echoed.contains("\r\nX-Content-Type-Options: nosniff\r\n"), "{backend}: {echoed}");
        assert!(echoed.ends_with("Hello, <b>!\n"), "{backend}: {echoed}");
    }
}

#[test]
fn an_out_of_range_timeout_is_a_one_line_usage_error() {
    let _alone = serial();
    for value in ["0", "18446744073709551615", "86401"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_corolab"))
            .args(["serve", "http", "--backend", "aio", "--addr", "127.0.0.1:0", "--timeout-secs", value])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > PATIENCE {
                let _ = child.kill();
                panic!("--timeout-secs {value}: the server started instead of refusing");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        assert_eq!(status.code(), Some(2), "{value}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{value}: {stderr}");
        assert!(stderr.contains("--timeout-secs"), "{value}: {stderr}");
    }
}
