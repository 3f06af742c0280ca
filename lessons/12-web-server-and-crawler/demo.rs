//! Lesson 12's demo in Rust: `corolab demo 12`. The same story as
//! `python3 original.py`, line for line: an aiohttp-style app served on an
//! aio loop, a task per connection, whose `/hello/{name}` handler awaits
//! `?delay_ms` before it answers; then a crawler on a second aio loop
//! that fetches 6 slow pages with at most 3 in flight (a `Semaphore`),
//! page by page, and 20 pages with 10 in flight, checking every body.
//! (Python runs the server and the crawler on one loop; here each has its
//! own, on its own thread, which changes nothing a page sees.)

use super::say;
use corolab::aio::{self, Semaphore};
use corolab::http::aio::AsyncClient;
use corolab::http::{AsyncApp, Response, ServerConfig, WebRequest, text_response};
use std::cell::{Cell, RefCell};
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Whether the crawl tells what happens, page by page (the first does).
static NARRATE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn narrate() -> bool {
    NARRATE.load(std::sync::atomic::Ordering::Relaxed)
}

async fn hello(req: WebRequest) -> Response {
    let name = req.match_info("name").unwrap_or("you").to_string();
    let delay: u64 = req.query("delay_ms").and_then(|d| d.parse().ok()).unwrap_or(0);
    if narrate() {
        say(format_args!("server: {name} asked for; its handler sleeps {delay} ms"));
    }
    aio::sleep(Duration::from_millis(delay)).await; // the task waits; the loop serves others
    text_response(format!("Hello, {name}!\n"))
}

/// Fetches `n` pages of `delay_ms`, at most `concurrency` at once, over
/// keep-alive connections (at most `concurrency` are ever opened), and
/// checks each; returns how long it took.
async fn crawl(addr: SocketAddr, n: usize, delay_ms: u64, concurrency: usize) -> Result<Duration, String> {
    let limit = Rc::new(Semaphore::new(concurrency));
    let idle: Rc<RefCell<Vec<AsyncClient>>> = Rc::default();
    let in_flight = Rc::new(Cell::new(0));
    let one = |i: usize| {
        let (limit, idle, in_flight) = (limit.clone(), idle.clone(), in_flight.clone());
        async move {
            let _permit = limit.acquire().await;
            in_flight.set(in_flight.get() + 1);
            if narrate() {
                say(format_args!("page {i}: fetching ({} in flight)", in_flight.get()));
            }
            let reused = idle.borrow_mut().pop();
            let mut client = match reused {
                Some(client) => client,
                None => AsyncClient::connect(addr).await.map_err(|e| format!("page {i}: {e}"))?,
            };
            let page = client.get(&format!("/hello/page%20{i}?delay_ms={delay_ms}")).await;
            let page = page.map_err(|e| format!("page {i}: {e}"))?;
            idle.borrow_mut().push(client);
            in_flight.set(in_flight.get() - 1);
            let body = String::from_utf8_lossy(&page.body).into_owned();
            if narrate() {
                say(format_args!("page {i}: {} '{}'", page.status, body.trim()));
            }
            if (page.status, body.as_str()) != (200, format!("Hello, page {i}!\n").as_str()) {
                return Err(format!("page {i}: {} {body:?}", page.status));
            }
            Ok(i)
        }
    };
    let started = Instant::now();
    let done = aio::gather((0..n).map(one)).await?; // concurrently, as asyncio.gather
    let took = started.elapsed();
    if done != (0..n).collect::<Vec<_>>() {
        return Err(format!("pages missing: {done:?}"));
    }
    Ok(took)
}

fn demo() -> Result<(), String> {
    let app = AsyncApp::new().get("/hello/{name}", hello);
    let server = corolab::http::aio::serve("127.0.0.1:0".parse().unwrap(), ServerConfig::default(), app);
    let server = server.map_err(|e| format!("cannot serve on 127.0.0.1: {e}"))?;
    let addr = server.addr();
    say(format_args!("-- serving on http://{addr}/: a task per connection"));
    let crawled = aio::run(async move {
        say("-- crawl: 6 pages of 200 ms, at most 3 in flight");
        NARRATE.store(true, std::sync::atomic::Ordering::Relaxed);
        let took = crawl(addr, 6, 200, 3).await?;
        NARRATE.store(false, std::sync::atomic::Ordering::Relaxed);
        say(format_args!("-- crawl: 6 pages in {} ms (one at a time: 1200 ms)", took.as_millis()));
        let took = crawl(addr, 20, 200, 10).await?.as_secs_f64();
        say(format_args!(
            "-- crawl: 20 pages of 200 ms, 10 in flight: {:.0} ms, {:.0} pages/s",
            took * 1000.0,
            20.0 / took
        ));
        Ok::<(), String>(())
    });
    let stopped = server.stop().map_err(|e| format!("the server did not stop: {e}"));
    crawled.and(stopped.map(drop))
}

pub fn main() {
    if let Err(e) = demo() {
        say(format_args!("the demo failed: {e}"));
        std::process::exit(1);
    }
}
