//! `corolab serve <service>`: run a server until Ctrl-C, then stop cleanly.
#![forbid(unsafe_code)]

use corolab::http::{self, ServerConfig};
use corolab::scenarios::Backend;
use std::net::SocketAddr;
use std::time::Duration;

/// What to serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Service {
    /// A TCP echo server.
    Echo,
    /// The HTTP server: `/`, `/hello/{name}`, `/data`, `?delay_ms=N`.
    Http,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// What to serve.
    #[arg(value_enum)]
    service: Service,
    /// The concurrency model that serves it.
    #[arg(long, short, default_value = "threads")]
    backend: String,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Seconds a connection may stay silent (idle, or stalled mid-request).
    #[arg(long, default_value_t = 10)]
    timeout_secs: u64,
}

pub fn serve(args: ServeArgs) -> i32 {
    match args.service {
        Service::Http => serve_http(&args),
        Service::Echo => super::usage_error("serve echo is not on this branch yet (it comes with gevent)"),
    }
}

fn serve_http(args: &ServeArgs) -> i32 {
    let choices = || http::server::BACKENDS.iter().map(|b| b.name()).collect::<Vec<_>>().join(", ");
    let backend = match Backend::from_name(&args.backend) {
        Some(b) if http::server::BACKENDS.contains(&b) => b,
        _ => {
            return super::usage_error(format!(
                "no HTTP server on '{}' (choose from: {})",
                args.backend,
                choices()
            ));
        }
    };
    // Before any thread exists, so that every thread inherits the mask and
    // Ctrl-C reaches the wait below instead of killing the process.
    let interrupts = match corolab::signal::block_interrupts() {
        Ok(i) => i,
        Err(e) => return fail(format!("cannot block Ctrl-C: {e}")),
    };
    let config =
        ServerConfig { read_timeout: Duration::from_secs(args.timeout_secs.max(1)), ..Default::default() };
    let server = match http::server::spawn(backend, args.addr, config) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot serve on {}: {e}", args.addr)),
    };
    println!("serving http on {backend} at http://{}/ (Ctrl-C to stop)", server.addr());
    println!("  try: curl -v http://{}/hello/world", server.addr());
    if let Err(e) = interrupts.wait() {
        eprintln!("waiting for Ctrl-C failed ({e}); stopping");
    }
    println!("\nstopping...");
    match server.stop() {
        Ok(summary) => {
            let open = if summary.left_open > 0 {
                format!(" ({} still open after the grace period)", summary.left_open)
            } else {
                String::new()
            };
            println!(
                "stopped: served {} on {}{open}",
                plural(summary.requests, "request"),
                plural(summary.connections, "connection")
            );
            0
        }
        Err(e) => fail(format!("the server failed: {e}")),
    }
}

/// `1 request`, `2 requests`.
fn plural(n: u64, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

fn fail(message: String) -> i32 {
    eprintln!("error: {message}");
    1
}
