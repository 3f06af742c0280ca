//! Behaviour of `gevent::may`, the gevent-style API on may, run on ONE
//! worker so that "does not block the others" means something: with one
//! worker, a coroutine that blocked its thread would stall every other.

use corolab::echo;
use corolab::gevent::may as gevent;
use corolab::scenarios::{self, Backend, Config};
use corolab::server::{ServerConfig, ServerState};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Tests that count this process's file descriptors run alone.
static SERIAL: Mutex<()> = Mutex::new(());

fn one_worker() -> MutexGuard<'static, ()> {
    let guard = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(gevent::configure(Some(1)), Ok(1));
    guard
}

#[test]
fn sleepers_wake_in_deadline_order() {
    let _one = one_worker();
    // One start time for all: each sleeps until t0 + d, so a coroutine
    // that starts late does not push its wake past a later deadline.
    let (tx, rx) = gevent::channel();
    let t0 = Instant::now();
    // 100 ms apart: may's timer thread wakes what is due in batches, and a
    // loaded machine can delay a batch by tens of milliseconds.
    let handles: Vec<_> = [500u64, 100, 300, 200, 400]
        .into_iter()
        .map(|ms| {
            let tx = tx.clone();
            gevent::spawn(move || {
                gevent::sleep_until(t0 + Duration::from_millis(ms));
                tx.send(ms).unwrap();
            })
        })
        .collect();
    assert!(gevent::joinall(&handles, Some(Duration::from_secs(10))));
    let woke: Vec<u64> = rx.try_iter().collect();
    assert_eq!(woke, [100, 200, 300, 400, 500]);
}

#[test]
fn join_returns_values_and_panics_arrive_as_errors() {
    let _one = one_worker();
    let ok = gevent::spawn(|| "value".to_string());
    let bad = gevent::spawn(|| -> u32 { panic!("no value for you") });
    assert_eq!(ok.join().unwrap(), "value");
    let err = bad.join().unwrap_err();
    assert_eq!(err.message(), Some("no value for you"));
    assert_eq!(err.to_string(), "the coroutine panicked: no value for you");
}

#[test]
fn a_panic_without_text_has_no_message_and_says_so() {
    let _one = one_worker();
    let err = gevent::spawn(|| std::panic::panic_any(7_u8)).join().unwrap_err();
    assert_eq!(err.message(), None);
    let shown = err.to_string();
    assert!(shown.contains(corolab::panic_message::NON_STRING_PAYLOAD), "{shown}");
}

#[test]
fn joinall_reports_a_timeout() {
    let _one = one_worker();
    let quick = gevent::spawn(|| ());
    let slow = gevent::spawn(|| gevent::sleep(Duration::from_secs(2)));
    let handles = [quick, slow];
    let started = Instant::now();
    assert!(!gevent::joinall(&handles, Some(Duration::from_millis(50))));
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(handles[0].is_done());
}

#[test]
fn a_coroutine_parked_on_a_socket_does_not_block_the_others() {
    let _one = one_worker();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // The reader waits on a socket nobody writes to (until the end).
    let reader = gevent::spawn(move || {
        let mut s = gevent::net::TcpStream::connect(addr).unwrap();
        let mut byte = [0u8; 1];
        s.read(&mut byte).unwrap()
    });
    let (mut peer, _) = listener.accept().unwrap();
    // Meanwhile, on the same single worker, another coroutine takes ten turns.
    let ticker = gevent::spawn(|| {
        for _ in 0..10 {
            gevent::sleep(Duration::from_millis(1));
        }
        10
    });
    assert_eq!(ticker.join().unwrap(), 10);
    assert!(!reader.is_done(), "the reader is still parked on its socket");
    peer.write_all(b"!").unwrap();
    assert_eq!(reader.join().unwrap(), 1);
}

#[test]
fn echo_with_100_clients_verifies_every_byte() {
    let _one = one_worker();
    let config = Config { clients: Some(100), ..Config::quiet().with_n(50) };
    let report = scenarios::run(scenarios::find("echo").unwrap(), Backend::May, &config);
    assert!(report.ok, "{report:?}");
    assert_eq!(report.items, 100 * 50);
}

#[test]
fn sleepers_run_concurrently() {
    let _one = one_worker();
    let config = Config::quiet().with_n(200).with_delay(Duration::from_millis(200));
    let report = scenarios::run(scenarios::find("sleepers").unwrap(), Backend::May, &config);
    assert!(report.ok, "{report:?}");
    // 200 sleeps of 0.2 s one after another would take 40 s.
    assert!(report.wall_ms < 10_000.0, "{report:?}");
}

#[test]
fn pingpong_and_producer_consumer_run_on_may() {
    let _one = one_worker();
    for name in ["pingpong", "producer-consumer"] {
        let report =
            scenarios::run(scenarios::find(name).unwrap(), Backend::May, &Config::quiet().with_n(20));
        assert!(report.ok, "{report:?}");
    }
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn a_thousand_connect_disconnect_cycles_leave_no_descriptor_behind() {
    let _one = one_worker();
    let listener = gevent::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let state = ServerState::new(addr, ServerConfig::default(), &echo::ECHO);
    let server = gevent::spawn({
        let state = state.clone();
        move || corolab::server::may::serve(listener, &state, echo::serve)
    });
    // Warm up: one full cycle, so lazily created descriptors already exist.
    std::net::TcpStream::connect(addr).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while state.open() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(state.open(), 0);
    let before = open_fds();
    for i in 0..1000u32 {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        if i % 2 == 0 {
            // Half the clients talk first; the rest leave without a word.
            s.write_all(b"ping").unwrap();
            let mut echo = [0u8; 4];
            s.read_exact(&mut echo).unwrap();
            assert_eq!(&echo, b"ping");
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while (state.open() > 0 || open_fds() > before) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(state.open(), 0);
    // At most as many as before: a descriptor an earlier test left for may
    // to close lazily may go away meanwhile, but none of these 1,000 may stay.
    let after = open_fds();
    assert!(after <= before, "descriptors leaked: {before} open before the cycles, {after} after");
    assert!(state.connections() >= 1001);
    state.stop();
    server.join().unwrap().unwrap();
}

#[test]
fn past_the_mapping_cap_spawn_fails_with_an_error_naming_it() {
    let _one = one_worker();
    let limit = corolab::gevent::limits::stack_limit(corolab::gevent::limits::max_map_count());
    // Coroutines left by other tests (a detached sleeper) count too.
    let already_live = gevent::live();
    let release = Arc::new(AtomicBool::new(false));
    let mut handles = Vec::new();
    let err = loop {
        let release = release.clone();
        match gevent::try_spawn(move || {
            while !release.load(Ordering::Relaxed) {
                gevent::sleep(Duration::from_millis(20));
            }
        }) {
            Ok(h) => handles.push(h),
            Err(e) => break e,
        }
        assert!(handles.len() <= limit, "spawned past the limit");
    };
    release.store(true, Ordering::Relaxed);
    assert!(err.to_string().contains("vm.max_map_count"), "{err}");
    assert!(handles.len() + already_live >= limit, "{} + {already_live} < {limit}", handles.len());
    assert!(gevent::joinall(&handles, Some(Duration::from_secs(60))));
    // With the stacks given back, spawning works again.
    assert_eq!(gevent::spawn(|| 1).join().unwrap(), 1);
}
