//! [`Queue`]: a FIFO between tasks, bounded or not (asyncio's `Queue`).
//!
//! `put` waits while a bounded queue is full, `get` while it is empty; each
//! wakes the oldest task waiting on the other side. `shutdown` (Python 3.13's
//! `Queue.shutdown`) ends it: `put` fails at once, `get` delivers what is
//! left and then fails, and every parked task is woken to see it. That is
//! what lets [`Queue::items`] be an async iterator that ends.
//! `task_done` / `join` count finished items, as in asyncio.
#![forbid(unsafe_code)]

use super::{WaitList, Waiting};
use crate::aio::iter::AsyncIterator;
use crate::aio::task::trace_wait;
use crate::trace::Wait;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// `get`/`put` on a queue that was shut down (`get` only once it is empty).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueShutDown;

/// `get_nowait` on an empty queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueEmpty;

/// `put_nowait` on a full (or shut down) queue; the item comes back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueFull<T>(pub T);

impl fmt::Display for QueueShutDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue was shut down")
    }
}

impl std::error::Error for QueueShutDown {}

struct State<T> {
    items: VecDeque<T>,
    /// `None`: unbounded.
    max: Option<usize>,
    getters: WaitList,
    putters: WaitList,
    shut_down: bool,
    unfinished: usize,
    joiners: WaitList,
}

impl<T> State<T> {
    fn full(&self) -> bool {
        self.max.is_some_and(|max| self.items.len() >= max)
    }
}

/// A FIFO queue for tasks. Clones share the queue.
///
/// ```
/// use corolab::aio::{self, Queue};
///
/// aio::run(async {
///     let queue = Queue::bounded(1);
///     let producer = aio::spawn({
///         let queue = queue.clone();
///         async move {
///             for i in 0..3 {
///                 queue.put(i).await.unwrap(); // waits while the queue is full
///             }
///         }
///     });
///     let mut got = Vec::new();
///     for _ in 0..3 {
///         got.push(queue.get().await.unwrap());
///     }
///     producer.await.unwrap();
///     assert_eq!(got, [0, 1, 2]);
/// });
/// ```
pub struct Queue<T> {
    state: Rc<RefCell<State<T>>>,
}

impl<T> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Queue { state: Rc::clone(&self.state) }
    }
}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.borrow();
        f.debug_struct("Queue").field("len", &s.items.len()).field("max", &s.max).finish()
    }
}

impl<T> Queue<T> {
    fn with_max(max: Option<usize>) -> Queue<T> {
        Queue {
            state: Rc::new(RefCell::new(State {
                items: VecDeque::new(),
                max,
                getters: WaitList::default(),
                putters: WaitList::default(),
                shut_down: false,
                unfinished: 0,
                joiners: WaitList::default(),
            })),
        }
    }

    /// A queue without a size limit: `put` never waits.
    pub fn unbounded() -> Queue<T> {
        Queue::with_max(None)
    }

    /// A queue of at most `max` items (at least 1): `put` waits while full.
    pub fn bounded(max: usize) -> Queue<T> {
        Queue::with_max(Some(max.max(1)))
    }

    /// Items queued now.
    pub fn len(&self) -> usize {
        self.state.borrow().items.len()
    }

    /// Whether no item is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a bounded queue is at its limit.
    pub fn is_full(&self) -> bool {
        self.state.borrow().full()
    }

    /// Waits for room, then appends `item`.
    pub fn put(&self, item: T) -> Put<T> {
        Put { queue: self.clone(), item: Some(item), waiting: Waiting::default() }
    }

    /// Appends `item` if there is room (and the queue is not shut down).
    pub fn put_nowait(&self, item: T) -> Result<(), QueueFull<T>> {
        let mut s = self.state.borrow_mut();
        if s.full() || s.shut_down {
            return Err(QueueFull(item));
        }
        s.items.push_back(item);
        s.unfinished += 1;
        s.getters.wake_one();
        Ok(())
    }

    /// Waits for an item and takes it.
    pub fn get(&self) -> Get<T> {
        Get { queue: self.clone(), waiting: Waiting::default(), done: false }
    }

    /// Takes an item if one is queued.
    pub fn get_nowait(&self) -> Result<T, QueueEmpty> {
        let mut s = self.state.borrow_mut();
        let item = s.items.pop_front().ok_or(QueueEmpty)?;
        s.putters.wake_one();
        Ok(item)
    }

    /// Ends the queue: puts fail from now on, gets fail once it is empty,
    /// and every waiting task is woken.
    pub fn shutdown(&self) {
        let mut s = self.state.borrow_mut();
        s.shut_down = true;
        s.getters.wake_all();
        s.putters.wake_all();
    }

    /// Marks one taken item as processed (for [`Queue::join`]).
    pub fn task_done(&self) {
        let mut s = self.state.borrow_mut();
        s.unfinished = s.unfinished.saturating_sub(1);
        if s.unfinished == 0 {
            s.joiners.wake_all();
        }
    }

    /// Waits until every item put has been marked [`Queue::task_done`].
    pub async fn join(&self) {
        let mut waiting = Waiting::default();
        std::future::poll_fn(|cx| {
            let mut s = self.state.borrow_mut();
            if s.unfinished == 0 {
                s.joiners.done(&mut waiting);
                return Poll::Ready(());
            }
            s.joiners.park(&mut waiting, cx.waker());
            Poll::Pending
        })
        .await
    }

    /// The items as an [`AsyncIterator`] that ends when the queue is shut
    /// down and empty.
    pub fn items(&self) -> QueueItems<T> {
        QueueItems { queue: self.clone() }
    }
}

/// The future of [`Queue::put`].
#[must_use = "the item is queued only when the future is awaited"]
pub struct Put<T> {
    queue: Queue<T>,
    item: Option<T>,
    waiting: Waiting,
}

impl<T> fmt::Debug for Put<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Put").field("done", &self.item.is_none()).finish()
    }
}

impl<T> Unpin for Put<T> {}

impl<T> Future for Put<T> {
    type Output = Result<(), QueueShutDown>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mut s = this.queue.state.borrow_mut();
        if s.shut_down {
            s.putters.done(&mut this.waiting);
            this.item = None;
            return Poll::Ready(Err(QueueShutDown));
        }
        if s.full() {
            s.putters.park(&mut this.waiting, cx.waker());
            drop(s);
            trace_wait(Wait::Sync);
            return Poll::Pending;
        }
        s.putters.done(&mut this.waiting);
        if let Some(item) = this.item.take() {
            s.items.push_back(item);
            s.unfinished += 1;
            s.getters.wake_one();
        }
        Poll::Ready(Ok(()))
    }
}

impl<T> Drop for Put<T> {
    fn drop(&mut self) {
        let mut s = self.queue.state.borrow_mut();
        if s.putters.abandon(&mut self.waiting) && !s.full() {
            s.putters.wake_one();
        }
    }
}

/// The future of [`Queue::get`].
#[must_use = "an item is taken only when the future is awaited"]
pub struct Get<T> {
    queue: Queue<T>,
    waiting: Waiting,
    done: bool,
}

impl<T> fmt::Debug for Get<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Get").field("done", &self.done).finish()
    }
}

impl<T> Future for Get<T> {
    type Output = Result<T, QueueShutDown>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mut s = this.queue.state.borrow_mut();
        if let Some(item) = s.items.pop_front() {
            s.getters.done(&mut this.waiting);
            s.putters.wake_one();
            this.done = true;
            return Poll::Ready(Ok(item));
        }
        if s.shut_down {
            s.getters.done(&mut this.waiting);
            this.done = true;
            return Poll::Ready(Err(QueueShutDown));
        }
        s.getters.park(&mut this.waiting, cx.waker());
        drop(s);
        trace_wait(Wait::Sync);
        Poll::Pending
    }
}

impl<T> Drop for Get<T> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut s = self.queue.state.borrow_mut();
        if s.getters.abandon(&mut self.waiting) && !s.items.is_empty() {
            s.getters.wake_one();
        }
    }
}

/// The items of a [`Queue`], as an [`AsyncIterator`].
pub struct QueueItems<T> {
    queue: Queue<T>,
}

impl<T> fmt::Debug for QueueItems<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueItems").field("queue", &self.queue).finish()
    }
}

// ANCHOR: queue_items
impl<T> AsyncIterator for QueueItems<T> {
    type Item = T;

    async fn next(&mut self) -> Option<T> {
        self.queue.get().await.ok()
    }
}
// ANCHOR_END: queue_items
