//! The workloads that `benches/aio.rs` (criterion) and `benches/aio_ab.rs`
//! (alternating rounds) both run, on aio and on tokio's current-thread
//! runtime, written once so that the two measure the same code. Each
//! returns how long its `iters` operations took, set-up and tear-down left
//! out; run it inside the loop or runtime it is written for.

use corolab::aio;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// tokio's single-threaded runtime, the peer of one aio loop.
pub fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// Spawns an empty task and awaits it, `iters` times, on the running aio loop.
pub async fn aio_spawn_await(iters: u64) -> Duration {
    let started = Instant::now();
    for i in 0..iters {
        black_box(aio::spawn(async move { black_box(i) }).await.unwrap());
    }
    started.elapsed()
}

/// [`aio_spawn_await`] on tokio.
pub async fn tokio_spawn_await(iters: u64) -> Duration {
    let started = Instant::now();
    for i in 0..iters {
        black_box(tokio::spawn(async move { black_box(i) }).await.unwrap());
    }
    started.elapsed()
}

/// What the echo client sends each time.
pub const MESSAGE: [u8; 64] = [b'x'; 64];

/// `iters` 64-byte messages over 127.0.0.1 and their echoes back, client
/// and server tasks on the running aio loop.
pub async fn aio_echo(iters: u64) -> Duration {
    let listener = aio::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = aio::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        loop {
            let n = s.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            s.write_all(&buf[..n]).await.unwrap();
        }
    });
    let client = aio::TcpStream::connect(addr).await.unwrap();
    let mut back = [0u8; 64];
    let started = Instant::now();
    for _ in 0..iters {
        client.write_all(&MESSAGE).await.unwrap();
        client.read_exact(&mut back).await.unwrap();
    }
    let took = started.elapsed();
    client.close().await.unwrap();
    server.await.unwrap();
    took
}

/// [`aio_echo`] on tokio.
pub async fn tokio_echo(iters: u64) -> Duration {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        loop {
            let n = s.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            s.write_all(&buf[..n]).await.unwrap();
        }
    });
    let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut back = [0u8; 64];
    let started = Instant::now();
    for _ in 0..iters {
        client.write_all(&MESSAGE).await.unwrap();
        client.read_exact(&mut back).await.unwrap();
    }
    let took = started.elapsed();
    client.shutdown().await.unwrap();
    server.await.unwrap();
    took
}
