//! The tests lesson 13's exercise and solution share.

use super::{consume, read_response};
use corolab::aio::{self, streams};
use corolab::backend::Backend;
use corolab::redis::{AsyncClient, RedisError, server};
use corolab::server::ServerConfig;
use std::io::Write;
use std::time::Duration;

/// Serves `bytes` to one connection in 3-byte pieces.
fn serve_in_pieces(bytes: &'static [u8]) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        for piece in bytes.chunks(3) {
            s.write_all(piece).unwrap();
        }
    });
    port
}

#[test]
fn two_responses_back_to_back_read_whole() {
    let port = serve_in_pieces(
        b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nab\r\ncd\nHTTP/1.1 404 Not Found\r\n\
          content-length: 3\r\nX-Other: 1\r\n\r\nno!",
    );
    aio::run(async move {
        let (mut reader, _writer) = streams::open_connection("127.0.0.1", port).await.unwrap();
        let (head, body) = read_response(&mut reader).await.expect("TODO 1: the first response");
        assert_eq!(head, ["HTTP/1.1 200 OK", "Content-Length: 7"], "TODO 1: lines without \\r\\n");
        assert_eq!(body, b"ab\r\ncd\n", "TODO 1: exactly Content-Length bytes, whatever they hold");
        let (head, body) = read_response(&mut reader).await.expect("TODO 1: the second response");
        assert_eq!(head[0], "HTTP/1.1 404 Not Found", "TODO 1: nothing of the second was lost");
        assert_eq!(head.len(), 3);
        assert_eq!(body, b"no!", "TODO 1: Content-Length in any case");
    });
}

#[test]
fn a_response_from_corolabs_own_server() {
    use corolab::http::{self, ServerConfig};
    let server = http::threads::spawn("127.0.0.1:0", ServerConfig::default()).unwrap();
    let port = server.addr().port();
    aio::run(async move {
        let (mut reader, mut writer) = streams::open_connection("localhost", port).await.unwrap();
        writer.write(b"GET /hello/Ada HTTP/1.1\r\nHost: x\r\n\r\nGET /hello/Bo HTTP/1.1\r\nHost: x\r\n\r\n");
        writer.drain().await.unwrap();
        let (head, body) = read_response(&mut reader).await.expect("TODO 1");
        assert_eq!(head[0], "HTTP/1.1 200 OK");
        assert_eq!(body, b"Hello, Ada!\n");
        let (_, body) = read_response(&mut reader).await.expect("TODO 1: the second of two pipelined");
        assert_eq!(body, b"Hello, Bo!\n");
    });
    server.stop().unwrap();
}

#[test]
fn two_consumers_do_every_job_exactly_once() {
    let redis = server::spawn(Backend::Aio, "127.0.0.1:0".parse().unwrap(), ServerConfig::default()).unwrap();
    let port = redis.addr().port();
    let mut done = aio::run(async move {
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                aio::spawn(async move {
                    let mut redis = AsyncClient::connect("127.0.0.1", port).await?;
                    consume(&mut redis, "jobs").await
                })
            })
            .collect();
        let mut producer = AsyncClient::connect("127.0.0.1", port).await?;
        for i in 0..20 {
            producer.lpush("jobs", &[format!("job {i}")]).await?;
            if i % 5 == 0 {
                aio::sleep(Duration::from_millis(10)).await; // let the consumers take some
            }
        }
        producer.lpush("jobs", &["stop", "stop"]).await?;
        let mut done = Vec::new();
        for consumer in consumers {
            done.extend(consumer.await.expect("the consumer ran").expect("TODO 2: consume returns its jobs"));
        }
        Ok::<_, RedisError>(done)
    })
    .unwrap();
    done.sort_by_key(|job| job[4..].parse::<u32>().unwrap());
    let want: Vec<String> = (0..20).map(|i| format!("job {i}")).collect();
    assert_eq!(done, want, "TODO 2: every job exactly once, and no \"stop\"");
    redis.stop().unwrap();
}

#[test]
fn a_consumer_with_no_job_gives_up_with_an_error() {
    // A server that answers every BRPOP with a timeout, at once.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::Read;
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 256];
        while matches!(s.read(&mut buf), Ok(n) if n > 0) {
            let _ = s.write_all(b"*-1\r\n");
        }
    });
    let result = aio::run(async move {
        let mut redis = AsyncClient::connect("127.0.0.1", port).await?;
        consume(&mut redis, "jobs").await
    });
    match result {
        Err(RedisError::Io(e)) => assert_eq!(e.kind(), std::io::ErrorKind::TimedOut, "TODO 2: {e}"),
        other => panic!("TODO 2: a BRPOP that timed out is an error, got {other:?}"),
    }
}
