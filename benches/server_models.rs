//! The server models side by side: connections per second, and memory per
//! connection, for the echo server on every backend that has one (a
//! process per connection, a thread per connection, the coroutine and
//! event-loop servers).
//!
//! | column | what it is |
//! | --- | --- |
//! | `conn/s` | client threads connect, send 64 bytes, read the echo and close, as fast as they can for `SECONDS`; connections completed per second |
//! | `PSS base` | the server's memory before the idle connections: the proportional set size (`Pss` in `/proc/PID/smaps_rollup`) of its process and every descendant |
//! | `PSS +N` | the same with `IDLE` connections open, each having echoed one byte (so its thread, process, greenlet or task exists and has run), all silent now |
//! | `per conn` | (`PSS +N` - `PSS base`) / N |
//!
//! PSS counts each page a process maps in proportion to how many share
//! it: a forked child's pages still shared with its parent are split
//! between them, so the sum over the server and its children is the
//! memory the whole server uses, counted once. Kernel memory (socket
//! buffers, a thread's kernel stack, page tables) is not in it.
//!
//! Each server is a child process of this bench (the binary run again as
//! `server_models --serve-echo BACKEND`), pinned to core 0; the clients
//! are threads of the bench, pinned to core 1 (on a machine with two cores
//! or more), so every model gets one core to serve on.
//!
//! `cargo bench -p corolab-benches --bench server_models`; the knobs:
//! `COROLAB_IDLE` (default 1,000), `COROLAB_SECONDS` (3), `COROLAB_CLIENTS`
//! (4 client threads), `COROLAB_BACKENDS` (a comma-separated list: only
//! those). The figures are in the results chapter of the book.
#![allow(unsafe_code)] // sched_setaffinity: one libc call, with its SAFETY

use corolab::backend::Backend;
use corolab::echo;
use corolab::server::ServerConfig;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The message each measured connection echoes.
const MESSAGE: [u8; 64] = [b'm'; 64];

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Pins the calling thread (and the threads and processes it starts) to
/// `core`, if the machine has it.
fn pin(core: usize) {
    if std::thread::available_parallelism().map_or(1, |n| n.get()) <= core.max(1) {
        return;
    }
    // SAFETY: `set` is a live local cpu_set_t, zeroed (an empty set) and
    // then given one CPU below CPU_SETSIZE; sched_setaffinity reads it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(core, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

/// Server mode: serve echo on `backend` until standard input closes.
fn serve(backend: &str) -> ! {
    pin(0);
    let backend = Backend::from_name(backend).expect("a backend name");
    let config = ServerConfig { read_timeout: Duration::from_secs(600), ..Default::default() };
    let server = echo::spawn(backend, "127.0.0.1:0".parse().unwrap(), config).expect("the server starts");
    println!("{}", server.addr());
    let _ = std::io::stdout().flush();
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    let summary = server.stop();
    eprintln!("{backend}: {summary:?}");
    std::process::exit(0);
}

/// A server process of this bench.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(backend: Backend) -> Server {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--serve-echo", backend.name()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server process starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line.trim().parse().unwrap_or_else(|_| panic!("{backend}: no address in {line:?}"));
        Server { child, addr }
    }

    /// Proportional set size of the server and all its descendants, bytes.
    fn pss(&self) -> u64 {
        let mut pids = vec![self.child.id()];
        let mut total = 0;
        while let Some(pid) = pids.pop() {
            total += pss_of(pid);
            pids.extend(children_of(pid));
        }
        total
    }

    fn stop(mut self) {
        drop(self.child.stdin.take()); // end of input: the server stops
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pss_of(pid: u32) -> u64 {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    rollup
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn children_of(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return Vec::new() };
    tasks
        .flatten()
        .flat_map(|t| {
            let list = std::fs::read_to_string(t.path().join("children")).unwrap_or_default();
            list.split_whitespace().filter_map(|p| p.parse().ok()).collect::<Vec<u32>>()
        })
        .collect()
}

/// One short connection: connect, send, read the echo, close.
fn one_connection(addr: SocketAddr) -> std::io::Result<()> {
    let mut s = TcpStream::connect(addr)?;
    s.set_nodelay(true)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.write_all(&MESSAGE)?;
    let mut back = [0u8; MESSAGE.len()];
    s.read_exact(&mut back)?;
    assert_eq!(back, MESSAGE, "the echo differs");
    Ok(())
}

/// Connections per second with `clients` threads for `seconds`.
fn rate(addr: SocketAddr, clients: u64, seconds: u64) -> (f64, u64) {
    let done = AtomicU64::new(0);
    let failed = AtomicU64::new(0);
    let measuring = AtomicBool::new(false);
    let stop = AtomicBool::new(false);
    let took = std::thread::scope(|s| {
        for _ in 0..clients {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let ok = one_connection(addr).is_ok();
                    if measuring.load(Ordering::Relaxed) {
                        if ok { &done } else { &failed }.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
        std::thread::sleep(Duration::from_millis(300)); // warm-up
        let started = Instant::now();
        measuring.store(true, Ordering::Relaxed);
        std::thread::sleep(Duration::from_secs(seconds));
        measuring.store(false, Ordering::Relaxed);
        let took = started.elapsed();
        stop.store(true, Ordering::Relaxed);
        took
    });
    (done.load(Ordering::Relaxed) as f64 / took.as_secs_f64(), failed.load(Ordering::Relaxed))
}

/// Opens `n` connections that each echo one byte, then stay silent.
fn idle(addr: SocketAddr, n: u64) -> std::io::Result<Vec<TcpStream>> {
    (0..n)
        .map(|_| {
            let mut s = TcpStream::connect(addr)?;
            s.set_read_timeout(Some(Duration::from_secs(20)))?;
            s.write_all(b"!")?;
            s.read_exact(&mut [0u8; 1])?;
            Ok(s)
        })
        .collect()
}

fn kib(bytes: f64) -> String {
    if bytes >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", bytes / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", bytes / 1024.0)
    }
}

fn thousands(n: f64) -> String {
    let digits = format!("{:.0}", n);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve-echo") {
        serve(&args[i + 1]);
    }
    let n = knob("COROLAB_IDLE", 1_000);
    let seconds = knob("COROLAB_SECONDS", 3);
    let clients = knob("COROLAB_CLIENTS", 4);
    let only: Option<String> = std::env::var("COROLAB_BACKENDS").ok();
    println!("server models: the echo server, a 64-byte echo per connection;");
    println!("{clients} client threads for {seconds} s; memory with {n} idle connections");
    println!();
    println!(
        "{:<9} {:>9} {:>8} {:>11} {:>11} {:>11}",
        "backend", "conn/s", "failed", "PSS base", "PSS +idle", "per conn"
    );
    pin(1);
    for &backend in echo::BACKENDS {
        if only.as_deref().is_some_and(|o| !o.split(',').any(|b| b == backend.name())) {
            continue;
        }
        let server = Server::start(backend);
        let (per_second, failed) = rate(server.addr, clients, seconds);
        std::thread::sleep(Duration::from_millis(300)); // short connections finish
        let base = server.pss();
        let open = match idle(server.addr, n) {
            Ok(open) => open,
            Err(e) => {
                println!(
                    "{:<9} {:>9} {:>8} {:>11} cannot open {n} connections: {e}",
                    backend.name(),
                    thousands(per_second),
                    failed,
                    kib(base as f64)
                );
                server.stop();
                continue;
            }
        };
        std::thread::sleep(Duration::from_millis(300));
        let loaded = server.pss();
        let per = loaded.saturating_sub(base) as f64 / n as f64;
        println!(
            "{:<9} {:>9} {:>8} {:>11} {:>11} {:>11}",
            backend.name(),
            thousands(per_second),
            failed,
            kib(base as f64),
            kib(loaded as f64),
            kib(per)
        );
        drop(open);
        server.stop();
    }
}
