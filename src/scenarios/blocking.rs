//! `blocking`: what a blocking call does to an event loop, and the cure.
//!
//! `n` tasks each make one blocking call, a thread sleep of `--delay-ms`
//! (default 100 ms). The two backends are two ways to make it:
//!
//! | backend | where the call runs | expect |
//! | --- | --- | --- |
//! | `sequential` | on the aio loop itself: each call freezes the loop, so the calls run one after another | about n × delay |
//! | `aio` | through `run_in_executor`, on a pool of `--workers` threads (default: asyncio's `min(32, cores + 4)`) | about delay × ⌈n / workers⌉ |
//!
//! The `sequential` name is literal: on the loop, blocking calls are
//! serialised, as if there were no concurrency at all. Run it with
//! `--trace` to see the calls queue up behind each other, and with
//! `COROLAB_AIO_DEBUG=1` to see debug mode name each offending task.
#![forbid(unsafe_code)]

use super::{Backend, Config, Outcome, Scenario, ScenarioError};
use crate::aio::ThreadPool;
use std::time::Duration;

/// The scenario's entry in the registry.
pub const SCENARIO: Scenario = Scenario {
    name: "blocking",
    summary: "n blocking calls on the loop (serialised) vs through run_in_executor (overlapped)",
    default_n: 10,
    backends: &[Backend::Sequential, Backend::Aio],
    run,
};

/// The blocking call's length when `--delay-ms` is not given.
pub const DEFAULT_DELAY: Duration = Duration::from_millis(100);

fn run(backend: Backend, config: &Config) -> Result<Outcome, ScenarioError> {
    let n = config.n.unwrap_or(SCENARIO.default_n);
    let delay = config.delay.unwrap_or(DEFAULT_DELAY);
    let workers = config.workers.unwrap_or_else(ThreadPool::default_size);
    match backend {
        Backend::Sequential => crate::aio::scenarios::blocking(n, delay, false, workers, config),
        Backend::Aio => crate::aio::scenarios::blocking(n, delay, true, workers, config),
        _ => Err(ScenarioError::Unsupported { scenario: SCENARIO.name, backend }),
    }
}
