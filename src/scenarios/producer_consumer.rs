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

use super::{Backend, Config, Outcome, Scenario, ScenarioError};
use crate::trace::{self, State, Wait};

/// The scenario's entry in the registry.
pub const SCENARIO: Scenario = Scenario {
    name: "producer-consumer",
    summary: "a producer hands items 1..=n to a consumer, which answers each with a status",
    default_n: 5,
    backends: &[Backend::Threads, Backend::May],
    run,
};

/// The consumer's answer to an item.
pub const STATUS: &str = "200 OK";

fn run(backend: Backend, config: &Config) -> Result<Outcome, ScenarioError> {
    let n = config.n.unwrap_or(SCENARIO.default_n);
    let log = match backend {
        Backend::Threads => threads(n, config)?,
        Backend::May => may(n, config)?,
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

// ANCHOR: may
/// may coroutines: the producer sends each item on a may channel and parks
/// on a second one for the answer; the consumer is a coroutine too.
fn may(n: u64, config: &Config) -> Result<Log, ScenarioError> {
    use crate::gevent::may as gevent;

    super::sleepers::configure_may(config)?;
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
