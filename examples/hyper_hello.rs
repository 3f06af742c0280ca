//! The peer for corolab's HTTP benches, on its own: a tokio + hyper hello
//! server answering `GET /hello/{name}` like corolab's servers.
//!
//! ```text
//! cargo run --release -p corolab-benches --example hyper_hello -- 127.0.0.1:8090 1 # one thread, like aio's loop
//! cargo run --release -p corolab-benches --example hyper_hello -- 127.0.0.1:8090 2 # tokio's multi-threaded runtime
//! wrk -t2 -c100 -d10s http://127.0.0.1:8090/hello/world
//! ```

#[path = "../benches/peers/hyper_hello.rs"]
mod hyper_hello;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8090".into());
    let threads: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(1);
    let listener = std::net::TcpListener::bind(&addr)?;
    println!("hyper hello on http://{}/hello/world ({threads} thread(s))", listener.local_addr()?);
    hyper_hello::serve(listener, threads)
}
