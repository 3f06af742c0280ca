//! tokio's side of `corolab bench`'s per-operation table: the loops of
//! `src/bench/workloads.rs`, written for tokio, timed the same way (one
//! clock around `n` operations, the check after it stops).
//!
//! ```text
//! tokio_peer op switch ct 20     # current-thread runtime, a 20 ms loop
//! tokio_peer op socket mt 20     # multi-thread runtime, 2 workers
//! ```
//!
//! The loop grows until it lasts the target (`timer`: 10,000 tasks, once).
//!
//! It prints `{"ok":true,"ns":<total>,"iters":<n>}`, or `{"ok":false,...}`.

use std::hint::black_box;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Runs one op and prints its JSON line; the exit status says whether it passed.
pub fn main(args: &[String]) -> i32 {
    let (Some(op), Some(flavour), Some(target_ms)) =
        (args.first(), args.get(1), args.get(2).and_then(|n| n.parse::<u64>().ok()))
    else {
        eprintln!("usage: tokio_peer op <switch|spawn|timer|remote|socket> <ct|mt> <target-ms>");
        return 2;
    };
    let runtime = match flavour.as_str() {
        "ct" => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        _ => tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build(),
    }
    .expect("a runtime");
    let once = |n: u64| match op.as_str() {
        "switch" => runtime.block_on(switch(n)),
        "spawn" => runtime.block_on(spawn(n)),
        "timer" => runtime.block_on(timer(n)),
        "remote" => remote(&runtime, n),
        "socket" => runtime.block_on(socket(n)),
        other => Err(format!("tokio has no {other} operation")),
    };
    let target = Duration::from_millis(target_ms);
    let result = if op == "timer" { once(10_000) } else { calibrated(once, target) };
    match result {
        Ok((took, iters)) => {
            println!("{}", serde_json::json!({"ok": true, "ns": took.as_nanos() as u64, "iters": iters}));
            0
        }
        Err(e) => {
            println!("{}", serde_json::json!({"ok": false, "error": e}));
            1
        }
    }
}

type Timed = Result<(Duration, u64), String>;

/// Runs `once` with more operations each time until its loop lasts `target`.
fn calibrated(once: impl Fn(u64) -> Timed, target: Duration) -> Timed {
    let mut n = 64;
    loop {
        let (took, iters) = once(n)?;
        if took >= target || n >= 1 << 30 {
            return Ok((took, iters));
        }
        let scale = target.as_secs_f64() * 1.2 / took.as_secs_f64().max(1e-9);
        n = (n as f64 * scale.clamp(2.0, 100.0)) as u64;
    }
}

async fn switch(n: u64) -> Timed {
    let timed = tokio::spawn(async move {
        let started = Instant::now();
        for _ in 0..n {
            tokio::task::yield_now().await;
        }
        started.elapsed()
    });
    let other = tokio::spawn(async move {
        for _ in 0..n {
            tokio::task::yield_now().await;
        }
    });
    let took = timed.await.map_err(|e| e.to_string())?;
    other.await.map_err(|e| e.to_string())?;
    Ok((took, n))
}

async fn spawn(n: u64) -> Timed {
    let mut done = 0;
    let started = Instant::now();
    for i in 0..n {
        done += u64::from(tokio::spawn(async move { black_box(i) }).await.map_err(|e| e.to_string())? == i);
    }
    let took = started.elapsed();
    if done == n { Ok((took, n)) } else { Err(format!("{done} of {n} spawns came back")) }
}

async fn timer(n: u64) -> Timed {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(150);
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            tokio::spawn(async move {
                tokio::time::sleep_until(deadline).await;
                let woke = Instant::now();
                // Alive while the others wake, as in workloads.rs (TIMER_HOLD).
                tokio::time::sleep_until(deadline + Duration::from_millis(200)).await;
                woke
            })
        })
        .collect();
    let mut woke = Vec::with_capacity(n as usize);
    for t in tasks {
        woke.push(t.await.map_err(|e| e.to_string())?);
    }
    let first = woke.iter().min().copied().ok_or("no task woke")?;
    let last = woke.iter().max().copied().ok_or("no task woke")?;
    Ok((last - first, n - 1))
}

/// A plain thread spawns on the runtime and blocks until the task is done.
fn remote(runtime: &tokio::runtime::Runtime, n: u64) -> Timed {
    let handle = runtime.handle().clone();
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let thread = std::thread::spawn(move || {
        let mut done = 0;
        let started = Instant::now();
        for i in 0..n {
            let (tx, rx) = std::sync::mpsc::channel();
            handle.spawn(async move {
                let _ = tx.send(black_box(i));
            });
            done += u64::from(rx.recv() == Ok(i));
        }
        let took = started.elapsed();
        let _ = done_tx.send(());
        (took, done)
    });
    // The runtime runs (drives its tasks) until the thread is done.
    runtime.block_on(async { done_rx.await.map_err(|e| e.to_string()) })?;
    let (took, done) = thread.join().map_err(|_| "the thread panicked".to_string())?;
    if done == n { Ok((took, n)) } else { Err(format!("{done} of {n} came back")) }
}

async fn socket(n: u64) -> Timed {
    const MESSAGE: [u8; 64] = [b'x'; 64];
    let e = |e: std::io::Error| e.to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(e)?;
    let addr = listener.local_addr().map_err(e)?;
    let server = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await?;
        s.set_nodelay(true)?;
        let mut buf = [0u8; 4096];
        loop {
            let got = s.read(&mut buf).await?;
            if got == 0 {
                return Ok::<(), std::io::Error>(());
            }
            s.write_all(&buf[..got]).await?;
        }
    });
    let mut client = tokio::net::TcpStream::connect(addr).await.map_err(e)?;
    client.set_nodelay(true).map_err(e)?;
    let mut back = [0u8; 64];
    let mut done = 0;
    let started = Instant::now();
    for _ in 0..n {
        client.write_all(&MESSAGE).await.map_err(e)?;
        client.read_exact(&mut back).await.map_err(e)?;
        done += u64::from(back == MESSAGE);
    }
    let took = started.elapsed();
    drop(client);
    server.await.map_err(|e| e.to_string())?.map_err(e)?;
    if done == n { Ok((took, n)) } else { Err(format!("{done} of {n} echoes matched")) }
}
