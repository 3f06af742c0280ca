//! `crawl`: fetch `n` pages from a slow server, at most `C` in flight.
//!
//! The scenario starts a local HTTP server (corolab's thread-per-connection
//! one, the same for every backend, so only the crawler's model differs)
//! whose every page takes `delay` to answer (`?delay_ms=N`), then fetches
//! pages `0..n` with at most `concurrency` requests in flight over
//! keep-alive connections (never more than `concurrency` of them), and
//! checks every body.
//!
//! | backend | how "at most C in flight" is kept |
//! | --- | --- |
//! | `sequential` | one page after another, one connection |
//! | `threads` | a pool of C threads taking page numbers from a channel |
//! | `genloop` | C generator tasks taking page numbers from a shared counter |
//! | `callbacks` | C connections, each a chain of callbacks taking the next page number |
//! | `gevent` | a greenlet per page, spawned into a `gevent::Pool` of C slots |
//! | `may` | C coroutines taking page numbers from a shared counter |
//! | `aio` | a task per page, each holding an `aio::Semaphore` permit of C |
//!
//! The arithmetic the lesson is about: `n` pages of `delay` each take
//! `n × delay` one after another (20 × 200 ms = 4 s), and about
//! `⌈n / C⌉ × delay` with `C` in flight (2 × 200 ms = 0.4 s for C = 10).
//! Waiting on the network is where concurrency pays, on any model.
//!
//! Knobs: `--n` pages (20), `--delay-ms` server latency (200),
//! `--concurrency` requests in flight (10).
#![forbid(unsafe_code)]

use super::{Backend, Config, Knob, KnobRange, Outcome, Scenario, ScenarioError};
use crate::http::{self, Client, ClientResponse, ServerConfig};
use crate::trace::{self, State, Wait};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The scenario's entry in the registry.
pub const SCENARIO: Scenario = Scenario {
    name: "crawl",
    summary: "fetch n pages from a slow local server (200 ms each), at most C in flight, checking every body",
    default_n: 20,
    backends: &[
        Backend::Sequential,
        Backend::Threads,
        Backend::Genloop,
        Backend::Callbacks,
        Backend::Gevent,
        Backend::May,
        Backend::Aio,
    ],
    knobs: &[
        KnobRange::new(Knob::N, 1, 10_000),
        KnobRange::new(Knob::DelayMs, 0, 10_000),
        KnobRange::new(Knob::Concurrency, 1, 1_000),
        KnobRange::new(Knob::Workers, 1, 256),
    ],
    run,
};

/// The server's latency when `--delay-ms` is not given.
pub const DEFAULT_DELAY: Duration = Duration::from_millis(200);

/// How many requests are in flight when `--concurrency` is not given.
pub const DEFAULT_CONCURRENCY: u64 = 10;

/// What one fetch produced: the page's index and its response, or why not.
pub type Fetched = (u64, Result<ClientResponse, String>);

fn run(backend: Backend, config: &Config) -> Result<Outcome, ScenarioError> {
    let n = config.n.unwrap_or(SCENARIO.default_n);
    let delay = config.delay.unwrap_or(DEFAULT_DELAY);
    let concurrency = match backend {
        Backend::Sequential => 1,
        _ => config.concurrency.unwrap_or(DEFAULT_CONCURRENCY).clamp(1, n.max(1)),
    };
    let server = http::threads::spawn("127.0.0.1:0", ServerConfig::default())?;
    let site = Site { addr: server.addr(), delay };
    config.say(format_args!(
        "crawling {n} pages from http://{}/ ({} ms each), {concurrency} in flight",
        site.addr,
        delay.as_millis()
    ));
    let fetched = match backend {
        Backend::Sequential => sequential(&site, n, config)?,
        Backend::Threads => threads(&site, n, concurrency, config)?,
        Backend::Genloop => genloop(&site, n, concurrency, config)?,
        Backend::Callbacks => callbacks(&site, n, concurrency, config)?,
        Backend::Gevent => gevent(&site, n, concurrency, config)?,
        Backend::May => may(&site, n, concurrency, config)?,
        Backend::Aio => aio(&site, n, concurrency, config)?,
        _ => return Err(ScenarioError::Unsupported { scenario: SCENARIO.name, backend }),
    };
    server.stop()?;
    Ok(check(n, concurrency, delay, &fetched))
}

/// Where the pages are and how slow they are.
#[derive(Clone, Copy, Debug)]
pub struct Site {
    /// The server's address.
    pub addr: SocketAddr,
    /// Its latency per page.
    pub delay: Duration,
}

impl Site {
    /// The request target of page `i`: a name with a space in it, so the
    /// server's percent-decoding is checked on every page.
    pub fn target(&self, i: u64) -> String {
        format!("/hello/page%20{i}?delay_ms={}", self.delay.as_millis())
    }

    /// A blocking std connection to the site, with a read timeout well
    /// past the page delay so a lost server fails the run instead of
    /// hanging it.
    pub fn connect(&self) -> std::io::Result<Client<TcpStream>> {
        let stream = TcpStream::connect(self.addr)?;
        stream.set_read_timeout(Some(self.delay + Duration::from_secs(10)))?;
        stream.set_nodelay(true)?;
        Ok(Client::new(stream))
    }
}

/// The body page `i` must have.
pub fn expected_body(i: u64) -> String {
    http::routes::greeting(&format!("page {i}"))
}

/// Checks that every page `0..n` was fetched exactly once, with status 200
/// and the right body.
pub fn check(n: u64, concurrency: u64, delay: Duration, fetched: &[Fetched]) -> Outcome {
    let mut seen = vec![false; n as usize];
    let mut problems = Vec::new();
    for (i, result) in fetched {
        match result {
            Ok(r) if r.status == 200 && r.body == expected_body(*i).as_bytes() => {
                if let Some(slot) = seen.get_mut(*i as usize) {
                    if std::mem::replace(slot, true) {
                        problems.push(format!("page {i} fetched twice"));
                    }
                }
            }
            Ok(r) => problems.push(format!(
                "page {i}: status {} body {:?}",
                r.status,
                String::from_utf8_lossy(&r.body)
            )),
            Err(e) => problems.push(format!("page {i}: {e}")),
        }
    }
    let missing = seen.iter().filter(|s| !**s).count();
    if missing > 0 {
        problems.push(format!("{missing} pages never fetched"));
    }
    let good = seen.iter().filter(|s| **s).count() as u64;
    let ideal = delay * n.div_ceil(concurrency.max(1)) as u32;
    let detail = match problems.first() {
        None => format!(
            "{good} pages verified, {} ms each; ideal with {concurrency} in flight ≈ {} ms",
            delay.as_millis(),
            ideal.as_millis()
        ),
        Some(first) => format!("{} problems, first: {first}", problems.len()),
    };
    Outcome { items: good, unit: "pages", ok: problems.is_empty(), detail }
}

// ANCHOR: sequential
/// One connection, one page after another: `n × delay`.
fn sequential(site: &Site, n: u64, config: &Config) -> Result<Vec<Fetched>, ScenarioError> {
    let id = trace::task("crawler");
    let mut client = site.connect()?;
    let mut fetched = Vec::new();
    for i in 0..n {
        trace::record(id, State::Waiting(Wait::Io));
        let result = client.get(&site.target(i)).map_err(|e| e.to_string());
        trace::record(id, State::Running);
        config.say(format_args!("[crawler] page {i}: {}", status_line(&result)));
        fetched.push((i, result));
    }
    trace::record(id, State::Done);
    Ok(fetched)
}
// ANCHOR_END: sequential

// ANCHOR: threads
/// A pool of `concurrency` threads, each with its own keep-alive connection,
/// taking page numbers from a shared channel.
fn threads(site: &Site, n: u64, concurrency: u64, config: &Config) -> Result<Vec<Fetched>, ScenarioError> {
    let (jobs, todo) = crossbeam_channel::unbounded();
    (0..n).for_each(|i| jobs.send(i).expect("the receiver is alive"));
    drop(jobs);
    let (done, results) = crossbeam_channel::unbounded();
    std::thread::scope(|s| -> Result<(), ScenarioError> {
        for w in 0..concurrency {
            let mut client = site.connect()?;
            let (todo, done) = (todo.clone(), done.clone());
            s.spawn(move || {
                let id = trace::task(format_args!("worker {w}"));
                for i in todo {
                    trace::record(id, State::Waiting(Wait::Io));
                    let result = client.get(&site.target(i)).map_err(|e| e.to_string());
                    trace::record(id, State::Running);
                    config.say(format_args!("[worker {w}] page {i}: {}", status_line(&result)));
                    let _ = done.send((i, result));
                }
                trace::record(id, State::Done);
            });
        }
        Ok(())
    })?;
    drop(done);
    Ok(results.into_iter().collect())
}
// ANCHOR_END: threads

// ANCHOR: genloop
/// genloop: `concurrency` generator tasks on one loop, each with its own
/// keep-alive connection, taking the next page number from a shared
/// counter. A fetch is `sock_sendall` of the request, then `sock_recv`
/// until [`http::client::parse_response`] has a whole response: the
/// `yield from` crawler of the aosabook chapter, on corolab's loop.
fn genloop(site: &Site, n: u64, concurrency: u64, config: &Config) -> Result<Vec<Fetched>, ScenarioError> {
    use crate::genloop::{self, Answer, Co, TcpStream, sock_connect, sock_recv, sock_sendall};
    use crate::http::client::{parse_response, request_bytes};
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    fn fetch(co: &Co<'_>, stream: &Rc<TcpStream>, target: &str) -> Result<ClientResponse, String> {
        let request = request_bytes("localhost", target);
        co.yield_from(sock_sendall(Rc::clone(stream), request), Answer::Go)
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        let mut buf = Vec::new();
        loop {
            if let Some((response, _)) = parse_response(&buf).map_err(|e| e.to_string())? {
                return Ok(response);
            }
            let got = co
                .yield_from(sock_recv(Rc::clone(stream), 8192), Answer::Go)
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            if got.is_empty() {
                return Err("the server closed the connection mid-response".into());
            }
            buf.extend_from_slice(&got);
        }
    }

    let (site, config) = (*site, Rc::new(config.clone()));
    let next = Rc::new(Cell::new(0u64));
    let fetched: Rc<RefCell<Vec<Fetched>>> = Rc::default();
    let main = genloop::task("main", {
        let fetched = Rc::clone(&fetched);
        move |co| -> Result<(), String> {
            let mut workers = Vec::new();
            for w in 0..concurrency {
                let (next, fetched, config) = (Rc::clone(&next), Rc::clone(&fetched), Rc::clone(&config));
                let worker = genloop::task(format_args!("worker {w}"), move |co| -> Result<(), String> {
                    let connected =
                        co.yield_from(sock_connect(site.addr), Answer::Go).map_err(|e| e.to_string())?;
                    let stream = Rc::new(connected.map_err(|e| format!("worker {w}: connect: {e}"))?);
                    stream.set_timeout(Some(site.delay + Duration::from_secs(10)));
                    loop {
                        let i = next.get();
                        if i >= n {
                            return Ok(());
                        }
                        next.set(i + 1);
                        let result = fetch(co, &stream, &site.target(i));
                        config.say(format_args!("[worker {w}] page {i}: {}", status_line(&result)));
                        fetched.borrow_mut().push((i, result));
                    }
                });
                workers.push(
                    co.yield_from(genloop::spawn::<Result<(), String>>(worker), Answer::Go)
                        .map_err(|e| e.to_string())?,
                );
            }
            for worker in workers {
                co.yield_from(genloop::join(worker), Answer::Go)
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())??;
            }
            Ok(())
        }
    });
    genloop::run::<Result<(), String>>(main)
        .map_err(|e| ScenarioError::Failed(e.to_string()))?
        .map_err(ScenarioError::Failed)?;
    Ok(std::mem::take(&mut *fetched.borrow_mut()))
}
// ANCHOR_END: genloop

// ANCHOR: callbacks
/// callbacks: `concurrency` keep-alive connections on one loop, each a
/// [`Conversation`](crate::callbacks::client::Conversation): when one
/// connects, and each time a whole response arrives, a callback records
/// the page and sends the request for the next page number. What a
/// worker's loop kept in its locals (which page it is on, the shared
/// counter, where the results go) is the conversation's fields.
fn callbacks(site: &Site, n: u64, concurrency: u64, config: &Config) -> Result<Vec<Fetched>, ScenarioError> {
    use crate::callbacks::EventLoop;
    use crate::callbacks::client::{Conversation, Next, converse};
    use crate::http::client::{parse_response, request_bytes};
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    struct Worker {
        w: u64,
        n: u64,
        site: Site,
        /// The page this worker asked for last.
        page: u64,
        next: Rc<Cell<u64>>,
        fetched: Rc<RefCell<Vec<Fetched>>>,
        failed: Rc<RefCell<Option<String>>>,
        config: Rc<Config>,
    }

    impl Worker {
        /// The request for the next page nobody has taken, if any is left.
        fn next_page(&mut self) -> Next {
            let i = self.next.get();
            if i >= self.n {
                return Next::Done;
            }
            self.next.set(i + 1);
            self.page = i;
            Next::Send(request_bytes("localhost", &self.site.target(i)))
        }
    }

    impl Conversation for Worker {
        fn connected(&mut self, _: &mut EventLoop) -> Next {
            self.next_page()
        }
        fn whole(&self, received: &[u8]) -> Result<Option<usize>, String> {
            Ok(parse_response(received).map_err(|e| e.to_string())?.map(|(_, used)| used))
        }
        fn answer(&mut self, _: &mut EventLoop, answer: &[u8]) -> Result<Next, String> {
            let (response, _) =
                parse_response(answer).map_err(|e| e.to_string())?.ok_or("half a response")?;
            let result = Ok(response);
            self.config.say(format_args!("[worker {}] page {}: {}", self.w, self.page, status_line(&result)));
            self.fetched.borrow_mut().push((self.page, result));
            Ok(self.next_page())
        }
        fn finished(&mut self, _: &mut EventLoop, result: Result<(), String>) {
            if let Err(e) = result {
                *self.failed.borrow_mut() = Some(format!("worker {}: {e}", self.w));
            }
        }
    }

    let mut lp = EventLoop::new()?;
    let next = Rc::new(Cell::new(0u64));
    let fetched: Rc<RefCell<Vec<Fetched>>> = Rc::default();
    let failed: Rc<RefCell<Option<String>>> = Rc::default();
    let config = Rc::new(config.clone());
    for w in 0..concurrency {
        let worker = Worker {
            w,
            n,
            site: *site,
            page: 0,
            next: Rc::clone(&next),
            fetched: Rc::clone(&fetched),
            failed: Rc::clone(&failed),
            config: Rc::clone(&config),
        };
        let lane = trace::task(format_args!("worker {w}"));
        converse(&mut lp, site.addr, site.delay + Duration::from_secs(10), lane, worker);
    }
    lp.run()?; // returns once every conversation has closed
    if let Some(why) = failed.borrow_mut().take() {
        return Err(ScenarioError::Failed(why));
    }
    let fetched = std::mem::take(&mut *fetched.borrow_mut());
    Ok(fetched)
}
// ANCHOR_END: callbacks

// ANCHOR: gevent
/// gevent: a greenlet per page, spawned into a `gevent::Pool` of
/// `concurrency` slots (so at most that many run), each taking an idle
/// keep-alive connection from a shared list or opening one. Plain blocking
/// code on `gevent::net` sockets; the hub switches on every wait.
fn gevent(site: &Site, n: u64, concurrency: u64, config: &Config) -> Result<Vec<Fetched>, ScenarioError> {
    use crate::gevent::{self, net::TcpStream};
    use std::cell::RefCell;
    use std::rc::Rc;

    let idle: Rc<RefCell<Vec<Client<TcpStream>>>> = Rc::default();
    let config = Rc::new(config.clone());
    let site = *site;
    let pool = gevent::Pool::new(concurrency as usize);
    let pages: Vec<_> = (0..n)
        .map(|i| {
            let (idle, config) = (Rc::clone(&idle), Rc::clone(&config));
            pool.spawn(move || {
                // The hub traces its greenlets itself.
                let pooled = idle.borrow_mut().pop();
                let result = (|| {
                    let mut client = match pooled {
                        Some(client) => client,
                        None => {
                            let stream = TcpStream::connect(site.addr).map_err(|e| e.to_string())?;
                            let timeout = Some(site.delay + Duration::from_secs(10));
                            stream.set_read_timeout(timeout).map_err(|e| e.to_string())?;
                            Client::new(stream)
                        }
                    };
                    let page = client.get(&site.target(i)).map_err(|e| e.to_string())?;
                    idle.borrow_mut().push(client);
                    Ok(page)
                })();
                config.say(format_args!("[page {i}] {}", status_line(&result)));
                (i, result)
            })
        })
        .collect();
    pages.into_iter().map(|page| page.join().map_err(|e| ScenarioError::Failed(e.to_string()))).collect()
}
// ANCHOR_END: gevent

// ANCHOR: may
/// may: `concurrency` coroutines on may's workers, each with its own
/// keep-alive connection, taking the next page number from a shared counter.
/// A coroutine blocked in `read` parks; its worker thread runs another.
fn may(site: &Site, n: u64, concurrency: u64, config: &Config) -> Result<Vec<Fetched>, ScenarioError> {
    use crate::gevent::may as gevent;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};

    super::configure_may(config)?;
    let next = Arc::new(AtomicU64::new(0));
    let fetched = Arc::new(Mutex::new(Vec::new()));
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let (site, next, fetched, config) = (*site, Arc::clone(&next), Arc::clone(&fetched), config.clone());
        workers.push(gevent::try_spawn(move || -> std::io::Result<()> {
            let id = trace::task(format_args!("worker {w}"));
            let stream = gevent::net::TcpStream::connect(site.addr)?;
            stream.set_read_timeout(Some(site.delay + Duration::from_secs(10)))?;
            let mut client = Client::new(stream);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                trace::record(id, State::Waiting(Wait::Io));
                let result = client.get(&site.target(i)).map_err(|e| e.to_string());
                trace::record(id, State::Running);
                config.say(format_args!("[worker {w}] page {i}: {}", status_line(&result)));
                fetched.lock().unwrap_or_else(|p| p.into_inner()).push((i, result));
            }
            trace::record(id, State::Done);
            Ok(())
        })?);
    }
    for worker in workers {
        worker.join().map_err(|e| ScenarioError::Failed(e.to_string()))??;
    }
    let fetched = std::mem::take(&mut *fetched.lock().unwrap_or_else(|p| p.into_inner()));
    Ok(fetched)
}
// ANCHOR_END: may

// ANCHOR: aio
/// aio: a task per page, as asyncio would write it; an `aio::Semaphore`
/// keeps at most `concurrency` in flight, and the connections they finish
/// with go back to a pool of idle keep-alive connections (so at most
/// `concurrency` are ever opened). One thread does it all.
fn aio(site: &Site, n: u64, concurrency: u64, config: &Config) -> Result<Vec<Fetched>, ScenarioError> {
    use crate::aio;
    use crate::http::aio::AsyncClient;
    use std::cell::RefCell;
    use std::rc::Rc;

    let (site, config) = (*site, Rc::new(config.clone()));
    let results = aio::run(async move {
        let limit = aio::Semaphore::new(concurrency as usize);
        let idle: Rc<RefCell<Vec<AsyncClient>>> = Rc::default();
        let pages: Vec<_> = (0..n)
            .map(|i| {
                let (limit, idle, config) = (limit.clone(), Rc::clone(&idle), Rc::clone(&config));
                // The loop traces its tasks itself, by name.
                aio::spawn_named(format!("page {i}"), async move {
                    let _permit = limit.acquire().await;
                    let pooled = idle.borrow_mut().pop();
                    let fetch = async {
                        let mut client = match pooled {
                            Some(client) => client,
                            None => AsyncClient::connect(site.addr).await.map_err(|e| e.to_string())?,
                        };
                        let page = client.get(&site.target(i)).await.map_err(|e| e.to_string())?;
                        idle.borrow_mut().push(client);
                        Ok(page)
                    };
                    let result = aio::wait_for(fetch, site.delay + Duration::from_secs(10))
                        .await
                        .unwrap_or_else(|_| Err("timed out".to_string()));
                    config.say(format_args!("[page {i}] {}", status_line(&result)));
                    (i, result)
                })
            })
            .collect();
        aio::gather_all(pages).await
    });
    results.into_iter().map(|r| r.map_err(|e| ScenarioError::Failed(e.to_string()))).collect()
}
// ANCHOR_END: aio

/// `200, 14 bytes` or the error, for the narration.
pub fn status_line(result: &Result<ClientResponse, String>) -> String {
    match result {
        Ok(r) => format!("{}, {} bytes", r.status, r.body.len()),
        Err(e) => e.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_catches_wrong_missing_and_duplicate_pages() {
        let page = |i: u64, body: &str| {
            (i, Ok(ClientResponse { status: 200, headers: vec![], body: body.as_bytes().to_vec() }))
        };
        let good = [page(0, &expected_body(0)), page(1, &expected_body(1))];
        assert!(check(2, 1, DEFAULT_DELAY, &good).ok);
        assert!(!check(2, 1, DEFAULT_DELAY, &good[..1]).ok);
        assert!(!check(2, 1, DEFAULT_DELAY, &[page(0, &expected_body(0)), page(1, "Hello, page 0!\n")]).ok);
        let twice = [page(0, &expected_body(0)), page(0, &expected_body(0)), page(1, &expected_body(1))];
        assert!(!check(2, 1, DEFAULT_DELAY, &twice).ok);
    }
}
