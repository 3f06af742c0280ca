//! `corolab serve <service> --backend B --addr A`: runs one server until
//! Ctrl-C, so any client (`nc`, curl, Python, a load tool) can talk to it.
//!
//! This file only parses, starts and waits: each service's `spawn` (in
//! [`corolab::echo`] and [`corolab::http`]) owns its lifecycle, and
//! [`ServerHandle::stop`] stops the acceptor, shuts every open connection
//! down (so a handler parked on a silent client wakes up), gives the
//! handlers the grace period and returns what was served.
//!
//! Signals arrive through `signal-hook`'s iterator, which turns them into
//! reads on a self-pipe: the only code that runs inside the signal handler
//! is signal-hook's own, audited, async-signal-safe write.
#![forbid(unsafe_code)]

use corolab::backend::Backend;
use corolab::server::{MAX_TIMEOUT, ServerConfig, ServerHandle, Summary};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use std::net::SocketAddr;
use std::time::Duration;

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
    /// Seconds a connection may make no progress (silent, stalled
    /// mid-request, or not reading what it is sent) before the server
    /// closes it; 1 to 86400.
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
    /// A mini-redis: strings, hashes, lists and a blocking BRPOP.
    Redis,
}

impl Service {
    /// The backends this service runs on.
    fn backends(self) -> &'static [Backend] {
        match self {
            Service::Echo => corolab::echo::BACKENDS,
            Service::Http => corolab::http::server::BACKENDS,
            Service::Redis => corolab::redis::server::BACKENDS,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Service::Echo => "echo",
            Service::Http => "http",
            Service::Redis => "redis",
        }
    }

    fn spawn(
        self,
        backend: Backend,
        addr: SocketAddr,
        config: ServerConfig,
    ) -> std::io::Result<ServerHandle> {
        match self {
            Service::Echo => corolab::echo::spawn(backend, addr, config),
            Service::Http => corolab::http::server::spawn(backend, addr, config),
            Service::Redis => corolab::redis::server::spawn(backend, addr, config),
        }
    }
}

pub fn serve(args: ServeArgs) -> i32 {
    let service = args.service;
    let Some(backend) = Backend::from_name(&args.backend).filter(|b| service.backends().contains(b)) else {
        let names: Vec<&str> = service.backends().iter().map(|b| b.name()).collect();
        return super::usage_error(format!(
            "{service:?} does not run on '{}' (choose from: {})",
            args.backend,
            names.join(", ")
        ));
    };
    let timeout = Duration::from_secs(args.timeout_secs);
    if timeout.is_zero() || timeout > MAX_TIMEOUT {
        return super::usage_error(format!(
            "--timeout-secs must be 1 to {} (a day); got {}",
            MAX_TIMEOUT.as_secs(),
            args.timeout_secs
        ));
    }
    // Register before binding, so a signal that arrives once the address is
    // printed is never lost.
    let mut signals = match Signals::new([SIGINT, SIGTERM]) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot install signal handlers: {e}")),
    };
    let config = ServerConfig { read_timeout: timeout, workers: args.workers, ..Default::default() };
    let server = match service.spawn(backend, args.addr, config) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot serve on {}: {e}", args.addr)),
    };
    println!("serving {} on {} with {backend}; Ctrl-C stops", service.name(), server.addr());
    if service == Service::Http {
        println!("  try: curl -v http://{}/hello/world", server.addr());
    }
    if service == Service::Redis {
        println!("  try: redis-cli -p {} ping", server.addr().port());
    }
    let signal = signals.forever().next().unwrap_or(SIGINT);
    println!("{}: stopping", if signal == SIGTERM { "SIGTERM" } else { "SIGINT" });
    match server.stop() {
        Ok(summary) => {
            println!("{}", report(service, &summary));
            0
        }
        Err(e) => fail(format!("the server failed: {e}")),
    }
}

fn fail(message: String) -> i32 {
    super::print_error(format_args!("{message}"));
    1
}

/// One line: what was served, and how the stop went.
fn report(service: Service, s: &Summary) -> String {
    let what = match service {
        Service::Http => plural(s.requests, "request"),
        Service::Redis => plural(s.requests, "command"),
        Service::Echo => plural(s.bytes, "byte"),
    };
    let mut line = format!("stopped: served {what} on {}", plural(s.connections, "connection"));
    if s.errors > 0 {
        line += &format!(", {} ended with an error", s.errors);
    }
    if s.refused > 0 {
        line += &format!(", {} refused (full)", s.refused);
    }
    line += &format!("; {} open at stop", s.open_at_stop);
    if s.left_open > 0 {
        line += &format!(" ({} still open after the grace period)", s.left_open);
    }
    line
}

/// `1 request`, `2 requests`.
fn plural(n: u64, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}
