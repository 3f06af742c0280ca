//! Coroutine stacks: a small per-thread pool, and a clear error when the
//! kernel refuses to map another one.
//!
//! Every generator and greenlet runs on its own stack, a
//! [`corosensei::stack::DefaultStack`]: one `mmap` of the requested size plus
//! one `PROT_NONE` guard page below it, so an overflow faults instead of
//! scribbling on a neighbour.
//!
//! ```text
//!   high addresses
//!   ┌──────────────────────┐ ◄── base: the coroutine's first frame
//!   │  usable stack        │     (grows downwards)
//!   │  (size bytes, RW)    │
//!   ├──────────────────────┤ ◄── limit
//!   │  guard page (NONE)   │     touching it: SIGSEGV (see `overflow`)
//!   └──────────────────────┘
//!   low addresses
//! ```
//!
//! # Why a pool
//!
//! Mapping a stack costs two system calls (`mmap`, `mprotect`) and unmapping
//! it a third, a few microseconds together: more than a hundred switches.
//! A server that starts a greenlet per request would pay that each time. So a
//! finished coroutine hands its stack back ([`give`], fed by
//! `Coroutine::into_stack`) and the next coroutine of the same size takes it
//! ([`take`]). The pool is per thread (coroutines are bound to their thread
//! anyway, so no lock) and keeps at most [`POOL_CAP`] stacks of each size;
//! extra stacks are unmapped.
//!
//! # Default sizes
//!
//! [`DEFAULT_SIZE`] is 256 KiB for generators and greenlets. The memory is
//! reserved, not committed: the kernel backs a page only when it is first
//! touched, so a coroutine that uses 8 KiB costs 8 KiB of RAM whatever its
//! size. 256 KiB leaves room for what ordinary Rust code does on a stack
//! (formatting, `println!`, a panic with its message, a few thousand
//! recursive calls of a small function), while 32,000 live coroutines still
//! fit in 8 GiB of address space. Python's own greenlets copy their stack
//! slices to the heap instead, so they have no fixed size; here the size is a
//! choice ([`crate::greenlet::Builder::stack_size`]) and an overflow stops
//! the process with a message that says which choice to change.
//!
//! # Running out of mappings
//!
//! Each stack is two kernel mappings (the usable part and the guard page).
//! Linux caps a process at `vm.max_map_count` mappings (65,530 by default),
//! so near 32,000 live coroutines `mmap` fails with `ENOMEM`. [`take`] turns
//! that into a [`StackError`] whose message names the limit, its current
//! value and the command that raises it, rather than a panic. `ENOMEM` also
//! means plain lack of memory or address space (`ulimit -v`), so the error
//! counts the process's mappings and names the limit only when they are
//! near it.
#![deny(unsafe_code)] // `forbid` would reach into `overflow`, the one child that needs unsafe.

pub mod limits;
pub mod overflow;

use std::cell::RefCell;
use std::fmt;
use std::io;

use corosensei::stack::{DefaultStack, Stack};

/// The stack size generators and greenlets get unless told otherwise.
pub const DEFAULT_SIZE: usize = 256 * 1024;

/// How many idle stacks of one size a thread keeps for reuse.
pub const POOL_CAP: usize = 64;

/// Mapping a new coroutine stack failed.
#[derive(Debug)]
pub struct StackError {
    /// The usable size that was asked for, in bytes.
    pub size: usize,
    /// What `mmap`/`mprotect` said.
    pub source: io::Error,
    /// `vm.max_map_count` as read from `/proc/sys/vm/max_map_count` when the
    /// error happened, if it could be read.
    pub max_map_count: Option<u64>,
    /// How many mappings the process had then (lines of `/proc/self/maps`).
    pub mappings: Option<u64>,
}

impl fmt::Display for StackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not map a {} KiB coroutine stack: {}", self.size / 1024, self.source)?;
        if self.source.raw_os_error() != Some(libc::ENOMEM) {
            return Ok(());
        }
        let limit = self.max_map_count.map_or_else(|| "unknown".to_string(), |n| n.to_string());
        let count = self.mappings.map_or_else(|| "unknown".to_string(), |n| n.to_string());
        let near_limit = match (self.mappings, self.max_map_count) {
            (Some(used), Some(max)) => used + 16 >= max,
            _ => true,
        };
        if near_limit {
            let raise = raise_command(self.max_map_count.unwrap_or(65530), self.mappings.unwrap_or(0));
            write!(
                f,
                "; the process has {count} memory mappings and vm.max_map_count is {limit} \
                 (each coroutine stack takes 2: too many live coroutines?); \
                 raise it with `{raise}`"
            )
        } else {
            write!(
                f,
                "; the process has {count} memory mappings, below vm.max_map_count ({limit}), \
                 so it is out of memory or address space (check `ulimit -v`); \
                 smaller stacks (greenlet::Builder::stack_size) would help"
            )
        }
    }
}

impl std::error::Error for StackError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// The command that raises `vm.max_map_count` enough for `mappings` memory
/// mappings: a value at least twice `current` (so the advice is never the
/// limit that just failed), with a quarter more than asked for, rounded up
/// to a power of two, and never below 262,144.
///
/// ```
/// use corolab::stack::raise_command;
/// assert_eq!(raise_command(65530, 70_000), "sudo sysctl -w vm.max_map_count=262144");
/// assert_eq!(raise_command(262144, 300_000), "sudo sysctl -w vm.max_map_count=524288");
/// ```
pub fn raise_command(current: u64, mappings: u64) -> String {
    let wanted = (mappings + mappings / 4).max(current.saturating_mul(2)).max(262_144);
    format!("sudo sysctl -w vm.max_map_count={}", wanted.next_power_of_two())
}

/// Counts this process's memory mappings.
pub fn mappings() -> Option<u64> {
    Some(std::fs::read_to_string("/proc/self/maps").ok()?.lines().count() as u64)
}

/// Reads `vm.max_map_count`, the per-process cap on memory mappings.
pub fn max_map_count() -> Option<u64> {
    std::fs::read_to_string("/proc/sys/vm/max_map_count").ok()?.trim().parse().ok()
}

thread_local! {
    /// Idle stacks of this thread, as (usable size, stack). A thread-local
    /// because stacks are handed out to coroutines bound to this thread.
    static POOL: RefCell<Pool> = const { RefCell::new(Pool(Vec::new())) };
}

/// Idle stacks as (usable size, stack); unregistered when the thread exits.
struct Pool(Vec<(usize, DefaultStack)>);

impl Drop for Pool {
    fn drop(&mut self) {
        for (_, stack) in self.0.drain(..) {
            release(stack);
        }
    }
}

/// The usable size of a stack. corosensei's `limit` is the bottom of the
/// whole mapping, guard page included.
pub fn size_of(stack: &DefaultStack) -> usize {
    stack.base().get() - stack.limit().get() - overflow::page_size()
}

fn rounded(size: usize) -> usize {
    let page = overflow::page_size();
    size.max(corosensei::stack::MIN_STACK_SIZE).div_ceil(page) * page
}

/// A stack of at least `size` usable bytes: a pooled one if this thread has
/// one of that size, else a fresh mapping.
///
/// # Errors
///
/// [`StackError`] when the kernel refuses the mapping (see the module docs).
pub fn take(size: usize) -> Result<DefaultStack, StackError> {
    let size = rounded(size);
    let pooled = POOL
        .try_with(|pool| {
            let mut pool = pool.borrow_mut();
            let at = pool.0.iter().rposition(|(s, _)| *s == size)?;
            Some(pool.0.swap_remove(at).1)
        })
        .ok()
        .flatten();
    if let Some(stack) = pooled {
        return Ok(stack);
    }
    let stack = DefaultStack::new(size).map_err(|source| StackError {
        size,
        source,
        max_map_count: max_map_count(),
        mappings: mappings(),
    })?;
    overflow::register(&stack);
    Ok(stack)
}

/// Returns a stack whose coroutine has finished, for reuse on this thread.
pub fn give(stack: DefaultStack) {
    let size = size_of(&stack);
    let rest = POOL.try_with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.0.iter().filter(|(s, _)| *s == size).count() < POOL_CAP {
            pool.0.push((size, stack));
            None
        } else {
            Some(stack)
        }
    });
    // Either the pool is full or the thread is exiting: unmap it.
    if let Ok(Some(stack)) = rest {
        release(stack);
    }
}

/// Unmaps a stack for good.
fn release(stack: DefaultStack) {
    overflow::unregister(&stack);
    drop(stack);
}

/// How many idle stacks this thread's pool holds (for tests and the CLI).
pub fn pooled() -> usize {
    POOL.try_with(|pool| pool.borrow().0.len()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_stack_is_taken_again() {
        let stack = take(64 * 1024).unwrap();
        let base = stack.base().get();
        give(stack);
        let again = take(64 * 1024).unwrap();
        assert_eq!(again.base().get(), base);
        give(again);
    }

    #[test]
    fn sizes_are_rounded_to_pages() {
        let stack = take(5000).unwrap();
        assert_eq!(size_of(&stack), 8192);
        give(stack);
    }

    #[test]
    fn enomem_message_names_max_map_count_and_the_fix() {
        let err = StackError {
            size: 256 * 1024,
            source: io::Error::from_raw_os_error(libc::ENOMEM),
            max_map_count: Some(65530),
            mappings: Some(65530),
        };
        let text = err.to_string();
        assert!(text.contains("256 KiB"), "{text}");
        assert!(text.contains("vm.max_map_count is 65530"), "{text}");
        assert!(text.contains("sysctl -w vm.max_map_count="), "{text}");
    }

    #[test]
    fn enomem_far_from_the_map_limit_blames_memory_instead() {
        let err = StackError {
            size: 1024 * 1024,
            source: io::Error::from_raw_os_error(libc::ENOMEM),
            max_map_count: Some(65530),
            mappings: Some(300),
        };
        let text = err.to_string();
        assert!(text.contains("out of memory or address space"), "{text}");
        assert!(!text.contains("sysctl"), "{text}");
    }
}
