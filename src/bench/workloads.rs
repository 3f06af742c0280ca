//! The operations behind `corolab bench`'s first table, timed inside one
//! process: what each model's own machinery costs, with nothing else on
//! the timed path.
//!
//! A scenario run (`corolab run pingpong`) narrates: each turn formats
//! strings, records trace events and checks a list, and that costs far more
//! than the switch it is about. Here each operation is the bare thing, in a
//! loop of `n`, timed with one `Instant` around the loop, and the check
//! (the counts) comes after the clock stops:
//!
//! | op | one operation |
//! | --- | --- |
//! | `switch` | a round trip: control leaves a task and comes back to it |
//! | `spawn` | start a task that returns at once, and wait for its result |
//! | `timer` | one of `n` tasks due at the same instant wakes (first to last wake, over `n - 1`) |
//! | `remote` | a plain thread asks the runtime to run something and waits for the answer |
//! | `socket` | 64 bytes there and back over 127.0.0.1, client and server on the same runtime |
//!
//! `who` is a corolab backend (`generator`, `greenlet`, `greenlet-siblings`
//! (two child greenlets switching to each other), `gevent`, `aio`,
//! `threads-1core`, `threads-2cores`) or a peer that corolab links anyway
//! (`corosensei`, `may`). tokio's and Python's versions of the same loops
//! are in `examples/tokio_peer/ops.rs` and `src/bench/ops.py`.
#![forbid(unsafe_code)]

use crate::aio;
use crate::generator::Generator;
use crate::gevent::{self, may as gmay};
use crate::greenlet::{Greenlet, Value};
use std::cell::RefCell;
use std::hint::black_box;
use std::io::{Read, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// What one timed loop took, over how many operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timed {
    /// Wall time of the timed loop alone.
    pub took: Duration,
    /// Operations in it.
    pub ops: u64,
}

impl Timed {
    /// Nanoseconds per operation.
    pub fn ns_per_op(&self) -> f64 {
        self.took.as_nanos() as f64 / self.ops.max(1) as f64
    }
}

/// The operations, in the order the table shows them.
pub const OPS: [&str; 5] = ["switch", "spawn", "timer", "remote", "socket"];

/// Who can run `op` in this process (corolab's backends, then the peers
/// corolab links).
pub fn who_runs(op: &str) -> &'static [&'static str] {
    match op {
        "switch" => &[
            "generator",
            "greenlet",
            "greenlet-siblings",
            "gevent",
            "aio",
            "threads-1core",
            "threads-2cores",
            "corosensei",
            "may",
        ],
        "spawn" => &["generator", "greenlet", "gevent", "aio", "threads", "corosensei", "may"],
        "timer" => &["gevent", "aio", "threads", "may"],
        "remote" => &["aio", "may"],
        "socket" => &["gevent", "aio", "threads", "may"],
        _ => &[],
    }
}

/// How many tasks the `timer` op puts on one deadline (threads get fewer:
/// each is an OS thread with its own stack).
pub fn timer_tasks(who: &str) -> u64 {
    if who.starts_with("threads") { 1_000 } else { 10_000 }
}

/// Runs `op` on `who` with `n` operations (for `timer`, `n` tasks).
pub fn run(op: &str, who: &str, n: u64) -> Result<Timed, String> {
    let n = n.max(2);
    match (op, who) {
        ("switch", "corosensei") => Ok(switch_corosensei(n)),
        ("switch", "generator") => switch_generator(n),
        ("switch", "greenlet") => switch_greenlet(n),
        ("switch", "greenlet-siblings") => switch_greenlet_siblings(n),
        ("switch", "gevent") => switch_gevent(n),
        ("switch", "may") => switch_may(n),
        ("switch", "aio") => switch_aio(n),
        ("switch", "threads-1core") => switch_threads(n, [0, 0]),
        ("switch", "threads-2cores") => switch_threads(n, [0, 1]),
        ("spawn", "corosensei") => Ok(spawn_corosensei(n)),
        ("spawn", "generator") => spawn_generator(n),
        ("spawn", "greenlet") => spawn_greenlet(n),
        ("spawn", "gevent") => spawn_gevent(n),
        ("spawn", "may") => spawn_may(n),
        ("spawn", "aio") => spawn_aio(n),
        ("spawn", "threads") => spawn_threads(n),
        ("timer", "gevent") => timer_gevent(n),
        ("timer", "may") => timer_may(n),
        ("timer", "threads") => timer_threads(n),
        ("timer", "aio") => timer_aio(n),
        ("remote", "aio") => remote_aio(n),
        ("remote", "may") => remote_may(n),
        ("socket", "aio") => socket_aio(n),
        ("socket", "gevent") => socket_gevent(n),
        ("socket", "may") => socket_may(n),
        ("socket", "threads") => socket_threads(n),
        _ => Err(format!("{who} has no {op} operation")),
    }
}

/// Runs `op` on `who` with more operations each time until the timed loop
/// lasts at least `target`, and returns that last loop: the clock's own
/// cost (tens of ns) stays far below the loop's. `timer` runs once, at
/// [`timer_tasks`].
pub fn calibrated(op: &str, who: &str, target: Duration) -> Result<Timed, String> {
    if op == "timer" {
        return run(op, who, timer_tasks(who));
    }
    let mut n = 64;
    loop {
        let timed = run(op, who, n)?;
        if timed.took >= target || n >= 1 << 30 {
            return Ok(timed);
        }
        // Aim a little past the target from what this loop took.
        let scale = target.as_secs_f64() * 1.2 / timed.took.as_secs_f64().max(1e-9);
        n = (n as f64 * scale.clamp(2.0, 100.0)) as u64;
    }
}

fn unit() -> Value {
    Box::new(())
}

fn checked(took: Duration, ops: u64, done: u64) -> Result<Timed, String> {
    if done == ops { Ok(Timed { took, ops }) } else { Err(format!("{done} of {ops} operations happened")) }
}

fn configure_may() -> Result<(), String> {
    // One worker, like one gevent hub or one aio loop.
    gmay::configure(Some(1)).map(|_| ()).map_err(|e| e.to_string())
}

// ---- switch -----------------------------------------------------------

fn switch_corosensei(n: u64) -> Timed {
    let mut co: corosensei::Coroutine<(), (), ()> = corosensei::Coroutine::new(|yielder, ()| {
        loop {
            yielder.suspend(());
        }
    });
    co.resume(());
    let started = Instant::now();
    for _ in 0..n {
        black_box(co.resume(()).as_yield().is_some());
    }
    Timed { took: started.elapsed(), ops: n }
}

fn switch_generator(n: u64) -> Result<Timed, String> {
    let g: Generator<(), (), ()> = Generator::new(|co, ()| while co.yield_(()).is_ok() {});
    g.send(()).map_err(|e| format!("{e:?}"))?;
    let mut done = 0;
    let started = Instant::now();
    for _ in 0..n {
        done += u64::from(black_box(g.send(()).is_ok()));
    }
    checked(started.elapsed(), n, done)
}

fn switch_greenlet(n: u64) -> Result<Timed, String> {
    let g = Greenlet::new(|_| {
        let main = Greenlet::current().parent().expect("a child greenlet has a parent");
        while main.switch(unit()).is_ok() {}
        unit()
    });
    g.switch(unit()).map_err(|e| format!("{e:?}"))?;
    let mut done = 0;
    let started = Instant::now();
    for _ in 0..n {
        done += u64::from(black_box(g.switch(unit()).is_ok()));
    }
    checked(started.elapsed(), n, done)
}

/// Two child greenlets switch to each other: each switch goes through the
/// trampoline on the main greenlet, two context switches where main to a
/// child takes one, so a round trip is four against [`switch_greenlet`]'s
/// two. `a` times its `n` round trips; `b` answers each, then returns
/// when main switches to it once more.
fn switch_greenlet_siblings(n: u64) -> Result<Timed, String> {
    let a_slot: Rc<RefCell<Option<Greenlet>>> = Rc::default();
    let b = Greenlet::new({
        let a_slot = Rc::clone(&a_slot);
        move |_| {
            let a = a_slot.borrow().clone().expect("a is set before b starts");
            for _ in 0..n {
                if a.switch(unit()).is_err() {
                    break;
                }
            }
            unit()
        }
    });
    let a = Greenlet::new({
        let b = b.clone();
        move |_| {
            let mut done = 0u64;
            let started = Instant::now();
            for _ in 0..n {
                done += u64::from(black_box(b.switch(unit()).is_ok()));
            }
            Box::new((started.elapsed(), done)) as Value
        }
    });
    *a_slot.borrow_mut() = Some(a.clone());
    let back = a.switch(unit()).map_err(|e| format!("{e:?}"))?;
    // b waits in its last switch to a (now dead): one more switch ends it.
    b.switch(unit()).map_err(|e| format!("{e:?}"))?;
    let (took, done) = *back.downcast::<(Duration, u64)>().map_err(|_| "a returned something else")?;
    checked(took, n, done)
}

fn switch_gevent(n: u64) -> Result<Timed, String> {
    let timed = gevent::spawn(move || {
        let started = Instant::now();
        for _ in 0..n {
            gevent::sleep(Duration::ZERO);
        }
        started.elapsed()
    });
    let other = gevent::spawn(move || (0..n).for_each(|_| gevent::sleep(Duration::ZERO)));
    let took = timed.join().map_err(|e| e.to_string())?;
    other.join().map_err(|e| e.to_string())?;
    Ok(Timed { took, ops: n })
}

fn switch_may(n: u64) -> Result<Timed, String> {
    configure_may()?;
    let timed = gmay::spawn(move || {
        let started = Instant::now();
        for _ in 0..n {
            may::coroutine::yield_now();
        }
        started.elapsed()
    });
    let other = gmay::spawn(move || (0..n).for_each(|_| may::coroutine::yield_now()));
    let took = timed.join().map_err(|e| e.to_string())?;
    other.join().map_err(|e| e.to_string())?;
    Ok(Timed { took, ops: n })
}

fn switch_aio(n: u64) -> Result<Timed, String> {
    aio::run(async move {
        let timed = aio::spawn(async move {
            let started = Instant::now();
            for _ in 0..n {
                aio::yield_now().await;
            }
            started.elapsed()
        });
        let other = aio::spawn(async move {
            for _ in 0..n {
                aio::yield_now().await;
            }
        });
        let took = timed.await.map_err(|e| e.to_string())?;
        other.await.map_err(|e| e.to_string())?;
        Ok(Timed { took, ops: n })
    })
}

/// A hand-off between two OS threads over channels, the threads pinned to
/// `cores` (the same core twice: each hand-off is a context switch on one
/// core; two cores: a wake-up across cores).
fn switch_threads(n: u64, cores: [usize; 2]) -> Result<Timed, String> {
    let (mine, theirs) = (core_affinity::CoreId { id: cores[0] }, core_affinity::CoreId { id: cores[1] });
    let (to_echo, echo_rx) = crossbeam_channel::bounded::<u64>(1);
    let (echo_tx, back) = crossbeam_channel::bounded::<u64>(1);
    let echo = std::thread::spawn(move || {
        if !core_affinity::set_for_current(theirs) {
            return None;
        }
        let mut seen = 0;
        while let Ok(x) = echo_rx.recv() {
            seen += 1;
            if echo_tx.send(x).is_err() {
                break;
            }
        }
        Some(seen)
    });
    let pinned = |id: usize| format!("could not pin a thread to core {id}");
    if !core_affinity::set_for_current(mine) {
        drop(to_echo);
        return Err(pinned(cores[0]));
    }
    let mut done = 0;
    let started = Instant::now();
    for i in 0..n {
        to_echo.send(i).map_err(|e| e.to_string())?;
        done += u64::from(back.recv().map_err(|e| e.to_string())? == i);
    }
    let took = started.elapsed();
    drop(to_echo);
    let seen = echo.join().map_err(|_| "the echo thread panicked".to_string())?.ok_or(pinned(cores[1]))?;
    checked(took, n, done.min(seen))
}

// ---- spawn ------------------------------------------------------------

fn spawn_corosensei(n: u64) -> Timed {
    let started = Instant::now();
    for i in 0..n {
        let mut co: corosensei::Coroutine<(), (), u64> =
            corosensei::Coroutine::new(move |_, ()| black_box(i));
        black_box(co.resume(()).as_return());
    }
    Timed { took: started.elapsed(), ops: n }
}

fn spawn_generator(n: u64) -> Result<Timed, String> {
    let mut done = 0;
    let started = Instant::now();
    for i in 0..n {
        let g: Generator<(), (), u64> = Generator::new(move |_, ()| black_box(i));
        done += u64::from(matches!(g.send(()), Ok(crate::generator::Step::Returned(r)) if r == i));
    }
    checked(started.elapsed(), n, done)
}

fn spawn_greenlet(n: u64) -> Result<Timed, String> {
    let mut done = 0;
    let started = Instant::now();
    for i in 0..n {
        let g = Greenlet::new(move |_| Box::new(black_box(i)) as Value);
        let back = g.switch(unit()).map_err(|e| format!("{e:?}"))?;
        done += u64::from(back.downcast_ref::<u64>() == Some(&i));
    }
    checked(started.elapsed(), n, done)
}

fn spawn_gevent(n: u64) -> Result<Timed, String> {
    let mut done = 0;
    let started = Instant::now();
    for i in 0..n {
        done += u64::from(gevent::spawn(move || black_box(i)).join().map_err(|e| e.to_string())? == i);
    }
    checked(started.elapsed(), n, done)
}

/// From inside a coroutine, as gevent's and aio's spawns are timed (a
/// plain thread joining would time a wake-up across threads instead).
fn spawn_may(n: u64) -> Result<Timed, String> {
    configure_may()?;
    let outer = gmay::spawn(move || {
        let mut done = 0;
        let started = Instant::now();
        for i in 0..n {
            done += u64::from(gmay::spawn(move || black_box(i)).join().map_err(|e| e.to_string())? == i);
        }
        checked(started.elapsed(), n, done)
    });
    outer.join().map_err(|e| e.to_string())?
}

fn spawn_aio(n: u64) -> Result<Timed, String> {
    aio::run(async move {
        let mut done = 0;
        let started = Instant::now();
        for i in 0..n {
            done += u64::from(aio::spawn(async move { black_box(i) }).await.map_err(|e| e.to_string())? == i);
        }
        checked(started.elapsed(), n, done)
    })
}

fn spawn_threads(n: u64) -> Result<Timed, String> {
    let mut done = 0;
    let started = Instant::now();
    for i in 0..n {
        let back = std::thread::spawn(move || black_box(i)).join();
        done += u64::from(back.map_err(|_| "a thread panicked".to_string())? == i);
    }
    checked(started.elapsed(), n, done)
}

// ---- timer ------------------------------------------------------------

/// How far ahead the shared deadline is: time to start every task first.
const TIMER_LEAD: Duration = Duration::from_millis(150);

/// How long a woken task waits before it returns: every task is still
/// alive while the others wake, so the window times wake-ups alone. A
/// task that returned at once would free its stack in the window
/// (`munmap`, 5 µs and more, once the stack pool is full at 10,000
/// stacks), and that, not the wake, was most of gevent's 7 µs a wake.
const TIMER_HOLD: Duration = Duration::from_millis(200);

/// `n` gevent tasks sleep until one deadline.
fn timer_gevent(n: u64) -> Result<Timed, String> {
    timer_blocking(
        n,
        TIMER_LEAD,
        |deadline| {
            gevent::spawn(move || {
                gevent::sleep_until(deadline);
                let woke = Instant::now();
                gevent::sleep_until(deadline + TIMER_HOLD);
                woke
            })
        },
        |task| task.join().map_err(|e| e.to_string()),
    )
}

/// The lead of may and threads, whose tasks are slow to start: a may spawn
/// maps a fresh stack (`mmap` and a guard page's `mprotect`) and writes the
/// scheduler's eventfd, three system calls a task, and a thread is a
/// `clone`; 10,000 coroutines or 1,000 threads take longer than
/// [`TIMER_LEAD`] on a busy machine. (`spawn`'s rows are faster: one
/// stack, reused each time.)
const SLOW_START_LEAD: Duration = Duration::from_millis(1000);

/// `n` may coroutines (one worker) sleep until one deadline, started from
/// inside a coroutine, as gevent's are from the hub's thread.
fn timer_may(n: u64) -> Result<Timed, String> {
    configure_may()?;
    let outer = gmay::spawn(move || {
        timer_blocking(
            n,
            SLOW_START_LEAD,
            |deadline| {
                gmay::spawn(move || {
                    gmay::sleep_until(deadline);
                    let woke = Instant::now();
                    gmay::sleep_until(deadline + TIMER_HOLD);
                    woke
                })
            },
            |task| task.join().map_err(|e| e.to_string()),
        )
    });
    outer.join().map_err(|e| e.to_string())?
}

/// `n` OS threads sleep until one deadline.
fn timer_threads(n: u64) -> Result<Timed, String> {
    let until = |t: Instant| std::thread::sleep(t.saturating_duration_since(Instant::now()));
    timer_blocking(
        n,
        SLOW_START_LEAD,
        |deadline| {
            std::thread::spawn(move || {
                until(deadline);
                let woke = Instant::now();
                until(deadline + TIMER_HOLD);
                woke
            })
        },
        |task| task.join().map_err(|_| "a thread panicked".to_string()),
    )
}

/// The timer row of a blocking model: `start` makes a task that sleeps
/// until the deadline, notes when it woke, holds [`TIMER_HOLD`] and says
/// when it woke; `join` waits for it.
fn timer_blocking<T>(
    n: u64,
    lead: Duration,
    start: impl Fn(Instant) -> T,
    join: impl Fn(T) -> Result<Instant, String>,
) -> Result<Timed, String> {
    let deadline = Instant::now() + lead;
    let tasks: Vec<T> = (0..n).map(|_| start(deadline)).collect();
    started_in_time(deadline, lead)?;
    let woke: Result<Vec<Instant>, String> = tasks.into_iter().map(join).collect();
    spread(&woke?, deadline)
}

fn timer_aio(n: u64) -> Result<Timed, String> {
    aio::run(async move {
        let deadline = Instant::now() + TIMER_LEAD;
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                aio::spawn(async move {
                    aio::sleep_until(deadline).await;
                    let woke = Instant::now();
                    aio::sleep_until(deadline + TIMER_HOLD).await;
                    woke
                })
            })
            .collect();
        started_in_time(deadline, TIMER_LEAD)?;
        let mut woke = Vec::with_capacity(n as usize);
        for t in tasks {
            woke.push(t.await.map_err(|e| e.to_string())?);
        }
        spread(&woke, deadline)
    })
}

/// An error when starting the tasks took so long that some may have
/// started after the deadline (their wakes would not be timer wakes).
fn started_in_time(deadline: Instant, lead: Duration) -> Result<(), String> {
    if Instant::now() + Duration::from_millis(10) > deadline {
        return Err(format!("starting the tasks took longer than {} ms", lead.as_millis()));
    }
    Ok(())
}

/// First wake to last, over the wakes after the first; an error when a task
/// woke before its deadline. (On a very busy machine the wakes may outlast
/// [`TIMER_HOLD`]; the first tasks have then returned while the last still
/// wait, and the figure includes some of their exits.)
fn spread(woke: &[Instant], deadline: Instant) -> Result<Timed, String> {
    let first = woke.iter().min().copied().ok_or("no task woke")?;
    let last = woke.iter().max().copied().ok_or("no task woke")?;
    if first < deadline {
        return Err("a task woke before its deadline".into());
    }
    Ok(Timed { took: last - first, ops: woke.len() as u64 - 1 })
}

// ---- remote -----------------------------------------------------------

fn remote_aio(n: u64) -> Result<Timed, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let lp = aio::EventLoop::new();
        let _ = tx.send(lp.handle());
        lp.run_forever();
    });
    let handle = rx.recv().map_err(|_| "the loop did not start".to_string())?;
    let mut done = 0;
    let started = Instant::now();
    for i in 0..n {
        let back = handle.spawn_threadsafe(async move { black_box(i) }).wait();
        done += u64::from(back.map_err(|e| e.to_string())? == i);
    }
    let took = started.elapsed();
    handle.stop().map_err(|e| e.to_string())?;
    thread.join().map_err(|_| "the loop's thread panicked".to_string())?;
    checked(took, n, done)
}

fn remote_may(n: u64) -> Result<Timed, String> {
    configure_may()?;
    let (to_may, may_rx) = gmay::channel::<u64>();
    let (may_tx, back) = std::sync::mpsc::channel::<u64>();
    let echo = gmay::spawn(move || {
        while let Ok(x) = may_rx.recv() {
            if may_tx.send(x).is_err() {
                break;
            }
        }
    });
    let mut done = 0;
    let started = Instant::now();
    for i in 0..n {
        to_may.send(i).map_err(|e| e.to_string())?;
        done += u64::from(back.recv().map_err(|e| e.to_string())? == i);
    }
    let took = started.elapsed();
    drop(to_may);
    echo.join().map_err(|e| e.to_string())?;
    checked(took, n, done)
}

// ---- socket -----------------------------------------------------------

/// What the client sends each time.
const MESSAGE: [u8; 64] = [b'x'; 64];

/// The client's timed loop over any blocking-style stream.
fn echo_client(mut s: impl Read + Write, n: u64) -> std::io::Result<Timed> {
    let mut back = [0u8; 64];
    let mut done = 0;
    let started = Instant::now();
    for _ in 0..n {
        s.write_all(&MESSAGE)?;
        s.read_exact(&mut back)?;
        done += u64::from(back == MESSAGE);
    }
    let took = started.elapsed();
    checked(took, n, done).map_err(std::io::Error::other)
}

/// The server side: echo until the client closes.
fn echo_server(mut s: impl Read + Write) -> std::io::Result<()> {
    let mut buf = [0u8; 4096];
    loop {
        let got = s.read(&mut buf)?;
        if got == 0 {
            return Ok(());
        }
        s.write_all(&buf[..got])?;
    }
}

fn socket_threads(n: u64) -> Result<Timed, String> {
    let e = |e: std::io::Error| e.to_string();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(e)?;
    let addr = listener.local_addr().map_err(e)?;
    let server = std::thread::spawn(move || {
        let (s, _) = listener.accept()?;
        s.set_nodelay(true)?;
        echo_server(s)
    });
    let client = std::net::TcpStream::connect(addr).map_err(e)?;
    client.set_nodelay(true).map_err(e)?;
    let timed = echo_client(&client, n).map_err(e)?;
    drop(client);
    server.join().map_err(|_| "the server thread panicked".to_string())?.map_err(e)?;
    Ok(timed)
}

fn socket_gevent(n: u64) -> Result<Timed, String> {
    let e = |e: std::io::Error| e.to_string();
    let listener = gevent::net::TcpListener::bind("127.0.0.1:0").map_err(e)?;
    let addr = listener.local_addr().map_err(e)?;
    let server = gevent::spawn(move || {
        let (s, _) = listener.accept()?;
        s.set_nodelay(true)?;
        echo_server(s)
    });
    let client = gevent::spawn(move || {
        let s = gevent::net::TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        echo_client(&s, n)
    });
    let timed = client.join().map_err(|e| e.to_string())?.map_err(e)?;
    server.join().map_err(|e| e.to_string())?.map_err(e)?;
    Ok(timed)
}

fn socket_may(n: u64) -> Result<Timed, String> {
    configure_may()?;
    let e = |e: std::io::Error| e.to_string();
    let listener = may::net::TcpListener::bind("127.0.0.1:0").map_err(e)?;
    let addr = listener.local_addr().map_err(e)?;
    let server = gmay::spawn(move || {
        let (s, _) = listener.accept()?;
        s.set_nodelay(true)?;
        echo_server(s)
    });
    let client = gmay::spawn(move || {
        let s = may::net::TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        echo_client(s, n)
    });
    let timed = client.join().map_err(|e| e.to_string())?.map_err(e)?;
    server.join().map_err(|e| e.to_string())?.map_err(e)?;
    Ok(timed)
}

fn socket_aio(n: u64) -> Result<Timed, String> {
    let e = |e: std::io::Error| e.to_string();
    aio::run(async move {
        let listener = aio::TcpListener::bind("127.0.0.1:0").await.map_err(e)?;
        let addr = listener.local_addr().map_err(e)?;
        let server = aio::spawn(async move {
            let (s, _) = listener.accept().await?;
            let mut buf = [0u8; 4096];
            loop {
                let got = s.read(&mut buf).await?;
                if got == 0 {
                    return Ok::<(), std::io::Error>(());
                }
                s.write_all(&buf[..got]).await?;
            }
        });
        let client = aio::TcpStream::connect(addr).await.map_err(e)?;
        let mut back = [0u8; 64];
        let mut done = 0;
        let started = Instant::now();
        for _ in 0..n {
            client.write_all(&MESSAGE).await.map_err(e)?;
            client.read_exact(&mut back).await.map_err(e)?;
            done += u64::from(back == MESSAGE);
        }
        let took = started.elapsed();
        client.close().await.map_err(e)?;
        server.await.map_err(|e| e.to_string())?.map_err(e)?;
        checked(took, n, done)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_switch_and_spawn_row_runs_and_checks_its_count() {
        for op in ["switch", "spawn"] {
            for who in who_runs(op).iter().filter(|w| !w.starts_with("threads") && **w != "may") {
                let timed = run(op, who, 1000).unwrap_or_else(|e| panic!("{op} on {who}: {e}"));
                assert_eq!(timed.ops, 1000, "{op} on {who}");
            }
        }
    }

    #[test]
    fn child_to_child_greenlets_finish_both_and_count_every_round_trip() {
        let timed = switch_greenlet_siblings(500).unwrap();
        assert_eq!(timed.ops, 500);
        assert!(timed.took > Duration::ZERO);
    }

    #[test]
    fn timer_rows_keep_woken_tasks_alive_and_time_the_wakes() {
        for who in ["gevent", "aio"] {
            let timed = run("timer", who, 200).unwrap_or_else(|e| panic!("timer on {who}: {e}"));
            assert_eq!(timed.ops, 199, "{who}: first wake to last, over the wakes after the first");
            // An order of magnitude: 200 wakes, far under a second.
            assert!(timed.took < Duration::from_secs(1), "{who}: {:?}", timed.took);
        }
    }
}
