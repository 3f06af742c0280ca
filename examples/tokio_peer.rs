//! The tokio peer: corolab's scenarios written with tokio, so `corolab bench`
//! can put a production runtime in the same table.
//!
//! ```text
//! cargo build --release -p corolab-benches --example tokio_peer
//! target/release/examples/tokio_peer --list
//! target/release/examples/tokio_peer sleepers --n 1000 --delay-ms 100 --json
//! ```
//!
//! `tokio_peer op <op> <ct|mt> <n>` times one operation for the bench's
//! per-operation table (see `tokio_peer/ops.rs`).
//!
//! It runs on tokio's current-thread runtime: one thread, like corolab's
//! coroutine models, so the comparison is scheduler against scheduler and
//! not one core against two. Each scenario does the same work as corolab's
//! and checks it the same way, and prints one JSON line shaped like
//! `corolab run --json` (the bench protocol in `lessons/README.md`).
#![forbid(unsafe_code)]

use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

const SCENARIOS: [&str; 4] = ["pingpong", "producer-consumer", "sleepers", "echo"];

/// What a scenario did: units done, what a unit is, and whether it checked out.
struct Done {
    items: u64,
    unit: &'static str,
    ok: bool,
    detail: String,
}

#[derive(Debug, Default)]
struct Knobs {
    n: Option<u64>,
    delay_ms: Option<u64>,
    clients: Option<u64>,
}

#[path = "tokio_peer/ops.rs"]
mod ops;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "op") {
        std::process::exit(ops::main(&args[1..]));
    }
    if args.iter().any(|a| a == "--list") {
        for s in SCENARIOS {
            println!("{s}");
        }
        return;
    }
    let Some(scenario) = args.first().cloned() else {
        eprintln!("usage: tokio_peer <scenario> [--n N] [--delay-ms D] [--clients C] [--json] | --list");
        std::process::exit(2);
    };
    let mut knobs = Knobs::default();
    let mut rest = args[1..].iter();
    while let Some(flag) = rest.next() {
        let mut value = || rest.next().and_then(|v| v.parse().ok());
        match flag.as_str() {
            "--n" => knobs.n = value(),
            "--delay-ms" => knobs.delay_ms = value(),
            "--clients" => knobs.clients = value(),
            _ => {}
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let started = Instant::now();
    let (n, done) = runtime.block_on(async {
        match scenario.as_str() {
            "pingpong" => {
                let n = knobs.n.unwrap_or(2);
                (n, pingpong(n).await)
            }
            "producer-consumer" => {
                let n = knobs.n.unwrap_or(5);
                (n, producer_consumer(n).await)
            }
            "sleepers" => {
                let n = knobs.n.unwrap_or(10);
                (n, sleepers(n, Duration::from_millis(knobs.delay_ms.unwrap_or(500))).await)
            }
            "echo" => {
                let n = knobs.n.unwrap_or(1000);
                (n, echo(knobs.clients.unwrap_or(10), n).await)
            }
            other => {
                eprintln!("the tokio peer has no scenario '{other}' (it has: {})", SCENARIOS.join(", "));
                std::process::exit(2);
            }
        }
    });
    let wall_ms = started.elapsed().as_secs_f64() * 1e3;
    let report = serde_json::json!({
        "scenario": scenario,
        "backend": "tokio",
        "n": n,
        "wall_ms": wall_ms,
        "peak_rss_kb": peak_rss_kb(),
        "ok": done.ok,
        "items": done.items,
        "unit": done.unit,
        "per_second": done.items as f64 / (wall_ms / 1e3),
        "detail": done.detail,
        "error": if done.ok { None } else { Some(done.detail.clone()) },
    });
    if args.iter().any(|a| a == "--json") {
        println!("{report}");
    } else {
        println!(
            "{scenario} on tokio: {} in {wall_ms:.1} ms — {}",
            if done.ok { "ok" } else { "FAILED" },
            done.detail
        );
    }
    std::process::exit(if done.ok { 0 } else { 1 });
}

fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|r| r.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Two tasks hand a turn back and forth over channels; `n` turns each,
/// printing (here: recording) the classic `12 56 34 78` sequence.
async fn pingpong(n: u64) -> Done {
    let (to_pong, mut pong_turn) = mpsc::channel::<()>(1);
    let (to_ping, mut ping_turn) = mpsc::channel::<()>(1);
    let (log, mut printed) = mpsc::unbounded_channel::<String>();
    let ping_log = log.clone();
    let ping = tokio::spawn(async move {
        for k in 0..n {
            ping_log.send(format!("{}{}", 2 * k + 1, 2 * k + 2)).ok();
            to_pong.send(()).await.ok();
            if k + 1 < n {
                ping_turn.recv().await;
            }
        }
    });
    let pong = tokio::spawn(async move {
        for k in 0..n {
            pong_turn.recv().await;
            log.send(format!("{}{}", 2 * n + 2 * k + 1, 2 * n + 2 * k + 2)).ok();
            if k + 1 < n {
                to_ping.send(()).await.ok();
            }
        }
    });
    let ok = ping.await.is_ok() && pong.await.is_ok();
    let mut got = Vec::new();
    while let Ok(v) = printed.try_recv() {
        got.push(v);
    }
    let want: Vec<String> = (0..n)
        .flat_map(|k| {
            [format!("{}{}", 2 * k + 1, 2 * k + 2), format!("{}{}", 2 * n + 2 * k + 1, 2 * n + 2 * k + 2)]
        })
        .collect();
    let ok = ok && got == want;
    Done {
        items: got.len() as u64,
        unit: "turns",
        ok,
        detail: format!("{} turns, in order: {ok}", got.len()),
    }
}

/// The producer sends items 1..=n one at a time; the consumer answers each.
async fn producer_consumer(n: u64) -> Done {
    let (to_consumer, mut items) = mpsc::channel::<u64>(1);
    let (to_producer, mut answers) = mpsc::channel::<&'static str>(1);
    let consumer = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(item) = items.recv().await {
            seen.push(item);
            to_producer.send("200 OK").await.ok();
        }
        seen
    });
    let mut answered = 0;
    for item in 1..=n {
        to_consumer.send(item).await.ok();
        if answers.recv().await == Some("200 OK") {
            answered += 1;
        }
    }
    drop(to_consumer);
    let seen = consumer.await.unwrap_or_default();
    let ok = seen == (1..=n).collect::<Vec<_>>() && answered == n;
    Done {
        items: seen.len() as u64,
        unit: "items",
        ok,
        detail: format!("{} items, {answered} answers", seen.len()),
    }
}

/// `n` tasks each sleep `delay`, then all are joined.
async fn sleepers(n: u64, delay: Duration) -> Done {
    let handles: Vec<_> = (0..n)
        .map(|_| {
            tokio::spawn(async move {
                let started = Instant::now();
                tokio::time::sleep(delay).await;
                started.elapsed()
            })
        })
        .collect();
    let mut slept = 0;
    let mut early = 0;
    for h in handles {
        match h.await {
            Ok(d) if d >= delay => slept += 1,
            _ => early += 1,
        }
    }
    let ok = slept == n;
    Done {
        items: slept,
        unit: "sleepers",
        ok,
        detail: format!("{slept} slept, {early} woke early or failed"),
    }
}

/// A message that differs by client and sequence number, 16 to 128 bytes.
fn message(client: u64, seq: u64) -> Vec<u8> {
    let len = 16 + ((client * 31 + seq * 7) % 113) as usize;
    (0..len).map(|i| b'a' + ((client + seq + i as u64) % 26) as u8).collect()
}

/// An echo server and `clients` clients each sending `n` checked messages.
async fn echo(clients: u64, n: u64) -> Done {
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(l) => l,
        Err(e) => return Done { items: 0, unit: "messages", ok: false, detail: format!("bind: {e}") },
    };
    let addr = listener.local_addr().expect("a bound address");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                loop {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(k) => {
                            if socket.write_all(&buf[..k]).await.is_err() {
                                break;
                            }
                        }
                    }
                }
            });
        }
    });
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            tokio::spawn(async move {
                let mut stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
                stream.set_nodelay(true).ok();
                let mut back = [0u8; 128];
                for seq in 0..n {
                    let msg = message(c, seq);
                    stream.write_all(&msg).await.map_err(|e| e.to_string())?;
                    stream.read_exact(&mut back[..msg.len()]).await.map_err(|e| e.to_string())?;
                    if back[..msg.len()] != msg[..] {
                        return Err(format!("client {c} message {seq}: wrong echo"));
                    }
                }
                Ok::<u64, String>(n)
            })
        })
        .collect();
    let mut verified = 0;
    let mut errors = Vec::new();
    for t in tasks {
        match t.await {
            Ok(Ok(k)) => verified += k,
            Ok(Err(e)) => errors.push(e),
            Err(e) => errors.push(e.to_string()),
        }
    }
    let ok = errors.is_empty() && verified == clients * n;
    let detail = match errors.first() {
        None => format!("{verified} echoes verified"),
        Some(e) => format!("{verified} echoes verified; {e}"),
    };
    Done { items: verified, unit: "messages", ok, detail }
}
