//! The tests lesson 09's exercise and solution share. They check what
//! happened, in order, through the log; delays are 100 ms apart.

use super::*;
use corolab::aio::{self, Error};
use std::time::Duration;

const MS: Duration = Duration::from_millis(1);

/// The hint when a `close` line is missing.
const CLOSE: &str = "is `Drop for Connection` (TODO 1) logging `close NAME`?";

fn new_log() -> Log {
    Log::default()
}

fn lines(log: &Log) -> Vec<String> {
    log.borrow().clone()
}

#[test]
fn dropping_a_connection_logs_its_close() {
    let log = new_log();
    drop(Connection::open("a", &log));
    assert_eq!(lines(&log), ["open a", "close a"], "TODO 1: Drop for Connection should log `close a`");
}

#[test]
fn a_download_that_finishes_closes_its_connection_after_its_work() {
    let log = new_log();
    assert_eq!(aio::run(download("a", 10, log.clone())), "a");
    assert_eq!(lines(&log), ["open a", "done a", "close a"], "{CLOSE}");
}

#[test]
fn cancelling_a_task_runs_its_destructors_at_the_await_where_it_waited() {
    let log = new_log();
    let result = aio::run({
        let log = log.clone();
        async move {
            let task = aio::spawn(download("a", 10_000, log.clone()));
            aio::sleep(20 * MS).await; // let it open and start waiting
            assert!(task.cancel(), "the task was still running");
            task.await
        }
    });
    assert_eq!(result, Err(Error::Cancelled));
    assert_eq!(lines(&log), ["open a", "close a"], "cancelled before `done`, its connection closed; {CLOSE}");
}

#[test]
fn dropping_the_task_handle_cancels_the_task_too() {
    let log = new_log();
    aio::run({
        let log = log.clone();
        async move {
            let task = aio::spawn(download("a", 10_000, log.clone()));
            aio::sleep(20 * MS).await;
            drop(task); // no await, no detach: the drop cancels it
            aio::sleep(20 * MS).await; // the loop drops the future at its next turn
        }
    });
    assert_eq!(lines(&log), ["open a", "close a"], "the dropped task's connection should be closed; {CLOSE}");
}

#[test]
fn a_download_within_its_timeout_gives_its_result() {
    let log = new_log();
    let got = aio::run(download_or_give_up("quick", 10, 5_000 * MS, log.clone()));
    assert_eq!(got, Some("quick"));
    assert_eq!(lines(&log), ["open quick", "done quick", "close quick"], "{CLOSE}");
}

#[test]
fn a_download_past_its_timeout_gives_none_and_is_cleaned_up() {
    let log = new_log();
    let started = std::time::Instant::now();
    let got = aio::run(download_or_give_up("slow", 10_000, 50 * MS, log.clone()));
    assert_eq!(got, None);
    assert_eq!(
        lines(&log),
        ["open slow", "close slow"],
        "timed out before `done`, its connection closed; {CLOSE}"
    );
    assert!(started.elapsed() < 5_000 * MS, "gave up after {:?}, not at the timeout", started.elapsed());
}

#[test]
fn a_race_returns_the_quickest_and_cancels_the_others() {
    let log = new_log();
    let (winner, cancelled) = aio::run({
        let log = log.clone();
        async move { race(&[("slow", 10_000), ("fast", 100), ("middle", 5_000)], &log).await }
    });
    assert_eq!(winner, "fast");
    assert_eq!(cancelled, 2, "the two slower downloads were cancelled");
    let lines = lines(&log);
    assert_eq!(lines.iter().filter(|l| l.starts_with("done")).collect::<Vec<_>>(), ["done fast"]);
    for name in ["slow", "fast", "middle"] {
        assert!(lines.contains(&format!("close {name}")), "`close {name}` missing from {lines:?}");
    }
}

#[test]
fn a_race_has_cleaned_up_the_losers_by_the_time_it_returns() {
    let log = new_log();
    aio::run({
        let log = log.clone();
        async move {
            race(&[("slow", 10_000), ("fast", 100)], &log).await;
            // Still inside the loop, before any later turn: the loser is gone.
            assert!(
                log.borrow().contains(&"close slow".to_string()),
                "race returned before the cancelled task's destructor ran: await the cancelled tasks"
            );
        }
    });
}

#[test]
fn a_deadline_for_a_whole_block_is_wait_for_around_an_async_block() {
    // Python 3.11's `async with asyncio.timeout(0.15):` around two downloads.
    let log = new_log();
    let result = aio::run({
        let log = log.clone();
        async move {
            let block = async {
                download("first", 100, log.clone()).await;
                download("second", 100, log.clone()).await;
            };
            aio::wait_for(block, 150 * MS).await
        }
    });
    assert_eq!(result, Err(Error::TimedOut));
    assert_eq!(
        lines(&log),
        ["open first", "done first", "close first", "open second", "close second"],
        "the timeout cancels the second download mid-way; {CLOSE}"
    );
}
