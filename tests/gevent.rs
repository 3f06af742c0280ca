//! Behaviour of the gevent hub: ordering, joins, kills, timeouts, sockets,
//! the sync primitives, and what a thread-blocking call does.
//!
//! Each test runs on its own thread, so each gets its own hub.

use corolab::gevent::{self, Elapsed, Event, JoinError, Pool, Queue, Semaphore, net};
use std::cell::RefCell;
use std::io::{Read, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn sleepers_wake_in_deadline_order() {
    // One start time for all: each sleeps until t0 + d, so a greenlet that
    // begins its sleep late (the thread preempted) keeps its place.
    let woke = Rc::new(RefCell::new(Vec::new()));
    let t0 = Instant::now();
    let handles: Vec<_> = [50u64, 10, 30, 20, 40]
        .into_iter()
        .map(|d| {
            let woke = woke.clone();
            gevent::spawn(move || {
                gevent::sleep_until(t0 + ms(d));
                woke.borrow_mut().push(d);
            })
        })
        .collect();
    assert!(gevent::joinall(&handles, Some(Duration::from_secs(10))));
    assert_eq!(*woke.borrow(), [10, 20, 30, 40, 50]);
}

#[test]
fn sleep_until_a_past_deadline_still_wakes_in_deadline_order() {
    // Every deadline has passed before any greenlet runs (the worst
    // preemption): they still wake by deadline, not by spawn order.
    let woke = Rc::new(RefCell::new(Vec::new()));
    let t0 = Instant::now();
    let handles: Vec<_> = [5u64, 1, 3, 2, 4]
        .into_iter()
        .map(|d| {
            let woke = woke.clone();
            gevent::spawn(move || {
                gevent::sleep_until(t0 + ms(d));
                woke.borrow_mut().push(d);
            })
        })
        .collect();
    std::thread::sleep(ms(20)); // blocks the hub too: nothing has run yet
    assert!(gevent::joinall(&handles, Some(Duration::from_secs(10))));
    assert_eq!(*woke.borrow(), [1, 2, 3, 4, 5]);
}

#[test]
fn ten_half_second_sleeps_run_concurrently() {
    let started = Instant::now();
    let handles: Vec<_> = (0..10).map(|_| gevent::spawn(|| gevent::sleep(ms(500)))).collect();
    assert!(gevent::joinall(&handles, None));
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
}

#[test]
fn sleep_zero_yields_in_fifo_order() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let handles: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|name| {
            let log = log.clone();
            gevent::spawn(move || {
                for i in 0..3 {
                    log.borrow_mut().push(format!("{name}{i}"));
                    gevent::sleep(Duration::ZERO);
                }
            })
        })
        .collect();
    gevent::joinall(&handles, None);
    assert_eq!(*log.borrow(), ["a0", "b0", "a1", "b1", "a2", "b2"]);
}

#[test]
fn spawned_greenlets_do_not_run_until_the_spawner_waits() {
    let ran = Rc::new(RefCell::new(false));
    let h = gevent::spawn({
        let ran = ran.clone();
        move || *ran.borrow_mut() = true
    });
    assert!(!*ran.borrow());
    h.join().unwrap();
    assert!(*ran.borrow());
}

#[test]
fn join_returns_the_value_and_a_panic_arrives_as_an_error() {
    let ok = gevent::spawn(|| 6 * 7);
    let bad = gevent::spawn(|| -> u8 { panic!("greenlet went wrong") });
    assert_eq!(ok.join().unwrap(), 42);
    let err = bad.join().unwrap_err();
    assert_eq!(err.message(), Some("greenlet went wrong"));
    assert_eq!(err.to_string(), "the greenlet panicked: greenlet went wrong");
}

#[test]
fn a_panic_without_text_has_no_message_and_says_so() {
    let err = gevent::spawn(|| std::panic::panic_any(7_u8)).join().unwrap_err();
    assert_eq!(err.message(), None);
    let shown = err.to_string();
    assert!(shown.contains(corolab::panic_message::NON_STRING_PAYLOAD), "{shown}");
}

struct SetOnDrop(Rc<RefCell<bool>>);
impl Drop for SetOnDrop {
    fn drop(&mut self) {
        *self.0.borrow_mut() = true;
    }
}

#[test]
fn kill_unwinds_a_waiting_greenlet_and_runs_its_destructors() {
    let dropped = Rc::new(RefCell::new(false));
    let after_sleep = Rc::new(RefCell::new(false));
    let h = gevent::spawn({
        let (dropped, after_sleep) = (dropped.clone(), after_sleep.clone());
        move || {
            let _guard = SetOnDrop(dropped);
            gevent::sleep(Duration::from_secs(30));
            *after_sleep.borrow_mut() = true;
        }
    });
    gevent::sleep(ms(10)); // let it start and park
    let started = Instant::now();
    h.kill();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(h.is_done());
    assert!(*dropped.borrow(), "the destructor ran");
    assert!(!*after_sleep.borrow(), "the code after the wait did not");
    assert!(matches!(h.join(), Err(JoinError::Killed)));
}

#[test]
fn a_greenlet_killed_before_it_starts_never_runs() {
    let ran = Rc::new(RefCell::new(false));
    let h = gevent::spawn({
        let ran = ran.clone();
        move || *ran.borrow_mut() = true
    });
    h.kill();
    assert!(!*ran.borrow());
    assert!(matches!(h.join(), Err(JoinError::Killed)));
}

#[test]
fn with_timeout_unwinds_the_slow_code_and_runs_its_destructors() {
    let dropped = Rc::new(RefCell::new(false));
    let started = Instant::now();
    let r = gevent::with_timeout(ms(20), || {
        let _guard = SetOnDrop(dropped.clone());
        gevent::sleep(Duration::from_secs(30));
    });
    assert_eq!(r, Err(Elapsed(ms(20))));
    assert!(*dropped.borrow());
    assert!(started.elapsed() < Duration::from_secs(5));
    // And a fast body is not disturbed, nor is a later wait.
    assert_eq!(gevent::with_timeout(Duration::from_secs(5), || 7), Ok(7));
    gevent::sleep(ms(10));
}

#[test]
fn nested_timeouts_each_catch_their_own() {
    let outer = gevent::with_timeout(ms(30), || {
        let inner = gevent::with_timeout(Duration::from_secs(10), || gevent::sleep(Duration::from_secs(30)));
        unreachable!("the outer timeout fires first: {inner:?}");
    });
    assert_eq!(outer, Err(Elapsed(ms(30))));
    let inner_first = gevent::with_timeout(Duration::from_secs(10), || {
        gevent::with_timeout(ms(10), || gevent::sleep(ms(500)))
    });
    assert_eq!(inner_first, Ok(Err(Elapsed(ms(10)))));
}

#[test]
fn joinall_with_a_timeout_returns_false_when_one_is_slow() {
    let handles = vec![gevent::spawn(|| ()), gevent::spawn(|| gevent::sleep(Duration::from_secs(30)))];
    assert!(!gevent::joinall(&handles, Some(ms(30))));
    assert!(handles[0].is_done());
    assert!(!handles[1].is_done());
    handles[1].kill();
}

#[test]
fn a_greenlet_parked_on_a_socket_does_not_block_the_others() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let reader = gevent::spawn(move || {
        let mut s = net::TcpStream::connect(addr).unwrap();
        let mut byte = [0u8; 1];
        s.read(&mut byte).unwrap()
    });
    let ticks = gevent::spawn(|| {
        for _ in 0..10 {
            gevent::sleep(ms(1));
        }
        10
    });
    assert_eq!(ticks.join().unwrap(), 10);
    assert!(!reader.is_done());
    let (mut peer, _) = listener.accept().unwrap();
    peer.write_all(b"!").unwrap();
    assert_eq!(reader.join().unwrap(), 1);
}

#[test]
fn a_read_timeout_ends_the_wait_with_timed_out() {
    let listener = net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let client = gevent::spawn(move || {
        let mut s = net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(ms(20))).unwrap();
        let mut buf = [0u8; 4];
        s.read(&mut buf).unwrap_err().kind()
    });
    let (_silent, _) = listener.accept().unwrap();
    assert_eq!(client.join().unwrap(), std::io::ErrorKind::TimedOut);
}

#[test]
fn connecting_to_a_closed_port_fails_cleanly() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let err = net::TcpStream::connect(port).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
}

// ANCHOR: blocking
#[test]
fn a_thread_blocking_call_blocks_the_whole_hub() {
    // A ticker that should tick every millisecond...
    let ticks = Rc::new(RefCell::new(Vec::new()));
    let ticker = gevent::spawn({
        let ticks = ticks.clone();
        move || {
            for _ in 0..5 {
                ticks.borrow_mut().push(Instant::now());
                gevent::sleep(ms(1));
            }
        }
    });
    // ...and a greenlet that calls std::thread::sleep: the hub cannot run
    // anything else while the thread sleeps.
    let blocker = gevent::spawn(|| std::thread::sleep(ms(300)));
    gevent::joinall(&[ticker], None);
    blocker.join().unwrap();
    let ticks = ticks.borrow();
    let longest = ticks.windows(2).map(|w| w[1] - w[0]).max().unwrap();
    // With cooperative sleeps the gaps are about 1 ms; the blocking call
    // stretched one gap to the whole 300 ms.
    assert!(longest >= ms(250), "longest gap between ticks: {longest:?}");
}
// ANCHOR_END: blocking

#[test]
fn event_wakes_every_waiter() {
    let event = Rc::new(Event::new());
    let waiters: Vec<_> = (0..3)
        .map(|i| {
            let event = event.clone();
            gevent::spawn(move || {
                event.wait();
                i
            })
        })
        .collect();
    gevent::sleep(ms(5));
    assert!(waiters.iter().all(|h| !h.is_done()));
    event.set();
    let got: Vec<i32> = waiters.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(got, [0, 1, 2]);
    assert!(!Event::new().wait_timeout(ms(5)));
}

#[test]
fn a_bounded_queue_parks_the_producer_until_the_consumer_takes() {
    let q = Rc::new(Queue::bounded(2));
    let log = Rc::new(RefCell::new(Vec::new()));
    let producer = gevent::spawn({
        let (q, log) = (q.clone(), log.clone());
        move || {
            for i in 0..5 {
                q.put(i);
                log.borrow_mut().push(format!("put {i}"));
            }
        }
    });
    gevent::sleep(ms(5));
    // Two fit; the third put parks.
    assert_eq!(*log.borrow(), ["put 0", "put 1"]);
    let got: Vec<i32> = (0..5).map(|_| q.get()).collect();
    producer.join().unwrap();
    assert_eq!(got, [0, 1, 2, 3, 4]);
    assert_eq!(Queue::<u8>::unbounded().get_timeout(ms(5)), None);
}

#[test]
fn an_item_is_not_lost_when_its_getter_is_killed() {
    let q = Rc::new(Queue::unbounded());
    let first = gevent::spawn({
        let q = q.clone();
        move || q.get()
    });
    let second = gevent::spawn({
        let q = q.clone();
        move || q.get()
    });
    gevent::sleep(ms(5));
    q.put(1); // wakes `first`...
    first.kill(); // ...which dies at its waiting point instead, so the item passes on
    assert!(matches!(first.join(), Err(JoinError::Killed)));
    assert_eq!(second.join().unwrap(), 1);
}

#[test]
fn semaphore_and_pool_cap_concurrency() {
    let sem = Rc::new(Semaphore::new(2));
    let running = Rc::new(RefCell::new((0, 0))); // (now, max)
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let (sem, running) = (sem.clone(), running.clone());
            gevent::spawn(move || {
                let _permit = sem.acquire();
                {
                    let mut r = running.borrow_mut();
                    r.0 += 1;
                    r.1 = r.1.max(r.0);
                }
                gevent::sleep(ms(5));
                running.borrow_mut().0 -= 1;
            })
        })
        .collect();
    gevent::joinall(&handles, None);
    assert_eq!(running.borrow().1, 2);
    assert_eq!(sem.available(), 2);

    let pool = Pool::new(3);
    let max = Rc::new(RefCell::new(0));
    let handles: Vec<_> = (0..10)
        .map(|_| {
            let (pool2, max) = (pool.clone(), max.clone());
            pool.spawn(move || {
                let now = pool2.running();
                let mut max = max.borrow_mut();
                *max = (*max).max(now);
                drop(max);
                gevent::sleep(ms(2));
            })
        })
        .collect();
    gevent::joinall(&handles, None);
    assert_eq!(*max.borrow(), 3);
    assert_eq!(pool.running(), 0);
}

#[test]
fn echo_with_100_clients_on_one_hub_verifies_every_byte() {
    use corolab::scenarios::{self, Backend, Config};
    let config = Config { clients: Some(100), ..Config::quiet().with_n(50) };
    let report = scenarios::run(scenarios::find("echo").unwrap(), Backend::Gevent, &config);
    assert!(report.ok, "{report:?}");
    assert_eq!(report.items, 100 * 50);
}

#[test]
fn every_scenario_runs_on_gevent() {
    use corolab::scenarios::{self, Backend, Config};
    let listed: Vec<_> =
        scenarios::SCENARIOS.iter().filter(|s| s.backends.contains(&Backend::Gevent)).collect();
    assert!(listed.len() >= 5, "gevent lists only {:?}", listed.iter().map(|s| s.name).collect::<Vec<_>>());
    for scenario in listed {
        let config = Config { clients: Some(4), ..Config::quiet().with_n(20).with_delay(ms(5)) };
        let report = scenarios::run(scenario, Backend::Gevent, &config);
        assert!(report.ok, "{}: {report:?}", scenario.name);
        assert!(report.items > 0, "{}: did no work: {report:?}", scenario.name);
    }
}

#[test]
fn a_thousand_sleepers_overlap_on_one_hub() {
    use corolab::scenarios::{self, Backend, Config};
    let config = Config::quiet().with_n(1000).with_delay(ms(200));
    let report = scenarios::run(scenarios::find("sleepers").unwrap(), Backend::Gevent, &config);
    assert!(report.ok, "{report:?}");
    // 1,000 sleeps of 0.2 s one after another would take 200 s.
    assert!(report.wall_ms < 20_000.0, "{report:?}");
}
