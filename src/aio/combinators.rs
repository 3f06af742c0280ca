//! Combinators: [`gather`], [`gather_all`], [`wait`] and [`as_completed`].
//!
//! Each runs several futures at once *inside one task*: its own `poll`
//! polls every child that is not finished yet, and every child registers the
//! same waker, so a wake from any child polls the combinator again. That is
//! simple and enough for the tens or thousands of children a lesson uses;
//! with a million children a production runtime gives each child its own
//! waker so a wake polls only that child (futures' `FuturesUnordered`).
//!
//! | asyncio | here | result |
//! | --- | --- | --- |
//! | `gather(*aws)` | [`gather`] | `Ok(values)` in argument order, or the first error |
//! | `gather(*aws, return_exceptions=True)` | [`gather_all`] | every `Result`, in argument order |
//! | `wait(tasks, return_when=..., timeout=...)` | [`wait`] | `(done, pending)` tasks |
//! | `as_completed(aws)` | [`as_completed`] | results in completion order |
//!
//! One difference from asyncio: when `gather` returns early with an error,
//! the other futures are dropped, and so cancelled. asyncio leaves them
//! running as orphan tasks; in Rust the combinator owns them, and dropping
//! is how ownership ends work. Pass [`Task`]s and keep clones of nothing:
//! if they must survive, spawn them and `wait` instead.
#![forbid(unsafe_code)]

use super::iter::AsyncIterator;
use super::task::Task;
use super::time::sleep;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

// ANCHOR: gather
/// Runs every future concurrently and returns their values in argument
/// order; the first error (in completion order) wins and is returned at
/// once, dropping the rest.
///
/// ```
/// use corolab::aio::{self, Error};
/// use std::time::Duration;
///
/// aio::run(async {
///     let slow_first = vec![
///         aio::spawn(async { aio::sleep(Duration::from_millis(20)).await; "slow" }),
///         aio::spawn(async { "fast" }),
///     ];
///     assert_eq!(aio::gather(slow_first).await, Ok(vec!["slow", "fast"]));
/// });
/// ```
pub async fn gather<I, F, T, E>(futures: I) -> Result<Vec<T>, E>
where
    I: IntoIterator<Item = F>,
    F: Future<Output = Result<T, E>>,
{
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut values: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    let mut left = futures.len();
    poll_fn(|cx| {
        for (future, value) in futures.iter_mut().zip(values.iter_mut()) {
            if value.is_some() {
                continue;
            }
            match future.as_mut().poll(cx) {
                Poll::Ready(Ok(v)) => {
                    *value = Some(v);
                    left -= 1;
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {}
            }
        }
        if left == 0 {
            Poll::Ready(Ok(values.iter_mut().filter_map(Option::take).collect()))
        } else {
            Poll::Pending
        }
    })
    .await
}
// ANCHOR_END: gather

/// Runs every future concurrently and returns every result, errors
/// included, in argument order (asyncio's `return_exceptions=True`).
pub async fn gather_all<I, F, T>(futures: I) -> Vec<T>
where
    I: IntoIterator<Item = F>,
    F: Future<Output = T>,
{
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut results: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    let mut left = futures.len();
    poll_fn(|cx| {
        for (future, result) in futures.iter_mut().zip(results.iter_mut()) {
            if result.is_none()
                && let Poll::Ready(r) = future.as_mut().poll(cx)
            {
                *result = Some(r);
                left -= 1;
            }
        }
        if left == 0 {
            Poll::Ready(results.iter_mut().filter_map(Option::take).collect())
        } else {
            Poll::Pending
        }
    })
    .await
}

/// When [`wait`] returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnWhen {
    /// As soon as any task finishes.
    FirstCompleted,
    /// As soon as any task fails (panics or is cancelled), or all finish.
    FirstException,
    /// When every task has finished.
    AllCompleted,
}

// ANCHOR: wait
/// Waits for `tasks` as `when` says, or until `timeout` passes, and returns
/// `(done, pending)`, each in the order given. Nothing is cancelled: await
/// the done tasks for their results (they are ready), and await, cancel or
/// detach the pending ones.
///
/// A task "fails" for [`ReturnWhen::FirstException`] when it panicked or
/// was cancelled; a task that returns an `Err` value returned normally.
pub async fn wait<T: 'static>(
    mut tasks: Vec<Task<T>>,
    when: ReturnWhen,
    timeout: Option<Duration>,
) -> (Vec<Task<T>>, Vec<Task<T>>) {
    let mut timer = timeout.map(sleep);
    let total = tasks.len();
    poll_fn(|cx| {
        let (mut done, mut failed) = (0, false);
        for task in tasks.iter_mut() {
            if task.poll_done(cx).is_ready() {
                done += 1;
                failed |= task.failed();
            }
        }
        let finished = match when {
            ReturnWhen::FirstCompleted => done > 0 || total == 0,
            ReturnWhen::FirstException => failed || done == total,
            ReturnWhen::AllCompleted => done == total,
        };
        if finished {
            return Poll::Ready(());
        }
        match timer.as_mut().map(|t| Pin::new(t).poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(()),
            _ => Poll::Pending,
        }
    })
    .await;
    tasks.into_iter().partition(|t| t.is_done())
}
// ANCHOR_END: wait

/// Yields the futures' results in the order they complete (asyncio's
/// `as_completed`); an [`AsyncIterator`].
///
/// ```
/// use corolab::aio::{self, AsyncIterator};
/// use std::time::Duration;
///
/// aio::run(async {
///     // Far apart, so a loaded machine cannot make two due at once.
///     let tasks: Vec<_> = [300u64, 100, 200]
///         .into_iter()
///         .map(|ms| aio::spawn(async move { aio::sleep(Duration::from_millis(ms)).await; ms }))
///         .collect();
///     let mut finished = aio::as_completed(tasks);
///     let mut order = Vec::new();
///     while let Some(result) = finished.next().await {
///         order.push(result.unwrap());
///     }
///     assert_eq!(order, [100, 200, 300]);
/// });
/// ```
pub fn as_completed<I, F>(futures: I) -> AsCompleted<F>
where
    I: IntoIterator<Item = F>,
    F: Future + Unpin,
{
    AsCompleted { futures: futures.into_iter().collect() }
}

/// The iterator of [`as_completed`].
#[derive(Debug)]
pub struct AsCompleted<F> {
    futures: Vec<F>,
}

impl<F: Future + Unpin> AsCompleted<F> {
    /// How many have not completed yet.
    pub fn len(&self) -> usize {
        self.futures.len()
    }

    /// Whether all have completed.
    pub fn is_empty(&self) -> bool {
        self.futures.is_empty()
    }
}

impl<F: Future + Unpin> AsyncIterator for AsCompleted<F> {
    type Item = F::Output;

    // ANCHOR: as_completed_next
    async fn next(&mut self) -> Option<F::Output> {
        if self.futures.is_empty() {
            return None;
        }
        let futures = &mut self.futures;
        let (index, output) = poll_fn(|cx| {
            for (i, f) in futures.iter_mut().enumerate() {
                if let Poll::Ready(output) = Pin::new(f).poll(cx) {
                    return Poll::Ready((i, output));
                }
            }
            Poll::Pending
        })
        .await;
        self.futures.remove(index);
        Some(output)
    }
    // ANCHOR_END: as_completed_next
}
