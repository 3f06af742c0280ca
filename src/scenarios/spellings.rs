//! `spellings`: one coroutine written three ways, run side by side.
//!
//! The coroutine brews tea: it picks how many cups (a local, `cups`,
//! that lives across both waits), boils for `delay`, steeps for `delay`,
//! pours, and returns `cups`. `--n` of them run at once.
//!
//! 1. [`brew`], an `async fn` with two `.await`s, on `aio`;
//! 2. [`Brew`], the `Future` the compiler makes of it, by hand: an enum
//!    with a variant per await point, each holding the locals that live
//!    across that point and the future being awaited, and a `poll` that
//!    moves from one variant to the next;
//! 3. [`brew_task`], a generator on `genloop` that delegates to the
//!    `sleep` sub-operation with `yield_from`: the `@asyncio.coroutine`
//!    spelling.
//!
//! ```text
//!   Brew::Start ──poll──▶ Boiling { cups, sleep } ──sleep ready──▶ Steeping { cups, sleep }
//!                            │ pending: stay, return Pending          │ ready
//!                            ▼                                        ▼
//!                         (the loop polls again on a wake)   Poll::Ready(cups), Brew::Done
//! ```
//!
//! On `aio` the run does 1 and 2, on `genloop` 3; each checks its lines
//! against [`expected`], the same for all three, so the spellings are
//! seen to be one coroutine.
#![forbid(unsafe_code)]

use super::{Backend, Config, Knob, KnobRange, Outcome, Scenario, ScenarioError};
use crate::aio;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

/// The scenario's entry in the registry.
pub const SCENARIO: Scenario = Scenario {
    name: "spellings",
    summary: "one coroutine three ways: an async fn, its hand-written Future, a generator task",
    default_n: 3,
    backends: &[Backend::Genloop, Backend::Aio],
    knobs: &[KnobRange::new(Knob::N, 1, 1_000), KnobRange::new(Knob::DelayMs, 0, 10_000)],
    run,
};

/// How long each step waits when `--delay-ms` is not given.
pub const DEFAULT_DELAY: Duration = Duration::from_millis(100);

/// Where the brews write what they do, in order, and narrate it.
#[derive(Clone, Debug, Default)]
pub struct Log {
    lines: Rc<RefCell<Vec<String>>>,
    config: Config,
}

impl Log {
    /// An empty log narrating through `config`.
    pub fn new(config: &Config) -> Log {
        Log { lines: Rc::default(), config: config.clone() }
    }

    /// Notes what brew `i` does.
    pub fn say(&self, i: u64, what: impl std::fmt::Display) {
        let line = format!("[brew {i}] {what}");
        self.config.say(&line);
        self.lines.borrow_mut().push(line);
    }

    /// The lines so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.borrow().clone()
    }
}

/// How many cups brew `i` makes.
fn cups_for(i: u64) -> u32 {
    2 + (i % 3) as u32
}

// ANCHOR: async_fn
/// The `async fn` spelling.
pub async fn brew(i: u64, delay: Duration, log: Log) -> u32 {
    let cups = cups_for(i); // lives across both awaits
    log.say(i, format_args!("boiling water for {cups} cups"));
    aio::sleep(delay).await;
    log.say(i, "steeping");
    aio::sleep(delay).await;
    log.say(i, format_args!("poured {cups} cups"));
    cups
}
// ANCHOR_END: async_fn

// ANCHOR: future
/// The `Future` the compiler makes of [`brew`], written by hand: a state
/// per await point, holding what lives across it.
#[derive(Debug)]
pub enum Brew {
    /// Made, not yet polled: the arguments.
    Start {
        /// The brew's number.
        i: u64,
        /// Each wait's length.
        delay: Duration,
        /// Where it writes.
        log: Log,
    },
    /// At the first `.await`: the locals alive there, and the sleep.
    Boiling {
        /// The brew's number.
        i: u64,
        /// Still needed for the second sleep.
        delay: Duration,
        /// Where it writes.
        log: Log,
        /// The local that lives across the awaits.
        cups: u32,
        /// The future being awaited.
        sleep: aio::Sleep,
    },
    /// At the second `.await` (`delay` is dead now, so not kept).
    Steeping {
        /// The brew's number.
        i: u64,
        /// Where it writes.
        log: Log,
        /// The local that lives across the awaits.
        cups: u32,
        /// The future being awaited.
        sleep: aio::Sleep,
    },
    /// Returned; polling again is a bug.
    Done,
}

impl Brew {
    /// The future of brew `i`: nothing runs until it is polled.
    pub fn new(i: u64, delay: Duration, log: Log) -> Brew {
        Brew::Start { i, delay, log }
    }
}

impl Future for Brew {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        // Every field is `Unpin`, so the enum is, and may be moved out of.
        let state = &mut *self;
        loop {
            *state = match std::mem::replace(state, Brew::Done) {
                Brew::Start { i, delay, log } => {
                    let cups = cups_for(i);
                    log.say(i, format_args!("boiling water for {cups} cups"));
                    Brew::Boiling { i, delay, log, cups, sleep: aio::sleep(delay) }
                }
                Brew::Boiling { i, delay, log, cups, mut sleep } => {
                    if Pin::new(&mut sleep).poll(cx).is_pending() {
                        *state = Brew::Boiling { i, delay, log, cups, sleep };
                        return Poll::Pending;
                    }
                    log.say(i, "steeping");
                    Brew::Steeping { i, log, cups, sleep: aio::sleep(delay) }
                }
                Brew::Steeping { i, log, cups, mut sleep } => {
                    if Pin::new(&mut sleep).poll(cx).is_pending() {
                        *state = Brew::Steeping { i, log, cups, sleep };
                        return Poll::Pending;
                    }
                    log.say(i, format_args!("poured {cups} cups"));
                    return Poll::Ready(cups);
                }
                Brew::Done => panic!("`Brew` polled after it returned"),
            };
        }
    }
}
// ANCHOR_END: future

// ANCHOR: generator
/// The generator spelling, for `genloop`: each wait is a `yield_from`
/// into the `sleep` sub-operation (Python 3.4: `yield from
/// asyncio.sleep(delay)`), and `cups` simply lives on the task's stack.
pub fn brew_task(i: u64, delay: Duration, log: Log) -> crate::genloop::Task {
    use crate::genloop::{self, Answer};
    genloop::task(format_args!("brew {i}"), move |co| {
        let cups = cups_for(i);
        log.say(i, format_args!("boiling water for {cups} cups"));
        let _ = co.yield_from(genloop::sleep(delay), Answer::Go);
        log.say(i, "steeping");
        let _ = co.yield_from(genloop::sleep(delay), Answer::Go);
        log.say(i, format_args!("poured {cups} cups"));
        cups
    })
}
// ANCHOR_END: generator

/// The lines `n` brews write, in order, whichever the spelling: they
/// start together, so each step happens for all of them in turn.
pub fn expected(n: u64) -> Vec<String> {
    let mut lines = Vec::new();
    lines.extend((0..n).map(|i| format!("[brew {i}] boiling water for {} cups", cups_for(i))));
    lines.extend((0..n).map(|i| format!("[brew {i}] steeping")));
    lines.extend((0..n).map(|i| format!("[brew {i}] poured {} cups", cups_for(i))));
    lines
}

/// Which spelling to run on aio.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spelling {
    /// [`brew`].
    AsyncFn,
    /// [`Brew`].
    HandWritten,
}

/// Runs `n` brews of one spelling as aio tasks at once (named `brew i`
/// for the async fn, `Brew i` for the hand-written Future, so a trace of
/// both keeps them apart); returns the log and the cups.
pub fn on_aio(spelling: Spelling, n: u64, delay: Duration, config: &Config) -> (Vec<String>, u32) {
    let log = Log::new(config);
    let cups = aio::run(async {
        let tasks: Vec<aio::Task<u32>> = (0..n)
            .map(|i| match spelling {
                Spelling::AsyncFn => aio::spawn_named(format!("brew {i}"), brew(i, delay, log.clone())),
                Spelling::HandWritten => {
                    aio::spawn_named(format!("Brew {i}"), Brew::new(i, delay, log.clone()))
                }
            })
            .collect();
        let mut cups = 0;
        for task in tasks {
            cups += task.await.unwrap_or(0);
        }
        cups
    });
    (log.lines(), cups)
}

/// Runs `n` brews as genloop tasks at once; returns the log and the cups.
pub fn on_genloop(n: u64, delay: Duration, config: &Config) -> Result<(Vec<String>, u32), ScenarioError> {
    use crate::genloop::{self, Answer};
    let log = Log::new(config);
    let main = genloop::task("main", {
        let log = log.clone();
        move |co| {
            let mut handles = Vec::new();
            for i in 0..n {
                let spawn = genloop::spawn::<u32>(brew_task(i, delay, log.clone()));
                handles.push(co.yield_from(spawn, Answer::Go).map_err(|e| e.to_string())?);
            }
            let mut cups = 0;
            for handle in handles {
                let joined = co.yield_from(genloop::join(handle), Answer::Go).map_err(|e| e.to_string())?;
                cups += joined.map_err(|e| e.to_string())?;
            }
            Ok::<_, String>(cups)
        }
    });
    let cups = genloop::run::<Result<u32, String>>(main)
        .map_err(|e| ScenarioError::Failed(e.to_string()))?
        .map_err(ScenarioError::Failed)?;
    Ok((log.lines(), cups))
}

fn run(backend: Backend, config: &Config) -> Result<Outcome, ScenarioError> {
    let n = config.n.unwrap_or(SCENARIO.default_n);
    let delay = config.delay.unwrap_or(DEFAULT_DELAY);
    let want = expected(n);
    let want_cups: u32 = (0..n).map(cups_for).sum();
    let runs = match backend {
        Backend::Aio => {
            config.say("── the async fn ──");
            let a = on_aio(Spelling::AsyncFn, n, delay, config);
            config.say("── the hand-written Future ──");
            let b = on_aio(Spelling::HandWritten, n, delay, config);
            vec![("async fn", a), ("hand-written Future", b)]
        }
        Backend::Genloop => vec![("generator task", on_genloop(n, delay, config)?)],
        _ => return Err(ScenarioError::Unsupported { scenario: SCENARIO.name, backend }),
    };
    let wrong: Vec<&str> = runs
        .iter()
        .filter(|(_, (lines, cups))| *lines != want || *cups != want_cups)
        .map(|(name, _)| *name)
        .collect();
    let names: Vec<&str> = runs.iter().map(|(name, _)| *name).collect();
    let detail = if wrong.is_empty() {
        format!("{} wrote the same {} lines, {want_cups} cups", names.join(" and "), want.len())
    } else {
        format!("{} did not write the expected lines", wrong.join(" and "))
    };
    Ok(Outcome { items: n * runs.len() as u64, unit: "brews", ok: wrong.is_empty(), detail })
}
