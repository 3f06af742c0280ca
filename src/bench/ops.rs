//! The bench's first table: what one operation of each model costs, in
//! nanoseconds or microseconds, beside the same operation in the peers.
//!
//! Each figure comes from one fresh child process that times a bare loop
//! of the operation inside itself ([`super::workloads`] for corolab, raw
//! corosensei, may and threads; `tokio_peer op` for tokio; `ops.py` for
//! Python), growing the loop until it lasts a target time, so the clock's
//! own cost disappears, and checking the results after the clock stops.
//!
//! A shared machine is noisy, so every row runs several rounds, the rows
//! take turns (round 1 runs every row once, then round 2, in the opposite
//! order), and a row shows the median with half its spread (max − min
//! over two, as a percentage of the median). A row whose spread passes
//! [`WIDE`] is marked `!` and the table says not to trust its digits.
#![forbid(unsafe_code)]

use super::child::{self, End, Limits};
use super::summary::shorten;
use super::workloads;
use crate::term::wrap;
use std::fmt::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// The Python side of the same loops, run with `python3 -c`.
const OPS_PY: &str = include_str!("ops.py");

/// A spread (half the range over the median) above this is too wide to trust.
pub const WIDE: f64 = 0.25;

/// Who runs one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpRunner {
    /// `corolab bench --op OP --who WHO`: a corolab backend or a linked peer.
    Corolab {
        /// The corolab binary.
        exe: PathBuf,
        /// `generator`, `threads-1core`, `corosensei` …
        who: String,
    },
    /// `tokio_peer op OP ct|mt`.
    Tokio {
        /// The peer binary.
        exe: PathBuf,
        /// `ct` (current-thread) or `mt` (multi-thread, two workers).
        flavour: &'static str,
    },
    /// `python3 -c ops.py OP VARIANT`.
    Python {
        /// `generators`, `greenlet`, `gevent`, `asyncio`, `uvloop`, `threads`.
        variant: &'static str,
    },
}

impl OpRunner {
    /// The row label.
    pub fn label(&self) -> String {
        match self {
            OpRunner::Corolab { who, .. } => match who.as_str() {
                "threads-1core" => "threads, 1 core".into(),
                "threads-2cores" => "threads, 2 cores".into(),
                "greenlet-siblings" => "greenlet child↔child".into(),
                "corosensei" | "may" => format!("{who} (peer)"),
                _ => who.clone(),
            },
            OpRunner::Tokio { flavour: "ct", .. } => "tokio 1 thread (peer)".into(),
            OpRunner::Tokio { .. } => "tokio 2 threads (peer)".into(),
            OpRunner::Python { variant } => format!("python {variant}"),
        }
    }

    /// Whether this row is one of the Python originals.
    pub fn is_python(&self) -> bool {
        matches!(self, OpRunner::Python { .. })
    }

    /// The Python original this row is compared with.
    pub fn original(&self) -> Option<&'static str> {
        match self {
            OpRunner::Corolab { who, .. } => match who.as_str() {
                "generator" => Some("generators"),
                "greenlet" | "corosensei" => Some("greenlet"),
                "gevent" | "may" => Some("gevent"),
                "aio" => Some("asyncio"),
                w if w.starts_with("threads") => Some("threads"),
                _ => None,
            },
            OpRunner::Tokio { .. } => Some("asyncio"),
            OpRunner::Python { .. } => None,
        }
    }

    fn command(&self, op: &str, target: Duration) -> Command {
        let ms = target.as_millis().max(1).to_string();
        match self {
            OpRunner::Corolab { exe, who } => {
                let mut c = Command::new(exe);
                c.args(["bench", "--op", op, "--who", who, "--target-ms", &ms]);
                c
            }
            OpRunner::Tokio { exe, flavour } => {
                let mut c = Command::new(exe);
                c.args(["op", op, flavour, &ms]);
                c
            }
            OpRunner::Python { variant } => {
                let mut c = Command::new("python3");
                c.args(["-c", OPS_PY, op, variant, &ms]);
                c
            }
        }
    }
}

/// What one operation is, for the table's heading.
pub fn describe(op: &str) -> &'static str {
    match op {
        "switch" => "a round trip: control leaves a task and comes back",
        "spawn" => "start a task that returns at once, and wait for it",
        "timer" => "one of 10,000 tasks due at the same instant wakes",
        "remote" => "a plain thread has the runtime run a task, and waits (1 core)",
        "socket" => "64 bytes there and back over 127.0.0.1",
        _ => "",
    }
}

/// The Python variants that have `op`.
fn python_variants(op: &str) -> &'static [&'static str] {
    match op {
        "switch" | "spawn" => &["generators", "greenlet", "gevent", "asyncio", "uvloop", "threads"],
        "timer" | "socket" => &["gevent", "asyncio", "uvloop"],
        "remote" => &["asyncio", "uvloop"],
        _ => &[],
    }
}

/// What a row did.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum OpOutcome {
    /// Every round ran: nanoseconds per operation, per round.
    Measured {
        /// The median of `rounds`.
        ns: f64,
        /// Half the range of `rounds` over the median.
        spread: f64,
        /// ns per operation, one per round, in the order they ran.
        rounds: Vec<f64>,
    },
    /// A round failed.
    Failed {
        /// Why.
        reason: String,
    },
    /// It could not run here.
    Skipped {
        /// Why, and what to do about it.
        reason: String,
    },
}

/// One row of an operation's table.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct OpRow {
    /// `greenlet`, `tokio 1 thread (peer)`, `python asyncio`.
    pub label: String,
    /// The Python original it is compared with, if any.
    pub original: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub outcome: OpOutcome,
}

impl OpRow {
    /// Nanoseconds per operation, if measured.
    pub fn ns(&self) -> Option<f64> {
        match self.outcome {
            OpOutcome::Measured { ns, .. } => Some(ns),
            _ => None,
        }
    }
}

/// One operation's rows.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct OpTable {
    /// `switch`, `spawn` …
    pub op: String,
    /// Its rows: corolab's, then the peers'.
    pub rows: Vec<OpRow>,
}

/// How many rounds, and how long each timed loop lasts.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct OpPlan {
    /// Rounds per row.
    pub rounds: usize,
    /// The timed loop's target length, milliseconds.
    pub target_ms: u64,
}

/// Every operation's runners, or a skipped row where one cannot run.
pub fn runners(
    exe: &std::path::Path,
    tokio: Result<PathBuf, String>,
) -> Vec<(&'static str, Vec<Result<OpRunner, OpRow>>)> {
    let python = python_found();
    workloads::OPS
        .iter()
        .map(|&op| {
            let mut rows: Vec<Result<OpRunner, OpRow>> = workloads::who_runs(op)
                .iter()
                .map(|who| Ok(OpRunner::Corolab { exe: exe.to_path_buf(), who: who.to_string() }))
                .collect();
            for flavour in ["ct", "mt"] {
                rows.push(match &tokio {
                    Ok(exe) => Ok(OpRunner::Tokio { exe: exe.clone(), flavour }),
                    Err(why) => Err(skipped(&OpRunner::Tokio { exe: PathBuf::new(), flavour }, why)),
                });
            }
            for &variant in python_variants(op) {
                let r = OpRunner::Python { variant };
                rows.push(if python { Ok(r) } else { Err(skipped(&r, "python3 not found")) });
            }
            (op, rows)
        })
        .collect()
}

fn skipped(r: &OpRunner, why: &str) -> OpRow {
    OpRow {
        label: r.label(),
        original: r.original().map(String::from),
        outcome: OpOutcome::Skipped { reason: why.to_string() },
    }
}

fn python_found() -> bool {
    let mut c = Command::new("python3");
    c.arg("--version");
    matches!(child::run(c, Limits { time: Duration::from_secs(10), rss_kb: 1 << 20 }), Ok(r) if r.success())
}

/// The JSON line every op child prints.
#[derive(Debug, serde::Deserialize)]
struct OpLine {
    ok: bool,
    #[serde(default)]
    ns: u64,
    #[serde(default)]
    iters: u64,
    #[serde(default)]
    skip: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// The operation whose children run with every thread on core 0. A
/// wake-up from another thread costs a context switch when both threads
/// share a core and 35 to 40 µs when the sleeping one is on the other
/// (idle) core; left to the scheduler, rounds land either way and the
/// rows spread by ±100%. On one core every row pays the same kind of wake.
const ONE_CORE: &str = "remote";

/// Runs `f` on a helper thread pinned to core 0, so a child it starts
/// inherits that affinity (this process's own threads keep theirs).
fn on_one_core<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            core_affinity::set_for_current(core_affinity::CoreId { id: 0 });
            f()
        })
        .join()
        .expect("the pinned helper thread does not panic")
    })
}

/// One round of one row: ns per operation, or the row it becomes instead.
fn one_round(runner: &OpRunner, op: &str, plan: &OpPlan) -> Result<f64, OpOutcome> {
    let limits = Limits { time: Duration::from_secs(60), rss_kb: 2 << 20 };
    let command = runner.command(op, Duration::from_millis(plan.target_ms));
    let run = if op == ONE_CORE {
        on_one_core(|| child::run(command, limits))
    } else {
        child::run(command, limits)
    }
    .map_err(|e| OpOutcome::Failed { reason: format!("could not start: {e}") })?;
    let line: Option<OpLine> = run.stdout.lines().rev().find_map(|l| serde_json::from_str(l.trim()).ok());
    match (run.end, line) {
        (End::TimedOut, _) => Err(OpOutcome::Failed { reason: "timed out".into() }),
        (_, Some(l)) if l.ok && l.iters > 0 => Ok(l.ns as f64 / l.iters as f64),
        (_, Some(OpLine { skip: Some(why), .. })) => Err(OpOutcome::Skipped { reason: why }),
        (_, Some(OpLine { error: Some(why), .. })) => Err(OpOutcome::Failed { reason: why }),
        _ => {
            let last = run.stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no JSON line");
            Err(OpOutcome::Failed { reason: last.trim().to_string() })
        }
    }
}

/// Runs every row `plan.rounds` times, the rows taking turns, and calls
/// `progress(done, total, what)` before each child.
pub fn run(
    planned: Vec<(&'static str, Vec<Result<OpRunner, OpRow>>)>,
    plan: &OpPlan,
    progress: &mut dyn FnMut(u64, u64, String),
) -> Vec<OpTable> {
    // Every live row: (table, row, runner), and its rounds so far.
    let mut live: Vec<(usize, usize, OpRunner)> = Vec::new();
    let mut tables: Vec<OpTable> = Vec::new();
    for (t, (op, rows)) in planned.into_iter().enumerate() {
        let mut out = Vec::new();
        for (r, row) in rows.into_iter().enumerate() {
            match row {
                Ok(runner) => {
                    out.push(OpRow {
                        label: runner.label(),
                        original: runner.original().map(String::from),
                        outcome: OpOutcome::Measured { ns: 0.0, spread: 0.0, rounds: Vec::new() },
                    });
                    live.push((t, r, runner));
                }
                Err(row) => out.push(row),
            }
        }
        tables.push(OpTable { op: op.to_string(), rows: out });
    }
    let total = (live.len() * plan.rounds) as u64;
    let mut done = 0;
    for round in 0..plan.rounds {
        let order: Vec<usize> =
            if round % 2 == 0 { (0..live.len()).collect() } else { (0..live.len()).rev().collect() };
        for i in order {
            let (t, r, runner) = &live[i];
            let op = tables[*t].op.clone();
            let row = &mut tables[*t].rows[*r];
            if let OpOutcome::Measured { rounds, .. } = &mut row.outcome {
                progress(done, total, format!("{op} on {}", row.label));
                match one_round(runner, &op, plan) {
                    Ok(ns) => rounds.push(ns),
                    Err(outcome) => row.outcome = outcome,
                }
            }
            done += 1;
        }
    }
    for row in tables.iter_mut().flat_map(|t| &mut t.rows) {
        if let OpOutcome::Measured { ns, spread, rounds } = &mut row.outcome {
            (*ns, *spread) = median_spread(rounds);
        }
    }
    tables
}

/// The median and half the range over the median.
pub fn median_spread(xs: &[f64]) -> (f64, f64) {
    if xs.is_empty() {
        return (0.0, 0.0);
    }
    let mut s = xs.to_vec();
    s.sort_by(f64::total_cmp);
    let mid = s.len() / 2;
    let median = if s.len() % 2 == 1 { s[mid] } else { (s[mid - 1] + s[mid]) / 2.0 };
    let spread = if median > 0.0 { (s[s.len() - 1] - s[0]) / 2.0 / median } else { 0.0 };
    (median, spread)
}

/// `3.1 ns`, `12.4 µs`, `1.20 ms`.
pub fn per_op(ns: f64) -> String {
    match ns {
        x if x >= 1e6 => format!("{:.2} ms", x / 1e6),
        x if x >= 1e4 => format!("{:.0} µs", x / 1e3),
        x if x >= 1e3 => format!("{:.1} µs", x / 1e3),
        x if x >= 10.0 => format!("{x:.0} ns"),
        x => format!("{x:.1} ns"),
    }
}

fn times(x: f64) -> String {
    match x {
        x if x >= 1e4 => format!("{:.0}k×", x / 1e3),
        x if x >= 10.0 => format!("{x:.0}×"),
        x => format!("{x:.2}×"),
    }
}

/// What the odd rows mean, under the tables.
const NOTES: [&str; 4] = [
    "greenlet child↔child: two child greenlets switching to each other go \
     through the trampoline on main, two hops a switch (4 context switches a \
     round trip, main↔child takes 2): about twice the greenlet row, by design.",
    "timer: each woken task stays alive until all have woken; one that \
     returned would free its stack inside the timed window (munmap, 5 µs and \
     more), which was most of gevent's old 7 µs. A may spawn maps a fresh \
     stack and writes an eventfd (3 system calls) and a thread is a clone, \
     so may and threads get 1 s, not 150 ms, to start before the deadline.",
    "remote: every thread of the child runs on core 0, so each wake is a \
     context switch; across cores a wake costs 35-40 µs more (threads, 2 \
     cores), and left to the scheduler the rows spread by ±100%.",
    "1,000,000 sleepers of 500 ms, aio against tokio, time and peak memory: \
     `taskset -c 0 cargo bench -p corolab-benches --bench aio_million`.",
];

/// The tables as text that fits in `width` columns: per operation, each
/// row's time per operation, its spread, its ratio to the best row, and how
/// many times longer its Python original takes.
pub fn render(tables: &[OpTable], plan: &OpPlan, width: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        shorten(&format!("━━ one operation, timed in-process (median of {} rounds) ━━", plan.rounds), width)
    );
    let label_w = tables.iter().flat_map(|t| &t.rows).map(|r| r.label.chars().count()).max().unwrap_or(0);
    let mut wide = false;
    for t in tables {
        let _ = writeln!(out, "{}", shorten(&format!("{}: {}", t.op, describe(&t.op)), width));
        let best = t.rows.iter().filter_map(OpRow::ns).fold(f64::INFINITY, f64::min);
        let python = |variant: &str| {
            t.rows.iter().find(|r| r.label == format!("python {variant}")).and_then(OpRow::ns)
        };
        for row in &t.rows {
            let label = format!("  {:<label_w$}", row.label);
            match &row.outcome {
                OpOutcome::Measured { ns, spread, .. } => {
                    let mark = if *spread > WIDE {
                        wide = true;
                        "!"
                    } else {
                        " "
                    };
                    let py = row
                        .original
                        .as_deref()
                        .and_then(python)
                        .map_or(String::new(), |p| format!("py {}", times(p / ns)));
                    let spread = format!("±{:.0}%", spread * 100.0);
                    let line = format!(
                        "{label}  {:>8} {spread:>5}{mark} {:>7}  {py}",
                        per_op(*ns),
                        times(ns / best)
                    );
                    let _ = writeln!(out, "{}", line.trim_end());
                }
                OpOutcome::Failed { reason } => out += &wrapped(&label, &format!("FAILED: {reason}"), width),
                OpOutcome::Skipped { reason } => {
                    out += &wrapped(&label, &format!("skipped: {reason}"), width)
                }
            }
        }
    }
    out += &wrapped_text(
        "×: times the best row of its table. py N×: its Python original \
         (generator: generators, greenlet and corosensei: greenlet, gevent \
         and may: gevent, aio and tokio: asyncio, threads: threads) takes N \
         times as long.",
        width,
    );
    for note in NOTES {
        out += &wrapped_text(note, width);
    }
    if wide {
        out += &wrapped_text(
            &format!(
                "warning: rows marked ! varied by more than ±{:.0}% between rounds: the \
                 machine is busy. Trust their order of magnitude, not their digits.",
                WIDE * 100.0
            ),
            width,
        );
    }
    out
}

/// The tables for `summary.md`: the same text, at 80 columns, in a code
/// block (the book shows it as the terminal does).
pub fn markdown(tables: &[OpTable], plan: &OpPlan) -> String {
    format!(
        "### One operation\n\nEach figure is the median of {} rounds of a loop timed inside a fresh \
         process (the loop grown to last {} ms), the rows taking turns.\n\n```text\n{}```\n\n",
        plan.rounds,
        plan.target_ms,
        render(tables, plan, 80)
    )
}

/// `label  reason`, the reason wrapped under itself rather than cut.
fn wrapped(label: &str, reason: &str, width: usize) -> String {
    let indent = label.chars().count() + 2;
    let room = width.saturating_sub(indent).max(20);
    let mut out = String::new();
    for (i, line) in wrap(reason, room).iter().enumerate() {
        if i == 0 {
            let _ = writeln!(out, "{label}  {line}");
        } else {
            let _ = writeln!(out, "{}{line}", " ".repeat(indent));
        }
    }
    out
}

/// `text` wrapped to `width`, each line ended.
pub(super) fn wrapped_text(text: &str, width: usize) -> String {
    wrap(text, width).iter().map(|l| format!("{l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(label: &str, original: Option<&str>, rounds: &[f64]) -> OpRow {
        let (ns, spread) = median_spread(rounds);
        OpRow {
            label: label.into(),
            original: original.map(String::from),
            outcome: OpOutcome::Measured { ns, spread, rounds: rounds.to_vec() },
        }
    }

    #[test]
    fn median_and_spread_of_rounds() {
        assert_eq!(median_spread(&[3.0, 1.0, 2.0]), (2.0, 0.5));
        assert_eq!(median_spread(&[4.0, 2.0]), (3.0, 1.0 / 3.0));
        assert_eq!(median_spread(&[]), (0.0, 0.0));
    }

    #[test]
    fn nanoseconds_and_microseconds_read_as_such() {
        assert_eq!(per_op(3.12), "3.1 ns");
        assert_eq!(per_op(750.0), "750 ns");
        assert_eq!(per_op(9_200.0), "9.2 µs");
        assert_eq!(per_op(38_000.0), "38 µs");
    }

    #[test]
    fn rows_show_ratios_to_the_best_and_to_their_python_original() {
        let tables = vec![OpTable {
            op: "switch".into(),
            rows: vec![
                measured("greenlet", Some("greenlet"), &[4.0, 4.0, 4.0]),
                measured("corosensei (peer)", Some("greenlet"), &[2.0, 2.0, 2.0]),
                measured("python greenlet", None, &[400.0, 400.0, 400.0]),
                OpRow {
                    label: "python uvloop".into(),
                    original: None,
                    outcome: OpOutcome::Skipped { reason: "pip install uvloop".into() },
                },
            ],
        }];
        let text = render(&tables, &OpPlan { rounds: 3, target_ms: 5 }, 80);
        let line =
            |start: &str| text.lines().find(|l| l.trim_start().starts_with(start)).unwrap().to_string();
        assert!(line("greenlet").contains("4.0 ns") && line("greenlet").contains("2.00×"));
        assert!(line("greenlet").contains("py 100×"), "{text}");
        assert!(line("corosensei").contains("1.00×") && line("corosensei").contains("py 200×"));
        assert!(line("python uvloop").contains("skipped: pip install uvloop"));
        assert!(!text.contains("warning"), "steady rounds raise no warning");
    }

    #[test]
    fn a_wide_spread_is_marked_and_warned_about() {
        let tables = vec![OpTable {
            op: "spawn".into(),
            rows: vec![measured("aio", Some("asyncio"), &[10.0, 30.0, 20.0])],
        }];
        let text = render(&tables, &OpPlan { rounds: 3, target_ms: 5 }, 80);
        assert!(text.contains("±50%!"), "{text}");
        assert!(text.contains("warning: rows marked !"));
    }

    #[test]
    fn every_line_fits_80_columns_and_long_reasons_wrap_whole() {
        let reason = "the tokio peer is not built: `cargo build --release -p corolab-benches --example tokio_peer` (or run a full bench, which builds it)";
        let tables = vec![OpTable {
            op: "socket".into(),
            rows: vec![OpRow {
                label: "tokio 2 threads (peer)".into(),
                original: Some("asyncio".into()),
                outcome: OpOutcome::Skipped { reason: reason.into() },
            }],
        }];
        let text = render(&tables, &OpPlan { rounds: 3, target_ms: 5 }, 80);
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
        let words: Vec<&str> = text.split_whitespace().collect();
        for word in reason.split_whitespace() {
            assert!(words.contains(&word), "{word} was cut from:\n{text}");
        }
    }

    #[test]
    fn rows_take_turns_and_every_round_is_kept() {
        // Two fake corolab runners that only fail to start: each becomes a
        // failed row after its first round, and the other still runs.
        let fake = |who: &str| OpRunner::Corolab { exe: "/nonexistent/corolab".into(), who: who.into() };
        let planned = vec![("switch", vec![Ok(fake("a")), Ok(fake("b"))])];
        let mut seen = Vec::new();
        let tables = run(planned, &OpPlan { rounds: 2, target_ms: 1 }, &mut |_, _, what| seen.push(what));
        assert_eq!(seen, ["switch on a", "switch on b"]);
        assert!(tables[0].rows.iter().all(|r| matches!(r.outcome, OpOutcome::Failed { .. })));
    }
}
