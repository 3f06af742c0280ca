//! asyncio-style streams: one buffer for every kind of read.

use corolab::aio::{self, streams};
use std::io::Write;

fn serve_once(bytes: &'static [u8]) -> u16 {
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (mut s, _) = server.accept().unwrap();
        for chunk in bytes.chunks(3) {
            s.write_all(chunk).unwrap(); // small pieces: reads straddle them
        }
    });
    port
}

#[test]
fn mixing_readline_and_readexactly_loses_no_byte() {
    let port = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello tail");
    aio::run(async move {
        let (mut r, _w) = streams::open_connection("127.0.0.1", port).await.unwrap();
        assert_eq!(r.readline().await.unwrap(), b"HTTP/1.1 200 OK\r\n");
        assert_eq!(r.readline().await.unwrap(), b"Content-Length: 5\r\n");
        assert_eq!(r.readline().await.unwrap(), b"\r\n");
        assert_eq!(r.readexactly(5).await.unwrap(), b"hello");
        assert_eq!(r.read(100).await.unwrap()[0], b' ');
        let rest = r.readuntil(b"zz").await.unwrap_err();
        assert!(matches!(rest, streams::StreamError::IncompleteRead { .. }), "{rest}");
    });
}

#[test]
fn a_line_past_the_limit_is_a_limit_overrun() {
    let port = serve_once(b"0123456789\n");
    aio::run(async move {
        let (r, _w) = streams::open_connection("localhost", port).await.unwrap();
        let mut r = streams::StreamReader::new(r.into_stream(), 4);
        let err = r.readline().await.unwrap_err();
        assert!(matches!(err, streams::StreamError::LimitOverrun { limit: 4 }), "{err}");
    });
}

#[test]
fn an_unknown_host_says_what_failed() {
    let err = aio::run(async { streams::open_connection("no-such-host.invalid", 1).await.unwrap_err() });
    assert!(err.to_string().contains("resolving no-such-host.invalid:1"), "{err}");
}

#[test]
fn wget_reads_the_headers_line_by_line_then_the_whole_body() {
    use corolab::http::{ServerConfig, threads, wget::wget};
    let server = threads::spawn("127.0.0.1:0", ServerConfig::default()).unwrap();
    let port = server.addr().port();
    let (headers, body) = aio::run(async move { wget("localhost", port, "/hello/wget").await.unwrap() });
    assert_eq!(headers[0], "HTTP/1.1 200 OK");
    assert!(headers.iter().any(|h| h == "Content-Length: 13"), "{headers:?}");
    assert_eq!(body, b"Hello, wget!\n");
    server.stop().unwrap();
}
