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
//! - [`Scenario`]: a name, a summary, the backends it runs on, the range
//!   of each knob it reads ([`KnobRange`]), and its `run` function;
//! - [`Narration`]: what a run prints as it goes, summarised past a
//!   screenful;
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

pub mod baozi;
pub mod blocking;
pub mod crawl;
pub mod echo;
pub mod multicore;
pub mod pingpong;
pub mod producer_consumer;
pub mod redis;
pub mod sleepers;
pub mod spellings;

pub use crate::backend::Backend;
use crate::measure::Meter;
use crate::trace::{Recording, Trace};
use std::fmt;
use std::time::Duration;

/// The knobs of a run. Each scenario's [`Scenario::knobs`] says which it
/// reads and the values each accepts; unset knobs take the scenario's
/// defaults.
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
    /// Where the narration goes: shared by every clone of this config, so
    /// a run's tasks and threads count their lines together.
    pub narration: Narration,
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
    /// interleave in the order they happen. Past [`Narration::HEAD`] lines
    /// a run's narration is summarised (see [`Narration`]).
    pub fn say(&self, line: impl fmt::Display) {
        if self.narrate {
            self.narration.say(line);
        }
    }
}

/// A run's narration, kept readable however large the run.
///
/// The first [`HEAD`](Self::HEAD) lines print as they happen; after that
/// only the last [`TAIL`](Self::TAIL) are kept, and [`finish`](Self::finish)
/// prints how many were left out, then those last lines. So
/// `run sleepers --n 10000` shows how the run starts and how it ends in
/// under fifty lines, not twenty thousand.
#[derive(Clone, Debug, Default)]
pub struct Narration(std::sync::Arc<std::sync::Mutex<Told>>);

#[derive(Debug, Default)]
struct Told {
    lines: u64,
    tail: std::collections::VecDeque<String>,
}

impl Narration {
    /// Lines printed as they happen.
    pub const HEAD: u64 = 30;
    /// Lines kept and printed at the end once the head is used up.
    pub const TAIL: usize = 10;

    fn told(&self) -> std::sync::MutexGuard<'_, Told> {
        // A panic mid-line leaves only a count and a queue of strings: fine.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Prints `line`, or keeps it for the tail.
    pub fn say(&self, line: impl fmt::Display) {
        let mut told = self.told();
        told.lines += 1;
        if told.lines <= Self::HEAD {
            println!("{line}");
        } else {
            if told.tail.len() == Self::TAIL {
                told.tail.pop_front();
            }
            told.tail.push_back(line.to_string());
        }
    }

    /// How many lines were said so far.
    pub fn lines(&self) -> u64 {
        self.told().lines
    }

    /// Prints what the head left out, as a count and the last lines, and
    /// starts over.
    pub fn finish(&self) {
        let mut told = self.told();
        let left_out = told.lines.saturating_sub(Self::HEAD + told.tail.len() as u64);
        if left_out > 0 {
            println!("… {} more lines of narration not shown (--quiet for none) …", grouped(left_out));
        }
        for line in told.tail.drain(..) {
            println!("{line}");
        }
        told.lines = 0;
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
    /// The knobs it reads and the values each accepts; `corolab run`
    /// refuses the others, and values outside.
    pub knobs: &'static [KnobRange],
    /// Runs it on one backend. Called through [`run`], which times it.
    pub run: fn(Backend, &Config) -> Result<Outcome, ScenarioError>,
}

impl fmt::Debug for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scenario").field("name", &self.name).field("backends", &self.backends).finish()
    }
}

/// A knob of [`Config`], by the flag that sets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Knob {
    /// `--n`: the size of the run.
    N,
    /// `--delay-ms`: a latency.
    DelayMs,
    /// `--clients`: concurrent clients.
    Clients,
    /// `--concurrency`: operations in flight.
    Concurrency,
    /// `--workers`: threads of a multi-threaded backend.
    Workers,
}

impl Knob {
    /// Every knob, in the order `--help` lists them.
    pub const ALL: &'static [Knob] =
        &[Knob::N, Knob::DelayMs, Knob::Clients, Knob::Concurrency, Knob::Workers];

    /// The command-line flag.
    pub fn flag(self) -> &'static str {
        match self {
            Knob::N => "--n",
            Knob::DelayMs => "--delay-ms",
            Knob::Clients => "--clients",
            Knob::Concurrency => "--concurrency",
            Knob::Workers => "--workers",
        }
    }

    /// The knob's value in `config`, if set.
    pub fn get(self, config: &Config) -> Option<u64> {
        match self {
            Knob::N => config.n,
            Knob::DelayMs => config.delay.map(|d| d.as_millis().try_into().unwrap_or(u64::MAX)),
            Knob::Clients => config.clients,
            Knob::Concurrency => config.concurrency,
            Knob::Workers => config.workers.map(|w| w as u64),
        }
    }
}

/// The values one knob accepts in one scenario, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnobRange {
    /// Which knob.
    pub knob: Knob,
    /// The smallest value.
    pub min: u64,
    /// The largest value: past it a run would take hours, exhaust memory
    /// or a system limit, or print more than anyone reads.
    pub max: u64,
}

impl KnobRange {
    /// `knob` from `min` to `max`.
    pub const fn new(knob: Knob, min: u64, max: u64) -> KnobRange {
        KnobRange { knob, min, max }
    }

    /// `--n 1..=1,000,000`.
    pub fn describe(&self) -> String {
        format!("{} {}..={}", self.knob.flag(), grouped(self.min), grouped(self.max))
    }
}

/// `1000000` as `1,000,000`.
pub fn grouped(x: u64) -> String {
    let digits = x.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Scenario {
    /// The range of `knob`, or `None` when this scenario does not read it.
    pub fn range(&self, knob: Knob) -> Option<&KnobRange> {
        self.knobs.iter().find(|r| r.knob == knob)
    }

    /// Checks a value the user gave for `knob` (as a signed number, so a
    /// negative one gets a message that fits): a one-line reason when it
    /// is outside the scenario's range or the scenario does not read it.
    pub fn check_knob(&self, knob: Knob, value: i128) -> Result<u64, String> {
        let Some(range) = self.range(knob) else {
            let reads: Vec<&str> = self.knobs.iter().map(|r| r.knob.flag()).collect();
            return Err(format!(
                "{} does not read {} (it reads {})",
                self.name,
                knob.flag(),
                reads.join(", ")
            ));
        };
        match u64::try_from(value) {
            Ok(v) if (range.min..=range.max).contains(&v) => Ok(v),
            _ => Err(format!(
                "{} for {} must be from {} to {} (got {value})",
                knob.flag(),
                self.name,
                grouped(range.min),
                grouped(range.max)
            )),
        }
    }

    /// Checks every knob `config` sets that this scenario reads against
    /// its range (knobs it does not read are left to the caller).
    pub fn check(&self, config: &Config) -> Result<(), String> {
        for range in self.knobs {
            if let Some(value) = range.knob.get(config) {
                self.check_knob(range.knob, value.into())?;
            }
        }
        Ok(())
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
    baozi::SCENARIO,
    sleepers::SCENARIO,
    echo::SCENARIO,
    blocking::SCENARIO,
    multicore::SCENARIO,
    crawl::SCENARIO,
    spellings::SCENARIO,
    redis::SCENARIO,
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
    let config = Config { n: Some(n), narration: Narration::default(), ..config.clone() };
    let recording = config.trace.then(Recording::start);
    let meter = Meter::start();
    let result = if let Err(why) = scenario.check(&config) {
        Err(ScenarioError::Failed(why))
    } else if scenario.backends.contains(&backend) {
        (scenario.run)(backend, &config)
    } else {
        Err(ScenarioError::Unsupported { scenario: scenario.name, backend })
    };
    let measured = meter.stop();
    config.narration.finish();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narration_keeps_the_head_and_the_tail_and_counts_the_rest() {
        let narration = Narration::default();
        let total = Narration::HEAD + 100;
        for i in 0..total {
            narration.say(i);
        }
        assert_eq!(narration.lines(), total);
        let tail: Vec<String> = narration.told().tail.iter().cloned().collect();
        let want: Vec<String> = (total - Narration::TAIL as u64..total).map(|i| i.to_string()).collect();
        assert_eq!(tail, want);
        narration.finish();
        assert_eq!(narration.lines(), 0);
        assert!(narration.told().tail.is_empty());
    }

    #[test]
    fn clones_of_a_config_share_one_narration() {
        let config = Config { narrate: true, ..Config::default() };
        let clone = config.clone();
        config.say("one");
        clone.say("two");
        assert_eq!(config.narration.lines(), 2);
    }

    #[test]
    fn knob_ranges_include_both_ends() {
        let sleepers = find("sleepers").unwrap();
        assert_eq!(sleepers.check_knob(Knob::N, 1), Ok(1));
        assert_eq!(sleepers.check_knob(Knob::N, 1_000_000), Ok(1_000_000));
        assert!(sleepers.check_knob(Knob::N, 0).unwrap_err().contains("from 1 to 1,000,000 (got 0)"));
        assert!(sleepers.check_knob(Knob::Clients, 3).unwrap_err().contains("does not read --clients"));
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(1_024), "1,024");
    }
}
