//! A coroutine stack overflow stops the process with a message that says so.
//!
//! Every coroutine stack has a guard page below it (see `crate::stack`). A
//! function that recurses too deep touches it, and the kernel sends the
//! thread `SIGSEGV`. Without help the process would die with a bare
//! "Segmentation fault": Rust's own handler only knows the guard pages of
//! thread stacks, not ours. This module installs a handler that recognises
//! our guard pages and says, before the process dies:
//!
//! ```text
//! corolab: coroutine stack overflow (stack of 64 KiB); give the generator or greenlet a bigger stack (greenlet::Builder::stack_size, Generator::with_options; the default is 256 KiB)
//! ```
//!
//! # How it tells a coroutine overflow from other faults
//!
//! [`register`] puts the address of each stack's guard page, with the
//! stack's size, in `GUARDS`, a fixed-size open-addressing hash table of
//! atomics that the handler can read without locks or allocation (a signal
//! handler may do neither). The handler rounds the faulting address
//! (`si_addr`) down to its page and looks it up:
//!
//! - found: it is an access to one of our guard pages, which in practice
//!   means an overflow (Rust's stack probes touch every page of a big frame
//!   in order, so a frame cannot jump over the guard page into another
//!   mapping). It writes the message with `write(2)`, the one output call
//!   that is async-signal-safe, restores the default action and returns: the
//!   faulting instruction runs again and the process dies by `SIGSEGV`, so
//!   the exit status still says what happened.
//! - not found: not ours (a main-thread overflow, a null pointer in unsafe
//!   code). It puts back the handler that was there before (Rust's, which
//!   prints "thread '…' has overflowed its stack" for thread stacks) and
//!   returns, and the fault repeats into that handler.
//!
//! What it cannot tell: a stray pointer that happens to land in one of our
//! guard pages is reported as an overflow; a stack that was not registered
//! (the table holds [`CAPACITY`] guard pages, twice the number of stacks
//! `vm.max_map_count` allows by default; beyond that new stacks are simply
//! not registered) overflows with the plain fault.
//!
//! # Where the handler runs
//!
//! The overflowing stack has no room left, so the handler must run on an
//! alternate signal stack (`SA_ONSTACK`). The Rust runtime already gives the
//! main thread and every thread it spawns one (for its own overflow
//! handler); [`install`] checks with `sigaltstack` and maps one for the
//! current thread if it has none.
//!
//! All of corolab's `unsafe` signal code lives in this file.
#![allow(unsafe_code)]

use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Once, OnceLock};

use corosensei::stack::{DefaultStack, Stack};

/// How many guard pages the registry (`GUARDS`) can hold.
pub const CAPACITY: usize = 1 << 17;

/// A slot that was used and freed: lookups probe past it.
const TOMBSTONE: usize = 1;

/// Guard page addresses (0 = empty, [`TOMBSTONE`] = freed), and beside
/// each the usable size of its stack.
///
/// # Invariant
///
/// A slot's size is written before its address is published (`Release`),
/// so a handler that sees the address (`Acquire`) sees the size.
static GUARDS: [(AtomicUsize, AtomicUsize); CAPACITY] =
    [const { (AtomicUsize::new(0), AtomicUsize::new(0)) }; CAPACITY];

/// The page size, read once.
pub fn page_size() -> usize {
    static PAGE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    // SAFETY: sysconf has no preconditions; it only reads a constant.
    *PAGE.get_or_init(|| unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize)
}

fn guard_page(stack: &DefaultStack) -> usize {
    // corosensei's limit is the bottom of the mapping: the guard page.
    stack.limit().get()
}

fn slot_of(page: usize) -> usize {
    // Fibonacci hashing of the page number.
    ((page / 4096).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) % CAPACITY
}

/// Notes a new stack's guard page so an overflow there is reported (and
/// installs the handler on first use).
pub fn register(stack: &DefaultStack) {
    install();
    let page = guard_page(stack);
    let size = super::size_of(stack);
    let start = slot_of(page);
    for i in 0..CAPACITY {
        let (addr, len) = &GUARDS[(start + i) % CAPACITY];
        let seen = addr.load(Ordering::Relaxed);
        if seen == 0 || seen == TOMBSTONE {
            len.store(size, Ordering::Relaxed);
            if addr.compare_exchange(seen, page, Ordering::Release, Ordering::Relaxed).is_ok() {
                return;
            }
        }
    }
    // Full: this stack overflows with the plain fault (see module docs).
}

/// Forgets a stack that is about to be unmapped.
pub fn unregister(stack: &DefaultStack) {
    let page = guard_page(stack);
    let start = slot_of(page);
    for i in 0..CAPACITY {
        let (addr, _) = &GUARDS[(start + i) % CAPACITY];
        match addr.load(Ordering::Relaxed) {
            0 => return,
            seen if seen == page => {
                addr.store(TOMBSTONE, Ordering::Release);
                return;
            }
            _ => {}
        }
    }
}

/// The usable size of the stack whose guard page is `page`, if registered.
/// Async-signal-safe: atomics only.
fn lookup(page: usize) -> Option<usize> {
    let start = slot_of(page);
    for i in 0..CAPACITY {
        let (addr, len) = &GUARDS[(start + i) % CAPACITY];
        match addr.load(Ordering::Acquire) {
            0 => return None,
            seen if seen == page => return Some(len.load(Ordering::Relaxed)),
            _ => {}
        }
    }
    None
}

/// The actions that were installed before ours, for faults that are not
/// ours: `[SIGSEGV, SIGBUS]`. Set before our handler is installed, so the
/// handler always finds it set (a `OnceLock::get` is a load: fine in a
/// handler).
static PREVIOUS: OnceLock<[libc::sigaction; 2]> = OnceLock::new();

/// The page size, for the handler (which must not initialise a `OnceLock`).
static PAGE_SIZE: AtomicUsize = AtomicUsize::new(4096);

static INSTALL: Once = Once::new();

/// Installs the handler for `SIGSEGV` and `SIGBUS` (once per process) and
/// makes sure this thread has an alternate signal stack.
pub fn install() {
    ensure_altstack();
    INSTALL.call_once(|| {
        PAGE_SIZE.store(page_size(), Ordering::Relaxed);
        let signals = [libc::SIGSEGV, libc::SIGBUS];
        // SAFETY: querying the current action (null new action) only
        // writes the zeroed struct we pass.
        let previous = signals.map(|signal| unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(signal, ptr::null(), &mut old);
            old
        });
        if PREVIOUS.set(previous).is_err() {
            return;
        }
        for signal in signals {
            // SAFETY: a zeroed, then filled sigaction is the documented way
            // to install a handler; `handler` has the SA_SIGINFO signature.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = handler as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, ptr::null_mut());
            }
        }
    });
}

/// Maps an alternate signal stack for this thread if it has none.
fn ensure_altstack() {
    thread_local!(static DONE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    if DONE.with(|d| d.replace(true)) {
        return;
    }
    // SAFETY: querying with a null new stack only writes `current`.
    let has_one = unsafe {
        let mut current: libc::stack_t = std::mem::zeroed();
        libc::sigaltstack(ptr::null(), &mut current) == 0 && current.ss_flags & libc::SS_DISABLE == 0
    };
    if has_one {
        return;
    }
    let size = libc::SIGSTKSZ.max(64 * 1024);
    // SAFETY: a fresh anonymous mapping, handed to sigaltstack and never
    // unmapped (it must outlive the thread's signal handling; a thread
    // that exits leaks it, as the Rust runtime's own would not, once per
    // foreign thread).
    unsafe {
        let stack = libc::mmap(
            ptr::null_mut(),
            size,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if stack == libc::MAP_FAILED {
            return;
        }
        let alt = libc::stack_t { ss_sp: stack, ss_flags: 0, ss_size: size };
        libc::sigaltstack(&alt, ptr::null_mut());
    }
}

/// Writes `bytes` to stderr with `write(2)`, async-signal-safe.
fn write_stderr(bytes: &[u8]) {
    // SAFETY: write(2) on a valid buffer; a short write only truncates
    // the message.
    unsafe {
        libc::write(libc::STDERR_FILENO, bytes.as_ptr().cast(), bytes.len());
    }
}

/// Formats `n` in decimal into `buf` without allocating; returns the digits.
fn decimal(mut n: usize, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[at..];
        }
    }
}

/// The whole message, written in pieces (no allocation in a handler).
fn report(size: usize) {
    let mut digits = [0u8; 20];
    write_stderr(b"\ncorolab: coroutine stack overflow (stack of ");
    write_stderr(decimal(size / 1024, &mut digits));
    write_stderr(
        b" KiB); give the generator or greenlet a bigger stack \
          (greenlet::Builder::stack_size, Generator::with_options; the default is ",
    );
    write_stderr(decimal(super::DEFAULT_SIZE / 1024, &mut digits));
    write_stderr(b" KiB)\n");
}

extern "C" fn handler(signal: libc::c_int, info: *mut libc::siginfo_t, _context: *mut libc::c_void) {
    // SAFETY: the kernel hands a SA_SIGINFO handler a valid siginfo_t.
    let addr = unsafe { (*info).si_addr() } as usize;
    let page = addr & !(PAGE_SIZE.load(Ordering::Relaxed) - 1);
    let index = if signal == libc::SIGSEGV { 0 } else { 1 };
    match lookup(page) {
        Some(size) => {
            report(size);
            // SAFETY: restoring the default action with a zeroed struct
            // (SIG_DFL = 0) is async-signal-safe; returning re-runs the
            // faulting access, which now kills the process by the signal.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = libc::SIG_DFL;
                libc::sigaction(signal, &action, ptr::null_mut());
            }
        }
        None => {
            let default = {
                // SAFETY: an all-zero sigaction is SIG_DFL with no flags.
                unsafe { std::mem::zeroed::<libc::sigaction>() }
            };
            let previous = PREVIOUS.get().map_or(&default, |p| &p[index]);
            // SAFETY: sigaction is async-signal-safe and `previous` is a
            // valid action. Returning re-runs the access into it.
            unsafe {
                libc::sigaction(signal, previous, ptr::null_mut());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_guard_pages_are_found_and_forgotten() {
        let stack = DefaultStack::new(16 * 1024).unwrap();
        register(&stack);
        assert_eq!(lookup(guard_page(&stack)), Some(16 * 1024));
        assert_eq!(lookup(guard_page(&stack) + page_size()), None);
        unregister(&stack);
        assert_eq!(lookup(guard_page(&stack)), None);
    }

    #[test]
    fn decimal_formats_without_allocating() {
        let mut buf = [0u8; 20];
        assert_eq!(decimal(0, &mut buf), b"0");
        assert_eq!(decimal(256, &mut buf), b"256");
        assert_eq!(decimal(usize::MAX, &mut buf), usize::MAX.to_string().as_bytes());
    }
}
