//! `redis`: n commands against a mini-redis, three ways: one round trip
//! each, pipelined, and over C connections at once.
//!
//! The scenario starts the mini-redis of the backend it runs on
//! ([`crate::redis::server`], the one `corolab serve redis` runs) in this
//! process, on 127.0.0.1, and drives it with the backend's client: the
//! blocking [`Client`] on threads, on gevent sockets in greenlets and on
//! may's sockets in coroutines; [`AsyncClient`] in aio tasks. Every command
//! is an `INCR`, so every reply says how many came before it and the run
//! checks itself:
//!
//! | phase | what is sent | what is checked |
//! | --- | --- | --- |
//! | sequential | `INCR seq`, one, wait for the reply, the next | the replies are 1, 2, ..., n |
//! | pipelined | `INCR pipe` in pipelines of `--concurrency` (100) | the same, in order |
//! | concurrent | `INCR hits` from `--clients` (10) connections at once | each connection's replies rise; `GET hits` is n |
//!
//! The arithmetic the lesson is about: a sequential command costs a round
//! trip (two context switches, two trips through the loopback); a
//! pipeline of 100 pays one round trip for 100 commands; C connections at
//! once keep C round trips in flight, which pays when the client and the
//! server can overlap them.
//!
//! Knobs: `--n` commands per phase (10,000), `--clients` connections of
//! the concurrent phase (10), `--concurrency` commands per pipeline (100),
//! `--workers` may's threads.
#![forbid(unsafe_code)]

use super::{Backend, Config, Knob, KnobRange, Outcome, Scenario, ScenarioError, grouped};
use crate::redis::server;
use crate::redis::{AsyncClient, Client, RedisError, Value};
use crate::server::ServerConfig;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The scenario's entry in the registry.
pub const SCENARIO: Scenario = Scenario {
    name: "redis",
    summary: "n INCRs against an in-process mini-redis: one by one, pipelined, over C connections",
    default_n: 10_000,
    backends: server::BACKENDS,
    knobs: &[
        KnobRange::new(Knob::N, 1, 1_000_000),
        KnobRange::new(Knob::Clients, 1, 500),
        KnobRange::new(Knob::Concurrency, 1, 10_000),
        KnobRange::new(Knob::Workers, 1, 256),
    ],
    run,
};

/// Connections of the concurrent phase when `--clients` is not given.
pub const DEFAULT_CLIENTS: u64 = 10;

/// Commands per pipeline when `--concurrency` is not given.
pub const DEFAULT_DEPTH: u64 = 100;

/// How long a client waits for a reply before it gives up (so a broken
/// server fails the run instead of hanging it).
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// The size of a run, as the phases need it.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Commands per phase.
    pub n: u64,
    /// Connections of the concurrent phase.
    pub clients: u64,
    /// Commands per pipeline.
    pub depth: u64,
}

impl Plan {
    /// How many commands connection `c` of the concurrent phase sends:
    /// n split as evenly as it goes.
    pub fn share(&self, c: u64) -> u64 {
        self.n / self.clients + u64::from(c < self.n % self.clients)
    }
}

/// How long each phase took, or what failed its check.
pub type Phase = Result<Duration, String>;

fn run(backend: Backend, config: &Config) -> Result<Outcome, ScenarioError> {
    let n = config.n.unwrap_or(SCENARIO.default_n);
    let plan = Plan {
        n,
        clients: config.clients.unwrap_or(DEFAULT_CLIENTS).clamp(1, n),
        depth: config.concurrency.unwrap_or(DEFAULT_DEPTH).clamp(1, n),
    };
    if backend == Backend::May {
        super::configure_may(config)?;
    }
    let server_config = ServerConfig { read_timeout: CLIENT_TIMEOUT, ..Default::default() };
    let server = server::spawn(backend, "127.0.0.1:0".parse().expect("an address"), server_config)?;
    let addr = server.addr();
    config.say(format_args!("[server] the {backend} mini-redis on {addr}, in this process"));
    let phases = match backend {
        Backend::Threads => threads(addr, plan, config),
        Backend::Gevent => gevent(addr, plan, config)?,
        Backend::May => may(addr, plan, config)?,
        Backend::Aio => aio(addr, plan, config)?,
        _ => return Err(ScenarioError::Unsupported { scenario: SCENARIO.name, backend }),
    };
    let served = server.stop()?;
    config.say(format_args!("[server] answered {} commands", grouped(served.requests)));
    Ok(check(plan, &phases))
}

/// Sums the phases up: ok when all three passed their checks.
pub fn check(plan: Plan, phases: &[Phase; 3]) -> Outcome {
    let names = ["sequential", "pipelined", "concurrent"];
    let mut parts = Vec::new();
    let mut done = 0;
    let mut failed = None;
    for (name, phase) in names.iter().zip(phases) {
        match phase {
            Ok(took) => {
                done += plan.n;
                parts.push(format!("{name} {}/s", grouped(per_second(plan.n, *took))));
            }
            Err(e) => failed = failed.or(Some(format!("{name}: {e}"))),
        }
    }
    let detail = match &failed {
        None => format!("{} INCRs x 3, every reply checked: {}", grouped(plan.n), parts.join(", ")),
        Some(e) => format!("{} of {} commands checked; {e}", grouped(done), grouped(3 * plan.n)),
    };
    Outcome { items: done, unit: "commands", ok: failed.is_none(), detail }
}

fn per_second(n: u64, took: Duration) -> u64 {
    (n as f64 / took.as_secs_f64().max(1e-9)) as u64
}

fn say_phase(config: &Config, name: &str, how: &str, plan: Plan, phase: &Phase) {
    match phase {
        Ok(took) => config.say(format_args!(
            "[{name}] {} INCRs {how}: {} ms ({}/s)",
            grouped(plan.n),
            took.as_millis(),
            grouped(per_second(plan.n, *took))
        )),
        Err(e) => config.say(format_args!("[{name}] failed: {e}")),
    }
}

/// Checks that `reply` is the integer `want`.
fn expect(reply: Result<Value, RedisError>, want: i64) -> Result<(), String> {
    match reply {
        Ok(Value::Integer(got)) if got == want => Ok(()),
        Ok(other) => Err(format!("INCR answered {other:?} where {want} was due")),
        Err(e) => Err(e.to_string()),
    }
}

/// `INCR key` as a command.
fn incr(key: &str) -> Vec<&str> {
    vec!["INCR", key]
}

// ANCHOR: blocking
/// Phase 1 on a blocking client: one command, one round trip.
fn sequential<S: Read + Write>(redis: &mut Client<S>, plan: Plan) -> Result<(), String> {
    for i in 1..=plan.n {
        expect(redis.command(&incr("seq")), i as i64)?;
    }
    Ok(())
}

/// Phase 2: `depth` commands per write, then their replies.
fn pipelined<S: Read + Write>(redis: &mut Client<S>, plan: Plan) -> Result<(), String> {
    let mut sent = 0;
    while sent < plan.n {
        let batch = plan.depth.min(plan.n - sent);
        let commands: Vec<Vec<&str>> = (0..batch).map(|_| incr("pipe")).collect();
        let replies = redis.pipeline(&commands).map_err(|e| e.to_string())?;
        for (i, reply) in replies.into_iter().enumerate() {
            expect(Ok(reply), (sent + i as u64 + 1) as i64)?;
        }
        sent += batch;
    }
    Ok(())
}

/// Phase 3, one connection's part: `share` commands on the shared key,
/// each reply above the one before (others' commands land in between).
fn concurrent_share<S: Read + Write>(redis: &mut Client<S>, share: u64) -> Result<u64, String> {
    let mut last = 0;
    for _ in 0..share {
        match redis.command(&incr("hits")) {
            Ok(Value::Integer(n)) if n > last => last = n,
            Ok(other) => return Err(format!("INCR answered {other:?} after {last}")),
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(share)
}
// ANCHOR_END: blocking

/// The end of phase 3: every connection did its share and `hits` is n.
fn concurrent_total<S: Read + Write>(
    redis: &mut Client<S>,
    plan: Plan,
    shares: Vec<Result<u64, String>>,
) -> Result<(), String> {
    let done: u64 = shares.into_iter().sum::<Result<u64, String>>()?;
    let hits = redis.get("hits").map_err(|e| e.to_string())?;
    let want = plan.n.to_string().into_bytes();
    if done != plan.n || hits.as_deref() != Some(want.as_slice()) {
        return Err(format!("{done} commands sent, hits is {hits:?}, {} were due", plan.n));
    }
    Ok(())
}

/// Runs the three phases on a blocking backend: `connect` opens a client,
/// `at_once` runs one closure per connection concurrently, its way.
fn blocking_phases<S: Read + Write>(
    plan: Plan,
    config: &Config,
    connect: impl Fn() -> Result<Client<S>, String>,
    at_once: impl FnOnce(Vec<u64>) -> Vec<Result<u64, String>>,
    how: &str,
) -> [Phase; 3] {
    let timed = |f: &mut dyn FnMut() -> Result<(), String>| {
        let started = Instant::now();
        f().map(|()| started.elapsed())
    };
    let mut first = connect();
    let seq = timed(&mut || sequential(first.as_mut().map_err(|e| e.clone())?, plan));
    say_phase(config, "sequential", "one round trip each", plan, &seq);
    let pipe = timed(&mut || pipelined(first.as_mut().map_err(|e| e.clone())?, plan));
    say_phase(config, "pipelined", &format!("{} per pipeline", plan.depth), plan, &pipe);
    let shares: Vec<u64> = (0..plan.clients).map(|c| plan.share(c)).collect();
    let mut at_once = Some(at_once);
    let conc = timed(&mut || {
        let results = (at_once.take().expect("run once"))(shares.clone());
        concurrent_total(first.as_mut().map_err(|e| e.clone())?, plan, results)
    });
    say_phase(config, "concurrent", &format!("over {} {how}", plan.clients), plan, &conc);
    [seq, pipe, conc]
}

/// A blocking client over `stream`, with the reply timeout set.
fn std_client(addr: SocketAddr) -> Result<Client<std::net::TcpStream>, String> {
    let redis = Client::connect(addr).map_err(|e| format!("connect: {e}"))?;
    redis.set_timeout(Some(CLIENT_TIMEOUT)).map_err(|e| e.to_string())?;
    Ok(redis)
}

// ANCHOR: threads
/// OS threads: the blocking client on std sockets, a thread per
/// connection in the concurrent phase.
fn threads(addr: SocketAddr, plan: Plan, config: &Config) -> [Phase; 3] {
    let at_once = |shares: Vec<u64>| {
        std::thread::scope(|s| {
            let handles: Vec<_> = shares
                .into_iter()
                .map(|share| s.spawn(move || concurrent_share(&mut std_client(addr)?, share)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err("a client panicked".into())))
                .collect()
        })
    };
    blocking_phases(plan, config, || std_client(addr), at_once, "threads")
}
// ANCHOR_END: threads

// ANCHOR: gevent
/// gevent: the same blocking client on gevent sockets, a greenlet per
/// connection, all on this thread's hub.
fn gevent(addr: SocketAddr, plan: Plan, config: &Config) -> Result<[Phase; 3], ScenarioError> {
    use crate::gevent::{self, net::TcpStream};
    let connect = move || -> Result<Client<TcpStream>, String> {
        let stream = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
        stream
            .set_nodelay(true)
            .and_then(|()| stream.set_read_timeout(Some(CLIENT_TIMEOUT)))
            .map_err(|e| e.to_string())?;
        Ok(Client::new(stream))
    };
    let at_once = move |shares: Vec<u64>| -> Vec<Result<u64, String>> {
        let spawned: Result<Vec<_>, _> = shares
            .into_iter()
            .map(|share| gevent::try_spawn(move || concurrent_share(&mut connect()?, share)))
            .collect();
        match spawned {
            Ok(handles) => {
                handles.into_iter().map(|h| h.join().unwrap_or_else(|e| Err(e.to_string()))).collect()
            }
            Err(e) => vec![Err(format!("spawning a greenlet: {e}"))],
        }
    };
    // The phases themselves run in a greenlet too, so the hub runs while
    // they wait.
    let config = config.clone();
    gevent::try_spawn(move || blocking_phases(plan, &config, connect, at_once, "greenlets"))?
        .join()
        .map_err(|e| ScenarioError::Failed(e.to_string()))
}
// ANCHOR_END: gevent

// ANCHOR: may
/// may: the same blocking client on may's sockets, a coroutine per
/// connection, on may's worker threads.
fn may(addr: SocketAddr, plan: Plan, config: &Config) -> Result<[Phase; 3], ScenarioError> {
    use crate::gevent::may::{self as gevent, net::TcpStream};
    let connect = move || -> Result<Client<TcpStream>, String> {
        let stream = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
        stream
            .set_nodelay(true)
            .and_then(|()| stream.set_read_timeout(Some(CLIENT_TIMEOUT)))
            .map_err(|e| e.to_string())?;
        Ok(Client::new(stream))
    };
    let at_once = move |shares: Vec<u64>| -> Vec<Result<u64, String>> {
        let spawned: Result<Vec<_>, _> = shares
            .into_iter()
            .map(|share| gevent::try_spawn(move || concurrent_share(&mut connect()?, share)))
            .collect();
        match spawned {
            Ok(handles) => {
                handles.into_iter().map(|h| h.join().unwrap_or_else(|e| Err(e.to_string()))).collect()
            }
            Err(e) => vec![Err(format!("spawning a coroutine: {e}"))],
        }
    };
    let config = config.clone();
    gevent::try_spawn(move || blocking_phases(plan, &config, connect, at_once, "coroutines"))?
        .join()
        .map_err(|e| ScenarioError::Failed(e.to_string()))
}
// ANCHOR_END: may

// ANCHOR: aio
/// aio: the async client in tasks, one loop; the phases are the blocking
/// ones with `.await`.
fn aio(addr: SocketAddr, plan: Plan, config: &Config) -> Result<[Phase; 3], ScenarioError> {
    use crate::aio;
    let connect = move || async move {
        let mut redis = AsyncClient::connect(&addr.ip().to_string(), addr.port())
            .await
            .map_err(|e| format!("connect: {e}"))?;
        redis.set_timeout(Some(CLIENT_TIMEOUT));
        Ok::<_, String>(redis)
    };
    let phases = aio::run(async move {
        let mut redis = connect().await;
        let started = Instant::now();
        let seq = async {
            let redis = redis.as_mut().map_err(|e| e.clone())?;
            for i in 1..=plan.n {
                expect(redis.command(&incr("seq")).await, i as i64)?;
            }
            Ok(started.elapsed())
        }
        .await;
        say_phase(config, "sequential", "one round trip each", plan, &seq);
        let started = Instant::now();
        let pipe = async {
            let redis = redis.as_mut().map_err(|e| e.clone())?;
            let mut sent = 0;
            while sent < plan.n {
                let batch = plan.depth.min(plan.n - sent);
                let commands: Vec<Vec<&str>> = (0..batch).map(|_| incr("pipe")).collect();
                let replies = redis.pipeline(&commands).await.map_err(|e| e.to_string())?;
                for (i, reply) in replies.into_iter().enumerate() {
                    expect(Ok(reply), (sent + i as u64 + 1) as i64)?;
                }
                sent += batch;
            }
            Ok(started.elapsed())
        }
        .await;
        say_phase(config, "pipelined", &format!("{} per pipeline", plan.depth), plan, &pipe);
        let started = Instant::now();
        let tasks: Vec<_> = (0..plan.clients)
            .map(|c| {
                let share = plan.share(c);
                aio::spawn_named(format!("client-{c}"), async move {
                    let mut redis = connect().await?;
                    let mut last = 0;
                    for _ in 0..share {
                        match redis.command(&incr("hits")).await {
                            Ok(Value::Integer(n)) if n > last => last = n,
                            Ok(other) => return Err(format!("INCR answered {other:?} after {last}")),
                            Err(e) => return Err(e.to_string()),
                        }
                    }
                    Ok(share)
                })
            })
            .collect();
        let conc = async {
            let mut done = 0;
            for task in tasks {
                done += task.await.map_err(|e| e.to_string())??;
            }
            let redis = redis.as_mut().map_err(|e| e.clone())?;
            let hits = redis.get("hits").await.map_err(|e| e.to_string())?;
            if done != plan.n || hits != Some(plan.n.to_string().into_bytes()) {
                return Err(format!("{done} commands sent, hits is {hits:?}, {} were due", plan.n));
            }
            Ok(started.elapsed())
        }
        .await;
        say_phase(config, "concurrent", &format!("over {} tasks", plan.clients), plan, &conc);
        [seq, pipe, conc]
    });
    Ok(phases)
}
// ANCHOR_END: aio

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_to_n() {
        let plan = Plan { n: 10, clients: 3, depth: 1 };
        assert_eq!((0..3).map(|c| plan.share(c)).collect::<Vec<_>>(), [4, 3, 3]);
    }

    #[test]
    fn a_failed_phase_fails_the_run_and_says_which() {
        let plan = Plan { n: 5, clients: 1, depth: 1 };
        let ms = Duration::from_millis(1);
        let outcome = check(plan, &[Ok(ms), Err("INCR answered 7".into()), Ok(ms)]);
        assert!(!outcome.ok);
        assert_eq!(outcome.items, 10);
        assert!(outcome.detail.contains("pipelined: INCR answered 7"), "{}", outcome.detail);
    }

    #[test]
    fn every_backend_runs_the_three_phases() {
        for &backend in SCENARIO.backends {
            let config = Config::quiet().with_n(300);
            let report = super::super::run(
                super::super::find("redis").unwrap(),
                backend,
                &Config { clients: Some(7), concurrency: Some(32), ..config },
            );
            assert!(report.ok, "{backend}: {:?} {}", report.error, report.detail);
            assert_eq!(report.items, 900, "{backend}");
        }
    }
}
