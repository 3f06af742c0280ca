//! [`AsyncIterator`]: `async for`, in Rust.
//!
//! Python's `async for x in source` calls `await source.__anext__()` until it
//! raises `StopAsyncIteration`. The Rust shape is a `next()` that returns a
//! future of `Option<Item>`, driven by `while let`:
//!
//! ```
//! use corolab::aio::{self, AsyncIterator, Queue};
//!
//! aio::run(async {
//!     let queue = Queue::unbounded();
//!     for word in ["one", "two", "three"] {
//!         queue.put_nowait(word).unwrap();
//!     }
//!     queue.shutdown(); // the items still queued are delivered, then the iteration ends
//!     let mut items = queue.items();
//!     let mut seen = Vec::new();
//!     while let Some(word) = items.next().await {
//!         seen.push(word);
//!     }
//!     assert_eq!(seen, ["one", "two", "three"]);
//! });
//! ```
//!
//! Implemented here by the lines of a stream
//! ([`TcpStream::lines`](super::TcpStream::lines)), the items of a queue
//! ([`Queue::items`](super::Queue::items)) and results in completion order
//! ([`as_completed`](super::as_completed)). The standard library's
//! `AsyncIterator` trait is still unstable; this is the stable equivalent.
#![forbid(unsafe_code)]

use std::future::Future;

// ANCHOR: async_iterator
/// A source of items that may have to wait for each one.
pub trait AsyncIterator {
    /// What it yields.
    type Item;

    /// The next item, or `None` when the source is exhausted.
    fn next(&mut self) -> impl Future<Output = Option<Self::Item>>;
}
// ANCHOR_END: async_iterator
