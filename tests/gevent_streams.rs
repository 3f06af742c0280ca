//! gevent's asyncio-style streams: one buffer for every kind of read, in
//! a greenlet, with the hub free to run others while a read waits.

use corolab::gevent::{self, streams};
use std::io::Write;
use std::time::Duration;

fn serve_once(bytes: &'static [u8]) -> u16 {
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (mut s, _) = server.accept().unwrap();
        for chunk in bytes.chunks(3) {
            s.write_all(chunk).unwrap(); // small pieces: reads straddle them
            std::thread::sleep(Duration::from_millis(1));
        }
    });
    port
}

#[test]
fn mixing_readline_and_readexactly_loses_no_byte() {
    let port = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello tail");
    let reader = gevent::spawn(move || {
        let (mut r, _w) = streams::open_connection("127.0.0.1", port).unwrap();
        assert_eq!(r.readline().unwrap(), b"HTTP/1.1 200 OK\r\n");
        assert_eq!(r.readline().unwrap(), b"Content-Length: 5\r\n");
        assert_eq!(r.readline().unwrap(), b"\r\n");
        assert_eq!(r.readexactly(5).unwrap(), b"hello");
        assert_eq!(r.read(1).unwrap(), b" ");
        let rest = r.readuntil(b"zz").unwrap_err();
        match rest {
            streams::StreamError::IncompleteRead { partial, expected: None } => assert_eq!(partial, b"tail"),
            other => panic!("{other}"),
        }
        assert!(r.at_eof());
        assert_eq!(r.readline().unwrap(), b"", "readline at the end is empty");
    });
    reader.join().unwrap();
}

#[test]
fn a_line_past_the_limit_is_a_limit_overrun() {
    let port = serve_once(b"0123456789\n");
    gevent::spawn(move || {
        let (r, _w) = streams::open_connection("localhost", port).unwrap();
        let mut r = streams::StreamReader::new(r.into_stream(), 4);
        let err = r.readline().unwrap_err();
        assert!(matches!(err, streams::StreamError::LimitOverrun { limit: 4 }), "{err}");
        assert!(err.to_string().contains("4-byte limit"), "{err}");
    })
    .join()
    .unwrap();
}

#[test]
fn an_unknown_host_says_what_failed() {
    let err =
        gevent::spawn(|| streams::open_connection("no-such-host.invalid", 1).unwrap_err()).join().unwrap();
    assert!(err.to_string().contains("resolving no-such-host.invalid:1"), "{err}");
}

#[test]
fn the_writer_drains_and_closes_and_the_peer_reads_it_all() {
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let peer = std::thread::spawn(move || {
        use std::io::Read;
        let (mut s, _) = server.accept().unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        got
    });
    gevent::spawn(move || {
        let (_r, mut w) = streams::open_connection("localhost", port).unwrap();
        let big = vec![b'x'; 4 << 20]; // past any send buffer: drain must park
        w.write(b"head ");
        w.write(&big);
        w.drain().unwrap();
        w.write(b" tail");
        w.close().unwrap();
    })
    .join()
    .unwrap();
    let got = peer.join().unwrap();
    assert_eq!(got.len(), 5 + (4 << 20) + 5);
    assert!(got.starts_with(b"head x") && got.ends_with(b"x tail"));
}

#[test]
fn a_panic_in_a_blocking_call_is_an_error_and_the_hub_goes_on() {
    let err = gevent::spawn(|| gevent::run_in_thread(|| -> u32 { panic!("no resolver") }).unwrap_err())
        .join()
        .unwrap();
    assert!(err.to_string().contains("no resolver"), "{err}");
    assert_eq!(gevent::spawn(|| 7).join().unwrap(), 7);
}
