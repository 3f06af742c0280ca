//! The tests lesson 10's exercise and solution share. Every wait on
//! another thread is bounded, so a wrong answer fails instead of hanging.

use super::*;
use corolab::aio::{self, Error, ThreadPool};
use std::cell::Cell;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

const MS: Duration = Duration::from_millis(1);

/// Runs `f` on a helper thread and gives its result, or fails the test with
/// `f`'s panic message, or if it takes more than five seconds.
fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
    });
    match rx.recv_timeout(5_000 * MS) {
        Ok(Ok(value)) => value,
        Ok(Err(payload)) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("{what} panicked: {message}")
        }
        Err(_) => panic!("{what} did not finish within 5 s: is the loop running?"),
    }
}

/// Starts the loop thread, with a bound on how long that may take.
fn start() -> (LoopHandle, JoinHandle<()>) {
    within("start_loop_thread", start_loop_thread)
}

/// Stops the loop and waits (at most 5 s) for its thread to end.
fn stop(handle: &LoopHandle, thread: JoinHandle<()>) {
    handle.stop().expect("the loop is still open");
    let deadline = Instant::now() + 5_000 * MS;
    while !thread.is_finished() {
        assert!(
            Instant::now() < deadline,
            "the loop thread did not end after stop(): does it call run_forever?"
        );
        std::thread::sleep(MS);
    }
    thread.join().expect("the loop thread panicked");
}

#[test]
fn checksums_come_back_in_input_order() {
    let sums = aio::run(checksums(vec![vec![1, 2, 3], vec![10; 10], vec![]]));
    assert_eq!(sums, [6, 100, 0]);
}

#[test]
fn the_loop_keeps_running_tasks_while_the_blocking_calls_run() {
    let (sums, ticks) = aio::run(async {
        aio::get_running_loop().set_default_executor(ThreadPool::new(4));
        let ticks = Rc::new(Cell::new(0u32));
        let heartbeat = aio::spawn({
            let ticks = Rc::clone(&ticks);
            async move {
                loop {
                    aio::sleep(10 * MS).await;
                    ticks.set(ticks.get() + 1);
                }
            }
        });
        let before = ticks.get();
        let sums = checksums(vec![vec![1]; 4]).await;
        let during = ticks.get() - before;
        heartbeat.cancel();
        (sums, during)
    });
    assert_eq!(sums, [1, 1, 1, 1]);
    // The calls take 200 ms; a heartbeat every 10 ms ticks about 20 times,
    // unless the calls block the loop, when it cannot tick at all.
    assert!(ticks >= 3, "the heartbeat ticked {ticks} times during the calls: they blocked the loop");
}

#[test]
fn the_blocking_calls_overlap_on_the_pool() {
    let started = Instant::now();
    let sums = aio::run(async {
        aio::get_running_loop().set_default_executor(ThreadPool::new(10));
        checksums(vec![vec![2]; 10]).await
    });
    assert_eq!(sums, [2; 10]);
    // Ten 200 ms calls: 2 s one after another, about 0.2 s side by side.
    let took = started.elapsed();
    assert!(took < 1_200 * MS, "took {took:?}: were the calls awaited one at a time?");
}

#[test]
fn callbacks_handed_to_the_loop_run_on_the_loop_thread() {
    let (handle, thread) = start();
    let loop_thread = thread.thread().id();
    let h = handle.clone();
    let (ran_on, loop_was_running) = within("call_on_loop", move || {
        call_on_loop(&h, || (std::thread::current().id(), aio::get_running_loop().is_running()))
    })
    .expect("the loop is open");
    assert_eq!(ran_on, loop_thread, "the callback should run on the loop's thread");
    assert_ne!(ran_on, std::thread::current().id());
    assert!(loop_was_running, "the callback runs inside run_forever");
    stop(&handle, thread);
}

#[test]
fn call_on_loop_gives_back_what_the_callback_returned() {
    let (handle, thread) = start();
    let h = handle.clone();
    let got =
        within("call_on_loop", move || (0..5).map(|i| call_on_loop(&h, move || i * i)).collect::<Vec<_>>());
    assert_eq!(got, [Ok(0), Ok(1), Ok(4), Ok(9), Ok(16)]);
    stop(&handle, thread);
}

#[test]
fn a_task_spawned_from_a_plain_thread_gives_its_result_to_that_thread() {
    let (handle, thread) = start();
    let h = handle.clone();
    assert_eq!(within("double_on_loop", move || double_on_loop(&h, 21, 10)), Ok(42));
    stop(&handle, thread);
}

#[test]
fn many_threads_share_one_loop_and_every_answer_arrives() {
    let (handle, thread) = start();
    let askers: Vec<_> = (0..8u64)
        .map(|t| {
            let h = handle.clone();
            std::thread::spawn(move || (0..5).map(|i| double_on_loop(&h, t * 10 + i, 20)).collect::<Vec<_>>())
        })
        .collect();
    let answers = within("eight threads asking the loop", move || {
        askers.into_iter().map(|a| a.join().expect("an asking thread panicked")).collect::<Vec<_>>()
    });
    for (t, got) in (0..8u64).zip(answers) {
        let want: Vec<_> = (0..5).map(|i| Ok((t * 10 + i) * 2)).collect();
        assert_eq!(got, want, "thread {t}'s answers");
    }
    stop(&handle, thread);
}

#[test]
fn a_stopped_loop_refuses_more_work() {
    let (handle, thread) = start();
    stop(&handle, thread);
    assert!(handle.is_closed(), "the loop should be dropped (closed) when its thread ends");
    let h = handle.clone();
    assert_eq!(within("call_on_loop", move || call_on_loop(&h, || 1)), Err(Error::LoopClosed));
    let h = handle.clone();
    assert_eq!(within("double_on_loop", move || double_on_loop(&h, 1, 1)), Err(Error::LoopClosed));
}
