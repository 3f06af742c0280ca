//! The HTTP servers over 127.0.0.1, driven by plain std clients.
//!
//! Every test runs on every backend that has a server
//! (`corolab::http::server::BACKENDS`), so a backend joins these tests by
//! joining that list. Every socket has a read timeout: a broken server
//! fails a test, it never hangs it.

use corolab::http::client::parse_response;
use corolab::http::conn::{Connection, Step};
use corolab::http::request::parse_request;
use corolab::http::{self, Client, ClientResponse, ServerConfig, ServerHandle};
use corolab::scenarios::Backend;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(20);

fn servers(config: ServerConfig) -> Vec<(Backend, ServerHandle)> {
    http::server::BACKENDS
        .iter()
        .map(|&b| (b, http::server::spawn(b, "127.0.0.1:0".parse().unwrap(), config).expect("server starts")))
        .collect()
}

fn connect(server: &ServerHandle) -> TcpStream {
    let stream = TcpStream::connect(server.addr()).expect("connect");
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream
}

fn client(server: &ServerHandle) -> Client<TcpStream> {
    Client::new(connect(server))
}

/// Sends `bytes` on a new connection and reads until the server closes it.
fn raw(server: &ServerHandle, bytes: &[u8]) -> String {
    let mut stream = connect(server);
    stream.write_all(bytes).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("the server answers and closes");
    String::from_utf8_lossy(&answer).into_owned()
}

/// Reads one response from `stream`.
fn read_response(stream: &mut TcpStream) -> ClientResponse {
    let mut buf = Vec::new();
    loop {
        if let Some((response, _)) = parse_response(&buf).unwrap() {
            return response;
        }
        let mut chunk = [0u8; 1024];
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "closed before a whole response");
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn still_serving(backend: Backend, server: &ServerHandle) {
    let page = client(server).get("/hello/still%20here").unwrap_or_else(|e| panic!("{backend}: {e}"));
    assert_eq!(page.body, b"Hello, still here!\n", "{backend}");
}

#[test]
fn routes_answer_with_their_content() {
    for (backend, server) in servers(ServerConfig::default()) {
        let mut c = client(&server);
        let index = c.get("/").unwrap();
        assert_eq!(index.status, 200, "{backend}");
        assert!(index.header("content-type").unwrap().starts_with("text/html"), "{backend}");
        assert!(String::from_utf8_lossy(&index.body).contains("/hello/"), "{backend}");
        let hello = c.get("/hello/J%C3%BCrgen").unwrap();
        assert_eq!((hello.status, &hello.body[..]), (200, "Hello, Jürgen!\n".as_bytes()), "{backend}");
        let data = c.get("/data?delay_ms=10").unwrap();
        let json: serde_json::Value = serde_json::from_slice(&data.body).expect("/data is JSON");
        assert_eq!(json["service"], "corolab", "{backend}");
        let head = raw(&server, b"HEAD /hello/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n") && head.ends_with("\r\n\r\n"), "{backend}: {head}");
        assert!(head.contains("Content-Length: 10\r\n"), "{backend}: {head}");
    }
}

#[test]
fn keep_alive_serves_many_requests_on_one_connection() {
    for (backend, server) in servers(ServerConfig::default()) {
        let mut c = client(&server);
        for i in 0..50 {
            let page =
                c.get(&format!("/hello/{i}")).unwrap_or_else(|e| panic!("{backend}: request {i}: {e}"));
            assert_eq!(page.body, format!("Hello, {i}!\n").as_bytes(), "{backend}");
            assert!(!page.closes(), "{backend}");
        }
        drop(c);
        let summary = server.stop().unwrap();
        assert_eq!((summary.requests, summary.connections), (50, 1), "{backend}");
    }
}

#[test]
fn connection_close_and_http10_are_honoured() {
    for (backend, server) in servers(ServerConfig::default()) {
        let answer = raw(&server, b"GET /hello/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assert!(answer.contains("\r\nConnection: close\r\n") && answer.ends_with("Hello, a!\n"), "{backend}");
        // HTTP/1.0 closes by default, even with a second request queued.
        let answer = raw(&server, b"GET /hello/b HTTP/1.0\r\n\r\nGET /hello/c HTTP/1.0\r\n\r\n");
        assert!(answer.ends_with("Hello, b!\n"), "{backend}: {answer}");
        // ...and keeps the connection with keep-alive, saying so.
        let answer = raw(
            &server,
            b"GET /hello/d HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /hello/e HTTP/1.0\r\n\r\n",
        );
        assert!(
            answer.contains("Connection: keep-alive\r\n") && answer.ends_with("Hello, e!\n"),
            "{backend}"
        );
    }
}

#[test]
fn bad_input_gets_its_status_and_the_server_keeps_serving() {
    let long_header =
        format!("GET / HTTP/1.1\r\nHost: x\r\nX-Long: {}\r\n\r\n", "a".repeat(http::MAX_HEAD_BYTES));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("malformed request line", b"GARBAGE\r\n\r\n".to_vec(), "400"),
        ("binary junk", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n".to_vec(), "400"),
        ("malformed header", b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n".to_vec(), "400"),
        (
            "invalid Content-Length",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -4\r\n\r\n".to_vec(),
            "400",
        ),
        ("oversized headers", long_header.into_bytes(), "431"),
        (
            "oversized body",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n".to_vec(),
            "413",
        ),
        ("chunked body", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec(), "501"),
        ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(), "505"),
        (
            "bad delay",
            b"GET /?delay_ms=soon HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
            "400",
        ),
        ("bad escape", b"GET /hello/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), "400"),
        ("unknown route", b"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), "404"),
        ("wrong method", b"DELETE /data HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), "405"),
    ];
    for (backend, server) in servers(ServerConfig::default()) {
        for (what, bytes, status) in &cases {
            let answer = raw(&server, bytes);
            assert!(answer.starts_with(&format!("HTTP/1.1 {status} ")), "{backend}: {what}: {answer:?}");
            let (response, _) = parse_response(answer.as_bytes()).unwrap().expect("a whole response");
            assert_eq!(response.status.to_string(), *status, "{backend}: {what}");
        }
        let answer = raw(&server, b"DELETE /data HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assert!(answer.contains("\r\nAllow: GET, HEAD\r\n"), "{backend}: {answer}");
        still_serving(backend, &server);
    }
}

#[test]
fn a_stalled_client_is_timed_out_without_holding_up_another() {
    let config = ServerConfig { read_timeout: Duration::from_millis(300), ..Default::default() };
    for (backend, server) in servers(config) {
        let mut stalled = connect(&server);
        stalled.write_all(b"GET /hello/sta").unwrap(); // ...and then nothing
        // Another client is served while the first one stalls.
        let other = client(&server).get("/hello/other").unwrap();
        assert_eq!(other.body, b"Hello, other!\n", "{backend}");
        // The stalled one gets a 408 and the connection closes.
        let mut answer = String::new();
        stalled.read_to_string(&mut answer).expect("closed, not left hanging");
        assert!(answer.starts_with("HTTP/1.1 408 "), "{backend}: {answer:?}");
        // An idle keep-alive connection is closed silently.
        let mut idle = client(&server);
        idle.get("/").unwrap();
        let mut rest = Vec::new();
        idle.stream().read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "{backend}");
        still_serving(backend, &server);
    }
}

#[test]
fn a_slow_page_does_not_hold_up_a_fast_one() {
    for (backend, server) in servers(ServerConfig::default()) {
        let mut slow = connect(&server);
        slow.write_all(b"GET /hello/slow?delay_ms=3000 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let started = Instant::now();
        let fast = client(&server).get("/hello/fast").unwrap();
        assert_eq!(fast.body, b"Hello, fast!\n", "{backend}");
        assert!(
            started.elapsed() < Duration::from_millis(2500),
            "{backend}: the fast page waited for the slow one"
        );
        assert_eq!(read_response(&mut slow).body, b"Hello, slow!\n", "{backend}");
    }
}

#[test]
fn two_hundred_concurrent_clients_are_all_answered() {
    for (backend, server) in servers(ServerConfig::default()) {
        let answers: Vec<Result<ClientResponse, String>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..200)
                .map(|i| {
                    let server = &server;
                    s.spawn(move || {
                        let mut c = client(server);
                        let first =
                            c.get(&format!("/hello/client-{i}?delay_ms=100")).map_err(|e| e.to_string())?;
                        let second = c.get(&format!("/hello/again-{i}")).map_err(|e| e.to_string())?;
                        if second.body != format!("Hello, again-{i}!\n").as_bytes() {
                            return Err(format!("client {i}: wrong second body"));
                        }
                        Ok(first)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (i, answer) in answers.iter().enumerate() {
            let page = answer.as_ref().unwrap_or_else(|e| panic!("{backend}: client {i}: {e}"));
            assert_eq!(page.body, format!("Hello, client-{i}!\n").as_bytes(), "{backend}");
        }
        still_serving(backend, &server);
        let summary = server.stop().unwrap();
        assert_eq!(summary.requests, 401, "{backend}");
        assert_eq!(summary.left_open, 0, "{backend}");
    }
}

#[test]
fn stop_closes_idle_keep_alive_connections_and_counts_requests() {
    for (backend, server) in servers(ServerConfig::default()) {
        let mut idle = client(&server);
        idle.get("/").unwrap();
        let started = Instant::now();
        let summary = server.stop().unwrap();
        assert!(started.elapsed() < Duration::from_secs(5), "{backend}: stop waited on an idle client");
        assert_eq!((summary.requests, summary.left_open), (1, 0), "{backend}");
        let mut rest = Vec::new();
        assert_eq!(idle.stream().read_to_end(&mut rest).unwrap(), 0, "{backend}: closed by the server");
    }
}

/// xorshift64*: a seeded, dependency-free random stream.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Feeds `bytes` to a connection in random-sized chunks and plays the
/// server's part; returns everything it would have written.
fn drive(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut conn = Connection::new();
    let mut fed = 0;
    let mut out = Vec::new();
    for _ in 0..10_000 {
        match conn.step() {
            Step::Read if fed == bytes.len() => conn.filled(0),
            Step::Read => {
                let buf = conn.read_buf();
                let n = (1 + rng.below(64)).min(bytes.len() - fed).min(buf.len());
                buf[..n].copy_from_slice(&bytes[fed..fed + n]);
                conn.filled(n);
                fed += n;
            }
            Step::Respond(_) => {
                out.extend_from_slice(conn.output());
                conn.written();
            }
            Step::Close => return out,
        }
    }
    panic!("the connection never closed on {:?}", String::from_utf8_lossy(bytes));
}

#[test]
fn the_parser_never_panics_on_random_or_truncated_input() {
    let seeds: &[&[u8]] = &[
        b"GET /hello/a%20b?delay_ms=0 HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n",
        b"POST /data HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody",
        b"HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /data HTTP/1.1\r\n\r\n",
        b"GET /hello/%E2%82%AC HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
    ];
    let alphabet = b"GET /%?&=:\r\n HTTP/1.01 Content-Length: 9-\x00\xff";
    let mut rng = Rng(0x5eed_c0de);
    let mut answered = 0;
    for round in 0..20_000 {
        let mut bytes = seeds[round % seeds.len()].to_vec();
        match round % 4 {
            0 => bytes.truncate(rng.below(bytes.len() + 1)),
            1 => {
                for _ in 0..1 + rng.below(4) {
                    let at = rng.below(bytes.len());
                    bytes[at] = alphabet[rng.below(alphabet.len())];
                }
            }
            2 => {
                let at = rng.below(bytes.len());
                let junk: Vec<u8> = (0..rng.below(40)).map(|_| rng.next() as u8).collect();
                bytes.splice(at..at, junk);
            }
            _ => bytes = (0..rng.below(300)).map(|_| alphabet[rng.below(alphabet.len())]).collect(),
        }
        let _ = parse_request(&bytes);
        let _ = parse_response(&bytes);
        let out = drive(&bytes, &mut rng);
        if !out.is_empty() {
            assert!(out.starts_with(b"HTTP/1.1 "), "{:?}", String::from_utf8_lossy(&out));
            answered += 1;
        }
    }
    assert!(answered > 1000, "the mutations should still produce some answers ({answered})");
}

#[test]
fn crawl_verifies_every_page_on_every_backend() {
    use corolab::scenarios::{self, Config};
    let crawl = scenarios::find("crawl").unwrap();
    let delay = Duration::from_millis(50);
    for &backend in crawl.backends {
        let config = Config { concurrency: Some(10), ..Config::quiet().with_n(10).with_delay(delay) };
        let report = scenarios::run(crawl, backend, &config);
        assert!(report.ok, "{backend}: {:?} {}", report.error, report.detail);
        assert_eq!(report.items, 10, "{backend}");
        if backend != Backend::Sequential {
            // Ten 50 ms pages, ten in flight: ideally 50 ms; one after
            // another they could not take less than 500 ms.
            assert!(report.wall_ms < 500.0, "{backend}: {} ms, no faster than sequential", report.wall_ms);
        }
    }
}

#[test]
fn corolab_serve_http_serves_until_ctrl_c_then_reports() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    for &backend in http::server::BACKENDS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_corolab"))
            .args(["serve", "http", "--backend", backend.name(), "--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("corolab starts");
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let addr = first.split_whitespace().find_map(|w| w.parse::<std::net::SocketAddr>().ok());
        let Some(addr) = addr else {
            let _ = child.kill();
            panic!("{backend}: no address in {first:?}");
        };
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut c = Client::new(stream);
        assert_eq!(c.get("/hello/cli").unwrap().body, b"Hello, cli!\n", "{backend}");
        assert_eq!(c.get("/data").unwrap().status, 200, "{backend}");
        // Ctrl-C, with an idle keep-alive connection still open.
        let killed = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
        assert!(killed.success());
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("{backend}: still running {PATIENCE:?} after Ctrl-C");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).unwrap();
        assert!(status.success(), "{backend}: {status:?} {rest}");
        assert!(rest.contains("served 2 requests on 1 connection"), "{backend}: {rest}");
    }
}
