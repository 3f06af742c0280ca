//! corolab's redis client against a real `redis-server` (Debian's), started
//! here on a free port of 127.0.0.1 with nothing saved to disk.
//!
//! Without `redis-server` on PATH the tests say so and pass; with
//! `CI=true` a missing server fails them (`.ci/run` installs it).

use corolab::redis::{Client, RedisError, Value};
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
    while Client::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not listen on {port} within 10 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(server)
}

#[test]
fn client_speaks_to_a_real_redis_server() -> Result<(), RedisError> {
    let Some(server) = redis_server() else { return Ok(()) };
    let mut redis = Client::connect(("127.0.0.1", server.port))?;
    assert!(redis.ping()?);
    redis.set("k", "v")?;
    assert_eq!(redis.get("k")?, Some(b"v".to_vec()));
    assert!(!redis.set_with("k", "w", &["NX"])?, "NX refuses an existing key");
    assert!(redis.set_with("t", "x", &["EX", "100"])?);
    assert!((99..=100).contains(&redis.ttl("t")?));
    assert_eq!(redis.incr("n")?, 1);
    assert_eq!(redis.del(&["k", "n", "missing"])?, 2);
    assert_eq!(redis.hset("h", &[("a", "1"), ("b", "2")])?, 2);
    assert_eq!(redis.hgetall("h")?, [(b"a".to_vec(), b"1".to_vec()), (b"b".to_vec(), b"2".to_vec())]);
    assert_eq!(redis.lpush("q", &["x", "y"])?, 2);
    assert_eq!(redis.rpop("q")?, Some(b"x".to_vec()));
    assert_eq!(redis.brpop(&["q"], Duration::from_secs(1))?, Some((b"q".to_vec(), b"y".to_vec())));
    assert_eq!(redis.brpop(&["q"], Duration::from_millis(100))?, None, "an empty list times out");
    Ok(())
}

#[test]
fn errors_from_the_server_are_values() -> Result<(), RedisError> {
    let Some(server) = redis_server() else { return Ok(()) };
    let mut redis = Client::connect(("127.0.0.1", server.port))?;
    redis.lpush("list", &["a"])?;
    let reply = redis.command(&["GET", "list"])?;
    assert!(matches!(&reply, Value::Error(e) if e.starts_with("WRONGTYPE")), "{reply:?}");
    assert!(matches!(redis.get("list"), Err(RedisError::Server(e)) if e.starts_with("WRONGTYPE")));
    assert!(redis.ping()?, "the connection is still usable");
    Ok(())
}

#[test]
fn pipelined_replies_come_back_in_order() -> Result<(), RedisError> {
    let Some(server) = redis_server() else { return Ok(()) };
    let mut redis = Client::connect(("127.0.0.1", server.port))?;
    let commands: Vec<Vec<String>> = (0..100).map(|_| vec!["INCR".into(), "counter".into()]).collect();
    let replies = redis.pipeline(&commands)?;
    let expected: Vec<Value> = (1..=100).map(Value::Integer).collect();
    assert_eq!(replies, expected);
    Ok(())
}

#[test]
fn a_server_that_vanishes_mid_command_is_an_error_not_a_hang() {
    let Some(mut server) = redis_server() else { return };
    let mut redis = Client::connect(("127.0.0.1", server.port)).unwrap();
    redis.set_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = server.child.kill();
    let _ = server.child.wait();
    let started = Instant::now();
    let result = redis.brpop(&["never"], Duration::ZERO);
    assert!(matches!(result, Err(RedisError::Io(_))), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "it did not wait for the timeout");
}
