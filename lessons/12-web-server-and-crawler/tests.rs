//! The tests lesson 12's exercise and solution share.

use super::{app, fetch_all, serve};
use corolab::http::{self, Client, ServerConfig};
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The delays `serve` asked its sleep for.
type Slept = Arc<Mutex<Vec<Duration>>>;

/// Accepts one connection and runs your `serve` on it, with a thread sleep
/// that also writes down every delay it was asked for.
fn serve_one(read_timeout: Duration) -> (TcpStream, JoinHandle<io::Result<u64>>, Slept) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    client.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let slept = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&slept);
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept()?;
        stream.set_read_timeout(Some(read_timeout))?;
        serve(&mut stream, move |d| {
            log.lock().unwrap().push(d);
            std::thread::sleep(d);
        })
    });
    (client, server, slept)
}

#[test]
fn serve_answers_requests_on_one_keep_alive_connection() {
    let (stream, server, _) = serve_one(Duration::from_secs(5));
    let mut client = Client::new(stream);
    assert_eq!(client.get("/hello/Ada%20Lovelace").unwrap().body, b"Hello, Ada Lovelace!\n");
    let data = client.get("/data").unwrap();
    assert_eq!((data.status, data.header("content-type")), (200, Some("application/json")));
    assert_eq!(client.get("/nowhere").unwrap().status, 404);
    drop(client);
    assert_eq!(server.join().unwrap().unwrap(), 3, "serve returns the number of responses it wrote");
}

#[test]
fn serve_sleeps_the_routes_delay_its_own_way() {
    let (stream, server, slept) = serve_one(Duration::from_secs(5));
    let mut client = Client::new(stream);
    assert_eq!(client.get("/hello/slow?delay_ms=120").unwrap().body, b"Hello, slow!\n");
    assert_eq!(client.get("/hello/fast").unwrap().body, b"Hello, fast!\n");
    drop(client);
    server.join().unwrap().unwrap();
    assert_eq!(*slept.lock().unwrap(), [Duration::from_millis(120)], "sleep only when there is a delay");
}

#[test]
fn serve_answers_bad_input_then_closes() {
    let (mut stream, server, _) = serve_one(Duration::from_secs(5));
    stream.write_all(b"NONSENSE\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{answer:?}");
    assert_eq!(server.join().unwrap().unwrap(), 1);
}

#[test]
fn serve_times_out_a_client_that_stalls_mid_request() {
    let (mut stream, server, _) = serve_one(Duration::from_millis(200));
    stream.write_all(b"GET /hel").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 408 "), "a read timeout is Connection::timed_out: {answer:?}");
    server.join().unwrap().unwrap();
}

#[test]
fn fetch_all_returns_every_body_in_order_with_at_most_c_in_flight() {
    let server = http::threads::spawn("127.0.0.1:0", ServerConfig::default()).unwrap();
    let targets: Vec<String> = (0..20).map(|i| format!("/hello/page-{i}?delay_ms=100")).collect();
    let started = Instant::now();
    let bodies = fetch_all(server.addr(), &targets, 5);
    let took = started.elapsed();
    assert_eq!(bodies.len(), 20);
    for (i, body) in bodies.iter().enumerate() {
        let body = body.as_ref().unwrap_or_else(|e| panic!("page {i}: {e}"));
        assert_eq!(
            body,
            format!("Hello, page-{i}!\n").as_bytes(),
            "bodies come back in the order of targets"
        );
    }
    // 20 pages of 100 ms, 5 at a time, cannot take less than 4 × 100 ms...
    assert!(took >= Duration::from_millis(380), "more than 5 in flight? {took:?}");
    // ...and one at a time they would take 2 s.
    assert!(took < Duration::from_secs(2), "not concurrent? {took:?}");
    let summary = server.stop().unwrap();
    assert!(summary.connections <= 5, "one keep-alive connection per worker, not per page: {summary:?}");
}

#[test]
fn your_app_greets_in_escaped_html_and_adds_in_json() {
    let server = http::threads::serve("127.0.0.1:0", ServerConfig::default(), app()).unwrap();
    let mut client = Client::new(TcpStream::connect(server.addr()).unwrap());
    let page = client.get("/greet/%3Cb%3EAda").unwrap();
    assert_eq!((page.status, &page.body[..]), (200, &b"<p>Hello, &lt;b&gt;Ada!</p>\n"[..]));
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    let sum: serde_json::Value = serde_json::from_slice(&client.get("/add?a=40&b=2").unwrap().body).unwrap();
    assert_eq!(sum["sum"], 42);
    assert_eq!(client.get("/add?a=x&b=2").unwrap().status, 400);
    assert_eq!(client.get("/nowhere").unwrap().status, 404);
    drop(client);
    server.stop().unwrap();
}
