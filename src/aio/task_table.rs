//! The task table: what the loop knows about its tasks beside their futures.
//!
//! A task's future lives in its async-task cell; the few facts the loop
//! needs to look up *by task id* live here, in one place, owned by the loop:
//!
//! ```text
//!   id   name        cancel asked   done callbacks
//!    1   -           no             []
//!    2   "fetcher"   yes            [cb]      <- cancel() then add_done_callback
//! ```
//!
//! Only tasks that have an entry cost anything: a task with no name, no
//! pending cancel and no done callback appears in no map. Beside the maps,
//! every unfinished task has a slot in `live` holding a waker for it, so a
//! closing loop can reach the tasks that are parked (asleep on a timer, a
//! socket, a lock) and drop their futures on its own thread. `task.rs` reads
//! and writes the table only through these methods; no borrow is held while
//! a callback runs.
#![forbid(unsafe_code)]

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::task::Waker;

/// A done callback, type-erased: it downcasts to `&Result<T, Error>`.
pub(crate) type DoneCallback = Box<dyn FnOnce(&dyn Any)>;

/// The per-task side tables of one loop (see the module docs).
#[derive(Default)]
pub(crate) struct TaskTable {
    next_id: Cell<u64>,
    /// Tasks whose `cancel()` was called and which have not run since.
    cancelled: RefCell<HashSet<u64>>,
    /// `add_done_callback`s by task id, called with a `&Result<T, Error>`.
    done_callbacks: RefCell<HashMap<u64, Vec<DoneCallback>>>,
    /// Names of the tasks that have one, and how many holders (the task,
    /// its handle) still need it.
    names: RefCell<HashMap<u64, (Rc<str>, u8)>>,
    /// A waker for each unfinished task, by slot (a free list reuses them).
    live: RefCell<Vec<Option<Waker>>>,
    free: RefCell<Vec<u32>>,
}

impl TaskTable {
    /// A fresh id: ids count from 1 (asyncio's `Task-1`) and are never reused.
    pub(crate) fn next_id(&self) -> u64 {
        let id = self.next_id.get() + 1;
        self.next_id.set(id);
        id
    }

    /// A slot for a task about to be spawned (empty until
    /// [`TaskTable::track`]).
    pub(crate) fn reserve(&self) -> u32 {
        let mut live = self.live.borrow_mut();
        match self.free.borrow_mut().pop() {
            Some(slot) => slot,
            None => {
                live.push(None);
                u32::try_from(live.len() - 1).expect("fewer than 2^32 live tasks")
            }
        }
    }

    /// Keeps `waker` in `slot` (from [`TaskTable::reserve`]) until
    /// [`TaskTable::untrack`].
    pub(crate) fn track(&self, slot: u32, waker: Waker) {
        self.live.borrow_mut()[slot as usize] = Some(waker);
    }

    /// The task in `slot` is gone (its future was dropped); the slot is
    /// free again. Called once per reserved slot.
    pub(crate) fn untrack(&self, slot: u32) {
        let waker = self.live.borrow_mut().get_mut(slot as usize).and_then(Option::take);
        self.free.borrow_mut().push(slot);
        drop(waker); // outside the borrow
    }

    /// A waker for every unfinished task (a closing loop wakes them all, so
    /// that each is queued and then dropped with the queue).
    pub(crate) fn live_wakers(&self) -> Vec<Waker> {
        self.live.borrow().iter().flatten().cloned().collect()
    }

    /// Task `id`'s name as traces and warnings show it.
    pub(crate) fn display_name(&self, id: u64) -> String {
        super::task::display_name(id, self.name(id).as_deref())
    }

    /// Names task `id`; the task and its handle each let go once.
    pub(crate) fn set_name(&self, id: u64, name: String) {
        self.names.borrow_mut().insert(id, (Rc::from(name), 2));
    }

    /// Task `id`'s name, if it was given one.
    pub(crate) fn name(&self, id: u64) -> Option<Rc<str>> {
        self.names.borrow().get(&id).map(|(name, _)| Rc::clone(name))
    }

    /// One holder of task `id`'s name lets go of it.
    pub(crate) fn release_name(&self, id: u64) {
        let mut names = self.names.borrow_mut();
        if let Some((_, holders)) = names.get_mut(&id) {
            *holders -= 1;
            if *holders == 0 {
                names.remove(&id);
            }
        }
    }

    /// Marks task `id` to be cancelled at its next step.
    pub(crate) fn request_cancel(&self, id: u64) {
        self.cancelled.borrow_mut().insert(id);
    }

    /// Whether task `id` is to be cancelled now (and forgets the request).
    pub(crate) fn take_cancel(&self, id: u64) -> bool {
        let mut cancelled = self.cancelled.borrow_mut();
        !cancelled.is_empty() && cancelled.remove(&id)
    }

    /// Queues `callback` for the end of task `id`.
    pub(crate) fn add_done_callback(&self, id: u64, callback: DoneCallback) {
        self.done_callbacks.borrow_mut().entry(id).or_default().push(callback);
    }

    /// Forgets task `id`'s done callbacks unrun (its handle cancelled it).
    pub(crate) fn drop_done_callbacks(&self, id: u64) {
        let callbacks = self.done_callbacks.borrow_mut().remove(&id);
        drop(callbacks); // outside the borrow
    }

    /// Task `id` ended: forgets a pending cancel and hands back its done
    /// callbacks for the caller to run.
    pub(crate) fn finish(&self, id: u64) -> Vec<DoneCallback> {
        self.take_cancel(id);
        let mut all = self.done_callbacks.borrow_mut();
        if all.is_empty() { Vec::new() } else { all.remove(&id).unwrap_or_default() }
    }

    /// Every done callback still waiting (a closing loop drops them).
    pub(crate) fn drain_done_callbacks(&self) -> HashMap<u64, Vec<DoneCallback>> {
        std::mem::take(&mut *self.done_callbacks.borrow_mut())
    }
}
