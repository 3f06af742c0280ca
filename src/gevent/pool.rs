//! `Pool`: spawn greenlets, at most N running at once.
//!
//! As `gevent.pool.Pool`: [`Pool::spawn`] parks the caller while the pool is
//! full, so a loop that spawns a greenlet per job cannot run away from the
//! work (or the mapping cap). Each greenlet gives its slot back when it ends
//! however it ends.
#![forbid(unsafe_code)]

use std::rc::Rc;

use super::semaphore::Semaphore;
use super::spawn::{JoinHandle, spawn};

/// A cap on concurrently running spawned greenlets. Clones share the cap.
#[derive(Debug, Clone)]
pub struct Pool {
    slots: Rc<Semaphore>,
    size: usize,
}

impl Pool {
    /// A pool of `size` slots.
    ///
    /// # Panics
    ///
    /// If `size` is 0 (nothing could ever run).
    pub fn new(size: usize) -> Pool {
        assert!(size > 0, "a Pool needs at least one slot");
        Pool { slots: Rc::new(Semaphore::new(size)), size }
    }

    /// Its size.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Greenlets running in it now.
    pub fn running(&self) -> usize {
        self.size - self.slots.available()
    }

    /// Spawns `f` once a slot is free, parking the caller until then.
    pub fn spawn<F, T>(&self, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        self.slots.acquire_forget();
        // Made outside the closure: a greenlet killed before it starts
        // drops its closure unrun, and the slot must come back then too.
        let slot = Release(self.slots.clone());
        spawn(move || {
            let _slot = slot;
            f()
        })
    }
}

/// Gives a pool slot back when the greenlet ends, even by a kill.
struct Release(Rc<Semaphore>);

impl Drop for Release {
    fn drop(&mut self) {
        self.0.release();
    }
}
