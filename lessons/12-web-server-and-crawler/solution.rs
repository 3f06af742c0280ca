// ANCHOR: solution
//! Lesson 12 solution: drive the HTTP state machine, and crawl with a limit.
//!
//! `serve` is `corolab::http::serve_connection` with the bookkeeping of a
//! real server taken out; `fetch_all` is the `threads` backend of the
//! `crawl` scenario, returning bodies in order.

use corolab::http::Client;
use corolab::http::conn::{Connection, Step};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

// ANCHOR: serve
/// Serves one connection until it closes; returns the responses written.
pub fn serve(stream: &mut TcpStream, sleep: impl Fn(Duration)) -> io::Result<u64> {
    let mut conn = Connection::new();
    let mut written = 0;
    loop {
        match conn.step() {
            Step::Read => match stream.read(conn.read_buf()) {
                Ok(n) => conn.filled(n),
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                    conn.timed_out()
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            },
            Step::Respond(delay) => {
                if !delay.is_zero() {
                    sleep(delay);
                }
                stream.write_all(conn.output())?;
                conn.written();
                written += 1;
            }
            Step::Close => return Ok(written),
        }
    }
}
// ANCHOR_END: serve

// ANCHOR: fetch_all
/// Fetches `targets` from `addr`, at most `concurrency` at once.
pub fn fetch_all(addr: SocketAddr, targets: &[String], concurrency: usize) -> Vec<Result<Vec<u8>, String>> {
    let next = AtomicUsize::new(0);
    let results = Mutex::new(vec![Err("never fetched".to_string()); targets.len()]);
    std::thread::scope(|s| {
        for _ in 0..concurrency.clamp(1, targets.len().max(1)) {
            s.spawn(|| {
                let mut client = match TcpStream::connect(addr) {
                    Ok(stream) => Client::new(stream),
                    Err(_) => return, // the pages this worker would have taken stay "never fetched"
                };
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(target) = targets.get(i) else { return };
                    let body = client.get(target).map(|r| r.body).map_err(|e| e.to_string());
                    results.lock().unwrap()[i] = body;
                }
            });
        }
    });
    results.into_inner().unwrap()
}
// ANCHOR_END: fetch_all

// ANCHOR: app
/// A web app of one's own: two handlers on the app API.
pub fn app() -> corolab::http::App {
    use corolab::http::{App, Response, StatusCode, escape_html, html_response, json_response};
    App::new()
        .get("/greet/{name}", |req| {
            html_response(format!(
                "<p>Hello, {}!</p>\n",
                escape_html(req.match_info("name").unwrap_or_default())
            ))
        })
        .get("/add", |req| {
            let number = |name| req.query(name).and_then(|v| v.parse::<i64>().ok());
            match (number("a"), number("b")) {
                (Some(a), Some(b)) => json_response(&serde_json::json!({ "sum": a.saturating_add(b) })),
                _ => Response::text(StatusCode::BAD_REQUEST, "a and b must be integers\n"),
            }
        })
}
// ANCHOR_END: app

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
// ANCHOR_END: solution
