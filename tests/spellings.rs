//! The three spellings of one coroutine (`scenarios::spellings`): the
//! `async fn`, the hand-written `Future` and the generator task write the
//! same lines, and the first two draw the same timeline on aio.

use corolab::scenarios::spellings::{self, Spelling};
use corolab::scenarios::{self, Backend, Config};
use corolab::trace::{self, State, Trace};
use std::time::Duration;

const DELAY: Duration = Duration::from_millis(20);

/// Each task's states in order, repeats folded: the shape of its row.
fn rows(trace: &Trace) -> Vec<(String, Vec<State>)> {
    trace
        .tasks
        .iter()
        .enumerate()
        .map(|(row, name)| {
            let mut states: Vec<State> =
                trace.events.iter().filter(|e| e.task.index() == row).map(|e| e.state).collect();
            states.dedup();
            (name.clone(), states)
        })
        .collect()
}

fn traced_on_aio(spelling: Spelling) -> (Vec<String>, u32, Trace) {
    let recording = trace::ThreadRecording::start();
    let (lines, cups) = spellings::on_aio(spelling, 3, DELAY, &Config::quiet());
    (lines, cups, recording.finish())
}

#[test]
fn the_async_fn_and_its_hand_written_future_give_the_same_output_and_timeline() {
    let (lines_a, cups_a, trace_a) = traced_on_aio(Spelling::AsyncFn);
    let (lines_b, cups_b, trace_b) = traced_on_aio(Spelling::HandWritten);
    assert_eq!(lines_a, spellings::expected(3));
    assert_eq!(lines_b, lines_a);
    assert_eq!((cups_a, cups_b), (9, 9));
    let (rows_a, rows_b) = (rows(&trace_a), rows(&trace_b));
    assert!(rows_a.iter().any(|(name, _)| name == "brew 0"), "{rows_a:?}");
    assert!(rows_b.iter().any(|(name, _)| name == "Brew 0"), "{rows_b:?}");
    // The brews' own rows, not the joiner's: how often the joiner wakes
    // depends on whether the brews end in one loop pass or several, which
    // a loaded machine decides.
    let states = |rows: &[(String, Vec<State>)]| {
        rows.iter()
            .filter(|(name, _)| name.to_lowercase().starts_with("brew"))
            .map(|(_, s)| s.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(states(&rows_a), states(&rows_b), "the two spellings' timelines differ");
}

#[test]
fn the_generator_task_on_genloop_writes_the_same_lines() {
    let (lines, cups) = spellings::on_genloop(3, DELAY, &Config::quiet()).unwrap();
    assert_eq!(lines, spellings::expected(3));
    assert_eq!(cups, 9);
}

#[test]
fn the_scenario_runs_on_aio_and_genloop() {
    let scenario = scenarios::find("spellings").unwrap();
    for backend in [Backend::Aio, Backend::Genloop] {
        let report = scenarios::run(scenario, backend, &Config::quiet().with_delay(DELAY));
        assert!(report.ok, "{backend}: {report:?}");
    }
}

#[test]
#[should_panic(expected = "polled after it returned")]
fn polling_the_hand_written_future_after_it_returned_is_a_bug() {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    let log = spellings::Log::default();
    let mut brew = spellings::Brew::new(0, Duration::ZERO, log);
    corolab::aio::run(async {
        let mut cx = Context::from_waker(Waker::noop());
        while std::pin::Pin::new(&mut brew).poll(&mut cx) == Poll::Pending {
            corolab::aio::yield_now().await;
        }
    });
    let mut cx = Context::from_waker(Waker::noop());
    let _ = std::pin::Pin::new(&mut brew).poll(&mut cx);
}
