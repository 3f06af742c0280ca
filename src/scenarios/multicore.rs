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

use super::{Backend, Config, Outcome, Scenario, ScenarioError};
use crate::aio::scenarios::MULTICORE_ROUNDS;

/// The scenario's entry in the registry.
pub const SCENARIO: Scenario = Scenario {
    name: "multicore",
    summary: "CPU-bound items on one aio loop vs an aio::Pool of loops, one per core",
    default_n: 8,
    backends: &[Backend::Sequential, Backend::Aio],
    run,
};

fn run(backend: Backend, config: &Config) -> Result<Outcome, ScenarioError> {
    let n = config.n.unwrap_or(SCENARIO.default_n);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let loops = config.workers.unwrap_or(cores).max(1);
    match backend {
        Backend::Sequential => crate::aio::scenarios::multicore(n, 1, MULTICORE_ROUNDS, config),
        Backend::Aio => crate::aio::scenarios::multicore(n, loops.max(2), MULTICORE_ROUNDS, config),
        _ => Err(ScenarioError::Unsupported { scenario: SCENARIO.name, backend }),
    }
}
