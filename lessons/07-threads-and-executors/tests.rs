//! The tests lesson 07's exercise and solution share.

use super::{blocking_in_executor, double_on_loop, start_loop_thread};
use corolab::aio::{self, ThreadPool};
use std::time::{Duration, Instant};

#[test]
fn blocking_calls_through_the_executor_overlap() {
    let started = Instant::now();
    let out = aio::run(async {
        aio::get_running_loop().set_default_executor(ThreadPool::new(8));
        blocking_in_executor(8, 200).await
    });
    assert_eq!(out, (0..8).collect::<Vec<_>>());
    // One after another they would take 1.6 s.
    assert!(started.elapsed() < Duration::from_millis(1200), "took {:?}", started.elapsed());
}

#[test]
fn a_loop_in_another_thread_answers_plain_threads() {
    let (handle, thread) = start_loop_thread();
    assert_eq!(double_on_loop(&handle, 21), Ok(42));
    let askers: Vec<_> = (0..4u64)
        .map(|t| {
            let handle = handle.clone();
            std::thread::spawn(move || {
                (0..10).map(|x| double_on_loop(&handle, t * 10 + x).unwrap()).sum::<u64>()
            })
        })
        .collect();
    let total: u64 = askers.into_iter().map(|a| a.join().unwrap()).sum();
    assert_eq!(total, 2 * (0..40).sum::<u64>());
    handle.stop().unwrap();
    thread.join().unwrap();
    assert!(handle.is_closed(), "run_forever returned and the loop was dropped");
}
