//! The tests lesson 01's exercise and solution share.

use super::*;
use corolab::generator::{GeneratorError, GeneratorState, Step};

#[test]
fn countdown_yields_n_down_to_one() {
    assert_eq!(countdown(3).collect::<Vec<_>>(), [3, 2, 1]);
    assert_eq!(countdown(0).count(), 0);
}

#[test]
fn fibonacci_starts_0_1_1_2() {
    assert_eq!(fibonacci().take(10).collect::<Vec<_>>(), [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]);
}

#[test]
fn averager_answers_each_send_with_the_running_average() {
    let avg = averager();
    assert_eq!(avg.send(10.0).unwrap(), Step::Yielded(10.0));
    assert_eq!(avg.send(20.0).unwrap(), Step::Yielded(15.0));
    assert_eq!(avg.send(30.0).unwrap(), Step::Yielded(20.0));
    assert_eq!(avg.state(), GeneratorState::Suspended);
}

#[test]
fn averager_returns_its_summary_when_thrown_into() {
    let avg = averager();
    avg.send(1.0).unwrap();
    avg.send(2.0).unwrap();
    match avg.throw("done") {
        Ok(Step::Returned(summary)) => assert_eq!(summary, Summary { count: 2, average: 1.5 }),
        other => panic!("expected the summary, got {other:?}"),
    }
    assert_eq!(avg.state(), GeneratorState::Finished);
    assert!(matches!(avg.send(3.0), Err(GeneratorError::Finished)));
}
