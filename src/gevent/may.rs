//! gevent's API on `may`: stackful coroutines scheduled M:N on worker threads.
//!
//! [`may`](https://docs.rs/may) runs coroutines with their own stacks, like
//! greenlets, but on several worker threads at once (all cores by default),
//! with work stealing between them and its own epoll reactor and timer
//! wheel. Its sockets and sleep park the coroutine instead of the thread,
//! exactly what gevent's monkey patching arranges in Python, so the same
//! gevent-style program runs here unchanged but on every core:
//!
//! ```
//! use corolab::gevent::may as gevent;
//! use std::time::Duration;
//!
//! let handles: Vec<_> = (0..3u64)
//!     .map(|i| gevent::spawn(move || { gevent::sleep(Duration::from_millis(10 * i)); i * i }))
//!     .collect();
//! assert!(gevent::joinall(&handles, Some(Duration::from_secs(5))));
//! let values: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
//! assert_eq!(values, [0, 1, 4]);
//! ```
//!
//! | gevent | here |
//! | --- | --- |
//! | `gevent.spawn(f)` | [`spawn`] / [`try_spawn`] → [`JoinHandle`] |
//! | `g.join(); g.value` | [`JoinHandle::join`] → `Result<T, JoinError>` |
//! | `gevent.joinall(gs, timeout)` | [`joinall`] |
//! | `gevent.sleep(d)`, `sleep(0)` | [`sleep`] (`Duration::ZERO` yields), [`sleep_until`] |
//! | `gevent.socket` | [`net::TcpListener`], [`net::TcpStream`] (std::net's API) |
//! | `gevent.queue.Queue` | [`channel`] (unbounded, many senders, one receiver) |
//!
//! # What the caller gives up
//!
//! `may::coroutine::spawn` is `unsafe`, because a coroutine that moves between
//! threads and lives on a small fixed stack breaks promises Rust's type
//! system cannot check. [`try_spawn`] is the one place this crate calls it,
//! and the `// SAFETY:` note there lists the rules every closure passed to
//! [`spawn`] must follow. In short: no thread-locals held across a yield, no
//! deep recursion or large stack buffers (the stack is [`STACK_SIZE`] bytes),
//! and no thread-blocking calls (`std::thread::sleep`, `std::net`, blocking
//! locks held while waiting): use this module's versions instead.
//!
//! # The worker count
//!
//! may reads its configuration once, when its scheduler starts (at the first
//! spawn). [`configure`] sets the number of workers before that; afterwards
//! it can only confirm the count already running. Workers are not pinned to
//! cores (may's default is to pin): on a machine shared with other work,
//! pinning makes a busy core a bottleneck.
//!
//! # What is missing
//!
//! `kill`: may can cancel a coroutine (an `unsafe` call that unwinds it at
//! its next yield), but it fires at any may call, including inside library
//! code that does not expect it; this module does not offer it. The hub in
//! [`crate::gevent`] does.

use std::any::Any;
use std::fmt;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::panic_message;
use crate::stack::limits::{self, StackBudget, StackPermit};
use may::sync::SyncFlag;

/// The stack size of every coroutine spawned here, in bytes: 64 KiB, twice
/// may's default, so a panic message and an echo loop's buffers fit with
/// room to spare. Only the pages a coroutine touches become resident.
pub const STACK_SIZE: usize = 64 * 1024;

/// The sockets: may's, with `std::net`'s API, parking the coroutine (not the
/// thread) while a call would block.
pub mod net {
    pub use may::net::{TcpListener, TcpStream};
}

/// An unbounded channel that parks a coroutine (not its thread) in `recv`.
pub use may::sync::mpsc::{Receiver, Sender, channel};

/// The worker count may started with; 0 until it starts.
static WORKERS: AtomicUsize = AtomicUsize::new(0);
static START: Mutex<()> = Mutex::new(());

/// Why [`configure`] could not apply a setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigureError {
    /// may's scheduler had already started with this many workers; it reads
    /// its configuration only once per process.
    AlreadyStarted {
        /// The workers it runs.
        workers: usize,
    },
}

impl fmt::Display for ConfigureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigureError::AlreadyStarted { workers } => write!(
                f,
                "may already runs {workers} worker(s); its worker count is fixed for the life of the process"
            ),
        }
    }
}

impl std::error::Error for ConfigureError {}

/// Fixes may's worker count (`None`: one per core) and returns the count it
/// runs. Call it before the first spawn; afterwards it returns the running
/// count if `workers` matches it (or is `None`), and an error otherwise.
pub fn configure(workers: Option<usize>) -> Result<usize, ConfigureError> {
    let _one_at_a_time = START.lock().unwrap_or_else(|p| p.into_inner());
    let running = WORKERS.load(Ordering::Acquire);
    if running != 0 {
        return match workers {
            Some(w) if w != running => Err(ConfigureError::AlreadyStarted { workers: running }),
            _ => Ok(running),
        };
    }
    let workers = workers
        .filter(|&w| w > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let config = may::config();
    config.set_workers(workers).set_stack_size(STACK_SIZE / size_of::<usize>());
    config.set_worker_pin(false);
    WORKERS.store(workers, Ordering::Release);
    Ok(workers)
}

/// The number of workers may runs (starting it with the default if needed).
pub fn workers() -> usize {
    configure(None).unwrap_or_else(|ConfigureError::AlreadyStarted { workers }| workers)
}

/// Why [`JoinHandle::join`] has no value: the hub's
/// [`JoinError`](crate::gevent::JoinError) without the variants may cannot
/// produce (no kill here, and may maps the stack at spawn), with the same
/// `message` and the same `Display` shape.
pub enum JoinError {
    /// The coroutine panicked; this is the panic's payload.
    Panicked(Box<dyn Any + Send>),
}

impl JoinError {
    /// The panic message, if it panicked with a string (see
    /// [`crate::panic_message`]); `None` for a payload that is not text.
    pub fn message(&self) -> Option<&str> {
        let JoinError::Panicked(payload) = self;
        panic_message::as_str(&**payload)
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Panicked").field(&self.message()).finish()
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = self.message().unwrap_or(panic_message::NON_STRING_PAYLOAD);
        write!(f, "the coroutine panicked: {message}")
    }
}

impl std::error::Error for JoinError {}

/// A spawned coroutine: join it for its value. Dropping the handle detaches
/// the coroutine, which runs on to its end.
pub struct JoinHandle<T> {
    inner: may::coroutine::JoinHandle<T>,
    done: Arc<SyncFlag>,
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("done", &self.is_done()).finish()
    }
}

impl<T> JoinHandle<T> {
    /// Whether the coroutine has finished (returned or panicked).
    pub fn is_done(&self) -> bool {
        self.done.is_fired()
    }

    /// Waits up to `timeout` for the coroutine to finish; returns whether it
    /// did. Parks only the calling coroutine (or the thread, outside one).
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.done.is_fired() || self.done.wait_timeout(timeout)
    }

    /// Waits for the coroutine to finish and returns its value, or the
    /// panic that ended it.
    pub fn join(self) -> Result<T, JoinError> {
        self.inner.join().map_err(JoinError::Panicked)
    }
}

/// Fires the handle's flag however the coroutine ends, panics included,
/// and gives its stack back to the budget.
struct FireOnDrop {
    done: Arc<SyncFlag>,
    _stack: StackPermit,
}

impl Drop for FireOnDrop {
    fn drop(&mut self) {
        self.done.fire();
    }
}

/// Live may stacks, counted against `vm.max_map_count` (see
/// [`limits`]).
static BUDGET: StackBudget = StackBudget::new();

/// How many coroutines spawned here are alive.
pub fn live() -> usize {
    BUDGET.live()
}

/// Spawns `f` as a coroutine on may's workers.
///
/// # Panics
///
/// When no stack can be mapped (see [`try_spawn`], which returns the error
/// instead).
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    try_spawn(f).unwrap_or_else(|e| panic!("{e}"))
}

// ANCHOR: try_spawn
/// Spawns `f` as a coroutine, or says why it could not: may maps each stack
/// (plus a guard page) with `mmap`, and the kernel caps a process's mappings
/// at `vm.max_map_count` (65530 by default), so near 32,000 live coroutines
/// the next stack cannot be mapped. may panics there, in a process where
/// even `malloc` now fails; this refuses a little earlier, with an error
/// ([`StackLimit`](limits::StackLimit) inside an `io::Error`) that
/// names the limit and how to raise it.
pub fn try_spawn<F, T>(f: F) -> io::Result<JoinHandle<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    workers();
    let permit = BUDGET.acquire()?;
    let done = Arc::new(SyncFlag::new());
    let fire = FireOnDrop { done: done.clone(), _stack: permit };
    let body = move || {
        let _fire = fire;
        f()
    };
    let spawned = panic::catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: may asks the caller of `spawn` to accept three rules that
        // the type system cannot check; every caller of this module's
        // `spawn`/`try_spawn` accepts them (the module docs say so):
        // 1. Thread-locals: the coroutine may resume on another worker after
        //    any yield (sleep, socket wait, channel recv), so it must not
        //    keep a reference to a thread-local value across one.
        // 2. Stack size: the stack is STACK_SIZE bytes with a guard page
        //    below it; deep recursion or large stack arrays hit the guard
        //    and kill the process with SIGSEGV.
        // 3. No thread-blocking calls (std::thread::sleep, std::net, holding
        //    a std lock while waiting): they are not unsafe, but they stall
        //    the worker and every coroutine queued on it.
        // `F: Send + 'static` is enforced by the signature.
        unsafe { may::coroutine::Builder::new().spawn(body) }
    }));
    match spawned {
        Ok(Ok(inner)) => Ok(JoinHandle { inner, done }),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(io::Error::new(
            io::ErrorKind::OutOfMemory,
            format!(
                "could not map a coroutine stack: each stack costs two memory mappings and \
                 vm.max_map_count ({}) caps them (raise it with `{}`)",
                limits::max_map_count(),
                crate::stack::raise_command(limits::max_map_count() as u64, 0),
            ),
        )),
    }
}
// ANCHOR_END: try_spawn

/// Waits until every handle has finished, or until `timeout` has passed.
/// Returns whether all finished. Join the handles afterwards for their
/// values.
pub fn joinall<T>(handles: &[JoinHandle<T>], timeout: Option<Duration>) -> bool {
    let deadline = timeout.map(|t| Instant::now() + t);
    for h in handles {
        match deadline {
            None => h.done.wait(),
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if !h.wait_timeout(left) {
                    return false;
                }
            }
        }
    }
    true
}

/// Parks the calling coroutine for `duration`; `Duration::ZERO` yields to
/// the other runnable coroutines. Outside a coroutine it sleeps the thread.
pub fn sleep(duration: Duration) {
    if duration.is_zero() {
        may::coroutine::yield_now();
    } else {
        may::coroutine::sleep(duration);
    }
}

/// Parks the calling coroutine until `deadline` (a `sleep` for the time
/// left: may's timers take durations). A deadline already past yields.
pub fn sleep_until(deadline: Instant) {
    sleep(deadline.saturating_duration_since(Instant::now()));
}

/// Whether the caller runs inside a may coroutine.
pub fn in_coroutine() -> bool {
    may::coroutine::is_coroutine()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_returns_the_value() {
        assert_eq!(spawn(|| 6 * 7).join().unwrap(), 42);
    }

    #[test]
    fn a_panic_arrives_at_join() {
        let err = spawn(|| -> u8 { panic!("boom") }).join().unwrap_err();
        assert_eq!(err.message(), Some("boom"));
        assert!(err.to_string().contains("boom"));
    }

    #[test]
    fn joinall_times_out_on_a_long_sleeper() {
        let slow = spawn(|| sleep(Duration::from_secs(3)));
        assert!(!joinall(std::slice::from_ref(&slow), Some(Duration::from_millis(20))));
        assert!(!slow.is_done());
    }
}
