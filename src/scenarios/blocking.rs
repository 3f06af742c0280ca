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

use super::{Backend, Config, Knob, KnobRange, Outcome, Scenario, ScenarioError};
use crate::aio::{self, ThreadPool};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// The scenario's entry in the registry.
pub const SCENARIO: Scenario = Scenario {
    name: "blocking",
    summary: "n blocking calls on the loop (serialised) vs through run_in_executor (overlapped)",
    default_n: 10,
    backends: &[Backend::Sequential, Backend::Aio],
    knobs: &[
        KnobRange::new(Knob::N, 1, 1_000),
        KnobRange::new(Knob::DelayMs, 0, 10_000),
        KnobRange::new(Knob::Workers, 1, 1_024),
    ],
    run,
};

/// The blocking call's length when `--delay-ms` is not given.
pub const DEFAULT_DELAY: Duration = Duration::from_millis(100);

fn run(backend: Backend, config: &Config) -> Result<Outcome, ScenarioError> {
    let n = config.n.unwrap_or(SCENARIO.default_n);
    let delay = config.delay.unwrap_or(DEFAULT_DELAY);
    let workers = config.workers.unwrap_or_else(ThreadPool::default_size);
    match backend {
        Backend::Sequential => aio(n, delay, false, workers, config),
        Backend::Aio => aio(n, delay, true, workers, config),
        _ => Err(ScenarioError::Unsupported { scenario: SCENARIO.name, backend }),
    }
}

// ANCHOR: aio
/// Both backends, on one aio loop: `n` tasks each make a blocking call (a
/// thread sleep of `delay`). With `through_executor` false (`sequential`)
/// they call it on the loop itself, which serialises them (about
/// n × delay, and the loop is frozen meanwhile); with it true (`aio`) they
/// `run_in_executor` on a pool of `workers` threads (about
/// delay × n / workers, and the loop stays free).
fn aio(
    n: u64,
    delay: Duration,
    through_executor: bool,
    workers: usize,
    config: &Config,
) -> Result<Outcome, ScenarioError> {
    let failed = |e: aio::Error| ScenarioError::Failed(e.to_string());
    let started = Instant::now();
    let shared = Rc::new(config.clone());
    let lp = aio::EventLoop::new();
    if through_executor {
        lp.set_default_executor(ThreadPool::new(workers));
    }
    let done = lp.run_until_complete(async {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let config = shared.clone();
                aio::spawn_named(format!("call-{i}"), async move {
                    if through_executor {
                        aio::run_in_executor(move || std::thread::sleep(delay)).await?;
                    } else {
                        std::thread::sleep(delay); // blocks the whole loop
                    }
                    config.say(format_args!("call {i} returned at {:.0?}", started.elapsed()));
                    Ok::<_, aio::Error>(())
                })
            })
            .collect();
        let mut done = 0u64;
        for task in tasks {
            task.await.map_err(failed)?.map_err(failed)?;
            done += 1;
        }
        Ok::<_, ScenarioError>(done)
    })?;
    drop(lp);
    let took = started.elapsed();
    let how = if through_executor {
        format!("through run_in_executor on {workers} threads")
    } else {
        "on the loop".into()
    };
    let detail = format!("{done} blocking calls of {delay:?} {how} took {took:.2?}");
    config.say(&detail);
    Ok(Outcome { items: done, unit: "calls", ok: done == n, detail })
}
// ANCHOR_END: aio
