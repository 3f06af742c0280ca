//! `producer-consumer`: a producer hands items to a consumer, which answers.
//!
//! The producer makes items `1..=n` one at a time and hands each to the
//! consumer; the consumer takes it and answers with a status (`200 OK`),
//! which the producer reads before making the next one. This is the seeds'
//! classic generator demo (`c.send(n)` in a loop), and it is the same shape
//! on every backend: a hand-off each way per item.
//!
//! The narration shows the interleaving as it happens:
//!
//! ```text
//! [producer] producing 1
//! [consumer] consuming 1
//! [producer] consumer answered 200 OK
//! ```
//!
//! Each backend returns the items the consumer saw and the answers the
//! producer got; [`check`] verifies both.
#![forbid(unsafe_code)]

use super::{Backend, Config, Knob, KnobRange, Outcome, Scenario, ScenarioError};
use crate::trace::{self, State, Wait};

/// The scenario's entry in the registry.
pub const SCENARIO: Scenario = Scenario {
    name: "producer-consumer",
    summary: "a producer hands items 1..=n to a consumer, which answers each with a status",
    default_n: 5,
    backends: &[
        Backend::Threads,
        Backend::Generator,
        Backend::Greenlet,
        Backend::Gevent,
        Backend::May,
        Backend::Aio,
    ],
    knobs: &[KnobRange::new(Knob::N, 0, 1_000_000), KnobRange::new(Knob::Workers, 1, 256)],
    run,
};

/// The consumer's answer to an item.
pub const STATUS: &str = "200 OK";

fn run(backend: Backend, config: &Config) -> Result<Outcome, ScenarioError> {
    let n = config.n.unwrap_or(SCENARIO.default_n);
    let log = match backend {
        Backend::Threads => threads(n, config)?,
        Backend::Gevent => gevent(n, config)?,
        Backend::May => may(n, config)?,
        Backend::Generator => generator(n, config)?,
        Backend::Greenlet => greenlets(n, config)?,
        Backend::Aio => aio(n, config)?,
        _ => return Err(ScenarioError::Unsupported { scenario: SCENARIO.name, backend }),
    };
    Ok(check(n, &log))
}

/// What one run saw: the items in the order the consumer took them, and the
/// answers in the order the producer read them.
#[derive(Debug, Default)]
pub struct Log {
    /// Items as the consumer received them.
    pub consumed: Vec<u64>,
    /// Answers as the producer received them.
    pub answers: Vec<String>,
}

/// Checks that every item arrived once, in order, and got its answer.
pub fn check(n: u64, log: &Log) -> Outcome {
    let want: Vec<u64> = (1..=n).collect();
    let answered = log.answers.len() as u64 == n && log.answers.iter().all(|a| a == STATUS);
    let ok = log.consumed == want && answered;
    let detail = if ok {
        format!("{n} items produced, consumed and answered in order")
    } else {
        format!("consumed {:?}, {} answers", log.consumed, log.answers.len())
    };
    Outcome { items: log.consumed.len() as u64, unit: "items", ok, detail }
}

// ANCHOR: threads
/// OS threads: the producer sends each item over a rendezvous channel and
/// blocks on a second channel for the answer.
fn threads(n: u64, config: &Config) -> Result<Log, ScenarioError> {
    use crossbeam_channel::bounded;

    let (items_tx, items_rx) = bounded::<u64>(0);
    let (answers_tx, answers_rx) = bounded::<String>(0);
    let mut log = Log::default();
    std::thread::scope(|s| {
        let consumer = s.spawn(move || {
            let id = trace::task("consumer");
            let mut consumed = Vec::new();
            trace::record(id, State::Waiting(Wait::Sync));
            for item in items_rx {
                trace::record(id, State::Running);
                config.say(format_args!("[consumer] consuming {item}"));
                consumed.push(item);
                trace::record(id, State::Waiting(Wait::Sync));
                if answers_tx.send(STATUS.to_string()).is_err() {
                    break;
                }
            }
            trace::record(id, State::Done);
            consumed
        });
        let id = trace::task("producer");
        for item in 1..=n {
            trace::record(id, State::Running);
            config.say(format_args!("[producer] producing {item}"));
            trace::record(id, State::Waiting(Wait::Sync));
            if items_tx.send(item).is_err() {
                break;
            }
            match answers_rx.recv() {
                Ok(answer) => {
                    trace::record(id, State::Running);
                    config.say(format_args!("[producer] consumer answered {answer}"));
                    log.answers.push(answer);
                }
                Err(_) => break,
            }
        }
        trace::record(id, State::Done);
        drop(items_tx);
        log.consumed = consumer.join().unwrap_or_default();
    });
    Ok(log)
}
// ANCHOR_END: threads

// ANCHOR: gevent
/// gevent greenlets through two `gevent::Queue`s: the producer puts an item
/// and parks in `get` on the answers queue; the consumer parks in `get` on
/// the items queue. Each park is a switch to the hub, which runs the other.
fn gevent(n: u64, config: &Config) -> Result<Log, ScenarioError> {
    use crate::gevent::{self, Queue};
    use std::rc::Rc;

    let items: Rc<Queue<Option<u64>>> = Rc::new(Queue::bounded(1));
    let answers: Rc<Queue<String>> = Rc::new(Queue::bounded(1));
    let consumer = {
        let (items, answers, config) = (items.clone(), answers.clone(), config.clone());
        gevent::Builder::new().name("consumer").spawn(move || {
            let mut consumed = Vec::new();
            while let Some(item) = items.get() {
                config.say(format_args!("[consumer] consuming {item}"));
                consumed.push(item);
                answers.put(STATUS.to_string());
            }
            consumed
        })?
    };
    let producer = {
        let config = config.clone();
        gevent::Builder::new().name("producer").spawn(move || {
            let mut answers_got = Vec::new();
            for item in 1..=n {
                config.say(format_args!("[producer] producing {item}"));
                items.put(Some(item));
                let answer = answers.get();
                config.say(format_args!("[producer] consumer answered {answer}"));
                answers_got.push(answer);
            }
            items.put(None);
            answers_got
        })?
    };
    let failed = |e: gevent::JoinError| ScenarioError::Failed(e.to_string());
    let answers = producer.join().map_err(failed)?;
    let consumed = consumer.join().map_err(failed)?;
    Ok(Log { consumed, answers })
}
// ANCHOR_END: gevent

// ANCHOR: may
/// may coroutines: the producer sends each item on a may channel and parks
/// on a second one for the answer; the consumer is a coroutine too.
fn may(n: u64, config: &Config) -> Result<Log, ScenarioError> {
    use crate::gevent::may as gevent;

    super::configure_may(config)?;
    let (items_tx, items_rx) = gevent::channel::<u64>();
    let (answers_tx, answers_rx) = gevent::channel::<String>();
    let consumer = {
        let config = config.clone();
        gevent::try_spawn(move || {
            let id = trace::task("consumer");
            let mut consumed = Vec::new();
            trace::record(id, State::Waiting(Wait::Sync));
            for item in items_rx {
                trace::record(id, State::Running);
                config.say(format_args!("[consumer] consuming {item}"));
                consumed.push(item);
                trace::record(id, State::Waiting(Wait::Sync));
                if answers_tx.send(STATUS.to_string()).is_err() {
                    break;
                }
            }
            trace::record(id, State::Done);
            consumed
        })?
    };
    let producer = {
        let config = config.clone();
        gevent::try_spawn(move || {
            let id = trace::task("producer");
            let mut answers = Vec::new();
            for item in 1..=n {
                trace::record(id, State::Running);
                config.say(format_args!("[producer] producing {item}"));
                trace::record(id, State::Waiting(Wait::Sync));
                if items_tx.send(item).is_err() {
                    break;
                }
                match answers_rx.recv() {
                    Ok(answer) => {
                        trace::record(id, State::Running);
                        config.say(format_args!("[producer] consumer answered {answer}"));
                        answers.push(answer);
                    }
                    Err(_) => break,
                }
            }
            trace::record(id, State::Done);
            answers
        })?
    };
    let failed = |e: gevent::JoinError| ScenarioError::Failed(e.to_string());
    let answers = producer.join().map_err(failed)?;
    let consumed = consumer.join().map_err(failed)?;
    Ok(Log { consumed, answers })
}
// ANCHOR_END: may
// ANCHOR: generator
/// A generator: the classic `consumer()` generator, driven by a producer
/// loop with `send`. The consumer is the generator; the producer is plain
/// code in the caller.
///
/// ```text
/// def consumer():                     # Python, for comparison
///     r = ''
///     while True:
///         n = yield r
///         if not n:
///             return
///         print('[consumer] consuming %s' % n)
///         r = '200 OK'
/// ```
///
/// Its input is an `Option<u64>` so that it can be primed with `send(None)`
/// exactly as in Python; a corolab generator would also accept the first
/// item in its first `send` (see `crate::generator`).
fn generator(n: u64, config: &Config) -> Result<Log, ScenarioError> {
    use crate::generator::{Generator, Step};
    use std::cell::RefCell;
    use std::rc::Rc;

    let consumed = Rc::new(RefCell::new(Vec::new()));
    let consumer = {
        let (consumed, config) = (consumed.clone(), config.clone());
        Generator::with_options("consumer", crate::stack::DEFAULT_SIZE, move |co, _prime: Option<u64>| {
            let mut answer = String::new();
            loop {
                let Ok(Some(item)) = co.yield_(answer) else { return };
                config.say(format_args!("[consumer] consuming {item}"));
                consumed.borrow_mut().push(item);
                answer = STATUS.to_string();
            }
        })
    };
    let failed = |why: String| ScenarioError::Failed(why);
    let producer = trace::task("producer");
    let mut log = Log::default();
    trace::record(producer, State::Running);
    consumer.send(None).map_err(|e| failed(e.to_string()))?; // prime: run to the first yield
    for item in 1..=n {
        config.say(format_args!("[producer] producing {item}"));
        trace::record(producer, State::Waiting(Wait::Switch));
        let step = consumer.send(Some(item)).map_err(|e| failed(e.to_string()))?;
        trace::record(producer, State::Running);
        match step {
            Step::Yielded(answer) => {
                config.say(format_args!("[producer] consumer answered {answer}"));
                log.answers.push(answer);
            }
            Step::Returned(()) => return Err(failed("the consumer stopped early".into())),
        }
    }
    consumer.close();
    trace::record(producer, State::Done);
    log.consumed = consumed.borrow().clone();
    Ok(log)
}
// ANCHOR_END: generator

// ANCHOR: greenlet
/// Greenlets: a producer and a consumer switch to each other directly, the
/// item going one way and the answer the other. The consumer's parent is
/// the producer, so when the producer sends `None` the consumer's function
/// returns and control goes back to the producer.
fn greenlets(n: u64, config: &Config) -> Result<Log, ScenarioError> {
    use crate::greenlet::{Builder, Greenlet, GreenletError, Value};
    use std::cell::RefCell;
    use std::rc::Rc;

    let log = Rc::new(RefCell::new(Log::default()));
    let producer = Builder::new().name("producer").spawn({
        let (log, config) = (log.clone(), config.clone());
        move |_| -> Value {
            let consumer = Builder::new().name("consumer").spawn({
                let (log, config) = (log.clone(), config.clone());
                move |first| {
                    let producer = Greenlet::current().parent().expect("the producer");
                    let mut next = first;
                    while let Ok(Some(item)) = next.downcast::<Option<u64>>().map(|b| *b) {
                        config.say(format_args!("[consumer] consuming {item}"));
                        log.borrow_mut().consumed.push(item);
                        match producer.switch(Box::new(STATUS.to_string())) {
                            Ok(v) => next = v,
                            Err(_) => break,
                        }
                    }
                    Box::new(())
                }
            });
            for item in 1..=n {
                config.say(format_args!("[producer] producing {item}"));
                match consumer.switch(Box::new(Some(item))).map(|v| v.downcast::<String>()) {
                    Ok(Ok(answer)) => {
                        config.say(format_args!("[producer] consumer answered {answer}"));
                        log.borrow_mut().answers.push(*answer);
                    }
                    _ => return Box::new(Err::<(), _>(format!("no answer for item {item}"))),
                }
            }
            // The consumer returns on `None`, back to us: its parent.
            let _ = consumer.switch(Box::new(None::<u64>));
            Box::new(Ok::<(), String>(()))
        }
    });
    let result =
        producer.switch(Box::new(())).map_err(|e: GreenletError| ScenarioError::Failed(e.to_string()))?;
    if let Ok(outcome) = result.downcast::<Result<(), String>>() {
        (*outcome).map_err(ScenarioError::Failed)?;
    }
    let log = std::mem::take(&mut *log.borrow_mut());
    Ok(log)
}
// ANCHOR_END: greenlet

// ANCHOR: aio
/// aio tasks: the producer puts each item on a one-slot queue and awaits
/// the consumer's answer on another; the consumer iterates the items
/// queue (`async for` in Python) until the producer shuts it.
fn aio(n: u64, config: &Config) -> Result<Log, ScenarioError> {
    use crate::aio::{self, AsyncIterator, Queue};
    use std::rc::Rc;

    let failed = |e: aio::Error| ScenarioError::Failed(e.to_string());
    let config = Rc::new(config.clone());
    aio::run(async {
        let items: Queue<u64> = Queue::bounded(1);
        let answers: Queue<String> = Queue::bounded(1);
        let consumer = aio::spawn_named("consumer", {
            let (items, answers, config) = (items.clone(), answers.clone(), config.clone());
            async move {
                let mut consumed = Vec::new();
                let mut incoming = items.items(); // ends when the producer shuts the queue
                while let Some(item) = incoming.next().await {
                    config.say(format_args!("[consumer] consuming {item}"));
                    consumed.push(item);
                    if answers.put(STATUS.to_string()).await.is_err() {
                        break;
                    }
                }
                consumed
            }
        });
        let producer = aio::spawn_named("producer", async move {
            let mut got = Vec::new();
            for item in 1..=n {
                config.say(format_args!("[producer] producing {item}"));
                if items.put(item).await.is_err() {
                    break;
                }
                match answers.get().await {
                    Ok(answer) => {
                        config.say(format_args!("[producer] consumer answered {answer}"));
                        got.push(answer);
                    }
                    Err(_) => break,
                }
            }
            items.shutdown();
            got
        });
        let answers = producer.await.map_err(failed)?;
        let consumed = consumer.await.map_err(failed)?;
        Ok(Log { consumed, answers })
    })
}
// ANCHOR_END: aio

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_backend_hands_over_every_item() {
        for backend in SCENARIO.backends {
            for n in [0, 1, 5] {
                let outcome = run(*backend, &Config::quiet().with_n(n)).unwrap();
                assert!(outcome.ok, "{backend} n={n}: {}", outcome.detail);
                assert_eq!(outcome.items, n);
            }
        }
    }
}
