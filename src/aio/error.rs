//! [`Error`]: how an awaited task, future or timeout can fail.
#![forbid(unsafe_code)]

use std::fmt;

/// Why awaiting something on the loop gave no value: the Rust form of the
/// exceptions asyncio raises at an `await`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The task or future was cancelled (asyncio's `CancelledError`).
    Cancelled,
    /// The task panicked; the panic's message. The panic stopped only that
    /// task: the loop and the other tasks go on.
    Panicked(String),
    /// A timeout passed first (`wait_for`; asyncio's `TimeoutError`).
    TimedOut,
    /// A settable future was given an exception with
    /// [`SettableFuture::set_exception`](super::SettableFuture::set_exception).
    Exception(String),
    /// A result was set twice, or read before it was set (asyncio's
    /// `InvalidStateError`).
    InvalidState,
    /// The loop that was to run it is closed (or its thread is gone).
    LoopClosed,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Cancelled => f.write_str("cancelled"),
            Error::Panicked(message) => write!(f, "panicked: {message}"),
            Error::TimedOut => f.write_str("timed out"),
            Error::Exception(message) => write!(f, "exception: {message}"),
            Error::InvalidState => f.write_str("invalid state (set twice, or read before set)"),
            Error::LoopClosed => f.write_str("the event loop is closed"),
        }
    }
}

impl std::error::Error for Error {}
