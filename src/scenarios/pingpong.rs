//! `pingpong`: two workers hand control back and forth.
//!
//! Worker A prints a number, hands control to worker B, which prints one and
//! hands it back; `n` turns each. The numbers follow the articles' greenlet
//! demo (greenlet's own docs stop at 12 56 34): with `n = 2`, A prints 12
//! and 34, B prints 56 and 78, and the output is `12 56 34 78`, the order
//! only a hand-off can produce. In general A's
//! turn `k` prints the pair `2k+1, 2k+2` and B's the pair `2n+2k+1, 2n+2k+2`.
//!
//! Each backend records what it printed and checks it against
//! [`expected`]: a worker that ran out of turn fails the run.
#![forbid(unsafe_code)]

use super::{Backend, Config, Knob, KnobRange, Outcome, Scenario, ScenarioError};
use crate::trace::{self, State, Wait};

/// The scenario's entry in the registry.
pub const SCENARIO: Scenario = Scenario {
    name: "pingpong",
    summary: "two workers hand control back and forth (the articles' greenlet demo: 12 56 34 78)",
    default_n: 2,
    backends: &[
        Backend::Threads,
        Backend::Generator,
        Backend::Greenlet,
        Backend::Gevent,
        Backend::May,
        Backend::Aio,
    ],
    knobs: &[KnobRange::new(Knob::N, 1, 1_000_000), KnobRange::new(Knob::Workers, 1, 256)],
    run,
};

fn run(backend: Backend, config: &Config) -> Result<Outcome, ScenarioError> {
    let n = config.n.unwrap_or(SCENARIO.default_n);
    let printed = match backend {
        Backend::Threads => threads(n, config)?,
        Backend::Gevent => gevent(n, config)?,
        Backend::May => may(n, config)?,
        Backend::Generator => generators(n, config)?,
        Backend::Greenlet => greenlets(n, config)?,
        Backend::Aio => aio(n, config)?,
        _ => return Err(ScenarioError::Unsupported { scenario: SCENARIO.name, backend }),
    };
    Ok(check(n, &printed))
}

/// What worker A prints on its turn `k`.
pub fn ping_value(k: u64) -> String {
    format!("{}{}", 2 * k + 1, 2 * k + 2)
}

/// What worker B prints on its turn `k` of `n`.
pub fn pong_value(n: u64, k: u64) -> String {
    format!("{}{}", 2 * n + 2 * k + 1, 2 * n + 2 * k + 2)
}

/// The values in the order a correct hand-off prints them.
pub fn expected(n: u64) -> Vec<String> {
    (0..n).flat_map(|k| [ping_value(k), pong_value(n, k)]).collect()
}

/// Compares what a backend printed with [`expected`].
pub fn check(n: u64, printed: &[String]) -> Outcome {
    let want = expected(n);
    let ok = printed == want.as_slice();
    let detail = if ok {
        format!("{} turns, in order", printed.len())
    } else {
        format!("printed {:?}, expected {:?}", short(printed), short(&want))
    };
    Outcome { items: printed.len() as u64, unit: "turns", ok, detail }
}

fn short(values: &[String]) -> String {
    let head: Vec<&str> = values.iter().take(8).map(String::as_str).collect();
    let more = if values.len() > 8 { " …" } else { "" };
    format!("{}{more}", head.join(" "))
}

// ANCHOR: threads
/// OS threads: each worker blocks on a rendezvous channel until it is its
/// turn. Every hand-off is a thread wake-up through the kernel.
fn threads(n: u64, config: &Config) -> Result<Vec<String>, ScenarioError> {
    use crossbeam_channel::bounded;
    use std::sync::Mutex;

    let printed = Mutex::new(Vec::new());
    let (to_pong, pong_turn) = bounded::<()>(0);
    let (to_ping, ping_turn) = bounded::<()>(0);
    let say = |id: trace::TaskId, value: String| {
        trace::record(id, State::Running);
        config.say(&value);
        printed.lock().unwrap().push(value);
    };
    std::thread::scope(|s| {
        s.spawn(|| {
            let id = trace::task("ping");
            for k in 0..n {
                say(id, ping_value(k));
                trace::record(id, State::Waiting(Wait::Sync));
                to_pong.send(()).ok();
                if k + 1 < n {
                    ping_turn.recv().ok();
                }
            }
            trace::record(id, State::Done);
        });
        s.spawn(|| {
            let id = trace::task("pong");
            trace::record(id, State::Waiting(Wait::Sync));
            for k in 0..n {
                pong_turn.recv().ok();
                say(id, pong_value(n, k));
                if k + 1 < n {
                    trace::record(id, State::Waiting(Wait::Sync));
                    to_ping.send(()).ok();
                }
            }
            trace::record(id, State::Done);
        });
    });
    Ok(printed.into_inner().unwrap())
}
// ANCHOR_END: threads

// ANCHOR: gevent
/// gevent greenlets: neither names the other. Each prints and calls
/// `sleep(ZERO)`, which puts it at the back of the hub's FIFO ready queue,
/// so the hub alternates between them: the hand-off is the hub's.
fn gevent(n: u64, config: &Config) -> Result<Vec<String>, ScenarioError> {
    use crate::gevent;
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::Duration;

    let printed = Rc::new(RefCell::new(Vec::new()));
    let worker = |name: &'static str, value: fn(u64, u64) -> String| {
        let (printed, config) = (printed.clone(), config.clone());
        gevent::Builder::new().name(name).spawn(move || {
            for k in 0..n {
                let v = value(n, k);
                config.say(&v);
                printed.borrow_mut().push(v);
                gevent::sleep(Duration::ZERO);
            }
        })
    };
    let ping = worker("ping", |_, k| ping_value(k))?;
    let pong = worker("pong", pong_value)?;
    for h in [ping, pong] {
        h.join().map_err(|e| ScenarioError::Failed(e.to_string()))?;
    }
    Ok(printed.take())
}
// ANCHOR_END: gevent

// ANCHOR: may
/// may coroutines: the same hand-off over may's channels, which park the
/// coroutine rather than its worker thread. With one worker every hand-off
/// is a coroutine switch; with more, may may run the two on different
/// threads and a hand-off becomes a cross-thread wake-up.
fn may(n: u64, config: &Config) -> Result<Vec<String>, ScenarioError> {
    use crate::gevent::may as gevent;

    super::configure_may(config)?;
    let (to_pong, pong_turn) = gevent::channel::<()>();
    let (to_ping, ping_turn) = gevent::channel::<()>();
    let (printed_tx, printed_rx) = gevent::channel::<String>();
    let ping = {
        let (config, printed) = (config.clone(), printed_tx.clone());
        gevent::try_spawn(move || {
            let id = trace::task("ping");
            for k in 0..n {
                trace::record(id, State::Running);
                let value = ping_value(k);
                config.say(&value);
                printed.send(value).ok();
                trace::record(id, State::Waiting(Wait::Sync));
                to_pong.send(()).ok();
                if k + 1 < n && ping_turn.recv().is_err() {
                    break;
                }
            }
            trace::record(id, State::Done);
        })?
    };
    let pong = {
        let (config, printed) = (config.clone(), printed_tx);
        gevent::try_spawn(move || {
            let id = trace::task("pong");
            for k in 0..n {
                trace::record(id, State::Waiting(Wait::Sync));
                if pong_turn.recv().is_err() {
                    break;
                }
                trace::record(id, State::Running);
                let value = pong_value(n, k);
                config.say(&value);
                printed.send(value).ok();
                if k + 1 < n {
                    to_ping.send(()).ok();
                }
            }
            trace::record(id, State::Done);
        })?
    };
    for h in [ping, pong] {
        h.join().map_err(|e| ScenarioError::Failed(e.to_string()))?;
    }
    Ok(printed_rx.try_iter().collect())
}
// ANCHOR_END: may
// ANCHOR: generator
/// Generators: each worker is a generator that prints and yields. A
/// generator can only yield back to whoever resumed it, never to the other
/// worker, so a small driver loop resumes them in turn: the hand-off goes
/// through the caller, as it must with asymmetric coroutines.
fn generators(n: u64, config: &Config) -> Result<Vec<String>, ScenarioError> {
    use crate::generator::{Generator, GeneratorError};
    use std::cell::RefCell;
    use std::rc::Rc;

    let printed = Rc::new(RefCell::new(Vec::new()));
    let worker = |name: &str, value: fn(u64, u64) -> String| {
        let (printed, config) = (printed.clone(), config.clone());
        Generator::with_options(name, crate::stack::DEFAULT_SIZE, move |co, ()| {
            for k in 0..n {
                let v = value(n, k);
                config.say(&v);
                printed.borrow_mut().push(v);
                if co.yield_(()).is_err() {
                    return;
                }
            }
        })
    };
    let ping = worker("ping", |_, k| ping_value(k));
    let pong = worker("pong", pong_value);
    let failed = |e: GeneratorError| ScenarioError::Failed(e.to_string());
    let driver = trace::task("driver");
    trace::record(driver, State::Running);
    // n turns each, then one more send each to let both bodies return.
    for _ in 0..=n {
        for worker in [&ping, &pong] {
            trace::record(driver, State::Waiting(Wait::Switch));
            worker.send(()).map_err(failed)?;
            trace::record(driver, State::Running);
        }
    }
    trace::record(driver, State::Done);
    let printed = printed.borrow().clone();
    Ok(printed)
}
// ANCHOR_END: generator

// ANCHOR: greenlet
/// Greenlets: each worker prints and switches straight to the other, the
/// articles' greenlet demo. No driver: `switch` names its target. On its last
/// turn pong returns instead, which hands control to its parent (main), and
/// main lets ping finish its last `switch`.
fn greenlets(n: u64, config: &Config) -> Result<Vec<String>, ScenarioError> {
    use crate::greenlet::{Builder, Greenlet};
    use std::cell::{OnceCell, RefCell};
    use std::rc::Rc;

    let printed = Rc::new(RefCell::new(Vec::new()));
    let ping_cell: Rc<OnceCell<Greenlet>> = Rc::default();
    let say = {
        let (printed, config) = (printed.clone(), config.clone());
        Rc::new(move |v: String| {
            config.say(&v);
            printed.borrow_mut().push(v);
        })
    };
    let pong = Builder::new().name("pong").spawn({
        let (say, ping_cell) = (say.clone(), ping_cell.clone());
        move |_| {
            for k in 0..n {
                say(pong_value(n, k));
                if k + 1 < n {
                    let ping = ping_cell.get().expect("ping exists before pong runs");
                    if ping.switch(Box::new(())).is_err() {
                        break;
                    }
                }
            }
            Box::new(())
        }
    });
    let ping = Builder::new().name("ping").spawn(move |_| {
        for k in 0..n {
            say(ping_value(k));
            if pong.switch(Box::new(())).is_err() {
                break;
            }
        }
        Box::new(())
    });
    ping_cell.set(ping.clone()).ok();
    let failed = |e: crate::greenlet::GreenletError| ScenarioError::Failed(e.to_string());
    ping.switch(Box::new(())).map_err(failed)?; // returns when pong has finished
    if !ping.is_dead() {
        ping.switch(Box::new(())).map_err(failed)?; // ping's last switch returns; it finishes
    }
    let printed = printed.borrow().clone();
    Ok(printed)
}
// ANCHOR_END: greenlet

// ANCHOR: aio
/// aio tasks: each passes the turn through a queue, as asyncio code would
/// (`await turn.get()` parks the task until the other puts). The loop
/// records the tasks' trace events itself.
fn aio(n: u64, config: &Config) -> Result<Vec<String>, ScenarioError> {
    use crate::aio::{self, Queue};
    use std::cell::RefCell;
    use std::rc::Rc;

    let failed = |e: aio::Error| ScenarioError::Failed(e.to_string());
    let printed = Rc::new(RefCell::new(Vec::new()));
    let config = Rc::new(config.clone()); // tasks are 'static: they share the config
    aio::run(async {
        let (to_pong, to_ping) = (Queue::unbounded(), Queue::unbounded());
        let ping = aio::spawn_named("ping", {
            let (to_pong, my_turn, printed, config) =
                (to_pong.clone(), to_ping.clone(), printed.clone(), config.clone());
            async move {
                for k in 0..n {
                    let value = ping_value(k);
                    config.say(&value);
                    printed.borrow_mut().push(value);
                    to_pong.put_nowait(()).ok();
                    if k + 1 < n {
                        my_turn.get().await.ok();
                    }
                }
            }
        });
        let pong = aio::spawn_named("pong", {
            let (to_ping, my_turn, printed, config) =
                (to_ping.clone(), to_pong.clone(), printed.clone(), config.clone());
            async move {
                for k in 0..n {
                    my_turn.get().await.ok();
                    let value = pong_value(n, k);
                    config.say(&value);
                    printed.borrow_mut().push(value);
                    if k + 1 < n {
                        to_ping.put_nowait(()).ok();
                    }
                }
            }
        });
        ping.await.map_err(failed)?;
        pong.await.map_err(failed)
    })?;
    Ok(Rc::try_unwrap(printed).map(RefCell::into_inner).unwrap_or_default())
}
// ANCHOR_END: aio

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_articles_order_for_two_turns() {
        assert_eq!(expected(2), ["12", "56", "34", "78"]);
    }

    #[test]
    fn every_backend_prints_the_articles_order() {
        for backend in SCENARIO.backends {
            let outcome = run(*backend, &Config::quiet()).unwrap();
            assert!(outcome.ok, "{backend}: {}", outcome.detail);
            let outcome = run(*backend, &Config::quiet().with_n(5)).unwrap();
            assert!(outcome.ok, "{backend} n=5: {}", outcome.detail);
        }
    }

    #[test]
    fn greenlets_print_12_56_34_78() {
        assert_eq!(greenlets(2, &Config::quiet()).unwrap(), ["12", "56", "34", "78"]);
    }

    #[test]
    fn check_rejects_a_wrong_order() {
        let printed: Vec<String> = ["12", "34", "56", "78"].map(String::from).to_vec();
        assert!(!check(2, &printed).ok);
        assert!(check(2, &expected(2)).ok);
    }
}
