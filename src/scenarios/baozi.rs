//! `baozi`: one producer feeds two generator consumers, with `next` and
//! `send`.
//!
//! The demo the Chinese coroutine articles use to show `yield` as a
//! hand-off (包子, baozi, are steamed buns): consumers A and B are
//! generators that wait at `baozi = yield`; the producer primes each with
//! `next()`, then each round makes two baozi and `send`s one to A and one
//! to B. Nothing runs at once: every line is printed by whoever holds the
//! one thread, and control moves only at `send` and `yield`.
//!
//! ```python
//! def consumer(name):
//!     print(f"{name} is ready to eat baozi")
//!     while True:
//!         baozi = yield
//!         print(f"baozi {baozi} came, and {name} ate it")
//!
//! def producer():
//!     a, b = consumer("A"), consumer("B")
//!     next(a); next(b)
//!     print("the producer starts making baozi")
//!     for i in range(n):
//!         print("made 2 baozi")
//!         a.send(i); b.send(i)
//! ```
//!
//! (The articles sleep a second a round, to make the output readable as it
//! scrolls; here nothing sleeps, and the timeline shows the order.)
//!
//! `n` is the number of rounds; each consumer eats `n` baozi. Each backend
//! records who ate what and checks it against [`expected`].
#![forbid(unsafe_code)]

use std::cell::RefCell;
use std::rc::Rc;

use super::{Backend, Config, Knob, KnobRange, Outcome, Scenario, ScenarioError};
use crate::trace::{self, State, Wait};

/// The scenario's entry in the registry.
pub const SCENARIO: Scenario = Scenario {
    name: "baozi",
    summary: "one producer feeds two generator consumers with next and send (the baozi demo)",
    default_n: 3,
    backends: &[Backend::Generator, Backend::Greenlet],
    // Every baozi is narrated twice (made, eaten): past 100,000 the story
    // is no longer read, and the check keeps every one in memory.
    knobs: &[KnobRange::new(Knob::N, 1, 100_000)],
    run,
};

fn run(backend: Backend, config: &Config) -> Result<Outcome, ScenarioError> {
    let n = config.n.unwrap_or(SCENARIO.default_n);
    let eaten = match backend {
        Backend::Generator => generators(n, config)?,
        Backend::Greenlet => greenlets(n, config)?,
        _ => return Err(ScenarioError::Unsupported { scenario: SCENARIO.name, backend }),
    };
    Ok(check(n, &eaten))
}

/// Who ate which baozi, in the order a correct hand-off eats them: round
/// `i` gives baozi `i` to A, then baozi `i` to B.
pub fn expected(n: u64) -> Vec<(&'static str, u64)> {
    (0..n).flat_map(|i| [("A", i), ("B", i)]).collect()
}

fn check(n: u64, eaten: &[(&'static str, u64)]) -> Outcome {
    let ok = eaten == expected(n);
    let detail = if ok {
        format!("{n} rounds: A and B each ate {n} baozi, in turn")
    } else {
        format!("baozi eaten out of turn: {eaten:?}")
    };
    Outcome { items: eaten.len() as u64, unit: "baozi", ok, detail }
}

/// What both backends' consumers share: the narrator and the record of
/// who ate what.
#[derive(Clone)]
struct Table {
    config: Config,
    eaten: Rc<RefCell<Vec<(&'static str, u64)>>>,
}

impl Table {
    fn ready(&self, name: &str) {
        self.config.say(format_args!("{name:>8}: ready to eat baozi"));
    }

    fn eat(&self, name: &'static str, baozi: u64) {
        self.config.say(format_args!("{name:>8}: baozi {baozi} came, and {name} ate it"));
        self.eaten.borrow_mut().push((name, baozi));
    }

    fn round(&self, i: u64) {
        self.config.say(format_args!("producer: made 2 baozi (round {i})"));
    }
}

// ANCHOR: generator
/// Generators, as the articles write it: each consumer is a generator
/// whose input is `Option<u64>`, so priming it is `send(None)`, which is
/// what Python's `next()` on a fresh generator is; the producer is plain
/// code that drives them.
fn generators(n: u64, config: &Config) -> Result<Vec<(&'static str, u64)>, ScenarioError> {
    use crate::generator::{Generator, GeneratorError};

    let table = Table { config: config.clone(), eaten: Rc::default() };
    let consumer = |name: &'static str| {
        let table = table.clone();
        Generator::with_options(name, crate::stack::DEFAULT_SIZE, move |co, _primed: Option<u64>| {
            table.ready(name);
            // `baozi = yield`: wait here until the producer sends one.
            while let Ok(Some(baozi)) = co.yield_(()) {
                table.eat(name, baozi);
            }
        })
    };
    let failed = |e: GeneratorError| ScenarioError::Failed(e.to_string());
    let producer = trace::task("producer");
    trace::record(producer, State::Running);
    let (a, b) = (consumer("A"), consumer("B"));
    // The driver's lane waits while a consumer runs.
    let send = |c: &Generator<Option<u64>, (), ()>, v: Option<u64>| {
        trace::record(producer, State::Waiting(Wait::Switch));
        let step = c.send(v).map_err(failed);
        trace::record(producer, State::Running);
        step
    };
    send(&a, None)?; // next(a)
    send(&b, None)?; // next(b)
    config.say("producer: starts making baozi");
    for i in 0..n {
        table.round(i);
        send(&a, Some(i))?;
        send(&b, Some(i))?;
    }
    // Python leaves both consumers suspended at `yield` when the program
    // ends; closing them ends their lanes in the trace.
    a.close();
    b.close();
    trace::record(producer, State::Done);
    let eaten = table.eaten.borrow().clone();
    Ok(eaten)
}
// ANCHOR_END: generator

// ANCHOR: greenlet
/// Greenlets: the producer is a greenlet too, and the consumers are its
/// children, each switching back to its parent (`yield`) and being switched
/// to with a baozi (`send`). The same hand-off, with the switch's target
/// named on both sides.
fn greenlets(n: u64, config: &Config) -> Result<Vec<(&'static str, u64)>, ScenarioError> {
    use crate::greenlet::{Builder, Greenlet, GreenletError};

    let table = Table { config: config.clone(), eaten: Rc::default() };
    let producer = Builder::new().name("producer").spawn({
        let (table, config) = (table.clone(), config.clone());
        move |_| {
            let consumer = |name: &'static str| {
                let table = table.clone();
                Builder::new().name(name).spawn(move |_| {
                    table.ready(name);
                    loop {
                        let Some(producer) = Greenlet::current().parent() else { break };
                        // `baozi = yield`: back to the producer until it
                        // switches here with one.
                        match producer.switch(Box::new(())).map(|v| v.downcast::<u64>()) {
                            Ok(Ok(baozi)) => table.eat(name, *baozi),
                            _ => break,
                        }
                    }
                    Box::new(())
                })
            };
            let (a, b) = (consumer("A"), consumer("B"));
            let run = || -> Result<(), GreenletError> {
                a.switch(Box::new(()))?; // next(a)
                b.switch(Box::new(()))?; // next(b)
                config.say("producer: starts making baozi");
                for i in 0..n {
                    table.round(i);
                    a.switch(Box::new(i))?;
                    b.switch(Box::new(i))?;
                }
                // Python leaves both consumers suspended at `yield`; here
                // something that is not a baozi tells them to finish, so
                // their lanes end in the trace.
                a.switch(Box::new(()))?;
                b.switch(Box::new(()))?;
                Ok(())
            };
            Box::new(run().map_err(|e| e.to_string()))
        }
    });
    let failed = |e: String| ScenarioError::Failed(e);
    let outcome = producer.switch(Box::new(())).map_err(|e| failed(e.to_string()))?;
    match outcome.downcast::<Result<(), String>>() {
        Ok(result) => (*result).map_err(failed)?,
        Err(_) => return Err(failed("the producer returned something else".into())),
    }
    let eaten = table.eaten.borrow().clone();
    Ok(eaten)
}
// ANCHOR_END: greenlet

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consumers_eat_in_turn_on_every_backend() {
        for backend in SCENARIO.backends {
            for n in [1, 3, 10] {
                let outcome = run(*backend, &Config::quiet().with_n(n)).unwrap();
                assert!(outcome.ok, "{backend} n={n}: {}", outcome.detail);
                assert_eq!(outcome.items, 2 * n);
            }
        }
    }

    #[test]
    fn check_rejects_a_baozi_eaten_out_of_turn() {
        assert!(!check(1, &[("B", 0), ("A", 0)]).ok);
        assert!(check(1, &[("A", 0), ("B", 0)]).ok);
    }

    #[test]
    fn the_trace_has_a_lane_for_the_producer_and_each_consumer() {
        for backend in SCENARIO.backends {
            let recording = trace::ThreadRecording::start();
            run(*backend, &Config::quiet().with_n(2)).unwrap();
            let t = recording.finish();
            for lane in ["producer", "A", "B"] {
                let idx =
                    t.tasks.iter().position(|n| n == lane).unwrap_or_else(|| panic!("{backend}: {lane}"));
                let states: Vec<State> =
                    t.events.iter().filter(|e| e.task.index() == idx).map(|e| e.state).collect();
                assert_eq!(states.first(), Some(&State::Running), "{backend} {lane}: {states:?}");
                assert_eq!(states.last(), Some(&State::Done), "{backend} {lane}: {states:?}");
            }
        }
    }
}
