//! `corolab bench`: every scenario on every backend, and the peers, each in
//! a fresh child process, measured the same way and tabled side by side.
//!
//! How it works, in order:
//!
//! 0. **One operation.** First, [`ops`] times each model's own operations
//!    (a switch, a spawn, a timer wake-up, a wake-up from another thread, a
//!    loopback round trip) inside fresh child processes, over loops long
//!    enough for the clock to vanish, in alternating rounds; [`workloads`]
//!    holds corolab's loops. This is the table a learner reads first:
//!    nanoseconds for a coroutine switch, microseconds for a thread hand-off.
//! 1. **Plan.** The scenarios and their backends come from the registry
//!    ([`crate::scenarios::SCENARIOS`]); [`plan`] sizes each one (quick or
//!    full) and [`peers`] finds the peers on this machine (tokio, the
//!    lessons' Python originals).
//! 2. **Run.** Each row is one child process, `corolab run <scenario>
//!    --backend <b> --json` or a peer's equivalent, watched by [`child`]: a
//!    time limit and a memory limit that kill it, and the kernel's count of
//!    its peak memory (`ru_maxrss`). The child times its own work; its JSON
//!    line says how long and how much.
//! 3. **Table.** [`table`] turns rows into ratios to the best row and prints
//!    them; a row that failed or was skipped says why.
//! 4. **Scale.** The probe runs `sleepers` at 10^3, 10^4 … for each runner
//!    until one breaks the limits (1 GiB, 10 s), and takes memory per task
//!    at N = 100,000: peak memory there, less peak memory at N = 1, over N.
//! 5. **Write.** With `--out DIR`, [`charts`] draws SVG charts and
//!    [`summary`] writes `summary.md` for the book's results chapter.
//!
//! Every file here forbids `unsafe` except [`child`], whose one `wait4`
//! call is the only way to read a child's peak memory from the kernel.

pub mod charts;
pub mod child;
pub mod ops;
pub mod peers;
pub mod plan;
pub mod summary;
pub mod table;
pub mod workloads;

use self::child::{End, Limits};
use self::peers::{Peers, Runner};
use self::plan::{Knobs, ProbePlan};
use self::table::{Figures, Ratios, Row};
use crate::scenarios::{self, SCENARIOS};
use std::path::PathBuf;
use std::time::Duration;

/// What to bench and how.
#[derive(Clone, Debug)]
pub struct Options {
    /// Small sizes and a shorter probe: under a minute on two cores.
    pub quick: bool,
    /// The corolab binary the children run.
    pub exe: PathBuf,
    /// Where the lessons (and their `original.py`) are.
    pub lessons: PathBuf,
    /// Whether to look for peers.
    pub peers: bool,
    /// Only these scenarios (all when empty).
    pub only: Vec<String>,
    /// Overrides every table's `n` (for small end-to-end tests).
    pub n: Option<u64>,
    /// The probe's largest step (`None`: the plan's; `Some(0)`: no probe).
    pub probe_max: Option<u64>,
    /// Whether to time the per-operation table.
    pub ops: bool,
    /// Only the per-operation table: no scenario tables, no probe.
    pub ops_only: bool,
}

impl Options {
    /// Defaults for this process: its own binary, the project's lessons.
    pub fn new(quick: bool) -> std::io::Result<Options> {
        Ok(Options {
            quick,
            exe: std::env::current_exe()?,
            lessons: crate::lessons::project_dir().join("lessons"),
            peers: true,
            only: Vec::new(),
            n: None,
            probe_max: None,
            ops: true,
            ops_only: false,
        })
    }
}

/// One scenario's table.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ScenarioTable {
    /// The scenario.
    pub scenario: String,
    /// Its one-line summary.
    pub summary: String,
    /// The knobs every row ran with.
    pub knobs: Knobs,
    /// The rows: corolab's backends in registry order, then the peers.
    pub rows: Vec<Row>,
    /// Each row's ratios to the best row, `None` where it did not run.
    pub ratios: Vec<Option<Ratios>>,
}

/// One step of the scale probe.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct ProbeStep {
    /// The number of sleepers.
    pub n: u64,
    /// Wall time of the run, milliseconds.
    pub wall_ms: f64,
    /// Peak memory of the child, KiB.
    pub peak_rss_kb: u64,
}

/// One runner's scale probe.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ProbeRow {
    /// The runner's label.
    pub label: String,
    /// Whether it is a peer.
    pub peer: bool,
    /// The steps it passed, in order.
    pub steps: Vec<ProbeStep>,
    /// Why it stopped before the last step, if it did.
    pub stopped: Option<String>,
    /// Peak memory of a run with one sleeper, KiB.
    pub baseline_kb: Option<u64>,
    /// Memory per task at the plan's `per_task_n`, bytes.
    pub bytes_per_task: Option<f64>,
}

impl ProbeRow {
    /// The largest N it reached within the limits.
    pub fn largest(&self) -> Option<u64> {
        self.steps.last().map(|s| s.n)
    }
}

/// The scale probe's results.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Probe {
    /// What was probed and under which limits.
    pub plan: ProbePlan,
    /// One row per runner, or why there is none.
    pub rows: Vec<ProbeRow>,
    /// Why the probe did not run, if it did not.
    pub skipped: Option<String>,
}

/// Everything one `corolab bench` saw.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    /// Whether it was a quick run.
    pub quick: bool,
    /// `/proc/loadavg`'s three load averages when the run started.
    pub load_start: String,
    /// The same when it ended: how busy the machine was.
    pub load_end: String,
    /// How the per-operation table was run.
    pub op_plan: ops::OpPlan,
    /// The per-operation table, one per operation (empty when not run).
    pub ops: Vec<ops::OpTable>,
    /// Cores the machine has.
    pub cores: usize,
    /// One table per scenario.
    pub tables: Vec<ScenarioTable>,
    /// The scale probe.
    pub probe: Probe,
    /// Notes about peers and anything else worth saying.
    pub notes: Vec<String>,
    /// Wall time of the whole bench, seconds.
    pub total_s: f64,
}

/// Where the bench is, for a progress bar.
#[derive(Clone, Debug)]
pub struct Progress {
    /// Children run (or skipped) so far.
    pub done: u64,
    /// Children in the plan (the probe's, at most).
    pub total: u64,
    /// What runs now: `sleepers on gevent`.
    pub what: String,
}

/// Runs the bench, calling `progress` before each child.
pub fn run(options: &Options, progress: &mut dyn FnMut(&Progress)) -> Report {
    let started = std::time::Instant::now();
    let load_start = load_average();
    let peers =
        if options.peers { Peers::discover(&options.exe, &options.lessons, true) } else { Peers::none() };
    // A run with `--n` (a test's tiny sizes) gets one short round.
    let op_plan = match (options.n, options.quick) {
        (Some(_), _) => ops::OpPlan { rounds: 1, target_ms: 1 },
        (None, true) => ops::OpPlan { rounds: 3, target_ms: 5 },
        (None, false) => ops::OpPlan { rounds: 5, target_ms: 30 },
    };
    let op_tables = if options.ops || options.ops_only {
        let mut runners = ops::runners(&options.exe, peers.tokio_exe());
        if !options.peers {
            for (_, rows) in &mut runners {
                rows.retain(|r| matches!(r, Ok(ops::OpRunner::Corolab { who, .. }) if who != "corosensei" && who != "may"));
            }
        }
        ops::run(runners, &op_plan, &mut |done, total, what| {
            progress(&Progress { done, total, what: format!("one operation: {what}") })
        })
    } else {
        Vec::new()
    };
    if options.ops_only {
        return Report {
            quick: options.quick,
            load_start,
            load_end: load_average(),
            op_plan,
            ops: op_tables,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            tables: Vec::new(),
            probe: Probe {
                plan: plan::probe(options.quick),
                rows: Vec::new(),
                skipped: Some("--ops-only".into()),
            },
            notes: peers.notes,
            total_s: started.elapsed().as_secs_f64(),
        };
    }
    let table_limits =
        Limits { time: Duration::from_secs(if options.quick { 20 } else { 60 }), rss_kb: 1 << 20 };
    let chosen: Vec<&scenarios::Scenario> = SCENARIOS
        .iter()
        .filter(|s| options.only.is_empty() || options.only.iter().any(|o| o == s.name))
        .collect();

    // Plan every child first, so the progress bar knows its length.
    let mut plans = Vec::new();
    for scenario in &chosen {
        let mut sizing = plan::sizing(scenario, options.quick);
        if let Some(n) = options.n {
            sizing.knobs.n = n;
        }
        let mut entries: Vec<Result<Runner, Row>> = scenario
            .backends
            .iter()
            .map(|&backend| match sizing.skip.iter().find(|(b, _)| *b == backend) {
                Some((_, why)) => Err(Row::skipped(backend.name(), false, *why)),
                None => Ok(Runner::Corolab { exe: options.exe.clone(), backend }),
            })
            .collect();
        entries.extend(peers.for_scenario(scenario.name));
        plans.push((scenario, sizing, entries));
    }
    let mut probe_plan = plan::probe(options.quick);
    if let Some(max) = options.probe_max {
        probe_plan.steps.retain(|&n| n <= max);
    }
    let probe_runners = probe_runners(&probe_plan, &options.exe, &peers);
    let table_children: usize = plans.iter().map(|(_, _, e)| e.iter().filter(|e| e.is_ok()).count()).sum();
    let probe_children = probe_runners.as_ref().map_or(0, |r| r.len() * (probe_plan.steps.len() + 1));
    let mut bar = Progress { done: 0, total: (table_children + probe_children) as u64, what: String::new() };

    let mut tables = Vec::new();
    for (scenario, sizing, entries) in plans {
        let mut rows = Vec::new();
        for entry in entries {
            let runner = match entry {
                Ok(runner) => runner,
                Err(row) => {
                    rows.push(row);
                    continue;
                }
            };
            bar.what = format!("{} on {}", scenario.name, runner.label());
            progress(&bar);
            let row = match measure(&runner, scenario.name, &sizing.knobs, table_limits) {
                Ok(mut figures) => {
                    if !sizing.throughput {
                        figures.per_second = None;
                    }
                    Row::measured(runner.label(), runner.is_peer(), figures)
                }
                Err(why) => Row::failed(runner.label(), runner.is_peer(), why),
            };
            rows.push(row);
            bar.done += 1;
        }
        let ratios = table::ratios(&rows);
        tables.push(ScenarioTable {
            scenario: scenario.name.to_string(),
            summary: scenario.summary.to_string(),
            knobs: sizing.knobs,
            rows,
            ratios,
        });
    }

    let probe = match probe_runners {
        Err(why) => Probe { plan: probe_plan, rows: Vec::new(), skipped: Some(why) },
        Ok(runners) => {
            let rows = runners.iter().map(|r| probe_one(r, &probe_plan, &mut bar, progress)).collect();
            Probe { plan: probe_plan, rows, skipped: None }
        }
    };
    bar.done = bar.total;
    bar.what = "done".into();
    progress(&bar);
    Report {
        quick: options.quick,
        load_start,
        load_end: load_average(),
        op_plan,
        ops: op_tables,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        tables,
        probe,
        notes: peers.notes,
        total_s: started.elapsed().as_secs_f64(),
    }
}

/// The 1, 5 and 15 minute load averages, `?` where the kernel does not say.
fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let parts: Vec<&str> = text.split_whitespace().take(3).collect();
    if parts.len() == 3 { parts.join(" ") } else { "?".into() }
}

/// The runners the probe tries: the probed scenario's backends that are not
/// skipped in its table, and the peers that have it.
fn probe_runners(plan: &ProbePlan, exe: &std::path::Path, peers: &Peers) -> Result<Vec<Runner>, String> {
    if plan.steps.is_empty() {
        return Err("no probe steps within --probe-max".into());
    }
    let scenario = scenarios::find(plan.scenario).ok_or_else(|| {
        format!("scenario {} is not in this build (its backends have not landed)", plan.scenario)
    })?;
    let skip = plan::sizing(scenario, true).skip;
    let mut runners: Vec<Runner> = scenario
        .backends
        .iter()
        .filter(|b| !skip.iter().any(|(s, _)| s == *b))
        .map(|&backend| Runner::Corolab { exe: exe.to_path_buf(), backend })
        .collect();
    runners.extend(peers.for_scenario(plan.scenario).into_iter().filter_map(Result::ok));
    Ok(runners)
}

/// Probes one runner: a baseline at N = 1, then each step until one fails.
fn probe_one(
    runner: &Runner,
    plan: &ProbePlan,
    bar: &mut Progress,
    progress: &mut dyn FnMut(&Progress),
) -> ProbeRow {
    let limits = Limits { time: plan.time_limit, rss_kb: plan.rss_limit_kb };
    let knobs = |n| Knobs { n, delay_ms: Some(plan.delay_ms), clients: None };
    let mut row = ProbeRow {
        label: runner.label(),
        peer: runner.is_peer(),
        steps: Vec::new(),
        stopped: None,
        baseline_kb: None,
        bytes_per_task: None,
    };
    bar.what = format!("scale probe: {} at n = 1", row.label);
    progress(bar);
    row.baseline_kb = measure(runner, plan.scenario, &knobs(1), limits).ok().map(|f| f.peak_rss_kb);
    bar.done += 1;
    for (i, &n) in plan.steps.iter().enumerate() {
        bar.what = format!("scale probe: {} at n = {n}", row.label);
        progress(bar);
        match measure(runner, plan.scenario, &knobs(n), limits) {
            Ok(f) => {
                row.steps.push(ProbeStep { n, wall_ms: f.wall_ms, peak_rss_kb: f.peak_rss_kb });
                bar.done += 1;
            }
            Err(why) => {
                row.stopped = Some(format!("n = {n}: {why}"));
                bar.done += (plan.steps.len() - i) as u64;
                break;
            }
        }
    }
    let at = row.steps.iter().find(|s| s.n == plan.per_task_n);
    if let (Some(at), Some(base)) = (at, row.baseline_kb) {
        row.bytes_per_task = Some(at.peak_rss_kb.saturating_sub(base) as f64 * 1024.0 / at.n as f64);
    }
    row
}

/// The JSON line a child prints (the fields of `corolab run --json` the
/// bench reads; peers print the same).
#[derive(Debug, serde::Deserialize)]
struct ChildReport {
    ok: bool,
    wall_ms: f64,
    #[serde(default)]
    items: u64,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    per_second: Option<f64>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    detail: Option<String>,
}

/// Runs one child and reads its figures, or says why there are none.
pub fn measure(runner: &Runner, scenario: &str, knobs: &Knobs, limits: Limits) -> Result<Figures, String> {
    let run =
        child::run(runner.command(scenario, knobs), limits).map_err(|e| format!("could not start: {e}"))?;
    let last_err = run.stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string();
    match run.end {
        End::TimedOut => return Err(format!("timed out after {} s", limits.time.as_secs())),
        End::OverMemory => return Err(format!("over {} MiB", limits.rss_kb / 1024)),
        End::Signalled(sig) => return Err(format!("killed by signal {sig} {last_err}").trim().to_string()),
        End::Exited(_) => {}
    }
    let report: Option<ChildReport> =
        run.stdout.lines().rev().find_map(|l| serde_json::from_str(l.trim()).ok());
    match report {
        Some(r) if r.ok && run.success() => Ok(Figures {
            wall_ms: r.wall_ms,
            per_second: Some(r.per_second.unwrap_or(if r.wall_ms > 0.0 {
                r.items as f64 / (r.wall_ms / 1e3)
            } else {
                0.0
            })),
            unit: r.unit,
            peak_rss_kb: run.peak_rss_kb,
        }),
        Some(r) => Err(r.error.or(r.detail).unwrap_or_else(|| "its checks failed".into())),
        None => Err(match run.end {
            End::Exited(code) => format!("exit status {code}, no JSON line: {last_err}"),
            _ => "no JSON line".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn shell(script: &str) -> Runner {
        // A stand-in runner: `sh -c script` ignores the arguments appended.
        let path =
            std::env::temp_dir().join(format!("corolab-fake-{}-{}.sh", std::process::id(), script.len()));
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
        let mut perms = std::fs::metadata(&path).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&path, perms).unwrap();
        Runner::Tokio { exe: path }
    }

    const LIMITS: Limits = Limits { time: Duration::from_secs(10), rss_kb: 1 << 20 };
    const KNOBS: Knobs = Knobs { n: 1, delay_ms: None, clients: None };

    #[test]
    fn a_childs_json_line_becomes_figures() {
        let r = shell(r#"echo noise; echo '{"ok":true,"wall_ms":20.0,"items":10,"unit":"turns"}'"#);
        let f = measure(&r, "x", &KNOBS, LIMITS).unwrap();
        assert_eq!(f.wall_ms, 20.0);
        assert_eq!(f.per_second, Some(500.0));
        assert_eq!(f.unit, "turns");
        assert!(f.peak_rss_kb > 0);
    }

    #[test]
    fn failures_say_why() {
        let bad = shell(r#"echo '{"ok":false,"wall_ms":1.0,"error":"lost a message"}'; exit 1"#);
        assert_eq!(measure(&bad, "x", &KNOBS, LIMITS).unwrap_err(), "lost a message");
        let silent = shell("echo oops >&2; exit 4");
        assert_eq!(measure(&silent, "x", &KNOBS, LIMITS).unwrap_err(), "exit status 4, no JSON line: oops");
        let slow = shell("sleep 20");
        let quick = Limits { time: Duration::from_millis(100), ..LIMITS };
        assert_eq!(measure(&slow, "x", &KNOBS, quick).unwrap_err(), "timed out after 0 s");
    }

    #[test]
    fn a_python_original_speaking_the_protocol_is_measured() {
        let script = std::env::temp_dir().join(format!("corolab-original-{}.py", std::process::id()));
        std::fs::write(
            &script,
            "import json, sys, time\n\
             a = sys.argv\n\
             n = int(a[a.index('--n') + 1])\n\
             assert a[a.index('--variant') + 1] == 'asyncio'\n\
             t = time.perf_counter()\n\
             total = sum(range(n))\n\
             ms = (time.perf_counter() - t) * 1000\n\
             print(json.dumps({'scenario': 'x', 'backend': 'python-asyncio', 'n': n, 'wall_ms': ms, \
             'ok': True, 'items': n, 'unit': 'things'}))\n",
        )
        .unwrap();
        let runner = Runner::Python { script: script.clone(), variant: "asyncio".into() };
        let knobs = Knobs { n: 1000, delay_ms: None, clients: None };
        let result = measure(&runner, "x", &knobs, LIMITS);
        std::fs::remove_file(&script).unwrap();
        match result {
            Ok(f) => {
                assert_eq!(f.unit, "things");
                assert!(f.peak_rss_kb > 1000, "a Python process holds megabytes: {}", f.peak_rss_kb);
            }
            Err(why) if why.starts_with("could not start") => {} // no python3 here
            Err(why) => panic!("{why}"),
        }
    }

    #[test]
    fn the_probe_stops_a_runner_at_its_first_failure() {
        // Passes for n below 1000 (the knob is the 4th argument), fails above.
        let r = shell(
            r#"if [ "$4" -lt 1000 ]; then echo '{"ok":true,"wall_ms":5.0}'; else echo '{"ok":false,"wall_ms":0,"error":"too many"}'; fi"#,
        );
        let plan = ProbePlan {
            scenario: "sleepers",
            steps: vec![10, 100, 1000, 10000],
            delay_ms: 1,
            per_task_n: 100,
            time_limit: Duration::from_secs(10),
            rss_limit_kb: 1 << 20,
        };
        let mut bar = Progress { done: 0, total: 5, what: String::new() };
        let row = probe_one(&r, &plan, &mut bar, &mut |_| {});
        assert_eq!(row.largest(), Some(100));
        assert_eq!(row.stopped.as_deref(), Some("n = 1000: too many"));
        assert!(row.bytes_per_task.is_some());
        assert_eq!(bar.done, 5);
    }
}
