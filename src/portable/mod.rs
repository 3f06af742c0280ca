//! Async code written once, run on any event loop: Python's "swap asyncio's
//! loop for uvloop and the same code runs faster", in Rust.
//!
//! An `async fn` does not know which loop runs it; it only needs a few
//! things from one: start a task, sleep, and talk over sockets. [`Loop`]
//! names exactly those, and the workloads here ([`echo`], [`sleepers`])
//! are written against it once. [`Aio`] is corolab's `aio` behind the
//! trait; `benches/common/tokio_loop.rs` (in the `corolab-benches`
//! package, so the root package never builds tokio) is tokio's
//! current-thread runtime behind the same trait, and `benches/swap.rs`
//! runs both, side by side, in one table.
//!
//! ```
//! use corolab::portable::{Aio, Loop, sleepers};
//! use std::time::Duration;
//!
//! // 100 tasks each sleep 10 ms at once; all wake, none early.
//! let woke = Aio::block_on(sleepers::run::<Aio>(100, Duration::from_millis(10)));
//! assert_eq!(woke.unwrap(), 100);
//! ```
//!
//! The trait takes no `self`: a loop here is a type, and "the running loop"
//! is found the way asyncio finds it, from the thread (`aio::spawn` and
//! `tokio::task::spawn_local` both do). Its futures need not be `Send`:
//! each loop runs on one thread, so tokio's side runs its tasks on a
//! `LocalSet`.
#![forbid(unsafe_code)]

mod aio;
pub mod echo;
pub mod sleepers;

pub use self::aio::{Aio, AioTask};

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

// ANCHOR: loop_trait
/// What the workloads need from an event loop, and nothing more.
///
/// Every method is the loop's own (`aio::spawn`, `tokio::task::spawn_local`
/// …); an implementation only forwards, so a workload over `L: Loop` costs
/// what the loop costs.
pub trait Loop: 'static {
    /// What [`Loop::spawn`] returns: awaiting it gives the task's result,
    /// or an error when the task panicked or was cancelled.
    type Task<T: 'static>: Future<Output = io::Result<T>>;
    /// A socket that accepts connections.
    type Listener: 'static;
    /// A connected socket.
    type Stream: 'static;

    /// The loop's name, for tables: `aio`, `tokio`.
    const NAME: &'static str;

    /// Runs `main` on a fresh loop on this thread, until it returns.
    fn block_on<T>(main: impl Future<Output = T> + 'static) -> T;

    /// Starts `task` on the running loop; it runs whether or not anyone
    /// awaits the handle.
    fn spawn<T: 'static>(task: impl Future<Output = T> + 'static) -> Self::Task<T>;

    /// Waits `duration` without blocking the loop.
    fn sleep(duration: Duration) -> impl Future<Output = ()>;

    /// Listens on `addr` (port 0: any free port); gives the address bound.
    fn listen(addr: SocketAddr) -> impl Future<Output = io::Result<(Self::Listener, SocketAddr)>>;

    /// Waits for the next connection (`TCP_NODELAY` set on it).
    fn accept(listener: &Self::Listener) -> impl Future<Output = io::Result<Self::Stream>>;

    /// Connects to `addr` (`TCP_NODELAY` set).
    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Stream>>;

    /// Reads what is there, at most `buf.len()` bytes; 0 at end of stream.
    fn read(stream: &mut Self::Stream, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>>;

    /// Writes some of `buf`; how many bytes went.
    fn write(stream: &mut Self::Stream, buf: &[u8]) -> impl Future<Output = io::Result<usize>>;
}
// ANCHOR_END: loop_trait

// ANCHOR: write_all
/// Writes all of `buf`, written once for every loop over [`Loop::write`].
pub async fn write_all<L: Loop>(stream: &mut L::Stream, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match L::write(stream, buf).await? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            sent => buf = &buf[sent..],
        }
    }
    Ok(())
}

/// Reads exactly `buf.len()` bytes over [`Loop::read`].
pub async fn read_exact<L: Loop>(stream: &mut L::Stream, mut buf: &mut [u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match L::read(stream, buf).await? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            got => buf = &mut buf[got..],
        }
    }
    Ok(())
}
// ANCHOR_END: write_all
