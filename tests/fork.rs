//! The fork backend (`corolab::server::fork`): a process per connection.
//! What the shared server tests cannot see: the children themselves. They
//! hold no descriptor of the parent's but their connection, they are
//! reaped when they die however they die, and a stop leaves none behind.

use corolab::backend::Backend;
use corolab::http;
use corolab::scenarios::{self, Config};
use corolab::server::{ServerConfig, ServerHandle};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The tests count this process's children: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

const PATIENCE: Duration = Duration::from_secs(20);

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// The children of every thread of this process, as the kernel lists them.
fn children() -> Vec<u32> {
    let mut pids = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let list = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        pids.extend(list.split_whitespace().filter_map(|p| p.parse::<u32>().ok()));
    }
    pids
}

/// Waits until `pred` holds, or fails with `what`.
fn until(what: &str, mut pred: impl FnMut() -> bool) {
    let started = Instant::now();
    while !pred() {
        assert!(started.elapsed() < PATIENCE, "{what}: not after {PATIENCE:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn echo_server(config: ServerConfig) -> ServerHandle {
    corolab::echo::spawn(Backend::Fork, "127.0.0.1:0".parse().unwrap(), config).expect("server starts")
}

/// Sends one message and reads its echo, so the child is surely serving.
fn round_trip(stream: &mut TcpStream) {
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(b"ping").unwrap();
    let mut back = [0u8; 4];
    stream.read_exact(&mut back).unwrap();
    assert_eq!(&back, b"ping");
}

#[test]
fn corolab_serve_echo_on_fork_answers_100_clients_200_messages_each() {
    let _alone = serial(); // its process is a child of ours too
    let mut server = Command::new(env!("CARGO_BIN_EXE_corolab"))
        .args(["serve", "echo", "--backend", "fork", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("corolab starts");
    let mut stdout = BufReader::new(server.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr: SocketAddr = line
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    let clients: Vec<_> = (0..100u64)
        .map(|c| {
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                s.set_read_timeout(Some(PATIENCE)).unwrap();
                let mut bytes = 0;
                for seq in 0..200 {
                    let sent = scenarios::echo::message(c, seq);
                    s.write_all(&sent).unwrap();
                    let mut back = vec![0; sent.len()];
                    s.read_exact(&mut back).unwrap();
                    assert_eq!(back, sent, "client {c} message {seq}");
                    bytes += sent.len() as u64;
                }
                bytes
            })
        })
        .collect();
    let bytes: u64 = clients.into_iter().map(|c| c.join().unwrap()).sum();
    let killed = Command::new("kill").args(["-INT", &server.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = server.wait().unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(status.success(), "{status:?} {rest}");
    // Each child's count reached the parent in its report.
    assert!(rest.contains(&format!("served {bytes} bytes on 100 connections")), "{bytes}: {rest}");
    assert!(!rest.contains("error"), "{rest}");
}

#[test]
fn the_echo_scenario_runs_on_fork_every_echo_checked() {
    let _alone = serial();
    let config = Config { clients: Some(100), ..Config::quiet().with_n(200) };
    let report = scenarios::run(scenarios::find("echo").unwrap(), Backend::Fork, &config);
    assert!(report.ok, "{:?} {}", report.error, report.detail);
    assert_eq!(report.items, 100 * 200);
    until("every child reaped", || children().is_empty());
}

#[test]
fn a_child_holds_no_descriptor_of_the_parent_but_its_connection() {
    let _alone = serial();
    let server = echo_server(ServerConfig::default());
    // A connection of this process's own, open while the child forks.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    let mut served = TcpStream::connect(server.addr()).unwrap();
    round_trip(&mut served);
    // Were the child holding a copy of `ours`, closing ours would not end
    // the connection: `peer` would wait for its timeout, not see EOF.
    drop(ours);
    peer.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    assert_eq!(peer.read(&mut [0u8; 8]).expect("end of stream, not a timeout"), 0);
    // Nor anything else: its connection and its report socket, besides
    // standard input, output and error (the listener is gone too).
    let kids = children();
    assert_eq!(kids.len(), 1, "{kids:?}");
    let fds: Vec<String> = std::fs::read_dir(format!("/proc/{}/fd", kids[0]))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|fd| !["0", "1", "2"].contains(&fd.as_str()))
        .collect();
    assert_eq!(fds.len(), 2, "the child's descriptors past stdio: {fds:?}");
    drop(served);
    server.stop().unwrap();
    until("every child reaped", || children().is_empty());
}

#[test]
fn a_stop_lets_the_child_answer_the_request_in_progress() {
    let _alone = serial();
    let config = ServerConfig { grace: Duration::from_secs(5), ..Default::default() };
    let server = http::server::spawn(Backend::Fork, "127.0.0.1:0".parse().unwrap(), config).unwrap();
    let mut slow = TcpStream::connect(server.addr()).unwrap();
    slow.set_read_timeout(Some(PATIENCE)).unwrap();
    slow.write_all(b"GET /hello/slow?delay_ms=600 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    until("the child is serving", || children().len() == 1);
    std::thread::sleep(Duration::from_millis(100)); // the request is read: its delay runs
    // SIGTERM shuts the child's reads down, as `shut_down_all` does: the
    // request is answered, then the keep-alive connection closes.
    let summary = server.stop().unwrap();
    let mut answer = String::new();
    slow.read_to_string(&mut answer).unwrap();
    assert!(answer.ends_with("Hello, slow!\n"), "{answer}");
    assert_eq!((summary.requests, summary.open_at_stop, summary.left_open), (1, 1, 0), "{summary:?}");
    assert!(children().is_empty(), "{:?}", children());
}

#[test]
fn a_child_killed_by_a_signal_is_reaped_and_counted_as_an_error() {
    let _alone = serial();
    let server = echo_server(ServerConfig::default());
    let mut client = TcpStream::connect(server.addr()).unwrap();
    round_trip(&mut client);
    let kids = children();
    assert_eq!(kids.len(), 1, "one connection, one child: {kids:?}");
    let killed = Command::new("kill").args(["-KILL", &kids[0].to_string()]).status().unwrap();
    assert!(killed.success());
    assert_eq!(client.read(&mut [0u8; 8]).unwrap_or(0), 0, "the connection died with its process");
    // No report came: the parent's sweep finds it.
    until("the killed child reaped", || server.state().open() == 0);
    assert!(children().is_empty(), "{:?}", children());
    let summary = server.stop().unwrap();
    assert_eq!((summary.connections, summary.errors), (1, 1), "{summary:?}");
}

#[test]
fn past_the_grace_period_the_children_left_are_killed_and_reaped() {
    let _alone = serial();
    let config = ServerConfig { grace: Duration::from_millis(200), ..Default::default() };
    let server = http::server::spawn(Backend::Fork, "127.0.0.1:0".parse().unwrap(), config).unwrap();
    let mut busy = TcpStream::connect(server.addr()).unwrap();
    busy.set_read_timeout(Some(PATIENCE)).unwrap();
    busy.write_all(b"GET /hello/late?delay_ms=5000 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    until("the child is serving", || children().len() == 1);
    std::thread::sleep(Duration::from_millis(50)); // the request is read: its delay runs
    let started = Instant::now();
    let summary = server.stop().unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "the stop waited for the 5 s request");
    assert_eq!((summary.open_at_stop, summary.left_open), (1, 1), "{summary:?}");
    assert!(children().is_empty(), "a child outlived its server: {:?}", children());
    let mut rest = Vec::new();
    assert!(busy.read_to_end(&mut rest).is_ok_and(|_| rest.is_empty()), "cut off without an answer");
}
