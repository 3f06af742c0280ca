//! A global allocator that counts allocations and forwards every call to
//! the system allocator, so a bench can say how many allocations one task
//! costs. The counter is one relaxed atomic add per allocation.
//!
//! The unsafe here is the `GlobalAlloc` contract itself; each method hands
//! its arguments to `System` unchanged, which upholds it.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

/// Allocations so far (`alloc`, `alloc_zeroed`, and `realloc`, which may
/// move the block).
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

/// The system allocator, counted.
#[derive(Debug)]
pub struct Counting;

/// Allocations made by this process so far.
pub fn allocations() -> u64 {
    ALLOCATIONS.load(Ordering::Relaxed)
}

// SAFETY: every method forwards to `System` with the caller's arguments,
// so the pointers and layouts keep the contract the caller gave us.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's `layout` has non-zero size (GlobalAlloc's contract).
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through us, with this `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: `ptr` came from `System` through us, with this `layout`;
        // `new_size` is the caller's, non-zero by the contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
