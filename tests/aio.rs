//! Behaviour tests for `corolab::aio`: the loop, tasks, combinators, sync
//! primitives, threads, IO and debug mode. Every test is bounded: a wedged
//! loop fails by timeout instead of hanging.

use corolab::aio::{
    self, AsyncIterator, Error, Event, EventLoop, Lock, Queue, QueueShutDown, ReturnWhen, Semaphore,
    TcpListener, TcpStream, Warning,
};
use std::cell::{Cell, RefCell};
use std::future::{Future, poll_fn};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(20);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Runs `future` on a fresh loop, failing (not hanging) after `LIMIT`.
fn run<F: Future>(future: F) -> F::Output {
    aio::run(async { aio::wait_for(future, LIMIT).await.expect("test timed out: the loop is wedged") })
}

/// Sets a flag when dropped: proves destructors ran.
struct DropFlag(Rc<Cell<bool>>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

// ─── tasks ───────────────────────────────────────────────────────────────

#[test]
fn awaiting_a_task_gives_its_value() {
    assert_eq!(run(async { aio::spawn(async { 7 }).await }), Ok(7));
}

#[test]
fn a_panic_in_a_task_arrives_as_an_error_and_the_loop_goes_on() {
    run(async {
        let bad = aio::spawn(async {
            aio::yield_now().await;
            panic!("boom");
        });
        let good = aio::spawn(async { "fine" });
        assert_eq!(bad.await, Err(Error::Panicked("boom".into())));
        assert_eq!(good.await, Ok("fine"));
    });
}

#[test]
fn cancel_stops_a_task_at_its_next_await_and_runs_its_destructors() {
    run(async {
        let dropped = Rc::new(Cell::new(false));
        let reached_end = Rc::new(Cell::new(false));
        let task = aio::spawn({
            let (dropped, reached_end) = (dropped.clone(), reached_end.clone());
            async move {
                let _guard = DropFlag(dropped);
                aio::sleep(Duration::from_secs(3600)).await;
                reached_end.set(true);
            }
        });
        aio::sleep(ms(5)).await; // let it start and park
        assert!(!task.is_done());
        assert!(task.cancel());
        assert_eq!(task.await, Err(Error::Cancelled));
        assert!(dropped.get(), "the task's destructors ran before its awaiter saw Cancelled");
        assert!(!reached_end.get());
    });
}

#[test]
fn cancel_before_the_first_step_never_runs_the_body() {
    run(async {
        let ran = Rc::new(Cell::new(false));
        let task = aio::spawn({
            let ran = ran.clone();
            async move { ran.set(true) }
        });
        task.cancel();
        assert_eq!(task.await, Err(Error::Cancelled));
        assert!(!ran.get());
    });
}

#[test]
fn cancelling_a_finished_task_returns_false_and_keeps_its_result() {
    run(async {
        let task = aio::spawn(async { 5 });
        aio::sleep(ms(1)).await;
        assert!(task.is_done());
        assert!(!task.cancel());
        assert_eq!(task.await, Ok(5));
    });
}

#[test]
fn dropping_a_task_cancels_it_and_detach_lets_it_run() {
    run(async {
        let dropped_flag = Rc::new(Cell::new(false));
        let dropped_ran = Rc::new(Cell::new(false));
        let task = aio::spawn({
            let (flag, ran) = (dropped_flag.clone(), dropped_ran.clone());
            async move {
                let _guard = DropFlag(flag);
                aio::sleep(ms(20)).await;
                ran.set(true);
            }
        });
        aio::yield_now().await;
        drop(task);

        let detached_ran = Rc::new(Cell::new(false));
        aio::spawn({
            let ran = detached_ran.clone();
            async move {
                aio::sleep(ms(20)).await;
                ran.set(true);
            }
        })
        .detach();

        aio::sleep(ms(60)).await;
        assert!(dropped_flag.get(), "the dropped task's future was dropped");
        assert!(!dropped_ran.get(), "the dropped task did not run on");
        assert!(detached_ran.get(), "the detached task ran to completion");
    });
}

#[test]
fn done_callbacks_see_the_result_when_the_task_ends() {
    run(async {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let mut task = aio::spawn(async {
            aio::sleep(ms(5)).await;
            3
        });
        let s = seen.clone();
        task.add_done_callback(move |r| s.borrow_mut().push(format!("{r:?}")));
        assert_eq!(task.await, Ok(3));
        assert_eq!(*seen.borrow(), ["Ok(3)"]);

        let mut cancelled = aio::spawn(aio::sleep(Duration::from_secs(3600)));
        let s = seen.clone();
        cancelled.add_done_callback(move |r| s.borrow_mut().push(format!("{r:?}")));
        aio::yield_now().await;
        cancelled.cancel();
        let _ = cancelled.await;
        assert_eq!(seen.borrow()[1], "Err(Cancelled)");
    });
}

#[test]
fn run_until_complete_may_borrow_locals_and_leaves_other_tasks_pending() {
    let lp = EventLoop::new();
    let mut local = vec![1, 2];
    let background = lp.spawn(async {
        aio::sleep(Duration::from_secs(3600)).await;
    });
    lp.run_until_complete(async {
        local.push(3);
    });
    assert_eq!(local, [1, 2, 3]);
    assert!(!background.is_done());
    assert!(background.cancel());
    assert_eq!(lp.run_until_complete(background), Err(Error::Cancelled));
}

#[test]
fn dropping_the_loop_drops_pending_tasks_futures() {
    let dropped = Rc::new(Cell::new(false));
    {
        let lp = EventLoop::new();
        let flag = dropped.clone();
        lp.spawn(async move {
            let _guard = DropFlag(flag);
            aio::sleep(Duration::from_secs(3600)).await;
        })
        .detach();
        lp.run_until_complete(aio::sleep(ms(1)));
        assert!(!dropped.get());
    }
    assert!(dropped.get(), "closing the loop dropped the parked task's future");
}

// ─── futures and callbacks ───────────────────────────────────────────────

#[test]
fn a_settable_future_is_set_once_and_every_awaiter_gets_the_result() {
    run(async {
        let fut = aio::create_future::<u32>();
        let a = aio::spawn(fut.clone());
        let b = aio::spawn(fut.clone());
        aio::yield_now().await;
        fut.set_result(9).unwrap();
        assert_eq!(fut.set_result(10), Err(Error::InvalidState));
        assert_eq!(a.await, Ok(Ok(9)));
        assert_eq!(b.await, Ok(Ok(9)));

        let failing = aio::create_future::<u32>();
        failing.set_exception("nope").unwrap();
        assert_eq!(failing.await, Err(Error::Exception("nope".into())));
    });
}

#[test]
fn call_soon_runs_in_order_and_a_cancelled_handle_does_not_run() {
    run(async {
        let log = Rc::new(RefCell::new(Vec::new()));
        for i in 0..3 {
            let log = log.clone();
            aio::call_soon(move || log.borrow_mut().push(i));
        }
        let log2 = log.clone();
        let handle = aio::call_soon(move || log2.borrow_mut().push(99));
        handle.cancel();
        aio::sleep(ms(5)).await;
        assert_eq!(*log.borrow(), [0, 1, 2]);
    });
}

#[test]
fn timers_fire_in_deadline_order_and_ties_in_scheduling_order() {
    run(async {
        let log = Rc::new(RefCell::new(Vec::new()));
        for (name, delay) in [("c", 30), ("a", 10), ("d", 40), ("b", 20)] {
            let log = log.clone();
            aio::call_later(ms(delay), move || log.borrow_mut().push(name));
        }
        let at = std::time::Instant::now() + ms(50);
        for name in ["tie1", "tie2", "tie3"] {
            let log = log.clone();
            aio::call_at(at, move || log.borrow_mut().push(name));
        }
        let log2 = log.clone();
        aio::call_later(ms(15), move || log2.borrow_mut().push("cancelled")).cancel();
        aio::sleep(ms(80)).await;
        assert_eq!(*log.borrow(), ["a", "b", "c", "d", "tie1", "tie2", "tie3"]);
    });
}

#[test]
fn sleepers_wake_in_deadline_order() {
    run(async {
        let log = Rc::new(RefCell::new(Vec::new()));
        let tasks: Vec<_> = [40u64, 10, 30, 20]
            .into_iter()
            .map(|d| {
                let log = log.clone();
                aio::spawn(async move {
                    aio::sleep(ms(d)).await;
                    log.borrow_mut().push(d);
                })
            })
            .collect();
        aio::gather(tasks).await.unwrap();
        assert_eq!(*log.borrow(), [10, 20, 30, 40]);
    });
}

#[test]
fn ten_half_second_sleeps_overlap() {
    let started = std::time::Instant::now();
    run(async {
        let tasks: Vec<_> = (0..10).map(|_| aio::spawn(aio::sleep(ms(500)))).collect();
        aio::gather(tasks).await.unwrap();
    });
    assert!(started.elapsed() < Duration::from_secs(4), "took {:?}", started.elapsed());
}

#[test]
fn wait_for_times_out_and_drops_the_inner_future() {
    run(async {
        let dropped = Rc::new(Cell::new(false));
        let flag = dropped.clone();
        let slow = async move {
            let _guard = DropFlag(flag);
            aio::sleep(Duration::from_secs(3600)).await;
        };
        assert_eq!(aio::wait_for(slow, ms(10)).await, Err(Error::TimedOut));
        assert!(dropped.get());
    });
}

// ─── combinators ─────────────────────────────────────────────────────────

/// A boxed fallible future, so futures of different types fit one `Vec`.
type BoxedTry = std::pin::Pin<Box<dyn Future<Output = Result<u32, String>>>>;

fn after<T: 'static>(delay: u64, value: T) -> aio::Task<T> {
    aio::spawn(async move {
        aio::sleep(ms(delay)).await;
        value
    })
}

#[test]
fn gather_returns_values_in_argument_order_not_completion_order() {
    let values = run(async { aio::gather([after(30, "a"), after(10, "b"), after(20, "c")]).await });
    assert_eq!(values, Ok(vec!["a", "b", "c"]));
}

#[test]
fn gather_returns_the_first_error_and_drops_the_rest() {
    run(async {
        let dropped = Rc::new(Cell::new(false));
        let flag = dropped.clone();
        let futures: Vec<BoxedTry> = vec![
            Box::pin(async move {
                let _guard = DropFlag(flag);
                aio::sleep(Duration::from_secs(3600)).await;
                Ok(1)
            }),
            Box::pin(async {
                aio::sleep(ms(20)).await;
                Err("second failed".to_string())
            }),
            Box::pin(async {
                aio::sleep(ms(10)).await;
                Err("third failed first".to_string())
            }),
        ];
        assert_eq!(aio::gather(futures).await, Err("third failed first".to_string()));
        assert!(dropped.get(), "the still-pending future was dropped");
    });
}

#[test]
fn gather_all_collects_every_result_in_argument_order() {
    let results = run(async {
        let bad = aio::spawn(async {
            aio::sleep(ms(5)).await;
            panic!("bad");
        });
        aio::gather_all([after(10, 1), bad, after(1, 3)]).await
    });
    assert_eq!(results, [Ok(1), Err(Error::Panicked("bad".into())), Ok(3)]);
}

#[test]
fn wait_first_completed_returns_the_finished_and_the_pending() {
    run(async {
        let (done, pending) =
            aio::wait(vec![after(200, 1), after(5, 2), after(300, 3)], ReturnWhen::FirstCompleted, None)
                .await;
        assert_eq!(done.len(), 1);
        assert_eq!(pending.len(), 2);
        assert_eq!(done.into_iter().next().unwrap().await, Ok(2));
        let rest = aio::gather(pending).await.unwrap();
        assert_eq!(rest, [1, 3]);
    });
}

#[test]
fn wait_first_exception_returns_at_the_first_panic() {
    run(async {
        let bad = aio::spawn(async {
            aio::sleep(ms(5)).await;
            panic!("bad");
        });
        let slow = after(3_600_000, 0);
        let (done, pending) = aio::wait(vec![after(1, 1), bad, slow], ReturnWhen::FirstException, None).await;
        assert_eq!(done.len(), 2);
        assert_eq!(pending.len(), 1);
        for task in pending {
            task.cancel();
        }
    });
}

#[test]
fn wait_all_completed_with_a_timeout_leaves_the_slow_ones_pending() {
    run(async {
        let (done, pending) = aio::wait(
            vec![after(1, 1), after(3_600_000, 2), after(2, 3)],
            ReturnWhen::AllCompleted,
            Some(ms(30)),
        )
        .await;
        let done: Vec<u32> = aio::gather(done).await.unwrap();
        assert_eq!(done, [1, 3]);
        assert_eq!(pending.len(), 1);
        assert!(!pending[0].is_done());
    });
}

#[test]
fn as_completed_yields_in_completion_order() {
    run(async {
        let mut it = aio::as_completed(vec![after(30, "slow"), after(10, "fast"), after(20, "mid")]);
        let mut order = Vec::new();
        while let Some(r) = it.next().await {
            order.push(r.unwrap());
        }
        assert_eq!(order, ["fast", "mid", "slow"]);
    });
}

// ─── sync primitives ─────────────────────────────────────────────────────

#[test]
fn a_bounded_queue_parks_the_producer_until_there_is_room() {
    run(async {
        let q = Queue::bounded(2);
        let log = Rc::new(RefCell::new(Vec::new()));
        let producer = aio::spawn({
            let (q, log) = (q.clone(), log.clone());
            async move {
                for i in 0..4 {
                    q.put(i).await.unwrap();
                    log.borrow_mut().push(format!("put {i}"));
                }
            }
        });
        aio::sleep(ms(5)).await;
        assert_eq!(q.len(), 2, "the producer stopped at the bound");
        assert!(q.is_full());
        let mut got = Vec::new();
        for _ in 0..4 {
            got.push(q.get().await.unwrap());
        }
        producer.await.unwrap();
        assert_eq!(got, [0, 1, 2, 3]);
        assert_eq!(log.borrow().len(), 4);
    });
}

#[test]
fn shutting_a_queue_down_delivers_the_rest_then_ends_iteration() {
    run(async {
        let q = Queue::unbounded();
        let consumer = aio::spawn({
            let q = q.clone();
            async move {
                let mut items = q.items();
                let mut got = Vec::new();
                while let Some(x) = items.next().await {
                    got.push(x);
                }
                got
            }
        });
        for i in 0..3 {
            q.put(i).await.unwrap();
        }
        q.shutdown();
        assert_eq!(q.put(9).await, Err(QueueShutDown));
        assert_eq!(consumer.await, Ok(vec![0, 1, 2]));
    });
}

#[test]
fn a_lock_admits_one_task_at_a_time() {
    run(async {
        let lock = Lock::new();
        let inside = Rc::new(Cell::new(0));
        let max_inside = Rc::new(Cell::new(0));
        let tasks: Vec<_> = (0..5)
            .map(|_| {
                let (lock, inside, max_inside) = (lock.clone(), inside.clone(), max_inside.clone());
                aio::spawn(async move {
                    let _guard = lock.lock().await;
                    inside.set(inside.get() + 1);
                    max_inside.set(max_inside.get().max(inside.get()));
                    aio::sleep(ms(2)).await;
                    inside.set(inside.get() - 1);
                })
            })
            .collect();
        aio::gather(tasks).await.unwrap();
        assert_eq!(max_inside.get(), 1);
        assert!(!lock.locked());
    });
}

#[test]
fn a_waiter_cancelled_after_being_woken_passes_the_lock_on() {
    run(async {
        let lock = Lock::new();
        let guard = lock.lock().await;
        let first = aio::spawn({
            let lock = lock.clone();
            async move {
                let _g = lock.lock().await;
            }
        });
        let second = aio::spawn({
            let lock = lock.clone();
            async move {
                let _g = lock.lock().await;
                "second got it"
            }
        });
        aio::sleep(ms(5)).await; // both parked, first in line
        drop(guard); // wakes `first`...
        first.cancel(); // ...which is cancelled before it runs
        assert_eq!(first.await, Err(Error::Cancelled));
        assert_eq!(second.await, Ok("second got it"));
    });
}

#[test]
fn a_semaphore_limits_concurrency() {
    run(async {
        let sem = Semaphore::new(2);
        let inside = Rc::new(Cell::new(0));
        let max_inside = Rc::new(Cell::new(0));
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let (sem, inside, max_inside) = (sem.clone(), inside.clone(), max_inside.clone());
                aio::spawn(async move {
                    let _permit = sem.acquire().await;
                    inside.set(inside.get() + 1);
                    max_inside.set(max_inside.get().max(inside.get()));
                    aio::sleep(ms(2)).await;
                    inside.set(inside.get() - 1);
                })
            })
            .collect();
        aio::gather(tasks).await.unwrap();
        assert_eq!(max_inside.get(), 2);
        assert_eq!(sem.available(), 2);
    });
}

#[test]
fn setting_an_event_wakes_every_waiter() {
    run(async {
        let event = Event::new();
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                let event = event.clone();
                aio::spawn(async move {
                    event.wait().await;
                    i
                })
            })
            .collect();
        aio::sleep(ms(5)).await;
        assert!(tasks.iter().all(|t| !t.is_done()));
        event.set();
        assert_eq!(aio::gather(tasks).await, Ok(vec![0, 1, 2]));
    });
}

// ─── threads ─────────────────────────────────────────────────────────────

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

// ─── IO ──────────────────────────────────────────────────────────────────

#[test]
fn echo_over_loopback_with_several_clients() {
    const CLIENTS: usize = 4;
    const MESSAGES: usize = 50;
    let echoed = run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = aio::spawn(async move {
            let mut conns = Vec::new();
            for _ in 0..CLIENTS {
                let (stream, _) = listener.accept().await.unwrap();
                conns.push(aio::spawn(async move {
                    let mut buf = [0; 1024];
                    loop {
                        let n = stream.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        stream.write_all(&buf[..n]).await.unwrap();
                    }
                }));
            }
            aio::gather(conns).await.unwrap();
        });
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                aio::spawn(async move {
                    let stream = TcpStream::connect(addr).await.unwrap();
                    let mut ok = 0;
                    for m in 0..MESSAGES {
                        let msg = format!("client {c} message {m:04}");
                        stream.write_all(msg.as_bytes()).await.unwrap();
                        let mut back = vec![0; msg.len()];
                        stream.read_exact(&mut back).await.unwrap();
                        assert_eq!(back, msg.as_bytes());
                        ok += 1;
                    }
                    stream.close().await.unwrap();
                    ok
                })
            })
            .collect();
        let counts = aio::gather(clients).await.unwrap();
        server.await.unwrap();
        counts.into_iter().sum::<usize>()
    });
    assert_eq!(echoed, CLIENTS * MESSAGES);
}

#[test]
fn lines_of_a_stream_are_an_async_iterator() {
    let lines = run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let writer = aio::spawn(async move {
            let stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(b"first\r\nsecond\nthi").await.unwrap();
            aio::sleep(ms(5)).await;
            stream.write_all(b"rd\nno newline").await.unwrap();
            stream.close().await.unwrap();
        });
        let (stream, _) = listener.accept().await.unwrap();
        let mut lines = stream.lines();
        let mut got = Vec::new();
        while let Some(line) = lines.next().await {
            got.push(line.unwrap());
        }
        writer.await.unwrap();
        got
    });
    assert_eq!(lines, ["first", "second", "third", "no newline"]);
}

#[test]
fn connecting_to_a_closed_port_fails() {
    let r = run(async {
        let addr = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        }; // closed again
        TcpStream::connect(addr).await.map(|_| ())
    });
    assert!(r.is_err());
}

// ─── debug mode ──────────────────────────────────────────────────────────

fn collect_warnings(lp: &EventLoop) -> Rc<RefCell<Vec<Warning>>> {
    let warnings = Rc::new(RefCell::new(Vec::new()));
    let sink = warnings.clone();
    lp.set_debug(true);
    lp.set_warning_sink(move |w| sink.borrow_mut().push(w.clone()));
    warnings
}

#[test]
fn debug_mode_warns_about_a_step_that_blocks_the_loop() {
    let lp = EventLoop::new();
    let warnings = collect_warnings(&lp);
    lp.set_slow_callback_duration(ms(20));
    let task = lp.spawn_named("blocker", async {
        std::thread::sleep(ms(100)); // the mistake: a blocking call on the loop
    });
    lp.run_until_complete(task).unwrap();
    let w = warnings.borrow();
    assert!(
        w.iter()
            .any(|w| matches!(w, Warning::SlowStep { what, took } if what == "blocker" && *took >= ms(20))),
        "{w:?}"
    );
}

#[test]
fn debug_mode_is_quiet_for_a_well_behaved_task() {
    let lp = EventLoop::new();
    let warnings = collect_warnings(&lp);
    let task = lp.spawn(async {
        aio::sleep(ms(5)).await;
    });
    lp.run_until_complete(task).unwrap();
    assert!(warnings.borrow().is_empty(), "{:?}", warnings.borrow());
}

#[test]
fn debug_mode_warns_about_a_task_dropped_without_being_awaited() {
    let lp = EventLoop::new();
    let warnings = collect_warnings(&lp);
    lp.run_until_complete(async {
        let forgotten = aio::spawn_named("forgotten", aio::sleep(Duration::from_secs(3600)));
        drop(forgotten);
        aio::spawn_named("detached", async {}).detach(); // not a mistake
        let cancelled = aio::spawn_named("cancelled", aio::sleep(Duration::from_secs(3600)));
        cancelled.cancel();
        drop(cancelled); // not a mistake either
        aio::yield_now().await;
    });
    assert_eq!(*warnings.borrow(), [Warning::NeverAwaited { task: "forgotten".into(), pending: true }]);
}

// ─── trace ───────────────────────────────────────────────────────────────

#[test]
fn tasks_record_running_waiting_and_done() {
    use corolab::trace::{Recording, State, Wait};
    let recording = Recording::start();
    run(async {
        let t = aio::spawn_named("traced-sleeper", aio::sleep(ms(2)));
        t.await.unwrap();
    });
    let trace = recording.finish();
    let Some(id) = trace.tasks.iter().position(|n| n == "traced-sleeper") else {
        panic!("task not named in the trace: {:?}", trace.tasks)
    };
    let states: Vec<State> = trace.events.iter().filter(|e| e.task.index() == id).map(|e| e.state).collect();
    assert!(states.contains(&State::Running), "{states:?}");
    assert!(states.contains(&State::Waiting(Wait::Timer)), "{states:?}");
    assert!(states.contains(&State::Ready), "{states:?}");
    assert_eq!(states.last(), Some(&State::Done), "{states:?}");
}

// ─── scenarios ───────────────────────────────────────────────────────────

mod scenarios {
    use super::ms;
    use corolab::aio::scenarios as aio_scenarios;
    use corolab::scenarios::{self, Backend, Config};

    #[test]
    fn pingpong_and_producer_consumer_run_on_aio() {
        for name in ["pingpong", "producer-consumer"] {
            let scenario = scenarios::find(name).unwrap();
            let report = scenarios::run(scenario, Backend::Aio, &Config::quiet().with_n(20));
            assert!(report.ok, "{name}: {:?} {}", report.error, report.detail);
            assert_eq!(report.items, if name == "pingpong" { 40 } else { 20 });
        }
    }

    #[test]
    fn sleepers_overlap_on_one_loop() {
        let outcome = scenarios::sleepers::aio(1000, ms(50), &Config::quiet()).unwrap();
        assert!(outcome.ok, "{}", outcome.detail);
        assert_eq!(outcome.items, 1000);
    }

    #[test]
    fn echo_checks_every_message() {
        let outcome = aio_scenarios::echo(5, 40, &Config::quiet()).unwrap();
        assert!(outcome.ok, "{}", outcome.detail);
        assert_eq!(outcome.items, 200);
    }

    #[test]
    fn blocking_calls_overlap_only_through_the_executor() {
        let scenario = scenarios::find("blocking").unwrap();
        let config = Config { workers: Some(4), ..Config::quiet().with_n(4).with_delay(ms(100)) };
        let on_loop = scenarios::run(scenario, Backend::Sequential, &config);
        let executor = scenarios::run(scenario, Backend::Aio, &config);
        assert!(on_loop.ok && executor.ok, "{:?} {:?}", on_loop.error, executor.error);
        // Serialised: at least n × delay. Overlapped: well under it.
        assert!(on_loop.wall_ms >= 400.0, "on the loop took {} ms", on_loop.wall_ms);
        assert!(executor.wall_ms < on_loop.wall_ms, "{} vs {}", executor.wall_ms, on_loop.wall_ms);
    }

    #[test]
    fn multicore_checksums_agree_on_one_loop_and_on_a_pool() {
        let one = scenarios::multicore::aio(4, 1, 100_000, &Config::quiet()).unwrap();
        let pool = scenarios::multicore::aio(4, 2, 100_000, &Config::quiet()).unwrap();
        assert!(one.ok && pool.ok, "{} / {}", one.detail, pool.detail);
        assert_eq!((one.items, pool.items), (4, 4));
    }
}
