//! A/B runs of aio against tokio's current-thread runtime, for a shared,
//! noisy machine: the two are run alternately, round after round, and each
//! round reports both wall time and the thread's CPU time per operation.
//! Other processes stealing the core inflate wall time but not (much) CPU
//! time, so the CPU-time medians are the fairer comparison here; criterion's
//! wall-clock figures in `benches/aio.rs` are the ones to quote on a quiet
//! machine.
//!
//! ```text
//! taskset -c 0 cargo bench -p corolab-benches --bench aio_ab
//! taskset -c 0 cargo bench -p corolab-benches --bench aio_ab -- echo aio
//! ```
//!
//! The second form runs one side of one bench, once, with no warm-up and
//! no peer: a process to hand to `strace -c -f` or `perf stat`, whose
//! counts divided by the operations it prints are per-operation counts.

use corolab::aio;
use std::time::{Duration, Instant};

#[path = "common/aio.rs"]
mod common;

const ROUNDS: usize = 9;

/// This thread's CPU time (user + system).
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID is
    // supported on Linux, and the call only writes into `ts`.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Times `f(iters)`: (wall, cpu) per iteration.
fn measure(iters: u64, f: impl FnOnce(u64)) -> (Duration, Duration) {
    let (w0, c0) = (Instant::now(), thread_cpu());
    f(iters);
    let (wall, cpu) = (w0.elapsed(), thread_cpu() - c0);
    (wall / iters as u32, cpu / iters as u32)
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn aio_spawn_await(iters: u64) {
    aio::run(common::aio_spawn_await(iters));
}

fn tokio_spawn_await(iters: u64) {
    common::tokio_rt().block_on(common::tokio_spawn_await(iters));
}

fn aio_echo(iters: u64) {
    aio::run(common::aio_echo(iters));
}

fn tokio_echo(iters: u64) {
    common::tokio_rt().block_on(common::tokio_echo(iters));
}

fn ab(name: &str, iters: u64, a: fn(u64), b: fn(u64)) {
    let (mut aw, mut ac, mut bw, mut bc) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    a(iters / 10); // warm up both
    b(iters / 10);
    for _ in 0..ROUNDS {
        let (w, c) = measure(iters, a);
        aw.push(w);
        ac.push(c);
        let (w, c) = measure(iters, b);
        bw.push(w);
        bc.push(c);
    }
    let (aw, ac, bw, bc) = (median(aw), median(ac), median(bw), median(bc));
    println!(
        "{name:<12} aio  wall {aw:>9.2?} cpu {ac:>9.2?} | tokio wall {bw:>9.2?} cpu {bc:>9.2?} | aio/tokio cpu {:.2} wall {:.2}",
        ac.as_secs_f64() / bc.as_secs_f64(),
        aw.as_secs_f64() / bw.as_secs_f64(),
    );
}

/// One bench: its name, operations a round, aio's side, tokio's side.
type Bench = (&'static str, u64, fn(u64), fn(u64));

/// The benches, in the order they run.
const BENCHES: [Bench; 2] =
    [("spawn_await", 200_000, aio_spawn_await, tokio_spawn_await), ("echo", 20_000, aio_echo, tokio_echo)];

/// `aio_ab -- <bench> <aio|tokio>`: one side, once, for strace or perf.
fn run_one(bench: &str, side: &str) {
    let Some(&(name, iters, a, b)) = BENCHES.iter().find(|(name, ..)| *name == bench) else {
        panic!("no bench {bench}: spawn_await or echo");
    };
    let f = match side {
        "aio" => a,
        "tokio" => b,
        other => panic!("no side {other}: aio or tokio"),
    };
    let (wall, cpu) = measure(iters, f);
    println!("{name} {side}: {iters} operations, wall {wall:.2?} cpu {cpu:.2?} each");
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench` probes harness=false benches with --list
    }
    let which: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    if let [bench, side] = which.as_slice() {
        return run_one(bench, side);
    }
    println!("medians of {ROUNDS} alternating rounds, per operation");
    for (name, iters, a, b) in BENCHES {
        ab(name, iters, a, b);
    }
}
