//! `gather`, `gather_all`, `wait` and `as_completed`.

use crate::{DropFlag, ms, run};
use corolab::aio::{self, AsyncIterator, Error, ReturnWhen};
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// A boxed fallible future, so futures of different types fit one `Vec`.
type BoxedTry = std::pin::Pin<Box<dyn Future<Output = Result<u32, String>>>>;

/// A task that gives `value` at `t0 + delay` ms: every task of a test
/// shares one `t0`, so their order cannot depend on when each first ran.
fn after<T: 'static>(t0: Instant, delay: u64, value: T) -> aio::Task<T> {
    aio::spawn(async move {
        aio::sleep_until(t0 + ms(delay)).await;
        value
    })
}

#[test]
fn gather_returns_values_in_argument_order_not_completion_order() {
    let t0 = Instant::now();
    let values =
        run(async { aio::gather([after(t0, 30, "a"), after(t0, 10, "b"), after(t0, 20, "c")]).await });
    assert_eq!(values, Ok(vec!["a", "b", "c"]));
}

#[test]
fn gather_returns_the_first_error_and_drops_the_rest() {
    run(async {
        // One start time, taken on the loop, and deadlines far apart: if
        // both were already due when gather polled, it would see them in
        // argument order, whichever failed first.
        let t0 = Instant::now();
        let dropped = Rc::new(Cell::new(false));
        let flag = dropped.clone();
        let futures: Vec<BoxedTry> = vec![
            Box::pin(async move {
                let _guard = DropFlag(flag);
                aio::sleep(Duration::from_secs(3600)).await;
                Ok(1)
            }),
            Box::pin(async move {
                aio::sleep_until(t0 + ms(300)).await;
                Err("second failed".to_string())
            }),
            Box::pin(async move {
                aio::sleep_until(t0 + ms(10)).await;
                Err("third failed first".to_string())
            }),
        ];
        assert_eq!(aio::gather(futures).await, Err("third failed first".to_string()));
        assert!(dropped.get(), "the still-pending future was dropped");
    });
}

#[test]
fn gather_all_collects_every_result_in_argument_order() {
    let t0 = Instant::now();
    let results = run(async {
        let bad = aio::spawn(async {
            aio::sleep(ms(5)).await;
            panic!("bad");
        });
        aio::gather_all([after(t0, 10, 1), bad, after(t0, 1, 3)]).await
    });
    assert_eq!(results, [Ok(1), Err(Error::Panicked("bad".into())), Ok(3)]);
}

#[test]
fn wait_first_completed_returns_the_finished_and_the_pending() {
    let t0 = Instant::now();
    run(async {
        let (done, pending) = aio::wait(
            vec![after(t0, 200, 1), after(t0, 5, 2), after(t0, 300, 3)],
            ReturnWhen::FirstCompleted,
            None,
        )
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
    let t0 = Instant::now();
    run(async {
        let bad = aio::spawn(async {
            aio::sleep(ms(5)).await;
            panic!("bad");
        });
        let slow = after(t0, 3_600_000, 0);
        let (done, pending) =
            aio::wait(vec![after(t0, 1, 1), bad, slow], ReturnWhen::FirstException, None).await;
        assert_eq!(done.len(), 2);
        assert_eq!(pending.len(), 1);
        for task in pending {
            task.cancel();
        }
    });
}

#[test]
fn wait_all_completed_with_a_timeout_leaves_the_slow_ones_pending() {
    let t0 = Instant::now();
    run(async {
        let (done, pending) = aio::wait(
            vec![after(t0, 1, 1), after(t0, 3_600_000, 2), after(t0, 2, 3)],
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
        // One start time, on the loop, and deadlines 100 ms apart: futures
        // already finished when as_completed first looks come out in
        // argument order, so none may be due before it starts.
        let t0 = Instant::now();
        let mut it =
            aio::as_completed(vec![after(t0, 300, "slow"), after(t0, 100, "fast"), after(t0, 200, "mid")]);
        let mut order = Vec::new();
        while let Some(r) = it.next().await {
            order.push(r.unwrap());
        }
        assert_eq!(order, ["fast", "mid", "slow"]);
    });
}
