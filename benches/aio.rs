//! The aio loop against tokio's current-thread runtime, operation by
//! operation. Run pinned to one core, so both are measured without
//! cross-core wakeups:
//!
//! ```text
//! taskset -c 0 cargo bench --bench aio
//! ```
//!
//! | group | what one iteration is |
//! | --- | --- |
//! | `spawn_await` | spawn an empty task and await it, from inside a running loop |
//! | `pingpong` | one round trip between two tasks (a queue each way) |
//! | `sleepers_100k` | spawn 100,000 tasks that each sleep 10 ms, and join them all |
//! | `echo` | one 64-byte message over 127.0.0.1 and its echo back (client and server tasks on the same loop) |
//!
//! The 1,000,000-sleeper peak-memory comparison is `benches/aio_million.rs`
//! (one fresh process per runtime, so each peak is its own).

use corolab::aio;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn spawn_await(c: &mut Criterion) {
    let mut g = c.benchmark_group("spawn_await");
    g.bench_function("aio", |b| {
        let lp = aio::EventLoop::new();
        b.iter_custom(|iters| {
            lp.run_until_complete(async {
                let started = Instant::now();
                for i in 0..iters {
                    black_box(aio::spawn(async move { black_box(i) }).await.unwrap());
                }
                started.elapsed()
            })
        });
    });
    g.bench_function("tokio_current_thread", |b| {
        let rt = tokio_rt();
        b.iter_custom(|iters| {
            rt.block_on(async {
                let started = Instant::now();
                for i in 0..iters {
                    black_box(tokio::spawn(async move { black_box(i) }).await.unwrap());
                }
                started.elapsed()
            })
        });
    });
    g.finish();
}

fn pingpong(c: &mut Criterion) {
    let mut g = c.benchmark_group("pingpong");
    g.bench_function("aio", |b| {
        let lp = aio::EventLoop::new();
        b.iter_custom(|iters| {
            lp.run_until_complete(async {
                let (ping, pong) = (aio::Queue::unbounded(), aio::Queue::unbounded());
                let echo = aio::spawn({
                    let (ping, pong) = (ping.clone(), pong.clone());
                    async move {
                        while let Ok(x) = ping.get().await {
                            pong.put_nowait(x).ok();
                        }
                    }
                });
                let started = Instant::now();
                for i in 0..iters {
                    ping.put_nowait(i).ok();
                    black_box(pong.get().await.unwrap());
                }
                let took = started.elapsed();
                ping.shutdown();
                echo.await.unwrap();
                took
            })
        });
    });
    g.bench_function("tokio_current_thread", |b| {
        let rt = tokio_rt();
        b.iter_custom(|iters| {
            rt.block_on(async {
                let (ping_tx, mut ping_rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
                let (pong_tx, mut pong_rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
                let echo = tokio::spawn(async move {
                    while let Some(x) = ping_rx.recv().await {
                        pong_tx.send(x).ok();
                    }
                });
                let started = Instant::now();
                for i in 0..iters {
                    ping_tx.send(i).ok();
                    black_box(pong_rx.recv().await.unwrap());
                }
                let took = started.elapsed();
                drop(ping_tx);
                echo.await.unwrap();
                took
            })
        });
    });
    g.finish();
}

const SLEEPERS: u64 = 100_000;
const NAP: Duration = Duration::from_millis(10);

fn sleepers(c: &mut Criterion) {
    let mut g = c.benchmark_group("sleepers_100k");
    g.sample_size(10);
    g.bench_function(BenchmarkId::new("aio", SLEEPERS), |b| {
        let lp = aio::EventLoop::new();
        b.iter(|| {
            lp.run_until_complete(async {
                let tasks: Vec<_> = (0..SLEEPERS).map(|_| aio::spawn(aio::sleep(NAP))).collect();
                for t in tasks {
                    t.await.unwrap();
                }
            })
        });
    });
    g.bench_function(BenchmarkId::new("tokio_current_thread", SLEEPERS), |b| {
        let rt = tokio_rt();
        b.iter(|| {
            rt.block_on(async {
                let tasks: Vec<_> = (0..SLEEPERS).map(|_| tokio::spawn(tokio::time::sleep(NAP))).collect();
                for t in tasks {
                    t.await.unwrap();
                }
            })
        });
    });
    g.finish();
}

const MESSAGE: [u8; 64] = [b'x'; 64];

fn echo(c: &mut Criterion) {
    let mut g = c.benchmark_group("echo");
    g.bench_function("aio", |b| {
        let lp = aio::EventLoop::new();
        b.iter_custom(|iters| {
            lp.run_until_complete(async {
                let listener = aio::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let server = aio::spawn(async move {
                    let (s, _) = listener.accept().await.unwrap();
                    let mut buf = [0u8; 4096];
                    loop {
                        let n = s.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        s.write_all(&buf[..n]).await.unwrap();
                    }
                });
                let client = aio::TcpStream::connect(addr).await.unwrap();
                let mut back = [0u8; 64];
                let started = Instant::now();
                for _ in 0..iters {
                    client.write_all(&MESSAGE).await.unwrap();
                    client.read_exact(&mut back).await.unwrap();
                }
                let took = started.elapsed();
                client.close().await.unwrap();
                server.await.unwrap();
                took
            })
        });
    });
    g.bench_function("tokio_current_thread", |b| {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let rt = tokio_rt();
        b.iter_custom(|iters| {
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let server = tokio::spawn(async move {
                    let (mut s, _) = listener.accept().await.unwrap();
                    let mut buf = [0u8; 4096];
                    loop {
                        let n = s.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        s.write_all(&buf[..n]).await.unwrap();
                    }
                });
                let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
                let mut back = [0u8; 64];
                let started = Instant::now();
                for _ in 0..iters {
                    client.write_all(&MESSAGE).await.unwrap();
                    client.read_exact(&mut back).await.unwrap();
                }
                let took = started.elapsed();
                client.shutdown().await.unwrap();
                server.await.unwrap();
                took
            })
        });
    });
    g.finish();
}

criterion_group!(benches, spawn_await, pingpong, sleepers, echo);
criterion_main!(benches);
