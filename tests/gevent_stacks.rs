//! gevent greenlet stacks: reused from a pool, and capped below
//! `vm.max_map_count` with a clear error. A test binary of its own, because
//! both tests look at (or use up) process-wide resources, and they run one
//! at a time.

use corolab::gevent::{self, Event};
use std::rc::Rc;
use std::sync::Mutex;
use std::time::Duration;

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
