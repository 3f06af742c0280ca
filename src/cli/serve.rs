//! `corolab serve <service> --backend B --addr A`: runs one server until
//! Ctrl-C, so any client (`nc`, Python, a load tool) can talk to it.
//!
//! The services are listed in [`Service`]; each picks the backends it runs
//! on. A server runs in the background (a thread, or a coroutine) while the
//! main thread waits for SIGINT or SIGTERM. Then it stops cleanly: the
//! acceptor stops, every open connection is shut down (so a handler parked
//! on a silent client wakes up), the handlers finish, and the command
//! prints what it served.
//!
//! Signals arrive through `signal-hook`'s iterator, which turns them into
//! reads on a self-pipe: the only code that runs inside the signal handler
//! is signal-hook's own, audited, async-signal-safe write.
#![forbid(unsafe_code)]

use corolab::scenarios::Backend;
use corolab::scenarios::echo::{self, Served};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long a stopping server waits for its connection handlers.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// What to serve.
    service: Service,
    /// The concurrency model that serves it.
    #[arg(long, short, default_value = "threads")]
    backend: String,
    /// The address to listen on (port 0 picks a free port and prints it).
    #[arg(long, default_value = "127.0.0.1:7000")]
    addr: SocketAddr,
    /// Worker threads for multi-threaded backends (default: all cores).
    #[arg(long)]
    workers: Option<usize>,
    /// HTTP only: seconds a connection may stay silent (idle, or stalled
    /// mid-request) before the server closes it.
    #[arg(long, default_value_t = 10)]
    timeout_secs: u64,
}

/// The services `corolab serve` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Service {
    /// Sends back every byte it receives.
    Echo,
    /// The HTTP server: `/`, `/hello/{name}`, `/data`, `?delay_ms=N`.
    Http,
}

impl Service {
    /// The backends this service runs on.
    fn backends(self) -> &'static [Backend] {
        match self {
            Service::Echo => &[Backend::Threads, Backend::Gevent, Backend::May],
            Service::Http => corolab::http::server::BACKENDS,
        }
    }
}

/// A server running in the background: how to stop it and what it counted.
struct Running {
    stop: Arc<AtomicBool>,
    served: Arc<Served>,
    addr: SocketAddr,
    /// Waits for the acceptor to return.
    join: Box<dyn FnOnce() -> Result<(), String>>,
}

pub fn serve(args: ServeArgs) -> i32 {
    let Some(backend) = Backend::from_name(&args.backend).filter(|b| args.service.backends().contains(b))
    else {
        let names: Vec<&str> = args.service.backends().iter().map(|b| b.name()).collect();
        return super::usage_error(format!(
            "{:?} does not run on '{}' (choose from: {})",
            args.service,
            args.backend,
            names.join(", ")
        ));
    };
    // Register before binding, so a signal that arrives once the address is
    // printed is never lost.
    let mut signals = match Signals::new([SIGINT, SIGTERM]) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot install signal handlers: {e}")),
    };
    let running = match args.service {
        Service::Echo => start_echo(backend, args.addr, args.workers),
        Service::Http => return serve_http(backend, &args, signals),
    };
    let running = match running {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot serve on {}: {e}", args.addr)),
    };
    println!("serving echo on {} with {backend}; Ctrl-C stops", running.addr);
    let signal = signals.forever().next().unwrap_or(SIGINT);
    let name = if signal == SIGTERM { "SIGTERM" } else { "SIGINT" };
    println!("{name}: stopping");
    stop(running)
}

fn fail(message: String) -> i32 {
    eprintln!("error: {message}");
    1
}

/// Stops the acceptor, closes the open connections, waits for the handlers
/// and prints the tally.
fn stop(running: Running) -> i32 {
    running.stop.store(true, Ordering::Release);
    echo::wake_acceptor(running.addr);
    let served = &running.served;
    // Shut the open connections down before joining the acceptor (the
    // gevent server's thread returns only once its connections are closed),
    // and again after, for one accepted in between.
    let open = served.shutdown_all();
    let acceptor = (running.join)();
    served.shutdown_all();
    let stuck = served.wait_closed(DRAIN_TIMEOUT);
    println!(
        "served {} connections, {} bytes echoed, {} ended with an error; {open} open at stop, {stuck} left",
        served.connections.load(Ordering::Relaxed),
        served.bytes.load(Ordering::Relaxed),
        served.errors.load(Ordering::Relaxed),
    );
    match acceptor {
        Ok(()) if stuck == 0 => 0,
        Ok(()) => fail(format!("{stuck} connection(s) did not close within {DRAIN_TIMEOUT:?}")),
        Err(e) => fail(e),
    }
}

fn start_echo(backend: Backend, addr: SocketAddr, workers: Option<usize>) -> std::io::Result<Running> {
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(Served::default());
    let (s, v) = (stop.clone(), served.clone());
    let (addr, join): (SocketAddr, Box<dyn FnOnce() -> Result<(), String>>) = match backend {
        Backend::Threads => {
            let listener = std::net::TcpListener::bind(addr)?;
            let addr = listener.local_addr()?;
            let acceptor = std::thread::spawn(move || echo::threads_server(listener, s, v));
            (addr, Box::new(move || acceptor.join().map_err(|_| "the acceptor panicked".to_string())))
        }
        Backend::Gevent => {
            // One thread runs one hub: the acceptor is that thread's main
            // greenlet, each connection a greenlet. The listener is bound
            // here (so errors and the address are reported at once) and
            // registered with the hub on its own thread.
            let listener = std::net::TcpListener::bind(addr)?;
            let addr = listener.local_addr()?;
            let hub = std::thread::Builder::new().name("gevent-hub".into()).spawn(move || {
                let listener =
                    corolab::gevent::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;
                echo::gevent_server(listener, &s, &v, DRAIN_TIMEOUT);
                Ok(())
            })?;
            (
                addr,
                Box::new(move || hub.join().unwrap_or_else(|_| Err("the hub thread panicked".to_string()))),
            )
        }
        Backend::May => {
            use corolab::gevent::may as gevent;
            gevent::configure(workers).map_err(std::io::Error::other)?;
            let listener = gevent::net::TcpListener::bind(addr)?;
            let addr = listener.local_addr()?;
            let acceptor = gevent::try_spawn(move || echo::may_server(listener, s, v))?;
            (
                addr,
                Box::new(move || match acceptor.join() {
                    Ok(result) => result.map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                }),
            )
        }
        _ => return Err(std::io::Error::other(format!("echo has no {backend} server"))),
    };
    Ok(Running { stop, served, addr, join })
}

/// Runs the HTTP server until SIGINT or SIGTERM, then stops it and prints
/// what it served.
fn serve_http(backend: Backend, args: &ServeArgs, mut signals: Signals) -> i32 {
    use corolab::http::{self, ServerConfig};
    let config = ServerConfig {
        read_timeout: Duration::from_secs(args.timeout_secs.max(1)),
        workers: args.workers,
        ..Default::default()
    };
    let server = match http::server::spawn(backend, args.addr, config) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot serve on {}: {e}", args.addr)),
    };
    println!("serving http on {backend} at http://{}/ (Ctrl-C to stop)", server.addr());
    println!("  try: curl -v http://{}/hello/world", server.addr());
    let signal = signals.forever().next().unwrap_or(SIGINT);
    let name = if signal == SIGTERM { "SIGTERM" } else { "SIGINT" };
    println!("{name}: stopping");
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
