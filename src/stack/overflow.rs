//! Stack overflow detection for coroutine stacks (filled in below).
#![allow(unsafe_code)]

use corosensei::stack::DefaultStack;

/// Notes a new stack's guard page so an overflow there can be reported.
pub fn register(_stack: &DefaultStack) {}

/// Forgets a stack that is about to be unmapped.
pub fn unregister(_stack: &DefaultStack) {}

/// The page size, read once.
pub fn page_size() -> usize {
    static PAGE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    // SAFETY: sysconf has no preconditions; it only reads a constant.
    *PAGE.get_or_init(|| unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize)
}
