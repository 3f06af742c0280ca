//! The executor, handles from other threads, and the multi-loop pool.

use crate::{LIMIT, ms, run};
use corolab::aio::{self, Error, EventLoop};
use std::future::poll_fn;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

#[test]
fn run_in_executor_does_not_block_the_loop() {
    // The blocking job waits for a message that only a task on the loop
    // sends. If the job blocked the loop, the message would never come and
    // the job would give up after its timeout.
    let (tx, rx) = crossbeam_channel::bounded::<()>(1);
    let outcome = run(async move {
        let job = aio::run_in_executor(move || rx.recv_timeout(Duration::from_secs(10)).is_ok());
        let messenger = aio::spawn(async move {
            aio::sleep(ms(10)).await;
            tx.send(()).unwrap();
        });
        let got_message = job.await.unwrap();
        messenger.await.unwrap();
        got_message
    });
    assert!(outcome, "the loop ran the messenger while the executor job blocked");
}

#[test]
fn a_panic_in_an_executor_job_arrives_as_an_error() {
    let r = run(async { aio::run_in_executor(|| -> u32 { panic!("in the pool") }).await });
    assert_eq!(r, Err(Error::Panicked("in the pool".into())));
}

fn loop_thread() -> (aio::LoopHandle, std::thread::JoinHandle<()>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let lp = EventLoop::new();
        tx.send(lp.handle()).unwrap();
        lp.run_forever();
    });
    (rx.recv().unwrap(), thread)
}

#[test]
fn call_soon_threadsafe_wakes_a_sleeping_loop() {
    let (handle, thread) = loop_thread();
    std::thread::sleep(ms(20)); // let it fall asleep in epoll
    let (tx, rx) = crossbeam_channel::bounded(1);
    handle
        .call_soon_threadsafe(move || {
            tx.send(std::thread::current().name().map(String::from)).unwrap();
        })
        .unwrap();
    assert!(rx.recv_timeout(LIMIT).is_ok(), "the callback ran");
    handle.stop().unwrap();
    thread.join().unwrap();
    assert!(handle.is_closed());
    assert_eq!(handle.call_soon_threadsafe(|| {}), Err(Error::LoopClosed));
    assert_eq!(handle.spawn_threadsafe(async { 1 }).wait(), Err(Error::LoopClosed));
}

#[test]
fn spawn_threadsafe_results_can_be_blocked_on_from_many_threads() {
    let (handle, thread) = loop_thread();
    let threads: Vec<_> = (0..8u64)
        .map(|t| {
            let handle = handle.clone();
            std::thread::spawn(move || {
                (0..200u64)
                    .map(|i| {
                        let mut fut = handle.spawn_threadsafe(async move {
                            aio::yield_now().await;
                            t * 1000 + i
                        });
                        fut.wait_timeout(LIMIT).unwrap()
                    })
                    .sum::<u64>()
            })
        })
        .collect();
    let total: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    let expected: u64 = (0..8u64).map(|t| (0..200u64).map(|i| t * 1000 + i).sum::<u64>()).sum();
    assert_eq!(total, expected);
    handle.stop().unwrap();
    thread.join().unwrap();
}

#[test]
fn wakeups_from_other_threads_are_never_lost() {
    // 200 tasks each park 50 times; every time, a waker goes to one of 8
    // threads, which wakes it from there. A lost wakeup leaves a task
    // parked forever, and the bounded run fails.
    const TASKS: usize = 200;
    const ROUNDS: usize = 50;
    let (tx, rx) = crossbeam_channel::unbounded::<std::task::Waker>();
    let wakers: Vec<_> = (0..8)
        .map(|_| {
            let rx = rx.clone();
            std::thread::spawn(move || {
                for waker in rx {
                    waker.wake();
                }
            })
        })
        .collect();
    let woken = Arc::new(AtomicUsize::new(0));
    let finished = run({
        let woken = woken.clone();
        async move {
            let tasks: Vec<_> = (0..TASKS)
                .map(|_| {
                    let (tx, woken) = (tx.clone(), woken.clone());
                    aio::spawn(async move {
                        for _ in 0..ROUNDS {
                            let mut sent = false;
                            poll_fn(|cx| {
                                if sent {
                                    return Poll::Ready(());
                                }
                                sent = true;
                                tx.send(cx.waker().clone()).unwrap();
                                Poll::Pending
                            })
                            .await;
                            woken.fetch_add(1, Ordering::Relaxed);
                        }
                    })
                })
                .collect();
            drop(tx);
            aio::gather(tasks).await.unwrap().len()
        }
    });
    assert_eq!(finished, TASKS);
    assert_eq!(woken.load(Ordering::Relaxed), TASKS * ROUNDS);
    for t in wakers {
        t.join().unwrap();
    }
}

#[test]
fn a_pool_maps_in_item_order_across_its_loops() {
    let pool = aio::Pool::new(3).unwrap();
    let out = pool
        .map(
            |i: u32| async move {
                aio::sleep(ms(u64::from(10 - i))).await;
                (i, std::thread::current().name().unwrap_or_default().to_string())
            },
            0..10,
        )
        .unwrap();
    let order: Vec<u32> = out.iter().map(|(i, _)| *i).collect();
    assert_eq!(order, (0..10).collect::<Vec<_>>());
    let mut threads: Vec<&str> = out.iter().map(|(_, t)| t.as_str()).collect();
    threads.sort();
    threads.dedup();
    assert_eq!(threads.len(), 3, "work went to every loop: {threads:?}");
}

#[test]
fn a_panic_in_a_pool_task_is_an_error() {
    let pool = aio::Pool::new(2).unwrap();
    let r = pool.map(|i: u32| async move { if i == 3 { panic!("three") } else { i } }, 0..5);
    assert_eq!(r, Err(Error::Panicked("three".into())));
}
