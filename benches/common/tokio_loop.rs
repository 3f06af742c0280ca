//! tokio's current-thread runtime behind corolab's [`Loop`] trait, so the
//! workloads of `corolab::portable` run on it unchanged (`benches/swap.rs`
//! runs them on both loops, side by side).
//!
//! The workloads' futures are not `Send` (nothing says they must be: one
//! thread runs them), so tasks go on a [`tokio::task::LocalSet`] with
//! `spawn_local`, tokio's way to run `!Send` tasks on the current-thread
//! runtime. A `LocalSet` keeps its own run queue beside the runtime's; a
//! server written for tokio would usually make its futures `Send` and use
//! `tokio::spawn`, which `tokio_peer` and the criterion benches time.

use corolab::portable::Loop;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// tokio's current-thread runtime (with a `LocalSet`) as a [`Loop`].
#[derive(Clone, Copy, Debug)]
pub struct Tokio;

/// A tokio `JoinHandle` whose error (cancelled, panicked) reads as an
/// [`io::Error`].
#[derive(Debug)]
pub struct TokioTask<T>(tokio::task::JoinHandle<T>);

impl<T> Future for TokioTask<T> {
    type Output = io::Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        Pin::new(&mut self.0).poll(cx).map(|r| r.map_err(io::Error::other))
    }
}

// ANCHOR: tokio_loop
impl Loop for Tokio {
    type Task<T: 'static> = TokioTask<T>;
    type Listener = tokio::net::TcpListener;
    type Stream = tokio::net::TcpStream;

    const NAME: &'static str = "tokio";

    fn block_on<T>(main: impl Future<Output = T> + 'static) -> T {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        tokio::task::LocalSet::new().block_on(&runtime, main)
    }

    fn spawn<T: 'static>(task: impl Future<Output = T> + 'static) -> TokioTask<T> {
        TokioTask(tokio::task::spawn_local(task))
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> {
        tokio::time::sleep(duration)
    }

    async fn listen(addr: SocketAddr) -> io::Result<(tokio::net::TcpListener, SocketAddr)> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        Ok((listener, bound))
    }

    async fn accept(listener: &tokio::net::TcpListener) -> io::Result<tokio::net::TcpStream> {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn connect(addr: SocketAddr) -> io::Result<tokio::net::TcpStream> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn read(stream: &mut tokio::net::TcpStream, buf: &mut [u8]) -> io::Result<usize> {
        stream.read(buf).await
    }

    async fn write(stream: &mut tokio::net::TcpStream, buf: &[u8]) -> io::Result<usize> {
        stream.write(buf).await
    }
}
// ANCHOR_END: tokio_loop
