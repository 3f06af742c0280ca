//! `corolab serve echo`, run as a child process and driven over 127.0.0.1:
//! it echoes, survives clients that misbehave, and stops cleanly on SIGINT.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(10);

/// A `corolab serve echo` child, killed if a test fails before stopping it.
struct Server {
    child: Option<Child>,
    addr: SocketAddr,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Server {
    fn start(backend: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_corolab"))
            .args(["serve", "echo", "--backend", backend, "--addr", "127.0.0.1:0", "--workers", "2"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("corolab starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let addr = line
            .split_whitespace()
            .find_map(|w| w.parse::<SocketAddr>().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Server { child: Some(child), addr, stdout }
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect_timeout(&self.addr, TIMEOUT).unwrap();
        s.set_read_timeout(Some(TIMEOUT)).unwrap();
        s.set_write_timeout(Some(TIMEOUT)).unwrap();
        s
    }

    /// Sends SIGINT and returns the exit status and the rest of stdout.
    fn interrupt(mut self) -> (std::process::ExitStatus, String) {
        let mut child = self.child.take().unwrap();
        let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                child.kill().ok();
                panic!("the server did not stop within {TIMEOUT:?} of SIGINT");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        (status, rest)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }
}

fn echoes_and_survives_bad_clients(backend: &str) {
    let server = Server::start(backend);

    // A client that connects and sends nothing stays open across the stop.
    let _silent = server.connect();
    // A client that floods and never reads.
    let mut flood = server.connect();
    flood.set_write_timeout(Some(Duration::from_millis(200))).unwrap();
    let chunk = vec![7u8; 64 * 1024];
    for _ in 0..64 {
        if flood.write_all(&chunk).is_err() {
            break; // the kernel buffers are full: the server stopped reading us
        }
    }
    // A client that vanishes mid-message.
    {
        let mut gone = server.connect();
        gone.write_all(b"half a mess").unwrap();
    }

    // Meanwhile a well-behaved client is served, byte for byte.
    let mut good = server.connect();
    for seq in 0..100u64 {
        let sent = corolab::scenarios::echo::message(1, seq);
        good.write_all(&sent).unwrap();
        let mut echo = vec![0; sent.len()];
        good.read_exact(&mut echo).unwrap();
        assert_eq!(echo, sent);
    }
    drop(good);

    let (status, out) = server.interrupt();
    assert!(status.success(), "exit {status:?}, output {out}");
    assert!(out.contains("SIGINT: stopping"), "{out}");
    assert!(out.contains(" on 4 connections"), "{out}");
    assert!(!out.contains("still open after the grace period"), "{out}");
    // The silent and the flooding clients were still connected at the stop.
    let open: usize = out
        .split(" open at stop")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(open >= 2, "{out}");
}

#[test]
fn fork_server_echoes_survives_bad_clients_and_stops_on_sigint() {
    echoes_and_survives_bad_clients("fork");
}

#[test]
fn threads_server_echoes_survives_bad_clients_and_stops_on_sigint() {
    echoes_and_survives_bad_clients("threads");
}

#[test]
fn gevent_server_echoes_survives_bad_clients_and_stops_on_sigint() {
    echoes_and_survives_bad_clients("gevent");
}

#[test]
fn may_server_echoes_survives_bad_clients_and_stops_on_sigint() {
    echoes_and_survives_bad_clients("may");
}

#[test]
fn aio_server_echoes_survives_bad_clients_and_stops_on_sigint() {
    echoes_and_survives_bad_clients("aio");
}

#[test]
fn genloop_server_echoes_survives_bad_clients_and_stops_on_sigint() {
    echoes_and_survives_bad_clients("genloop");
}

#[test]
fn callbacks_server_echoes_survives_bad_clients_and_stops_on_sigint() {
    echoes_and_survives_bad_clients("callbacks");
}

#[test]
fn an_unknown_backend_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_corolab"))
        .args(["serve", "echo", "--backend", "generator", "--addr", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("choose from"));
}
