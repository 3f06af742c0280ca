//! What spawning and joining an empty task costs, per backend.
//!
//! | bench | what one iteration is |
//! | --- | --- |
//! | `spawn_join/gevent` | `gevent::spawn(|| ())` then `join()`: a pooled stack, a task, two trips through the hub |
//! | `spawn_join/gevent_batch100` | 100 spawns, then 100 joins, divided by 100: the spawns run back to back in one hub turn |
//! | `spawn_join/may` | `may` spawn plus join of an empty coroutine, one worker, joined from a thread |
//! | `spawn_join/may_in_coroutine` | the same, spawned and joined from inside a may coroutine |
//! | `spawn_join/thread` | `std::thread::spawn` plus `join` |
//!
//! Run pinned to one core:
//! `taskset -c 0 cargo bench -p corolab-benches --bench spawn`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use corolab::gevent::{self, may as gmay};
use criterion::{Criterion, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    gmay::configure(Some(1)).expect("may starts with one worker");
    let mut g = c.benchmark_group("spawn_join");
    g.bench_function("gevent", |b| b.iter(|| gevent::spawn(|| black_box(1u64)).join().unwrap()));
    g.bench_function("gevent_batch100", |b| {
        b.iter_custom(|iters| {
            let started = Instant::now();
            let mut left = iters;
            while left > 0 {
                let batch = left.min(100);
                let handles: Vec<_> = (0..batch).map(|i| gevent::spawn(move || black_box(i))).collect();
                for h in handles {
                    h.join().unwrap();
                }
                left -= batch;
            }
            started.elapsed()
        })
    });
    g.bench_function("may", |b| b.iter(|| gmay::spawn(|| black_box(1u64)).join().unwrap()));
    g.bench_function("may_in_coroutine", |b| {
        b.iter_custom(|iters| {
            gmay::spawn(move || {
                let started = Instant::now();
                for _ in 0..iters {
                    gmay::spawn(|| black_box(1u64)).join().unwrap();
                }
                started.elapsed()
            })
            .join()
            .unwrap()
        })
    });
    g.bench_function("thread", |b| b.iter(|| std::thread::spawn(|| black_box(1u64)).join().unwrap()));
    g.finish();
}

criterion_group!(name = group; config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2)); targets = benches);
criterion_main!(group);
