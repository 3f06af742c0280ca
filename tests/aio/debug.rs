//! Debug mode: slow steps and forgotten tasks.

use crate::ms;
use corolab::aio::{self, EventLoop, Warning};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

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
