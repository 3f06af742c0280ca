//! The tests lesson 03's exercise and solution share.

use super::*;

#[test]
fn docs_demo_prints_12_56_34() {
    assert_eq!(docs_demo(), [12, 56, 34]);
}

#[test]
fn token_goes_round_the_ring_in_order() {
    assert_eq!(ring(3, 2), [0, 1, 2, 0, 1, 2]);
    assert_eq!(ring(1, 3), [0, 0, 0]);
}

#[test]
fn a_thrown_error_reaches_the_pending_switch() {
    assert_eq!(cleanup_on_throw("shutting down"), "cleaned up after: shutting down");
}
