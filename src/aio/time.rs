//! Time: [`sleep`], [`sleep_until`], [`yield_now`] and [`wait_for`].
//!
//! A [`Sleep`] is a deadline and, once it has been polled, an entry in the
//! loop's timer heap holding the task's `Waker`. The loop pops the entry when
//! the deadline passes and wakes the task; the `Sleep` sees the time has come
//! and completes. Dropping a pending `Sleep` (a cancelled task, a lost
//! `wait_for` race) removes its entry, so the heap holds only live timers.
#![forbid(unsafe_code)]

use super::error::Error;
use super::event_loop::{TimerEntry, current, with_current};
use super::task::trace_wait;
use crate::reactor::TimerId;
use crate::trace::Wait;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Waits for `duration` (asyncio's `asyncio.sleep`). `sleep(Duration::ZERO)`
/// still yields once to the loop, as `asyncio.sleep(0)` does.
///
/// # Panics
///
/// When polled on a thread without an [`EventLoop`](super::EventLoop).
pub fn sleep(duration: Duration) -> Sleep {
    if duration.is_zero() {
        Sleep { deadline: None, timer: None, yielded: false }
    } else {
        sleep_until(Instant::now() + duration)
    }
}

/// Waits until `deadline`.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep { deadline: Some(deadline), timer: None, yielded: false }
}

/// Gives the other ready tasks a turn, then goes on.
pub fn yield_now() -> Sleep {
    sleep(Duration::ZERO)
}

/// The future of [`sleep`].
#[derive(Debug)]
#[must_use = "a sleep does nothing unless awaited"]
pub struct Sleep {
    /// `None`: a bare yield (done at the second poll).
    deadline: Option<Instant>,
    timer: Option<TimerId>,
    /// For a bare yield: whether it has yielded.
    yielded: bool,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some(deadline) = self.deadline else {
            // A yield: ready the second time round.
            if self.yielded {
                return Poll::Ready(());
            }
            self.yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        };
        if Instant::now() >= deadline {
            if let Some(id) = self.timer.take() {
                // Usually already popped; if we were polled early, free it.
                with_current(|inner| inner.cancel_timer(id));
            }
            return Poll::Ready(());
        }
        let inner = current();
        let mut timers = inner.timers.borrow_mut();
        match self.timer.and_then(|id| timers.get_mut(id)) {
            Some(TimerEntry::Wake(waker)) => {
                if !waker.will_wake(cx.waker()) {
                    *waker = cx.waker().clone();
                }
            }
            _ => self.timer = Some(timers.insert(deadline, TimerEntry::Wake(cx.waker().clone()))),
        }
        drop(timers);
        trace_wait(Wait::Timer);
        Poll::Pending
    }
}

// ANCHOR: sleep_drop
impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(id) = self.timer.take() {
            with_current(|inner| inner.cancel_timer(id));
        }
    }
}
// ANCHOR_END: sleep_drop

// ANCHOR: wait_for
/// Awaits `future`, giving up after `timeout` (asyncio's `wait_for`). On
/// timeout the future is dropped, which cancels whatever it was doing, and
/// the result is `Err(Error::TimedOut)`.
///
/// ```
/// use corolab::aio::{self, Error};
/// use std::time::Duration;
///
/// aio::run(async {
///     let slow = aio::sleep(Duration::from_secs(60));
///     assert_eq!(aio::wait_for(slow, Duration::from_millis(5)).await, Err(Error::TimedOut));
///     let quick = async { 7 };
///     assert_eq!(aio::wait_for(quick, Duration::from_secs(60)).await, Ok(7));
/// });
/// ```
pub async fn wait_for<F: Future>(future: F, timeout: Duration) -> Result<F::Output, Error> {
    let mut future = pin!(future);
    let mut timer = sleep(timeout);
    poll_fn(|cx| {
        if let Poll::Ready(value) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(value));
        }
        if Pin::new(&mut timer).poll(cx).is_ready() {
            return Poll::Ready(Err(Error::TimedOut));
        }
        Poll::Pending
    })
    .await
}
// ANCHOR_END: wait_for
