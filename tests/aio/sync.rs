//! Queue, Lock, Semaphore and Event.

use crate::{ms, run};
use corolab::aio::{self, AsyncIterator, Error, Event, Lock, Queue, QueueShutDown, Semaphore};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

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
