//! corolab's aio redis client against the mini-redis of every backend and
//! against a real `redis-server` (Debian's), started here on a free port
//! of 127.0.0.1 with nothing saved to disk.
//!
//! Without `redis-server` on PATH the real-server tests say so and pass;
//! with `CI=true` a missing server fails them (`.ci/run` installs it).

use corolab::aio;
use corolab::redis::server::{self, BACKENDS};
use corolab::redis::{AsyncClient, RedisError, Value};
use corolab::server::ServerConfig;
use std::io::Read;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` child process, killed on drop.
struct RedisServer {
    child: Child,
    port: u16,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts redis-server, or explains why not: `None` means skip.
fn redis_server() -> Option<RedisServer> {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let spawned = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let child = match spawned {
        Ok(child) => child,
        Err(e) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "redis-server is needed in CI and could not start: {e}"
            );
            eprintln!(
                "skipped: redis-server not found ({e}); `apt-get install redis-server` to run this test"
            );
            return None;
        }
    };
    let server = RedisServer { child, port };
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not listen on {port} within 10 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(server)
}

/// Every command of the client, checked as redis answers it.
async fn every_command(port: u16) -> Result<(), RedisError> {
    let mut redis = AsyncClient::connect("localhost", port).await?;
    redis.set_timeout(Some(Duration::from_secs(10)));
    assert!(redis.ping().await?);
    redis.set("k", "v").await?;
    assert_eq!(redis.get("k").await?, Some(b"v".to_vec()));
    assert_eq!(redis.get("missing").await?, None);
    assert!(!redis.set_with("k", "w", &["NX"]).await?, "NX refuses an existing key");
    assert!(redis.set_with("t", "x", &["EX", "100"]).await?);
    assert!((99..=100).contains(&redis.ttl("t").await?));
    assert!(redis.set_with("p", "x", &["PX", "100000"]).await?);
    assert!((99..=100).contains(&redis.ttl("p").await?));
    assert_eq!(redis.ttl("k").await?, -1);
    assert!(redis.expire("k", 50).await?);
    assert!((49..=50).contains(&redis.ttl("k").await?));
    assert_eq!(redis.incr("n").await?, 1);
    assert_eq!(redis.del(&["k", "n", "missing"]).await?, 2);
    assert_eq!(redis.hset("h", &[("a", "1"), ("b", "2")]).await?, 2);
    let mut fields = redis.hgetall("h").await?;
    fields.sort();
    assert_eq!(fields, [(b"a".to_vec(), b"1".to_vec()), (b"b".to_vec(), b"2".to_vec())]);
    assert_eq!(redis.lpush("q", &["x", "y"]).await?, 2);
    assert_eq!(redis.rpop("q").await?, Some(b"x".to_vec()));
    assert_eq!(redis.brpop(&["q"], Duration::from_secs(1)).await?, Some((b"q".to_vec(), b"y".to_vec())));
    assert_eq!(redis.brpop(&["q"], Duration::from_millis(100)).await?, None, "an empty list times out");
    // Errors from the server are values, and the connection goes on.
    redis.lpush("list", &["a"]).await?;
    let reply = redis.command(&["GET", "list"]).await?;
    assert!(matches!(&reply, Value::Error(e) if e.starts_with("WRONGTYPE")), "{reply:?}");
    assert!(matches!(redis.get("list").await, Err(RedisError::Server(e)) if e.starts_with("WRONGTYPE")));
    assert!(redis.ping().await?, "the connection is still usable");
    assert!(!redis.is_broken());
    // Pipelining: 100 commands in one write, the replies in order.
    let commands: Vec<Vec<String>> = (0..100).map(|_| vec!["INCR".into(), "counter".into()]).collect();
    let replies = redis.pipeline(&commands).await?;
    assert_eq!(replies, (1..=100).map(Value::Integer).collect::<Vec<_>>());
    Ok(())
}

#[test]
fn every_command_against_the_mini_redis_of_every_backend() {
    for &backend in BACKENDS {
        let config = ServerConfig { grace: Duration::from_secs(1), ..Default::default() };
        let server = server::spawn(backend, "127.0.0.1:0".parse().unwrap(), config).unwrap();
        let port = server.addr().port();
        aio::run(every_command(port)).unwrap_or_else(|e| panic!("{backend}: {e}"));
        server.stop().unwrap();
    }
}

#[test]
fn every_command_against_a_real_redis_server() -> Result<(), RedisError> {
    let Some(server) = redis_server() else { return Ok(()) };
    aio::run(every_command(server.port))
}

#[test]
fn a_brpop_parks_its_task_and_the_loop_runs_the_pusher() -> Result<(), RedisError> {
    let server = server::spawn(
        corolab::backend::Backend::Aio,
        "127.0.0.1:0".parse().unwrap(),
        ServerConfig::default(),
    )?;
    let port = server.addr().port();
    aio::run(async move {
        let waiter = aio::spawn(async move {
            let mut redis = AsyncClient::connect("127.0.0.1", port).await?;
            redis.brpop(&["jobs"], Duration::from_secs(10)).await
        });
        let mut pusher = AsyncClient::connect("127.0.0.1", port).await?;
        aio::sleep(Duration::from_millis(100)).await;
        pusher.lpush("jobs", &["job 1"]).await?;
        let got = waiter.await.expect("the waiter ran")?;
        assert_eq!(got, Some((b"jobs".to_vec(), b"job 1".to_vec())));
        Ok::<(), RedisError>(())
    })?;
    server.stop()?;
    Ok(())
}

/// A server that reads one command and hangs up without a reply.
fn vanishing_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 64];
        let _ = s.read(&mut buf);
        let _ = std::io::Write::write_all(&mut s, b"$10\r\nhal"); // half a reply, then gone
    });
    port
}

#[test]
fn a_server_that_vanishes_mid_reply_is_an_error_not_a_hang() {
    let port = vanishing_server();
    let started = Instant::now();
    let result = aio::run(async move {
        let mut redis = AsyncClient::connect("127.0.0.1", port).await?;
        let reply = redis.get("k").await;
        assert!(redis.is_broken(), "a half reply breaks the connection");
        reply
    });
    match result {
        Err(RedisError::Io(e)) => assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof, "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_killed_real_server_is_an_error_not_a_hang() {
    let Some(mut server) = redis_server() else { return };
    let port = server.port;
    let result = aio::run(async move {
        let mut redis = AsyncClient::connect("127.0.0.1", port).await?;
        redis.set_timeout(Some(Duration::from_secs(10)));
        assert!(redis.ping().await?);
        let _ = server.child.kill();
        let _ = server.child.wait();
        let started = Instant::now();
        let result = redis.brpop(&["never"], Duration::ZERO).await;
        assert!(started.elapsed() < Duration::from_secs(10), "it did not wait for the timeout");
        result
    });
    assert!(matches!(result, Err(RedisError::Io(_))), "{result:?}");
}

#[test]
fn a_server_that_stops_answering_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let silent = std::thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        std::thread::sleep(Duration::from_secs(2));
        drop(s);
    });
    let result = aio::run(async move {
        let mut redis = AsyncClient::connect("127.0.0.1", port).await?;
        redis.set_timeout(Some(Duration::from_millis(200)));
        redis.ping().await
    });
    match result {
        Err(RedisError::Io(e)) => assert_eq!(e.kind(), std::io::ErrorKind::TimedOut, "{e}"),
        other => panic!("{other:?}"),
    }
    silent.join().unwrap();
}
