//! The slot table: who waits on each registered socket.
//!
//! A socket is registered with the [`Poller`](super::Poller) once, under a
//! key; the poller then reports readiness by that key and nothing else. The
//! slot table is the other half of the registration: key to *who waits*.
//! Every runtime keeps one, and they differ only in what a waiter is:
//!
//! - the `aio` loop parks a task's [`Waker`](std::task::Waker);
//! - the `gevent` hub parks a greenlet's wake token.
//!
//! ```text
//!   key   reader        writer
//!    0    Some(w1)      None        <- a task waits to read socket 0
//!    1    None          None        <- registered, nobody waiting
//!    2    (free)                    <- removed; the next insert reuses it
//!    3    Some(w2)      Some(w3)
//! ```
//!
//! Keys are reused after [`Slots::remove`] (a free list), so the table
//! stays as large as the most sockets open at once. [`Slots::waiting`]
//! counts the slots with at least one waiter, so a loop can tell whether a
//! readiness event could wake anyone before it blocks in the poller.
#![forbid(unsafe_code)]

/// Which half of a socket a waiter waits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Waiting until the socket is readable (or has an error).
    Read,
    /// Waiting until the socket is writable (or has an error).
    Write,
}

/// Who waits on one registered socket: at most one reader and one writer.
#[derive(Debug)]
pub struct Slot<W> {
    /// The waiter parked until the socket is readable.
    pub reader: Option<W>,
    /// The waiter parked until the socket is writable.
    pub writer: Option<W>,
}

impl<W> Default for Slot<W> {
    fn default() -> Self {
        Slot { reader: None, writer: None }
    }
}

impl<W> Slot<W> {
    fn has_waiter(&self) -> bool {
        self.reader.is_some() || self.writer.is_some()
    }

    fn place(&mut self, direction: Direction) -> &mut Option<W> {
        match direction {
            Direction::Read => &mut self.reader,
            Direction::Write => &mut self.writer,
        }
    }
}

/// The table from registration key to [`Slot`]. See the module docs.
#[derive(Debug)]
pub struct Slots<W> {
    entries: Vec<Option<Slot<W>>>,
    free: Vec<usize>,
    waiting: usize,
}

impl<W> Default for Slots<W> {
    fn default() -> Self {
        Slots::new()
    }
}

impl<W> Slots<W> {
    /// An empty table.
    pub fn new() -> Slots<W> {
        Slots { entries: Vec::new(), free: Vec::new(), waiting: 0 }
    }

    /// Adds an empty slot and returns its key (a freed key when there is one).
    pub fn insert(&mut self) -> usize {
        match self.free.pop() {
            Some(key) => {
                self.entries[key] = Some(Slot::default());
                key
            }
            None => {
                self.entries.push(Some(Slot::default()));
                self.entries.len() - 1
            }
        }
    }

    /// Removes the slot under `key` and returns it, with any waiters still in
    /// it (the caller drops or wakes them). `None` if there is no such slot.
    pub fn remove(&mut self, key: usize) -> Option<Slot<W>> {
        let slot = self.entries.get_mut(key).and_then(Option::take)?;
        self.free.push(key);
        if slot.has_waiter() {
            self.waiting -= 1;
        }
        Some(slot)
    }

    /// Whether `key` names a slot.
    pub fn contains(&self, key: usize) -> bool {
        matches!(self.entries.get(key), Some(Some(_)))
    }

    /// The waiter parked on `key` in `direction`, if any.
    pub fn waiter(&self, key: usize, direction: Direction) -> Option<&W> {
        let slot = self.entries.get(key)?.as_ref()?;
        match direction {
            Direction::Read => slot.reader.as_ref(),
            Direction::Write => slot.writer.as_ref(),
        }
    }

    /// Parks `waiter` on `key` in `direction` and returns the waiter it
    /// replaces, if any.
    ///
    /// # Errors
    ///
    /// Gives `waiter` back when `key` names no slot (the socket was removed).
    pub fn park(&mut self, key: usize, direction: Direction, waiter: W) -> Result<Option<W>, W> {
        let Some(Some(slot)) = self.entries.get_mut(key) else { return Err(waiter) };
        let had_waiter = slot.has_waiter();
        let previous = slot.place(direction).replace(waiter);
        if !had_waiter {
            self.waiting += 1;
        }
        Ok(previous)
    }

    /// The poller reported `key` ready: takes both its waiters (a waiter
    /// whose direction was not ready retries, would block, and parks again).
    pub fn take_ready(&mut self, key: usize) -> (Option<W>, Option<W>) {
        let Some(Some(slot)) = self.entries.get_mut(key) else { return (None, None) };
        if slot.has_waiter() {
            self.waiting -= 1;
        }
        (slot.reader.take(), slot.writer.take())
    }

    /// Removes every slot and returns them (a closing loop drops their
    /// waiters where they live).
    pub fn drain(&mut self) -> Vec<Slot<W>> {
        self.free.clear();
        self.waiting = 0;
        self.entries.drain(..).flatten().collect()
    }

    /// How many slots have at least one waiter.
    pub fn waiting(&self) -> usize {
        self.waiting
    }

    /// How many slots there are (registered sockets).
    pub fn len(&self) -> usize {
        self.entries.len() - self.free.len()
    }

    /// Whether there are no slots.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_keys_are_reused() {
        let mut slots: Slots<u32> = Slots::new();
        let a = slots.insert();
        let b = slots.insert();
        assert_ne!(a, b);
        assert!(slots.remove(a).is_some());
        assert!(!slots.contains(a));
        assert_eq!(slots.insert(), a);
        assert_eq!(slots.len(), 2);
        assert!(slots.remove(99).is_none());
    }

    #[test]
    fn park_replaces_and_counts_slots_with_a_waiter() {
        let mut slots = Slots::new();
        let key = slots.insert();
        assert_eq!(slots.park(key, Direction::Read, 1), Ok(None));
        assert_eq!(slots.park(key, Direction::Write, 2), Ok(None));
        assert_eq!(slots.waiting(), 1, "one slot, two waiters");
        assert_eq!(slots.park(key, Direction::Read, 3), Ok(Some(1)));
        assert_eq!(slots.waiter(key, Direction::Read), Some(&3));
        assert_eq!(slots.park(key + 1, Direction::Read, 4), Err(4), "no such slot");
    }

    #[test]
    fn take_ready_empties_both_directions() {
        let mut slots = Slots::new();
        let key = slots.insert();
        slots.park(key, Direction::Read, 'r').unwrap();
        slots.park(key, Direction::Write, 'w').unwrap();
        assert_eq!(slots.take_ready(key), (Some('r'), Some('w')));
        assert_eq!(slots.waiting(), 0);
        assert_eq!(slots.take_ready(key), (None, None));
        assert!(slots.contains(key), "ready does not unregister");
    }

    #[test]
    fn remove_and_drain_hand_back_waiters() {
        let mut slots = Slots::new();
        let a = slots.insert();
        let b = slots.insert();
        slots.park(a, Direction::Read, "a").unwrap();
        slots.park(b, Direction::Write, "b").unwrap();
        assert_eq!(slots.remove(a).and_then(|s| s.reader), Some("a"));
        assert_eq!(slots.waiting(), 1);
        let rest = slots.drain();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].writer, Some("b"));
        assert!(slots.is_empty());
        assert_eq!(slots.waiting(), 0);
    }
}
