//! What a task records for `--trace`.

use crate::{ms, run};
use corolab::aio::{self};

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
