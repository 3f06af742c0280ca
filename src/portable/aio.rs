//! corolab's `aio` loop behind [`Loop`]: each method forwards to the aio
//! call of the same meaning.
#![forbid(unsafe_code)]

use super::Loop;
use crate::aio;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// corolab's asyncio-style loop ([`crate::aio`]) as a [`Loop`].
#[derive(Clone, Copy, Debug)]
pub struct Aio;

/// An [`aio::Task`] whose error (cancelled, panicked) reads as an
/// [`io::Error`], the one error type the workloads carry.
#[derive(Debug)]
#[must_use = "dropping a task cancels it: await it"]
pub struct AioTask<T: 'static>(aio::Task<T>);

impl<T: 'static> AioTask<T> {
    /// Wraps a task that [`aio::spawn`] returned.
    pub fn new(task: aio::Task<T>) -> AioTask<T> {
        AioTask(task)
    }
}

impl<T: 'static> Future for AioTask<T> {
    type Output = io::Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        Pin::new(&mut self.0).poll(cx).map(|r| r.map_err(io::Error::other))
    }
}

// ANCHOR: aio_loop
impl Loop for Aio {
    type Task<T: 'static> = AioTask<T>;
    type Listener = aio::TcpListener;
    type Stream = aio::TcpStream;

    const NAME: &'static str = "aio";

    fn block_on<T>(main: impl Future<Output = T> + 'static) -> T {
        aio::run(main)
    }

    fn spawn<T: 'static>(task: impl Future<Output = T> + 'static) -> AioTask<T> {
        AioTask::new(aio::spawn(task))
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> {
        aio::sleep(duration)
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

    fn read(stream: &mut aio::TcpStream, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>> {
        stream.read(buf)
    }

    fn write(stream: &mut aio::TcpStream, buf: &[u8]) -> impl Future<Output = io::Result<usize>> {
        stream.write(buf)
    }
}
// ANCHOR_END: aio_loop
