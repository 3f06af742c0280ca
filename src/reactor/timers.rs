//! [`Timers`]: a heap of deadlines with O(1) cancel.
//!
//! ```text
//!   heap (min by deadline, then seq)        slab (values by slot)
//!   ┌──────────────────────────────┐        ┌────┬──────────────────┐
//!   │ (t=5, seq=0, slot 2, gen 0)  │ ─────▶ │ 2  │ gen 0: Some(v)   │
//!   │ (t=5, seq=3, slot 0, gen 1)  │ ─────▶ │ 0  │ gen 1: Some(w)   │
//!   │ (t=9, seq=1, slot 1, gen 0)  │ ─╳───▶ │ 1  │ gen 1: free      │  cancelled:
//!   └──────────────────────────────┘        └────┴──────────────────┘  skipped later
//! ```
//!
//! Deadlines are kept as nanoseconds since the `Timers` was made (a `u64`,
//! good for 584 years), which keeps a heap entry at 24 bytes: a million
//! sleeping tasks cost 24 MB of heap, not 32.
//!
//! A [`TimerId`] names a slab slot and its generation. [`Timers::cancel`]
//! takes the value out of the slot and bumps the generation; the heap entry
//! stays until it reaches the top, where a generation mismatch marks it dead
//! (lazy deletion). When dead entries outnumber live ones the heap is
//! rebuilt from the live ones, so cancelling many timers (a timeout per
//! request) costs memory only for a while.
#![forbid(unsafe_code)]

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

/// Names one inserted timer, for [`Timers::cancel`]. Stale ids (of timers
/// that fired or were cancelled) are harmless: they name nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimerId {
    slot: u32,
    generation: u32,
}

/// A heap entry. Ordered by deadline, then by insertion sequence, so equal
/// deadlines fire first-in first-out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    /// Nanoseconds after `Timers::epoch`.
    deadline: u64,
    seq: u64,
    slot: u32,
    generation: u32,
}

#[derive(Debug)]
struct Slot<T> {
    generation: u32,
    value: Option<T>,
}

/// Values that become due at deadlines.
#[derive(Debug)]
pub struct Timers<T> {
    epoch: Instant,
    heap: BinaryHeap<Reverse<Entry>>,
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    live: usize,
    seq: u64,
}

impl<T> Default for Timers<T> {
    fn default() -> Self {
        Timers::new()
    }
}

impl<T> Timers<T> {
    /// No timers.
    pub fn new() -> Timers<T> {
        Timers {
            epoch: Instant::now(),
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
            seq: 0,
        }
    }

    /// How many timers are pending (inserted, not yet popped or cancelled).
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no timer is pending.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Adds `value`, due at `deadline`.
    ///
    /// # Panics
    ///
    /// If more than `u32::MAX` timers are pending at once.
    pub fn insert(&mut self, deadline: Instant, value: T) -> TimerId {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                let slot = u32::try_from(self.slots.len()).expect("at most u32::MAX pending timers");
                self.slots.push(Slot { generation: 0, value: None });
                slot
            }
        };
        let s = &mut self.slots[slot as usize];
        s.value = Some(value);
        let generation = s.generation;
        let deadline = self.nanos(deadline);
        self.heap.push(Reverse(Entry { deadline, seq: self.seq, slot, generation }));
        self.seq += 1;
        self.live += 1;
        TimerId { slot, generation }
    }

    /// Removes a pending timer and returns its value; `None` if it already
    /// fired or was cancelled.
    pub fn cancel(&mut self, id: TimerId) -> Option<T> {
        let value = self.take(id.slot, id.generation)?;
        self.compact_if_sparse();
        Some(value)
    }

    /// The value of a pending timer, to update it in place (a task that
    /// re-polls its sleep with a new waker).
    pub fn get_mut(&mut self, id: TimerId) -> Option<&mut T> {
        let s = self.slots.get_mut(id.slot as usize)?;
        if s.generation == id.generation { s.value.as_mut() } else { None }
    }

    /// The earliest pending deadline.
    pub fn next_deadline(&mut self) -> Option<Instant> {
        self.skip_dead();
        self.heap.peek().map(|Reverse(e)| self.epoch + Duration::from_nanos(e.deadline))
    }

    /// Removes the earliest timer if it is due at `now` (deadline `<= now`)
    /// and returns its value.
    pub fn pop_due(&mut self, now: Instant) -> Option<T> {
        self.skip_dead();
        let Reverse(top) = *self.heap.peek()?;
        if top.deadline > self.nanos(now) {
            return None;
        }
        self.heap.pop();
        self.take(top.slot, top.generation)
    }

    /// Moves every timer due at `now` into `out`, in firing order, and
    /// returns how many it moved.
    pub fn drain_due(&mut self, now: Instant, out: &mut Vec<T>) -> usize {
        let before = out.len();
        while let Some(value) = self.pop_due(now) {
            out.push(value);
        }
        out.len() - before
    }

    /// `at` as nanoseconds after the epoch (instants before it count as 0).
    fn nanos(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX)
    }

    /// Empties the slot if `generation` still matches, freeing it for reuse.
    fn take(&mut self, slot: u32, generation: u32) -> Option<T> {
        let s = self.slots.get_mut(slot as usize)?;
        if s.generation != generation {
            return None;
        }
        let value = s.value.take()?;
        s.generation = s.generation.wrapping_add(1);
        self.free.push(slot);
        self.live -= 1;
        Some(value)
    }

    /// Pops heap entries whose timers were cancelled.
    fn skip_dead(&mut self) {
        while let Some(Reverse(top)) = self.heap.peek() {
            if self.slots[top.slot as usize].generation == top.generation {
                break;
            }
            self.heap.pop();
        }
    }

    /// Rebuilds the heap from live entries when dead ones dominate.
    fn compact_if_sparse(&mut self) {
        if self.heap.len() > 64 && self.heap.len() > 2 * self.live {
            let slots = &self.slots;
            self.heap.retain(|Reverse(e)| slots[e.slot as usize].generation == e.generation);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(base: Instant, ms: u64) -> Instant {
        base + Duration::from_millis(ms)
    }

    #[test]
    fn pops_in_deadline_order_regardless_of_insertion_order() {
        let base = Instant::now();
        let mut timers = Timers::new();
        for ms in [30, 10, 50, 20, 40] {
            timers.insert(at(base, ms), ms);
        }
        let mut fired = Vec::new();
        assert_eq!(timers.drain_due(at(base, 100), &mut fired), 5);
        assert_eq!(fired, [10, 20, 30, 40, 50]);
        assert!(timers.is_empty());
    }

    #[test]
    fn equal_deadlines_fire_first_in_first_out() {
        let base = Instant::now();
        let mut timers = Timers::new();
        for name in ["a", "b", "c", "d"] {
            timers.insert(at(base, 5), name);
        }
        let mut fired = Vec::new();
        timers.drain_due(at(base, 5), &mut fired);
        assert_eq!(fired, ["a", "b", "c", "d"]);
    }

    #[test]
    fn only_due_timers_pop() {
        let base = Instant::now();
        let mut timers = Timers::new();
        timers.insert(at(base, 10), "soon");
        timers.insert(at(base, 20), "later");
        assert_eq!(timers.pop_due(at(base, 9)), None);
        assert_eq!(timers.pop_due(at(base, 10)), Some("soon"));
        assert_eq!(timers.pop_due(at(base, 15)), None);
        assert_eq!(timers.next_deadline(), Some(at(base, 20)));
        assert_eq!(timers.len(), 1);
    }

    #[test]
    fn cancelled_timers_never_fire_and_do_not_hold_the_next_deadline() {
        let base = Instant::now();
        let mut timers = Timers::new();
        let first = timers.insert(at(base, 1), "first");
        timers.insert(at(base, 2), "second");
        assert_eq!(timers.cancel(first), Some("first"));
        assert_eq!(timers.cancel(first), None, "a second cancel names nothing");
        assert_eq!(timers.next_deadline(), Some(at(base, 2)));
        let mut fired = Vec::new();
        timers.drain_due(at(base, 10), &mut fired);
        assert_eq!(fired, ["second"]);
        assert_eq!(timers.next_deadline(), None);
    }

    #[test]
    fn a_stale_id_does_not_cancel_the_timer_that_reused_its_slot() {
        let base = Instant::now();
        let mut timers = Timers::new();
        let old = timers.insert(at(base, 1), "old");
        assert_eq!(timers.pop_due(at(base, 1)), Some("old"));
        let new = timers.insert(at(base, 2), "new");
        assert_eq!(timers.cancel(old), None);
        assert_eq!(timers.get_mut(old), None);
        assert_eq!(timers.get_mut(new), Some(&mut "new"));
        assert_eq!(timers.pop_due(at(base, 2)), Some("new"));
    }

    #[test]
    fn get_mut_updates_a_pending_value() {
        let base = Instant::now();
        let mut timers = Timers::new();
        let id = timers.insert(at(base, 1), 1);
        *timers.get_mut(id).unwrap() = 2;
        assert_eq!(timers.pop_due(at(base, 1)), Some(2));
    }

    #[test]
    fn cancelling_many_timers_keeps_the_heap_small() {
        let base = Instant::now();
        let mut timers = Timers::new();
        let keep = timers.insert(at(base, 1_000_000), "keep");
        for i in 0..10_000 {
            let id = timers.insert(at(base, i), "temp");
            timers.cancel(id);
        }
        assert_eq!(timers.len(), 1);
        assert!(timers.heap.len() <= 130, "heap kept {} dead entries", timers.heap.len());
        assert!(timers.slots.len() <= 2, "slots are reused");
        assert_eq!(timers.cancel(keep), Some("keep"));
    }
}
