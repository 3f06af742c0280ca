//! The peer for corolab's HTTP benches: a tokio + hyper hello server.
//!
//! It answers `GET /hello/{name}` with `Hello, {name}!` like corolab's
//! servers do (and 404 otherwise), so a bench measures the same work on
//! both. Shared by `benches/http.rs` and `examples/hyper_hello.rs`.

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;

async fn hello(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let response = match req.uri().path().strip_prefix("/hello/") {
        Some(name) if !name.is_empty() => Response::builder()
            .header("Content-Type", "text/plain; charset=utf-8")
            .body(Full::new(Bytes::from(format!("Hello, {name}!\n")))),
        _ => Response::builder().status(StatusCode::NOT_FOUND).body(Full::new(Bytes::from_static(b"404\n"))),
    };
    Ok(response.expect("a valid response"))
}

/// Serves forever on `listener` with a tokio runtime of `threads` workers
/// (`1`: the current-thread runtime, one thread like aio's loop).
pub fn serve(listener: std::net::TcpListener, threads: usize) -> std::io::Result<()> {
    let runtime = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()?
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build()?
    };
    runtime.block_on(async move {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        loop {
            let (stream, _) = listener.accept().await?;
            stream.set_nodelay(true)?;
            tokio::spawn(async move {
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service_fn(hello)).await;
            });
        }
    })
}
