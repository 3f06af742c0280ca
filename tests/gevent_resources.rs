//! gevent and process-wide resources: greenlet stacks reused from a pool
//! and capped below `vm.max_map_count` with a clear error; sockets that
//! never outlive their connections. A test binary of its own, because these
//! tests look at (or use up) process-wide resources; they run one at a time.

use corolab::echo;
use corolab::gevent::{self, Event, net};
use corolab::server::{ServerConfig, ServerState};
use std::io::{Read, Write};
use std::rc::Rc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

static SERIAL: Mutex<()> = Mutex::new(());

#[test]
fn stacks_are_reused_so_many_sequential_spawns_map_nothing_new() {
    let _alone = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    for _ in 0..10 {
        gevent::spawn(|| ()).join().unwrap();
    }
    let before = corolab::stack::mappings();
    for i in 0..2000 {
        assert_eq!(gevent::spawn(move || i).join().unwrap(), i);
    }
    let after = corolab::stack::mappings();
    let (Some(before), Some(after)) = (before, after) else { return };
    assert!(after <= before + 8, "mappings grew from {before} to {after}");
}

#[test]
fn past_the_mapping_cap_spawn_fails_with_an_error_naming_it() {
    let _alone = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let limit = gevent::limits::stack_limit(gevent::limits::max_map_count());
    let release = Rc::new(Event::new());
    let mut handles = Vec::new();
    let err = loop {
        let release = release.clone();
        match gevent::try_spawn(move || release.wait()) {
            Ok(h) => handles.push(h),
            Err(e) => break e,
        }
        assert!(handles.len() <= limit, "spawned past the limit");
        if handles.len() % 1000 == 0 {
            gevent::sleep(Duration::ZERO); // start them, so their stacks are mapped
        }
    };
    assert!(err.to_string().contains("vm.max_map_count"), "{err}");
    assert!(handles.len() + 64 >= limit, "{} of {limit}", handles.len());
    release.set();
    assert!(gevent::joinall(&handles, Some(Duration::from_secs(60))));
    assert_eq!(gevent::spawn(|| 1).join().unwrap(), 1);
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn a_thousand_connect_disconnect_cycles_leave_no_descriptor_behind() {
    let _alone = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let listener = net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let state = ServerState::new(addr, ServerConfig::default(), &echo::ECHO);
    let server = gevent::spawn({
        let state = state.clone();
        move || corolab::server::gevent::serve(listener, &state, echo::serve)
    });
    // Warm up: one full cycle, so lazily made descriptors already exist.
    drop(net::TcpStream::connect(addr).unwrap());
    gevent::sleep(Duration::from_millis(20));
    let before = open_fds();
    for i in 0..1000u32 {
        let mut s = net::TcpStream::connect(addr).unwrap();
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
        gevent::sleep(Duration::from_millis(10));
    }
    assert_eq!(state.open(), 0);
    assert_eq!(open_fds(), before, "descriptors leaked");
    assert!(state.connections() >= 1001);
    state.stop();
    server.join().unwrap().unwrap();
}
