//! What a hub switch costs: two tasks handing control back and forth
//! through their scheduler, gevent's hub and may's, plus a wake through a
//! queue.
//!
//! | bench | what one iteration is |
//! | --- | --- |
//! | `gevent/sleep0_pingpong` | one `gevent::sleep(ZERO)`: greenlet → hub → the other greenlet (4 context switches through the greenlet trampoline, a FIFO pop and push) |
//! | `gevent/queue_pingpong` | one hand-off through two `gevent::Queue`s: a `put`, a `get` that parks, the hub's switch |
//! | `may/yield_pingpong` | one `may::coroutine::yield_now` with two coroutines on ONE may worker |
//!
//! Run pinned to one core:
//! `taskset -c 0 cargo bench -p corolab-benches --bench gevent`. may is
//! configured with one worker here, so every number is a same-thread
//! switch; cross-thread hand-offs are measured apart (`corolab run
//! pingpong -b may --workers 2`).
//!
//! # Figures
//!
//! `taskset -c 0 cargo bench -p corolab-benches --bench gevent` on the
//! shared 2-core VM at load average 1.0; "before" is the same bench built from the code before
//! the switch path was trimmed, run back to back (two paired runs):
//!
//! | bench | before | after |
//! | --- | --- | --- |
//! | `gevent/sleep0_pingpong` | 50.3 / 51.9 ns | 43.1 / 43.4 ns |
//! | `gevent/queue_pingpong` | 72.7 / 86.2 ns | 66.8 / 69.3 ns |
//! | `may/yield_pingpong` | 44.2 / 45.5 ns | 40.4 / 41.7 ns |
//!
//! (may's code did not change: its column is the noise.) Most of the gain
//! on `sleep0` came from inlining `sleep` → `Hub::yield_now` →
//! `Hub::switch_to_hub` into the task's code, so that no call frame sits
//! between the task and its context switch (see "What a switch costs" in
//! `crate::greenlet`); the greenlet's own trimming gave a few percent.

use std::hint::black_box;
use std::rc::Rc;
use std::time::{Duration, Instant};

use corolab::gevent::{self, Queue, may as gmay};
use criterion::{Criterion, criterion_group, criterion_main};

fn sleep0_pingpong(iters: u64) -> Duration {
    let half = iters.div_ceil(2);
    let started = Instant::now();
    let a = gevent::spawn(move || {
        for _ in 0..half {
            gevent::sleep(Duration::ZERO);
        }
    });
    let b = gevent::spawn(move || {
        for _ in 0..half {
            gevent::sleep(Duration::ZERO);
        }
    });
    // Joining `a` parks main; the hub then alternates a and b.
    a.join().unwrap();
    b.join().unwrap();
    started.elapsed()
}

fn queue_pingpong(iters: u64) -> Duration {
    let ping: Rc<Queue<u64>> = Rc::new(Queue::bounded(1));
    let pong: Rc<Queue<u64>> = Rc::new(Queue::bounded(1));
    let half = iters.div_ceil(2);
    let started = Instant::now();
    let a = {
        let (ping, pong) = (ping.clone(), pong.clone());
        gevent::spawn(move || {
            for i in 0..half {
                ping.put(i);
                black_box(pong.get());
            }
        })
    };
    let b = gevent::spawn(move || {
        for _ in 0..half {
            let v = ping.get();
            pong.put(v);
        }
    });
    a.join().unwrap();
    b.join().unwrap();
    started.elapsed()
}

fn may_yield_pingpong(iters: u64) -> Duration {
    let half = iters.div_ceil(2);
    let started = Instant::now();
    let h: Vec<_> = (0..2)
        .map(|_| {
            gmay::spawn(move || {
                for _ in 0..half {
                    may::coroutine::yield_now();
                }
            })
        })
        .collect();
    for h in h {
        h.join().unwrap();
    }
    started.elapsed()
}

fn benches(c: &mut Criterion) {
    gmay::configure(Some(1)).expect("may starts with one worker");
    let mut g = c.benchmark_group("gevent");
    g.bench_function("sleep0_pingpong", |b| b.iter_custom(sleep0_pingpong));
    g.bench_function("queue_pingpong", |b| b.iter_custom(queue_pingpong));
    g.finish();
    let mut g = c.benchmark_group("may");
    g.bench_function("yield_pingpong", |b| b.iter_custom(may_yield_pingpong));
    g.finish();
}

criterion_group!(name = group; config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2)); targets = benches);
criterion_main!(group);
