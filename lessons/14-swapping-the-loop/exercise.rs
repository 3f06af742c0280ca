//! Lesson 14 exercise: put corolab's `aio` loop behind the `Loop` trait, so
//! the workloads written once over it (`corolab::portable::echo` and
//! `sleepers`) run on it.
//!
//! `MyAio` below is half done: `block_on`, `listen`, `accept` and `connect`
//! are given. Four methods to write, each one line that hands the call to
//! the aio function of the same meaning. `corolab check 14` runs the tests
//! in `tests.rs`; they fail until all four are done. `solution.rs` has one
//! answer.
//!
//! 1. [`Loop::spawn`]: start the future as an aio task (`aio::spawn`) and
//!    wrap the `aio::Task` it returns in an [`AioTask`] (`AioTask::new`),
//!    which turns the task's error into an `io::Error`.
//! 2. [`Loop::sleep`]: `aio::sleep(duration)`, awaited.
//! 3. [`Loop::read`]: `stream.read(buf)`, awaited (an `aio::TcpStream`
//!    reads through `&self`).
//! 4. [`Loop::write`]: `stream.write(buf)`, awaited.

use corolab::aio;
use corolab::portable::{AioTask, Loop};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// corolab's `aio` behind [`Loop`], written by you.
#[derive(Clone, Copy, Debug)]
pub struct MyAio;

impl Loop for MyAio {
    type Task<T: 'static> = AioTask<T>;
    type Listener = aio::TcpListener;
    type Stream = aio::TcpStream;

    const NAME: &'static str = "my aio";

    fn block_on<T>(main: impl Future<Output = T> + 'static) -> T {
        aio::run(main)
    }

    fn spawn<T: 'static>(task: impl Future<Output = T> + 'static) -> AioTask<T> {
        let _ = task;
        todo!("TODO 1: aio::spawn the task, and wrap what it returns in AioTask::new")
    }

    async fn sleep(duration: Duration) {
        let _ = duration;
        todo!("TODO 2: aio::sleep(duration).await")
    }

    async fn listen(addr: SocketAddr) -> io::Result<(aio::TcpListener, SocketAddr)> {
        let listener = aio::TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        Ok((listener, bound))
    }

    async fn accept(listener: &aio::TcpListener) -> io::Result<aio::TcpStream> {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn connect(addr: SocketAddr) -> io::Result<aio::TcpStream> {
        let stream = aio::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn read(stream: &mut aio::TcpStream, buf: &mut [u8]) -> io::Result<usize> {
        let _ = (stream, buf);
        todo!("TODO 3: stream.read(buf).await")
    }

    async fn write(stream: &mut aio::TcpStream, buf: &[u8]) -> io::Result<usize> {
        let _ = (stream, buf);
        todo!("TODO 4: stream.write(buf).await")
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
