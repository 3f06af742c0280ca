// ANCHOR: solution
//! Lesson 14 solution: corolab's `aio` loop behind the `Loop` trait, each
//! method one line that hands the call to aio.

use corolab::aio;
use corolab::portable::{AioTask, Loop};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// corolab's `aio` behind [`Loop`].
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
        AioTask::new(aio::spawn(task))
    }

    async fn sleep(duration: Duration) {
        aio::sleep(duration).await
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
        stream.read(buf).await
    }

    async fn write(stream: &mut aio::TcpStream, buf: &[u8]) -> io::Result<usize> {
        stream.write(buf).await
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
// ANCHOR_END: solution
