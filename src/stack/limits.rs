//! The stack budget: how many live coroutine stacks fit under the kernel's
//! `vm.max_map_count`, and a counter that refuses one more.
//!
//! A guarded stack is two memory mappings (the stack, and the guard page
//! below it that turns an overflow into a clean fault). Linux caps the
//! mappings of one process at `vm.max_map_count`, 65530 by default, so the
//! cap on live stackful coroutines is a little under 32,000, whatever the
//! RAM. Worse, when the cap is reached *every* `mmap` fails, the memory
//! allocator's included: a runtime that only notices when a stack cannot be
//! mapped is already in a process where `malloc` fails, and its panic
//! message may itself fail to allocate. (may does exactly that: it panics,
//! and the panic's backtrace cannot be printed.)
//!
//! So this module refuses *before* the wall: [`StackBudget::acquire`] counts
//! live stacks and fails with [`StackLimit`] when one more would leave fewer
//! than [`RESERVED_MAPPINGS`] mappings for the rest of the process. The
//! error names the limit and how to raise it. Go sidesteps the wall by
//! growing small stacks on demand (one mapping holds many goroutines), and
//! async tasks by having no stack at all: a task is a few hundred bytes in
//! one heap allocation.
//!
//! Every stackful runtime keeps a budget here (gevent's hub and its may
//! variant each a `static` [`StackBudget`]), and the thread backends use
//! [`thread_limit`] to stop short of the same wall; `gevent::limits` is
//! this module, re-exported where gevent's users look for it.
#![forbid(unsafe_code)]

use std::fmt;
use std::io;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Mappings left for everything that is not a coroutine stack: the
/// allocator's arenas, thread stacks, libraries, stacks cached for reuse.
pub const RESERVED_MAPPINGS: usize = 8192;

/// Mappings one guarded stack costs: the stack and its guard page.
pub const MAPPINGS_PER_STACK: usize = 2;

/// The kernel's `vm.max_map_count` (read with [`super::max_map_count`])
/// once, for the budget: 65530, the kernel's default, if unreadable.
pub fn max_map_count() -> usize {
    static MAX: OnceLock<usize> = OnceLock::new();
    *MAX.get_or_init(|| super::max_map_count().map_or(65530, |n| n as usize))
}

/// How many live stacks fit under `max_map_count` with the reserve kept.
pub fn stack_limit(max_map_count: usize) -> usize {
    max_map_count.saturating_sub(RESERVED_MAPPINGS) / MAPPINGS_PER_STACK
}

/// How many OS threads fit under `max_map_count`: a thread costs about
/// four mappings (its stack and guard page, and the signal stack std gives
/// it, with its own guard), and std *aborts* the process when a new
/// thread cannot map its signal stack, so thread-per-task code must stop
/// short of this itself.
pub fn thread_limit() -> usize {
    stack_limit(max_map_count()) / 2
}

/// The error of a spawn that would cross the mapping cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StackLimit {
    /// Live stacks when the spawn was refused.
    pub live: usize,
    /// The kernel's `vm.max_map_count`.
    pub max_map_count: usize,
}

impl fmt::Display for StackLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let raise = super::raise_command(self.max_map_count as u64, 0);
        write!(
            f,
            "cannot spawn: {} coroutine stacks are live, each costs {MAPPINGS_PER_STACK} memory mappings, \
             and vm.max_map_count ({}) caps this process's mappings; raise it with \
             `{raise}`, or keep fewer coroutines alive at once",
            self.live, self.max_map_count
        )
    }
}

impl std::error::Error for StackLimit {}

impl From<StackLimit> for io::Error {
    fn from(e: StackLimit) -> io::Error {
        io::Error::new(io::ErrorKind::OutOfMemory, e)
    }
}

/// Counts live stacks against the limit. One per runtime, as a `static`.
#[derive(Debug)]
pub struct StackBudget {
    live: AtomicUsize,
}

impl StackBudget {
    /// An empty budget.
    pub const fn new() -> StackBudget {
        StackBudget { live: AtomicUsize::new(0) }
    }

    /// Takes one stack from the budget, or says why not. The stack is given
    /// back when the [`StackPermit`] drops.
    pub fn acquire(&'static self) -> Result<StackPermit, StackLimit> {
        let max_map_count = max_map_count();
        let limit = stack_limit(max_map_count);
        let taken = self.live.fetch_add(1, Ordering::Relaxed);
        if taken >= limit {
            self.live.fetch_sub(1, Ordering::Relaxed);
            return Err(StackLimit { live: taken, max_map_count });
        }
        Ok(StackPermit { budget: self })
    }

    /// Stacks live now.
    pub fn live(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }
}

impl Default for StackBudget {
    fn default() -> Self {
        StackBudget::new()
    }
}

/// One live stack's share of a [`StackBudget`]; gives it back on drop.
#[derive(Debug)]
pub struct StackPermit {
    budget: &'static StackBudget,
}

impl Drop for StackPermit {
    fn drop(&mut self) {
        self.budget.live.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_cap_allows_under_32000_stacks() {
        let limit = stack_limit(65530);
        assert!(limit > 25_000 && limit < 32_765, "{limit}");
    }

    #[test]
    fn the_budget_refuses_past_the_limit_and_recovers_on_release() {
        static BUDGET: StackBudget = StackBudget::new();
        let limit = stack_limit(max_map_count());
        let permits: Vec<_> = (0..limit).map(|_| BUDGET.acquire().unwrap()).collect();
        let err = BUDGET.acquire().unwrap_err();
        assert_eq!(err.live, limit);
        assert!(err.to_string().contains("vm.max_map_count"));
        drop(permits);
        assert!(BUDGET.acquire().is_ok());
    }
}
