//! `multicore`: CPU-bound work on one event loop vs on a pool of loops.
//!
//! `n` items (default 8) of pure computation (20 million rounds of an LCG
//! each, yielding to the loop every million). An event loop is one thread,
//! so however many tasks share it, CPU work uses one core:
//!
//! | backend | runs on | expect |
//! | --- | --- | --- |
//! | `sequential` | one aio loop, `n` tasks taking turns | one core's time for all items |
//! | `aio` | an `aio::Pool` of `--workers` loops (default: the core count), items spread round robin | about `workers`× faster, up to the core count |
//!
//! The backend names follow `blocking`: `sequential` is one loop doing the
//! work one item at a time in effect, `aio` is the multi-loop answer (the
//! seeds' aiomultiprocess). Checksums are verified by recomputation.
#![forbid(unsafe_code)]

use super::{Backend, Config, Knob, KnobRange, Outcome, Scenario, ScenarioError};
use crate::aio;
use std::time::Instant;

/// The scenario's entry in the registry.
pub const SCENARIO: Scenario = Scenario {
    name: "multicore",
    summary: "CPU-bound items on one aio loop vs an aio::Pool of loops, one per core",
    default_n: 8,
    backends: &[Backend::Sequential, Backend::Aio],
    knobs: &[KnobRange::new(Knob::N, 1, 1_000), KnobRange::new(Knob::Workers, 1, 256)],
    run,
};

fn run(backend: Backend, config: &Config) -> Result<Outcome, ScenarioError> {
    let n = config.n.unwrap_or(SCENARIO.default_n);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let loops = config.workers.unwrap_or(cores).max(1);
    match backend {
        Backend::Sequential => aio(n, 1, MULTICORE_ROUNDS, config),
        Backend::Aio => aio(n, loops.max(2), MULTICORE_ROUNDS, config),
        _ => Err(ScenarioError::Unsupported { scenario: SCENARIO.name, backend }),
    }
}

/// How many LCG rounds one `multicore` item is.
pub const MULTICORE_ROUNDS: u64 = 20_000_000;

/// The CPU-bound unit of `multicore`: `rounds` steps of a 64-bit LCG and
/// xorshift, yielding to the loop every million steps like a well-behaved
/// coroutine. Returns the final state (a checksum).
pub async fn cpu_work(seed: u64, rounds: u64) -> u64 {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for step in 0..rounds {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        x ^= x >> 29;
        if step % 1_000_000 == 999_999 {
            aio::yield_now().await;
        }
    }
    x
}

// ANCHOR: aio
/// Both backends: `n` CPU-bound items, on `loops` loops of an [`aio::Pool`]
/// (`loops` > 1, the `aio` backend) or on one loop (`loops` == 1,
/// `sequential`). One loop is one core however many tasks it runs; the
/// pool's speed-up is about the number of cores. Every checksum is
/// verified against a recomputation on this thread.
pub fn aio(n: u64, loops: usize, rounds: u64, config: &Config) -> Result<Outcome, ScenarioError> {
    let failed = |e: aio::Error| ScenarioError::Failed(e.to_string());
    let started = Instant::now();
    let sums: Vec<u64> = if loops <= 1 {
        aio::run(async {
            let tasks: Vec<_> = (0..n).map(|i| aio::spawn(cpu_work(i, rounds))).collect();
            aio::gather(tasks).await.map_err(failed)
        })?
    } else {
        let pool = aio::Pool::new(loops)?;
        pool.map(move |i| cpu_work(i, rounds), 0..n).map_err(failed)?
    };
    let took = started.elapsed();
    // Check one in four (and the first), recomputed on one plain loop.
    let checked: Vec<u64> = (0..n).filter(|i| i % 4 == 0).collect();
    let expected = aio::run(async {
        let mut out = Vec::new();
        for &i in &checked {
            out.push(cpu_work(i, rounds).await);
        }
        out
    });
    let ok =
        sums.len() as u64 == n && checked.iter().zip(&expected).all(|(&i, &want)| sums[i as usize] == want);
    let detail = format!("{n} items of {rounds} rounds on {} loop(s) in {took:.2?}", loops.max(1));
    config.say(&detail);
    Ok(Outcome { items: sums.len() as u64, unit: "items", ok, detail })
}
// ANCHOR_END: aio
