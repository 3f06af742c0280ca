//! `corolab`'s mini-redis on every backend, driven by real clients:
//! Debian's `redis-cli` (compared with a real `redis-server` when one is
//! installed), corolab's own client, and a fuzz loop of malformed RESP.
//!
//! Without `redis-cli` the tests that need it say so and pass; with
//! `CI=true` a missing tool fails them (`.ci/run` installs it).

use corolab::redis::server::{self, BACKENDS};
use corolab::redis::{Client, Value};
use corolab::server::{ServerConfig, ServerHandle};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn start(backend: corolab::backend::Backend) -> ServerHandle {
    let config = ServerConfig { grace: Duration::from_secs(1), ..Default::default() };
    server::spawn(backend, "127.0.0.1:0".parse().unwrap(), config).unwrap()
}

/// Whether `tool` runs; `false` means skip (a failure under `CI=true`).
fn have(tool: &str, package: &str) -> bool {
    match Command::new(tool).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status() {
        Ok(_) => true,
        Err(e) => {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{tool} is needed in CI: {e}");
            eprintln!("skipped: {tool} not found ({e}); `apt-get install {package}` to run this test");
            false
        }
    }
}

/// Runs `redis-cli -p port args...` and returns what it printed.
fn cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .arg("-p")
        .arg(port.to_string())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("redis-cli runs");
    assert!(out.status.success(), "redis-cli {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The commands of issue 14's "done means", each with redis 7's answer as
/// redis-cli prints it to a pipe.
const SCRIPT: &[(&[&str], &str)] = &[
    (&["PING"], "PONG\n"),
    (&["SET", "k", "v"], "OK\n"),
    (&["GET", "k"], "v\n"),
    (&["HSET", "h", "f", "v"], "1\n"),
    (&["HGETALL", "h"], "f\nv\n"),
    (&["LPUSH", "q", "a"], "1\n"),
    (&["BRPOP", "q", "1"], "q\na\n"),
    (&["GET", "missing"], "\n"),
    (&["INCR", "k"], "ERR value is not an integer or out of range\n\n"),
];

/// A real `redis-server` on a free port, killed on drop.
struct RealRedis(Child, u16);

impl Drop for RealRedis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn real_redis() -> Option<RealRedis> {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let real = RealRedis(child, port);
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not listen within 10 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(real)
}

#[test]
fn redis_cli_gets_redis_answers_on_every_backend() {
    if !have("redis-cli", "redis-tools") {
        return;
    }
    // The reference: a real redis-server when there is one, else the
    // answers written above (which a real one gives: checked here when it can).
    if let Some(real) = real_redis() {
        for (args, expected) in SCRIPT {
            assert_eq!(cli(real.1, args), *expected, "redis-server disagrees with the script on {args:?}");
        }
    }
    for &backend in BACKENDS {
        let server = start(backend);
        for (args, expected) in SCRIPT {
            assert_eq!(cli(server.addr().port(), args), *expected, "{backend}: {args:?}");
        }
        let summary = server.stop().unwrap();
        assert!(summary.requests >= SCRIPT.len() as u64, "{backend}: {summary:?}");
    }
}

#[test]
fn corolab_client_speaks_to_the_mini_redis_on_every_backend() {
    for &backend in BACKENDS {
        let server = start(backend);
        let mut redis = Client::connect(server.addr()).unwrap();
        redis.set_timeout(Some(Duration::from_secs(10))).unwrap();
        assert!(redis.ping().unwrap());
        redis.set("k", "v").unwrap();
        assert_eq!(redis.get("k").unwrap(), Some(b"v".to_vec()));
        assert!(!redis.set_with("k", "w", &["NX"]).unwrap(), "{backend}: NX refuses an existing key");
        assert!(redis.set_with("t", "x", &["EX", "100"]).unwrap());
        assert!((99..=100).contains(&redis.ttl("t").unwrap()));
        assert_eq!(redis.incr("n").unwrap(), 1);
        assert_eq!(redis.del(&["k", "n", "missing"]).unwrap(), 2);
        assert_eq!(redis.hset("h", &[("a", "1"), ("b", "2")]).unwrap(), 2);
        assert_eq!(
            redis.hgetall("h").unwrap(),
            [(b"a".to_vec(), b"1".to_vec()), (b"b".to_vec(), b"2".to_vec())]
        );
        assert_eq!(redis.lpush("q", &["x", "y"]).unwrap(), 2);
        assert_eq!(redis.rpop("q").unwrap(), Some(b"x".to_vec()));
        let commands: Vec<Vec<&str>> = (0..50).map(|_| vec!["INCR", "c"]).collect();
        let replies = redis.pipeline(&commands).unwrap();
        assert_eq!(replies, (1..=50).map(Value::Integer).collect::<Vec<_>>(), "{backend}");
        assert_eq!(redis.brpop(&["empty"], Duration::from_millis(100)).unwrap(), None, "{backend}");
        drop(redis);
        server.stop().unwrap();
    }
}

#[test]
fn a_brpop_is_woken_by_an_lpush_from_another_connection_on_every_backend() {
    for &backend in BACKENDS {
        let server = start(backend);
        let addr = server.addr();
        let waiter = std::thread::spawn(move || {
            let mut redis = Client::connect(addr).unwrap();
            redis.set_timeout(Some(Duration::from_secs(20))).unwrap();
            let started = Instant::now();
            (redis.brpop(&["jobs"], Duration::ZERO).unwrap(), started.elapsed())
        });
        std::thread::sleep(Duration::from_millis(200)); // let it park first
        let mut pusher = Client::connect(addr).unwrap();
        assert_eq!(pusher.lpush("jobs", &["job-1"]).unwrap(), 1);
        let (popped, waited) = waiter.join().unwrap();
        assert_eq!(popped, Some((b"jobs".to_vec(), b"job-1".to_vec())), "{backend}");
        assert!(waited < Duration::from_secs(10), "{backend}: woken by the push, not a timeout");
        assert_eq!(pusher.rpop("jobs").unwrap(), None, "{backend}: popped exactly once");
        drop(pusher);
        server.stop().unwrap();
    }
}

#[test]
fn a_stop_ends_connections_parked_in_brpop() {
    for &backend in BACKENDS {
        let server = start(backend);
        let mut parked = Client::connect(server.addr()).unwrap();
        parked.set_timeout(Some(Duration::from_secs(20))).unwrap();
        let waiter = std::thread::spawn(move || parked.brpop(&["never"], Duration::ZERO));
        std::thread::sleep(Duration::from_millis(200));
        let stopped = Instant::now();
        let summary = server.stop().unwrap();
        assert!(stopped.elapsed() < Duration::from_secs(5), "{backend}: stop took {:?}", stopped.elapsed());
        assert_eq!(summary.left_open, 0, "{backend}: {summary:?}");
        assert!(waiter.join().unwrap().is_err(), "{backend}: the parked client sees the close");
    }
}

/// Sends `bytes`, then reads until the server closes or goes quiet.
fn send_and_read(addr: std::net::SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let _ = s.write_all(bytes);
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    got
}

#[test]
fn malformed_resp_gets_an_error_or_a_close_and_the_server_keeps_serving() {
    let pieces: &[&[u8]] = &[
        b"*",
        b"$",
        b"+",
        b"-",
        b":",
        b"\r\n",
        b"\n",
        b"2",
        b"-1",
        b"99999999999",
        b"SET",
        b"BRPOP",
        b"k",
        b"\"",
        b" ",
        b"\0",
    ];
    for &backend in BACKENDS {
        let server = start(backend);
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..40 {
            let len = next() % 30;
            let input: Vec<u8> =
                (0..len).flat_map(|_| pieces[(next() % pieces.len() as u64) as usize].to_vec()).collect();
            let got = send_and_read(server.addr(), &input);
            // Whatever came back is RESP replies: each starts with a type byte.
            assert!(got.is_empty() || b"+-:$*".contains(&got[0]), "{backend}: {input:?} -> {got:?}");
        }
        let mut redis = Client::connect(server.addr()).unwrap();
        assert!(redis.ping().unwrap(), "{backend}: still serving after the fuzz");
        drop(redis);
        server.stop().unwrap();
    }
}

#[test]
fn an_oversized_bulk_length_is_refused_before_its_bytes_arrive() {
    for &backend in BACKENDS {
        let server = start(backend);
        let started = Instant::now();
        // A 4 TB bulk announced, none of it sent: the answer comes at once.
        let got = send_and_read(server.addr(), b"*1\r\n$4398046511104\r\n");
        let text = String::from_utf8_lossy(&got);
        assert!(text.starts_with("-ERR Protocol error"), "{backend}: {text:?}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{backend}: refused without waiting for the body"
        );
        let got = send_and_read(server.addr(), b"*99999999999\r\n");
        assert!(String::from_utf8_lossy(&got).starts_with("-ERR Protocol error"), "{backend}: {got:?}");
        server.stop().unwrap();
    }
}

#[test]
fn a_pool_reuses_connections_and_drops_broken_ones() {
    let server = start(corolab::backend::Backend::Threads);
    let pool = corolab::redis::Pool::new(server.addr(), 2);
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..10 {
                    pool.get().unwrap().incr("hits").unwrap();
                }
            });
        }
    });
    assert!(pool.idle() <= 2);
    assert_eq!(pool.get().unwrap().get("hits").unwrap(), Some(b"80".to_vec()));
    let connections = server.state().connections();
    for _ in 0..5 {
        assert!(pool.get().unwrap().ping().unwrap());
    }
    assert_eq!(server.state().connections(), connections, "idle connections are reused");
    {
        let mut conn = pool.get().unwrap();
        let _ = conn.command(&["QUIT"]);
        assert!(conn.ping().is_err(), "the server hung up");
        assert!(conn.is_broken());
    }
    assert!(pool.get().unwrap().ping().unwrap(), "a broken connection is not handed out again");
    server.stop().unwrap();
}

/// The blocking client over gevent's sockets: a BRPOP parks its greenlet,
/// not the thread, so a second greenlet on the same thread pushes the job.
#[test]
fn the_client_on_gevent_sockets_parks_a_greenlet_not_the_thread() {
    use corolab::gevent;
    let server = start(corolab::backend::Backend::Aio);
    let addr = server.addr();
    let popped = std::thread::spawn(move || {
        let waiter = gevent::spawn(move || {
            let mut redis = Client::new(gevent::net::TcpStream::connect(addr).unwrap());
            redis.brpop(&["jobs"], Duration::from_secs(10)).unwrap()
        });
        let pusher = gevent::spawn(move || {
            gevent::sleep(Duration::from_millis(100));
            let mut redis = Client::new(gevent::net::TcpStream::connect(addr).unwrap());
            redis.lpush("jobs", &["from-a-greenlet"]).unwrap()
        });
        assert!(gevent::joinall(&[pusher], Some(Duration::from_secs(10))));
        waiter.join().unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(popped, Some((b"jobs".to_vec(), b"from-a-greenlet".to_vec())));
    server.stop().unwrap();
}
