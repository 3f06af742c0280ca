//! [`Pool`]: N loops on N threads, for work that needs more than one core
//! (the seeds' `aiomultiprocess`: processes, each running an event loop).
//!
//! One loop uses one core, however many tasks it runs. CPU-bound work
//! therefore needs several loops. A `Pool` starts N threads, each running an
//! [`EventLoop`] forever, and hands them work through their [`LoopHandle`]s
//! (a locked queue and an epoll notify each; the results come back on a
//! crossbeam channel):
//!
//! ```text
//!   caller thread            loop 0 (thread)      loop 1 (thread)  ...
//!   pool.map(f, items) ──▶  f(item0), f(item2)   f(item1), f(item3)
//!            ◀── (index, result) over a channel, reassembled in order
//! ```
//!
//! `f` is called on the loop's thread, so the futures it returns need not
//! be `Send`; only `f`, the items and the results cross threads.
//!
//! ```
//! use corolab::aio::Pool;
//!
//! let pool = Pool::new(2).unwrap();
//! let squares = pool.map(|x: u64| async move { x * x }, 1..=5).unwrap();
//! assert_eq!(squares, [1, 4, 9, 16, 25]);
//! ```
#![forbid(unsafe_code)]

use super::concurrent::ConcurrentFuture;
use super::error::Error;
use super::event_loop::{EventLoop, current};
use super::handle::LoopHandle;
use super::task;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

/// N event loops, each on its own thread.
pub struct Pool {
    loops: Vec<LoopHandle>,
    threads: Vec<JoinHandle<()>>,
    next: AtomicUsize,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool").field("loops", &self.loops.len()).finish()
    }
}

impl Pool {
    /// Starts `n` loops (at least one), each on its own thread.
    pub fn new(n: usize) -> std::io::Result<Pool> {
        let n = n.max(1);
        let (tx, rx) = crossbeam_channel::bounded(n);
        let mut threads = Vec::with_capacity(n);
        for i in 0..n {
            let tx = tx.clone();
            let thread = std::thread::Builder::new().name(format!("aio-pool-{i}")).spawn(move || {
                let lp = match EventLoop::try_new() {
                    Ok(lp) => lp,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                if tx.send(Ok(lp.handle())).is_ok() {
                    lp.run_forever();
                }
            })?;
            threads.push(thread);
        }
        drop(tx);
        let loops = (0..n)
            .map(|_| rx.recv().map_err(|_| std::io::Error::other("a pool loop thread died"))?)
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok(Pool { loops, threads, next: AtomicUsize::new(0) })
    }

    /// How many loops it runs.
    pub fn size(&self) -> usize {
        self.loops.len()
    }

    /// The loops' handles, to hand them work directly.
    pub fn handles(&self) -> &[LoopHandle] {
        &self.loops
    }

    /// Spawns `make()`'s future on the next loop (round robin) and returns
    /// its result's [`ConcurrentFuture`].
    pub fn spawn<F, Fut>(&self, make: F) -> ConcurrentFuture<Fut::Output>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future + 'static,
        Fut::Output: Send + 'static,
    {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.loops.len();
        let (promise, result) = super::concurrent::pair(Error::LoopClosed);
        let _ = self.loops[i].call_soon_threadsafe(move || {
            let inner = current();
            let task = task::spawn_on(&inner, None, make());
            task::spawn_on(&inner, None, async move { promise.set(task.await) }).detach();
        });
        result
    }

    // ANCHOR: map
    /// Calls `f` on every item, spread round robin over the loops, runs the
    /// futures concurrently, and returns their outputs in item order; the
    /// first failure (a panic) is returned instead. Blocks the calling
    /// thread: call it from a plain thread, not from a task.
    pub fn map<I, T, F, Fut>(&self, f: F, items: impl IntoIterator<Item = I>) -> Result<Vec<T>, Error>
    where
        F: Fn(I) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = T> + 'static,
        I: Send + 'static,
        T: Send + 'static,
    {
        let f = Arc::new(f);
        let n = self.loops.len();
        let mut chunks: Vec<Vec<(usize, I)>> = (0..n).map(|_| Vec::new()).collect();
        let mut count = 0;
        for (i, item) in items.into_iter().enumerate() {
            chunks[i % n].push((i, item));
            count += 1;
        }
        let (tx, rx) = crossbeam_channel::unbounded::<(usize, Result<T, Error>)>();
        for (handle, chunk) in self.loops.iter().zip(chunks) {
            let (f, tx) = (Arc::clone(&f), tx.clone());
            handle.call_soon_threadsafe(move || {
                let inner = current();
                for (i, item) in chunk {
                    let task = task::spawn_on(&inner, None, f(item));
                    let tx = tx.clone();
                    task::spawn_on(&inner, None, async move {
                        let _ = tx.send((i, task.await));
                    })
                    .detach();
                }
            })?;
        }
        drop(tx);
        let mut results: Vec<Option<T>> = (0..count).map(|_| None).collect();
        for _ in 0..count {
            let (i, result) = rx.recv().map_err(|_| Error::LoopClosed)?;
            results[i] = Some(result?);
        }
        Ok(results.into_iter().flatten().collect())
    }
    // ANCHOR_END: map
}

impl Drop for Pool {
    fn drop(&mut self) {
        for handle in &self.loops {
            let _ = handle.stop();
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}
