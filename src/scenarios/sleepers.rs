//! `sleepers`: N tasks each sleep D, then all are joined.
//!
//! The seeds' classic "synchronous vs asynchronous" demo. One after another
//! (`sequential`), ten half-second sleeps take five seconds; started together
//! on any concurrent backend they take about half a second, because a
//! sleeping task costs nothing while it waits: a thread parked in the
//! kernel, or a coroutine parked in a timer heap.
//!
//! Knobs: `--n` sleepers (default 10; up to 100,000 is sensible for the
//! coroutine backends, where a sleeper is a small stack rather than a
//! thread), `--delay-ms` each sleeps (default 500).
//!
//! Each backend returns how long each sleeper actually slept; [`check`]
//! verifies that every one slept at least D and reports how the wall time
//! compares with N × D.
#![forbid(unsafe_code)]

use super::{Backend, Config, Knob, KnobRange, Outcome, Scenario, ScenarioError};
use crate::trace::{self, State, Wait};
use std::time::{Duration, Instant};

/// The scenario's entry in the registry.
pub const SCENARIO: Scenario = Scenario {
    name: "sleepers",
    summary: "N tasks each sleep D, then all are joined: sequential takes N x D, concurrent about D",
    default_n: 10,
    backends: &[
        Backend::Sequential,
        Backend::Threads,
        Backend::Genloop,
        Backend::Callbacks,
        Backend::Gevent,
        Backend::May,
        Backend::Aio,
    ],
    knobs: &[
        KnobRange::new(Knob::N, 1, 1_000_000),
        KnobRange::new(Knob::DelayMs, 0, 60_000),
        KnobRange::new(Knob::Workers, 1, 256),
    ],
    run,
};

/// How long each sleeper sleeps when `--delay-ms` is not given.
pub const DEFAULT_DELAY: Duration = Duration::from_millis(500);

fn run(backend: Backend, config: &Config) -> Result<Outcome, ScenarioError> {
    let n = config.n.unwrap_or(SCENARIO.default_n);
    let delay = config.delay.unwrap_or(DEFAULT_DELAY);
    let started = Instant::now();
    let slept = match backend {
        Backend::Sequential => sequential(n, delay, config),
        Backend::Threads => threads(n, delay, config)?,
        Backend::Genloop => genloop(n, delay, config)?,
        Backend::Callbacks => callbacks(n, delay, config)?,
        Backend::Gevent => gevent(n, delay, config)?,
        Backend::May => may(n, delay, config)?,
        // The aio loop checks its own run (every task woke, and the sleeps
        // overlapped); see [`aio`].
        Backend::Aio => return aio(n, delay, config),
        _ => return Err(ScenarioError::Unsupported { scenario: SCENARIO.name, backend }),
    };
    Ok(check(n, delay, &slept, started.elapsed()))
}

/// Checks that all `n` sleepers slept at least `delay`, and says how the
/// wall time compares with sleeping one after another.
pub fn check(n: u64, delay: Duration, slept: &[Duration], wall: Duration) -> Outcome {
    let short = slept.iter().filter(|&&d| d < delay).count();
    let ok = slept.len() as u64 == n && short == 0;
    let one_by_one = delay.as_secs_f64() * n as f64;
    let detail = if ok {
        format!(
            "{n} sleepers of {} ms done in {:.0} ms (one after another: n x D = {:.0} ms)",
            delay.as_millis(),
            wall.as_secs_f64() * 1e3,
            one_by_one * 1e3,
        )
    } else {
        format!("{} of {n} sleepers finished, {short} woke early", slept.len())
    };
    Outcome { items: slept.len() as u64, unit: "sleepers", ok, detail }
}

/// One sleeper's body, shared by the backends: record, sleep with the
/// backend's `sleep`, record, and return how long the sleep really took.
/// (The gevent hub records its greenlets itself; see [`untraced_sleeper`].)
fn sleeper(i: u64, delay: Duration, config: &Config, sleep: impl FnOnce(Duration)) -> Duration {
    let id = trace::task(format_args!("sleeper {i}"));
    traced_sleeper(id, i, delay, config, sleep)
}

/// A sleeper whose trace events the runtime records.
fn untraced_sleeper(i: u64, delay: Duration, config: &Config, sleep: impl FnOnce(Duration)) -> Duration {
    traced_sleeper(trace::TaskId::NONE, i, delay, config, sleep)
}

fn traced_sleeper(
    id: trace::TaskId,
    i: u64,
    delay: Duration,
    config: &Config,
    sleep: impl FnOnce(Duration),
) -> Duration {
    trace::record(id, State::Running);
    config.say(format_args!("[sleeper {i}] going to sleep for {} ms", delay.as_millis()));
    let started = Instant::now();
    trace::record(id, State::Waiting(Wait::Timer));
    sleep(delay);
    let slept = started.elapsed();
    trace::record(id, State::Running);
    config.say(format_args!("[sleeper {i}] woke after {:.1} ms", slept.as_secs_f64() * 1e3));
    trace::record(id, State::Done);
    slept
}

// ANCHOR: sequential
/// One after another on this thread: N × D.
fn sequential(n: u64, delay: Duration, config: &Config) -> Vec<Duration> {
    (0..n).map(|i| sleeper(i, delay, config, std::thread::sleep)).collect()
}
// ANCHOR_END: sequential

// ANCHOR: threads
/// A thread per sleeper, each blocked in the kernel for D. Threads get a
/// small stack (64 KiB) so thousands fit; past the system's thread limit
/// spawning fails and the scenario says so.
fn threads(n: u64, delay: Duration, config: &Config) -> Result<Vec<Duration>, ScenarioError> {
    // std aborts the process when a new thread cannot map its signal
    // stack, so refuse up front (see `limits::thread_limit`).
    use crate::stack::limits;
    let cap = limits::thread_limit();
    if n as usize > cap {
        let needed = 4 * n + limits::RESERVED_MAPPINGS as u64;
        return Err(ScenarioError::Failed(format!(
            "{n} threads would need about {} memory mappings, past vm.max_map_count ({}); \
             use at most {cap}, or raise the limit with `{}`",
            4 * n,
            limits::max_map_count(),
            crate::stack::raise_command(limits::max_map_count() as u64, needed),
        )));
    }
    std::thread::scope(|s| {
        let mut handles = Vec::with_capacity(n as usize);
        let mut failed = None;
        for i in 0..n {
            let spawned = std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn_scoped(s, move || sleeper(i, delay, config, std::thread::sleep));
            match spawned {
                Ok(h) => handles.push(h),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        let slept: Vec<Duration> = handles.into_iter().filter_map(|h| h.join().ok()).collect();
        all_started("thread", n, slept, failed)
    })
}
// ANCHOR_END: threads

// ANCHOR: genloop
/// genloop: a generator task per sleeper. Each delegates to the `sleep`
/// sub-operation with `yield_from` (Python 3.4: `yield from
/// asyncio.sleep(d)`), whose request parks the task in the loop's timer
/// heap; the main task spawns them all, then joins each. The loop records
/// its tasks' trace events itself.
fn genloop(n: u64, delay: Duration, config: &Config) -> Result<Vec<Duration>, ScenarioError> {
    use crate::genloop::{self, Answer};

    let failed = |e: &dyn std::fmt::Display| ScenarioError::Failed(e.to_string());
    let config = config.clone();
    let main = genloop::task("main", move |co| {
        let mut handles = Vec::with_capacity(n as usize);
        for i in 0..n {
            let config = config.clone();
            let sleeper = genloop::task(format_args!("sleeper {i}"), move |co| {
                config.say(format_args!("[sleeper {i}] going to sleep for {} ms", delay.as_millis()));
                let started = Instant::now();
                co.yield_from(genloop::sleep(delay), Answer::Go).map_err(|e| e.to_string())?;
                let slept = started.elapsed();
                config.say(format_args!("[sleeper {i}] woke after {:.1} ms", slept.as_secs_f64() * 1e3));
                Ok::<_, String>(slept)
            });
            let spawn = genloop::spawn::<Result<Duration, String>>(sleeper);
            handles.push(co.yield_from(spawn, Answer::Go).map_err(|e| e.to_string())?);
        }
        let mut slept = Vec::with_capacity(n as usize);
        for handle in handles {
            let joined = co.yield_from(genloop::join(handle), Answer::Go).map_err(|e| e.to_string())?;
            slept.push(joined.map_err(|e| e.to_string())??);
        }
        Ok::<_, String>(slept)
    });
    genloop::run::<Result<Vec<Duration>, String>>(main).map_err(|e| failed(&e))?.map_err(|e| failed(&e))
}
// ANCHOR_END: genloop

// ANCHOR: callbacks
/// callbacks: no tasks at all. A sleeper is a timer callback: what it
/// must know when it wakes (its number, when it fell asleep) is captured
/// by its closure, and the loop calls it once the delay has passed. The
/// trace draws each callback's sleeper as a lane of its own.
fn callbacks(n: u64, delay: Duration, config: &Config) -> Result<Vec<Duration>, ScenarioError> {
    use crate::callbacks::EventLoop;
    use std::cell::RefCell;
    use std::rc::Rc;

    let mut lp = EventLoop::new()?;
    let slept = Rc::new(RefCell::new(Vec::with_capacity(n as usize)));
    let config = Rc::new(config.clone());
    for i in 0..n {
        let id = trace::task(format_args!("sleeper {i}"));
        trace::record(id, State::Running);
        config.say(format_args!("[sleeper {i}] going to sleep for {} ms", delay.as_millis()));
        let started = Instant::now();
        trace::record(id, State::Waiting(Wait::Timer));
        let (slept, config) = (Rc::clone(&slept), Rc::clone(&config));
        lp.call_later(delay, move |_| {
            trace::record(id, State::Running);
            let took = started.elapsed();
            config.say(format_args!("[sleeper {i}] woke after {:.1} ms", took.as_secs_f64() * 1e3));
            slept.borrow_mut().push(took);
            trace::record(id, State::Done);
        });
    }
    lp.run()?; // returns once no timer is left
    let slept = std::mem::take(&mut *slept.borrow_mut());
    Ok(slept)
}
// ANCHOR_END: callbacks

// ANCHOR: gevent
/// A greenlet per sleeper, all on this thread's hub: each parks in the
/// hub's timer heap, and the hub wakes them in deadline order.
fn gevent(n: u64, delay: Duration, config: &Config) -> Result<Vec<Duration>, ScenarioError> {
    use crate::gevent;

    let mut handles = Vec::with_capacity(n as usize);
    let mut failed = None;
    for i in 0..n {
        let config = config.clone();
        let mut builder = gevent::Builder::new();
        if config.trace {
            builder = builder.name(format!("sleeper {i}"));
        }
        let spawned = builder.spawn(move || untraced_sleeper(i, delay, &config, gevent::sleep));
        match spawned {
            Ok(h) => handles.push(h),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    gevent::joinall(&handles, None);
    let slept: Vec<Duration> = handles.into_iter().filter_map(|h| h.join().ok()).collect();
    all_started("greenlet", n, slept, failed)
}
// ANCHOR_END: gevent

// ANCHOR: may
/// A may coroutine per sleeper: each parks in may's timer list, on however
/// many workers may runs.
fn may(n: u64, delay: Duration, config: &Config) -> Result<Vec<Duration>, ScenarioError> {
    use crate::gevent::may as gevent;

    super::configure_may(config)?;
    let mut handles = Vec::with_capacity(n as usize);
    let mut failed = None;
    for i in 0..n {
        let config = config.clone();
        match gevent::try_spawn(move || sleeper(i, delay, &config, gevent::sleep)) {
            Ok(h) => handles.push(h),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    gevent::joinall(&handles, None);
    let slept: Vec<Duration> = handles.into_iter().filter_map(|h| h.join().ok()).collect();
    all_started("coroutine", n, slept, failed)
}
// ANCHOR_END: may

// ANCHOR: aio
/// aio: `n` tasks each sleep `delay` at once; then all are joined. The run
/// takes about `delay`, however large `n` is: sleeping tasks cost memory (a
/// task cell and a timer entry each), not time. The loop records its
/// tasks' trace events itself.
pub fn aio(n: u64, delay: Duration, config: &Config) -> Result<Outcome, ScenarioError> {
    use crate::aio;

    let started = Instant::now();
    let woke = aio::run(async {
        let tasks: Vec<_> = (0..n).map(|_| aio::spawn(aio::sleep(delay))).collect();
        config.say(format_args!("{n} tasks sleeping {delay:?} each"));
        let mut woke = 0u64;
        for task in tasks {
            task.await.map_err(|e| ScenarioError::Failed(e.to_string()))?;
            woke += 1;
        }
        Ok::<_, ScenarioError>(woke)
    })?;
    let took = started.elapsed();
    // No sleeper can wake early: a `Sleep` completes only once its deadline
    // (set when it was created, before the task was spawned) has passed.
    // Concurrent sleeps overlap: all of them should take well under n × delay
    // (allowing generous slack for a busy machine and for spawning a million).
    let overlapped = n < 2 || took < delay * 2 + Duration::from_secs(5);
    let ok = woke == n && overlapped;
    let detail = format!("{woke} of {n} tasks slept {delay:?} concurrently in {took:.2?}");
    config.say(&detail);
    Ok(Outcome { items: woke, unit: "sleepers", ok, detail })
}
// ANCHOR_END: aio

/// The sleepers' times, or why not all of them ran: the `what` after the
/// ones that slept could not be spawned.
fn all_started(
    what: &str,
    n: u64,
    slept: Vec<Duration>,
    failed: Option<impl std::fmt::Display>,
) -> Result<Vec<Duration>, ScenarioError> {
    match failed {
        Some(e) => Err(ScenarioError::Failed(format!("{what} {} of {n} could not start: {e}", slept.len()))),
        None => Ok(slept),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_rejects_an_early_riser() {
        let d = Duration::from_millis(10);
        let slept = [d, d / 2];
        assert!(!check(2, d, &slept, d).ok);
        assert!(check(2, d, &[d, d], d).ok);
    }
}
