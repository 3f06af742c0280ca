//! Lesson 13's demo in Rust: `corolab demo 13`. The articles' aioredis
//! example on corolab's aio client: two mini-redis servers, two
//! connections, one loop, the commands of the two interleaved; then a
//! `BRPOP` that parks one task while another pushes the job, and a
//! pipeline of 100 commands in one round trip. The same story as
//! `original.py`.

use super::say;
use corolab::aio;
use corolab::backend::Backend;
use corolab::redis::server;
use corolab::redis::{AsyncClient, RedisError, Value};
use corolab::server::{ServerConfig, ServerHandle};
use std::time::{Duration, Instant};

fn start() -> Option<ServerHandle> {
    let addr = "127.0.0.1:0".parse().expect("an address");
    match server::spawn(Backend::Aio, addr, ServerConfig::default()) {
        Ok(handle) => Some(handle),
        Err(e) => {
            say(format_args!("cannot start a mini-redis: {e}"));
            None
        }
    }
}

fn shown(pairs: &[(Vec<u8>, Vec<u8>)]) -> String {
    let each: Vec<String> = pairs
        .iter()
        .map(|(f, v)| format!("{}={}", String::from_utf8_lossy(f), String::from_utf8_lossy(v)))
        .collect();
    each.join(" ")
}

/// One connection's part of the example: HSET a hash, read it back.
async fn hash_on(name: &str, port: u16, value: &str) -> Result<(), RedisError> {
    let mut redis = AsyncClient::connect("127.0.0.1", port).await?;
    say(format_args!("[{name}] connected to port {port}"));
    redis.hset("hash", &[("key1", value), ("key2", "value2")]).await?;
    say(format_args!("[{name}] HSET hash key1 {value} key2 value2"));
    aio::sleep(Duration::from_millis(20)).await; // let the other one run
    let fields = redis.hgetall("hash").await?;
    say(format_args!("[{name}] HGETALL hash -> {}", shown(&fields)));
    Ok(())
}

async fn two_servers(a: u16, b: u16) -> Result<(), RedisError> {
    say("-- two servers, two connections, one loop (aioredis)");
    say("client: corolab::redis::AsyncClient, over aio streams");
    let first = aio::spawn(async move { hash_on("redis1", a, "value1").await });
    let second = aio::spawn(async move { hash_on("redis2", b, "other").await });
    for task in [first, second] {
        task.await.map_err(|e| RedisError::Io(std::io::Error::other(e.to_string())))??;
    }
    Ok(())
}

async fn blocking_pop(port: u16) -> Result<(), RedisError> {
    say("-- a BRPOP parks its task; the loop runs the pusher");
    let started = Instant::now();
    let worker = aio::spawn(async move {
        let mut redis = AsyncClient::connect("127.0.0.1", port).await?;
        say("[worker] BRPOP jobs 5 (the list is empty: it waits)");
        let job = redis.brpop(&["jobs"], Duration::from_secs(5)).await?;
        Ok::<_, RedisError>(job)
    });
    let mut boss = AsyncClient::connect("127.0.0.1", port).await?;
    aio::sleep(Duration::from_millis(100)).await;
    boss.lpush("jobs", &["job 1"]).await?;
    say("[boss] LPUSH jobs \"job 1\"");
    let job = worker.await.map_err(|e| RedisError::Io(std::io::Error::other(e.to_string())))??;
    let value = job.map_or("nothing".to_string(), |(_, v)| format!("'{}'", String::from_utf8_lossy(&v)));
    say(format_args!("[worker] got {value}, {} ms after it asked", started.elapsed().as_millis()));
    Ok(())
}

async fn pipelined(port: u16) -> Result<(), RedisError> {
    say("-- pipelining: 100 INCRs, one write, one round trip");
    let mut redis = AsyncClient::connect("127.0.0.1", port).await?;
    let commands: Vec<Vec<&str>> = (0..100).map(|_| vec!["INCR", "n"]).collect();
    let replies = redis.pipeline(&commands).await?;
    let last = match replies.last() {
        Some(Value::Integer(n)) => n.to_string(),
        other => format!("{other:?}"),
    };
    say(format_args!("{} replies, in order; the last is {last}", replies.len()));
    Ok(())
}

pub fn main() {
    let (Some(a), Some(b)) = (start(), start()) else { return };
    let (pa, pb) = (a.addr().port(), b.addr().port());
    let story = aio::run(async move {
        two_servers(pa, pb).await?;
        blocking_pop(pa).await?;
        pipelined(pb).await
    });
    if let Err(e) = story {
        say(format_args!("the demo failed: {e}"));
    }
    let _ = (a.stop(), b.stop());
}
