//! The aio loop against tokio's current-thread runtime, operation by
//! operation. Run pinned to one core, so both are measured without
//! cross-core wakeups:
//!
//! ```text
//! taskset -c 0 cargo bench -p corolab-benches --bench aio
//! ```
//!
//! | group | what one iteration is |
//! | --- | --- |
//! | `spawn_await` | spawn an empty task and await it, from inside a running loop |
//! | `pingpong` | one round trip between two tasks (a queue each way) |
//! | `sleepers_100k` | spawn 100,000 tasks that each sleep 10 ms, and join them all |
//! | `echo` | one 64-byte message over 127.0.0.1 and its echo back (client and server tasks on the same loop) |
//!
//! | `cross_thread` | a plain thread hands the loop a future and blocks for its result (`spawn_threadsafe().wait()` vs tokio `Handle::spawn` + a blocking oneshot); **not** meaningful pinned: run it unpinned, `cargo bench -p corolab-benches --bench aio -- cross_thread` |
//!
//! The 1,000,000-sleeper peak-memory comparison is `benches/aio_million.rs`
//! (one fresh process per runtime, so each peak is its own).

use corolab::aio;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::{Duration, Instant};

#[path = "common/aio.rs"]
mod common;
use common::tokio_rt;

fn spawn_await(c: &mut Criterion) {
    let mut g = c.benchmark_group("spawn_await");
    g.bench_function("aio", |b| {
        let lp = aio::EventLoop::new();
        b.iter_custom(|iters| lp.run_until_complete(common::aio_spawn_await(iters)));
    });
    g.bench_function("tokio_current_thread", |b| {
        let rt = tokio_rt();
        b.iter_custom(|iters| rt.block_on(common::tokio_spawn_await(iters)));
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

fn echo(c: &mut Criterion) {
    let mut g = c.benchmark_group("echo");
    g.bench_function("aio", |b| {
        let lp = aio::EventLoop::new();
        b.iter_custom(|iters| lp.run_until_complete(common::aio_echo(iters)));
    });
    g.bench_function("tokio_current_thread", |b| {
        let rt = tokio_rt();
        b.iter_custom(|iters| rt.block_on(common::tokio_echo(iters)));
    });
    g.finish();
}

fn cross_thread(c: &mut Criterion) {
    let mut g = c.benchmark_group("cross_thread");
    g.bench_function("aio", |b| {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let lp = aio::EventLoop::new();
            tx.send(lp.handle()).unwrap();
            lp.run_forever();
        });
        let handle = rx.recv().unwrap();
        b.iter(|| black_box(handle.spawn_threadsafe(async { black_box(1) }).wait().unwrap()));
        handle.stop().unwrap();
        thread.join().unwrap();
    });
    g.bench_function("tokio_current_thread", |b| {
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio_rt();
            tx.send(rt.handle().clone()).unwrap();
            rt.block_on(async {
                stop_rx.await.ok();
            });
        });
        let handle = rx.recv().unwrap();
        b.iter(|| {
            let (done_tx, done_rx) = std::sync::mpsc::sync_channel(1);
            handle.spawn(async move {
                done_tx.send(black_box(1)).ok();
            });
            black_box(done_rx.recv().unwrap())
        });
        stop_tx.send(()).ok();
        thread.join().unwrap();
    });
    g.finish();
}

criterion_group!(benches, spawn_await, pingpong, sleepers, echo, cross_thread);
criterion_main!(benches);
