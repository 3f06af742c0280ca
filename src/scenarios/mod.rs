//! The lessons' shared workloads, each runnable on every backend.
//!
//! A scenario is one file with one function per backend. Every backend does
//! the same work and checks its own result (every echo compared, every page
//! verified), so a run either did the work or says it did not. This module
//! holds what they share:
//!
//! - [`Backend`]: the concurrency models, by the name the CLI uses
//!   (defined in [`crate::backend`], re-exported here);
//! - [`Config`]: the knobs (`--n`, `--delay-ms`, ...) and the narrator;
//! - [`Scenario`]: a name, a summary, the backends it runs on, and its
//!   `run` function;
//! - [`run`]: runs one scenario on one backend, timed, measured and
//!   optionally traced, and returns a [`RunReport`].
//!
//! ```
//! use corolab::scenarios::{self, Backend, Config};
//!
//! let pingpong = scenarios::find("pingpong").unwrap();
//! let report = scenarios::run(pingpong, Backend::Threads, &Config::quiet().with_n(3));
//! assert!(report.ok, "{:?}", report.error);
//! assert_eq!(report.items, 6); // three turns each
//! ```
#![forbid(unsafe_code)]

pub mod blocking;
pub mod crawl;
pub mod echo;
pub mod multicore;
pub mod pingpong;
pub mod producer_consumer;
pub mod sleepers;

pub use crate::backend::Backend;
use crate::measure::Meter;
use crate::trace::{Recording, Trace};
use std::fmt;
use std::time::Duration;

/// The knobs of a run. Each scenario documents which it reads; unset knobs
/// take the scenario's defaults.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The size of the run: rounds, items, tasks, requests.
    pub n: Option<u64>,
    /// A latency: how long each sleeper sleeps, how slow the server is.
    pub delay: Option<Duration>,
    /// How many concurrent clients.
    pub clients: Option<u64>,
    /// How many operations may be in flight at once (a pool's size).
    pub concurrency: Option<u64>,
    /// How many worker threads a multi-threaded backend uses.
    pub workers: Option<usize>,
    /// Print the scenario's narration (the interleaving as it happens).
    pub narrate: bool,
    /// Record trace events and return them in the report.
    pub trace: bool,
}

impl Config {
    /// A config that prints nothing and records nothing.
    pub fn quiet() -> Config {
        Config::default()
    }

    /// Sets `n`.
    pub fn with_n(mut self, n: u64) -> Config {
        self.n = Some(n);
        self
    }

    /// Sets the delay.
    pub fn with_delay(mut self, delay: Duration) -> Config {
        self.delay = Some(delay);
        self
    }

    /// Prints one line of narration, if narrating. Safe to call from any
    /// thread: lines are never torn, though lines from different threads
    /// interleave in the order they happen.
    pub fn say(&self, line: impl fmt::Display) {
        if self.narrate {
            println!("{line}");
        }
    }
}

/// What a backend reports about the work it did.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// How many units of work were done (and checked).
    pub items: u64,
    /// What a unit is: "turns", "items", "messages", "pages".
    pub unit: &'static str,
    /// Whether the backend's own checks passed.
    pub ok: bool,
    /// One line about the run, or what failed its check.
    pub detail: String,
}

/// Why a scenario could not run.
#[derive(Debug)]
pub enum ScenarioError {
    /// The scenario has no function for this backend.
    Unsupported {
        /// The scenario's name.
        scenario: &'static str,
        /// The backend asked for.
        backend: Backend,
    },
    /// A socket, a file or a thread could not be set up.
    Io(std::io::Error),
    /// The backend failed on the way (a panic in a task, a lost message).
    Failed(String),
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Unsupported { scenario, backend } => {
                write!(f, "scenario {scenario} does not run on {backend}")
            }
            ScenarioError::Io(e) => write!(f, "io error: {e}"),
            ScenarioError::Failed(why) => write!(f, "failed: {why}"),
        }
    }
}

impl std::error::Error for ScenarioError {}

impl From<std::io::Error> for ScenarioError {
    fn from(e: std::io::Error) -> Self {
        ScenarioError::Io(e)
    }
}

/// One scenario: what it is called, what it shows, and how to run it.
#[derive(Clone, Copy)]
pub struct Scenario {
    /// The name the CLI uses.
    pub name: &'static str,
    /// One line for `corolab run --help` and the tour.
    pub summary: &'static str,
    /// `n` when the user gives none.
    pub default_n: u64,
    /// The backends it runs on, in table order.
    pub backends: &'static [Backend],
    /// Runs it on one backend. Called through [`run`], which times it.
    pub run: fn(Backend, &Config) -> Result<Outcome, ScenarioError>,
}

impl fmt::Debug for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scenario").field("name", &self.name).field("backends", &self.backends).finish()
    }
}

/// Applies `--workers` to may, which fixes its worker count at its first
/// spawn in a process. Every scenario's `may` arm calls this first.
pub(crate) fn configure_may(config: &Config) -> Result<usize, ScenarioError> {
    crate::gevent::may::configure(config.workers).map_err(|e| ScenarioError::Failed(e.to_string()))
}

/// Every scenario, in the order the lessons meet them.
pub static SCENARIOS: &[Scenario] = &[
    pingpong::SCENARIO,
    producer_consumer::SCENARIO,
    sleepers::SCENARIO,
    echo::SCENARIO,
    blocking::SCENARIO,
    multicore::SCENARIO,
    crawl::SCENARIO,
];

/// Looks a scenario up by name.
pub fn find(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// The scenario names, comma separated, for error messages.
pub fn names() -> String {
    SCENARIOS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
}

/// What one run of one scenario on one backend did and cost. This is the
/// object `corolab run --json` prints, one per line.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RunReport {
    /// The scenario's name.
    pub scenario: &'static str,
    /// The backend's name.
    pub backend: &'static str,
    /// The size of the run.
    pub n: u64,
    /// Wall-clock time of the whole run, setup included, in milliseconds.
    pub wall_ms: f64,
    /// Peak resident memory of the process during the run, in KiB.
    pub peak_rss_kb: u64,
    /// Whether the run did its work and its checks passed.
    pub ok: bool,
    /// Units of work done.
    pub items: u64,
    /// What a unit is.
    pub unit: &'static str,
    /// Units per second of wall time.
    pub per_second: f64,
    /// One line about the run.
    pub detail: String,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// The trace, when one was asked for.
    #[serde(skip)]
    pub trace: Option<Trace>,
}

/// Runs `scenario` on `backend`: resets the peak-memory mark, starts the
/// clock (and the trace recorder, if `config.trace`), runs, and reports.
pub fn run(scenario: &'static Scenario, backend: Backend, config: &Config) -> RunReport {
    let n = config.n.unwrap_or(scenario.default_n);
    let config = Config { n: Some(n), ..config.clone() };
    let recording = config.trace.then(Recording::start);
    let meter = Meter::start();
    let result = if scenario.backends.contains(&backend) {
        (scenario.run)(backend, &config)
    } else {
        Err(ScenarioError::Unsupported { scenario: scenario.name, backend })
    };
    let measured = meter.stop();
    let trace = recording.map(Recording::finish);
    let wall_ms = measured.wall.as_secs_f64() * 1e3;
    let (ok, items, unit, detail, error) = match result {
        Ok(o) => (o.ok, o.items, o.unit, o.detail, None),
        Err(e) => (false, 0, "", String::new(), Some(e.to_string())),
    };
    RunReport {
        scenario: scenario.name,
        backend: backend.name(),
        n,
        wall_ms,
        peak_rss_kb: measured.peak_rss_kb,
        ok,
        items,
        unit,
        per_second: if wall_ms > 0.0 { items as f64 / (wall_ms / 1e3) } else { 0.0 },
        detail,
        error,
        trace,
    }
}
