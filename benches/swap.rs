//! The uvloop lesson's measurement (`lessons/14-swapping-the-loop`): one
//! workload written once over [`corolab::portable::Loop`], run on corolab's
//! `aio` and on tokio's current-thread runtime, and the same Python
//! program on asyncio and on uvloop, in one table.
//!
//! ```text
//! B="cargo bench -p corolab-benches --bench swap"
//! taskset -c 0 $B                       # 3 rounds of every row, ~1 min
//! taskset -c 0 $B -- --rounds 5
//! taskset -c 0 $B -- --syscalls         # and count system calls (strace)
//! $B -- --rounds 0 --syscalls           # only the counts
//! ```
//!
//! Two workloads ([`corolab::portable::echo`] and
//! [`corolab::portable::sleepers`]): 20 echo clients × 1,000 messages over
//! 127.0.0.1, and 50,000 tasks sleeping 500 ms at once. Every row of every
//! round is a fresh child process (this binary with `--child`, or
//! `python3 original.py --json`), the rows take turns (round 1 in order,
//! round 2 reversed …), and a row shows the median with half its spread.
//! Peak memory is the kernel's count for the child (`wait4`'s
//! `ru_maxrss`); allocations are counted by this binary's allocator (Rust
//! rows only). With `--syscalls`, each row runs once more under
//! `strace -f -c`, which slows it down (those runs are not timed) and
//! counts its system calls: all of them, and `epoll_wait`s, per item.

use corolab::bench::child::{self, End, Limits};
use corolab::bench::ops::{median_spread, per_op};
use corolab::portable::{Aio, Loop, echo, sleepers};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "common/counting_alloc.rs"]
mod counting_alloc;
#[path = "common/tokio_loop.rs"]
mod tokio_loop;

use tokio_loop::Tokio;

#[global_allocator]
static ALLOCATOR: counting_alloc::Counting = counting_alloc::Counting;

const CLIENTS: u64 = 20;
const MESSAGES: u64 = 1_000;
const SLEEPERS: u64 = 50_000;
const NAP_MS: u64 = 500;

/// The Python original, which runs one workload on asyncio or uvloop.
fn original_py() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../lessons/14-swapping-the-loop/original.py")
}

/// One row: who runs the workload.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Rust(&'static str),
    Python(&'static str),
}

impl Who {
    fn label(self) -> String {
        match self {
            Who::Rust("tokio") => "tokio (LocalSet)".into(),
            Who::Rust(name) => name.into(),
            Who::Python(variant) => format!("python {variant}"),
        }
    }

    fn command(self, workload: &str) -> Command {
        let (n, knob, value) = match workload {
            "echo" => (MESSAGES, "--clients", CLIENTS),
            _ => (SLEEPERS, "--delay-ms", NAP_MS),
        };
        match self {
            Who::Rust(name) => {
                let mut c = Command::new(std::env::current_exe().expect("own path"));
                c.args(["--child", name, workload]);
                c
            }
            Who::Python(variant) => {
                let mut c = Command::new("python3");
                c.arg(original_py()).args(["--json", "--scenario", workload, "--variant", variant]);
                c.args(["--n", &n.to_string(), knob, &value.to_string()]);
                c
            }
        }
    }
}

/// What one child said, and what the kernel said of it.
#[derive(Clone, Debug, Default)]
struct Round {
    wall_ms: f64,
    items: u64,
    peak_kb: u64,
    allocs: Option<u64>,
}

fn limits() -> Limits {
    Limits { time: Duration::from_secs(120), rss_kb: 4 << 20 }
}

fn one_round(who: Who, workload: &str) -> Result<Round, String> {
    let run = child::run(who.command(workload), limits()).map_err(|e| format!("could not start: {e}"))?;
    let line: Option<serde_json::Value> =
        run.stdout.lines().rev().find_map(|l| serde_json::from_str(l.trim()).ok());
    let ok = line.as_ref().is_some_and(|l| l["ok"] == true);
    match (&run.end, line) {
        (End::TimedOut, _) => Err("timed out".into()),
        (_, Some(l)) if ok => Ok(Round {
            wall_ms: l["wall_ms"].as_f64().unwrap_or(0.0),
            items: l["items"].as_u64().unwrap_or(0),
            peak_kb: run.peak_rss_kb,
            allocs: l["allocs"].as_u64(),
        }),
        (_, Some(l)) => Err(l["error"].as_str().unwrap_or("its check failed").to_string()),
        (_, None) => Err(run.stderr.lines().last().unwrap_or("no JSON line").to_string()),
    }
}

/// `(all system calls, epoll waits)` of one run under `strace -f -c`.
fn syscalls(who: Who, workload: &str) -> Result<(u64, u64), String> {
    let out = std::env::temp_dir().join(format!("corolab-swap-strace-{}", std::process::id()));
    let inner = who.command(workload);
    let mut c = Command::new("strace");
    c.args(["-f", "-c", "-o"]).arg(&out).arg(inner.get_program()).args(inner.get_args());
    let run = child::run(c, Limits { time: Duration::from_secs(600), ..limits() })
        .map_err(|e| format!("strace: {e}"))?;
    if !run.success() {
        return Err(format!("under strace: {}", run.stderr.lines().last().unwrap_or("failed")));
    }
    let text = std::fs::read_to_string(&out).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&out);
    Ok(parse_strace(&text))
}

/// The `calls` column of `strace -c`'s summary: the total, and the rows
/// whose name starts with `epoll_wait` or `epoll_pwait`.
fn parse_strace(text: &str) -> (u64, u64) {
    let (mut total, mut waits) = (0, 0);
    for line in text.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let (Some(name), Some(calls)) = (cols.last(), cols.get(3).and_then(|c| c.parse::<u64>().ok())) else {
            continue;
        };
        if *name == "total" {
            total = calls;
        } else if name.starts_with("epoll_wait") || name.starts_with("epoll_pwait") {
            waits += calls;
        }
    }
    (total, waits)
}

fn child_main(name: &str, workload: &str) {
    let (result, wall, allocs) = match name {
        "aio" => measured::<Aio>(workload),
        _ => measured::<Tokio>(workload),
    };
    let json = match result {
        Ok(items) => serde_json::json!({
            "ok": items == want(workload), "wall_ms": wall.as_secs_f64() * 1e3, "items": items,
            "allocs": allocs, "error": format!("{items} of {} checked", want(workload)),
        }),
        Err(e) => serde_json::json!({"ok": false, "error": e.to_string()}),
    };
    println!("{json}");
}

fn want(workload: &str) -> u64 {
    if workload == "echo" { CLIENTS * MESSAGES } else { SLEEPERS }
}

// ANCHOR: measured
/// Runs `workload` on loop `L`, timing it from inside: what it returned,
/// how long it took, how many allocations it made.
fn measured<L: Loop>(workload: &str) -> (std::io::Result<u64>, Duration, u64) {
    let echo = workload == "echo";
    L::block_on(async move {
        let allocs = counting_alloc::allocations();
        let started = Instant::now();
        let result = if echo {
            echo::run::<L>(CLIENTS, MESSAGES).await
        } else {
            sleepers::run::<L>(SLEEPERS, Duration::from_millis(NAP_MS)).await
        };
        (result, started.elapsed(), counting_alloc::allocations() - allocs)
    })
}
// ANCHOR_END: measured

fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child_main(&args[i + 1], &args[i + 2]);
        return;
    }
    let rounds = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(3usize);
    let count_syscalls = args.iter().any(|a| a == "--syscalls");
    let who = [Who::Rust("aio"), Who::Rust("tokio"), Who::Python("asyncio"), Who::Python("uvloop")];
    let mut skipped: Vec<(Who, String)> = Vec::new();
    if !python_has("asyncio") {
        skipped.push((Who::Python("asyncio"), "python3 not found".into()));
        skipped.push((Who::Python("uvloop"), "python3 not found".into()));
    } else if !python_has("uvloop") {
        skipped.push((Who::Python("uvloop"), "pip install --break-system-packages uvloop".into()));
    }
    let live: Vec<Who> = who.iter().copied().filter(|w| !skipped.iter().any(|(s, _)| s == w)).collect();
    let workloads = ["echo", "sleepers"];
    let mut results: Vec<Vec<Result<Vec<Round>, String>>> =
        workloads.iter().map(|_| live.iter().map(|_| Ok(Vec::new())).collect()).collect();
    let load_start = load();
    for round in 0..rounds {
        let mut order: Vec<(usize, usize)> =
            (0..workloads.len()).flat_map(|w| (0..live.len()).map(move |r| (w, r))).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for (w, r) in order {
            eprint!("\rround {} of {rounds}: {} on {:<20}", round + 1, workloads[w], live[r].label());
            if let Ok(rounds) = &mut results[w][r] {
                match one_round(live[r], workloads[w]) {
                    Ok(x) => rounds.push(x),
                    Err(e) => results[w][r] = Err(e),
                }
            }
        }
    }
    eprintln!();
    if rounds > 0 {
        println!("━━ one workload, two loops (median of {rounds} rounds) ━━");
        println!("load average {load_start} at the start, {} at the end", load());
        for (w, workload) in workloads.iter().enumerate() {
            print_table(workload, &live, &results[w], &skipped);
        }
        println!("allocs: allocations per message or sleeper, made by the whole process");
        println!("(the echo client's one is the message it builds: the loops make none)");
    }
    if count_syscalls {
        println!("system calls, one run each under strace -f -c (not timed):");
        for workload in workloads {
            println!("{workload}: per {}", if workload == "echo" { "message" } else { "sleeper" });
            for &w in &live {
                match syscalls(w, workload) {
                    Ok((all, waits)) => {
                        let per = |x: u64| x as f64 / want(workload) as f64;
                        println!(
                            "  {:<18} {:>6.2} calls, {:>6.3} epoll waits ({all} and {waits} in all)",
                            w.label(),
                            per(all),
                            per(waits)
                        );
                    }
                    Err(e) => println!("  {:<18} {e}", w.label()),
                }
            }
        }
    }
}

fn print_table(
    workload: &str,
    live: &[Who],
    results: &[Result<Vec<Round>, String>],
    skipped: &[(Who, String)],
) {
    let echo = workload == "echo";
    if echo {
        println!("echo: {CLIENTS} clients x {MESSAGES} messages over 127.0.0.1, every echo checked");
        println!(
            "{:<20}{:>9} {:>5} {:>6} {:>9} {:>9} {:>8}",
            "", "wall", "±", "×best", "per msg", "peak", "allocs"
        );
    } else {
        println!("sleepers: {SLEEPERS} tasks sleep {NAP_MS} ms at once, then all are awaited");
        println!(
            "{:<20}{:>9} {:>5} {:>6} {:>9} {:>9} {:>8}",
            "", "wall", "±", "×best", "over nap", "peak", "allocs"
        );
    }
    let medians: Vec<Option<f64>> = results
        .iter()
        .map(|r| r.as_ref().ok().map(|rs| median_spread(&rs.iter().map(|x| x.wall_ms).collect::<Vec<_>>()).0))
        .collect();
    let best = medians.iter().flatten().fold(f64::INFINITY, |a, &b| a.min(b));
    for (i, who) in live.iter().enumerate() {
        let label = format!("  {:<18}", who.label());
        match &results[i] {
            Err(e) => println!("{label}FAILED: {e}"),
            Ok(rounds) => {
                let walls: Vec<f64> = rounds.iter().map(|x| x.wall_ms).collect();
                let (wall, spread) = median_spread(&walls);
                let n = want(workload) as f64;
                // Per message: the whole time over the messages. Sleepers:
                // the time past the nap (the loop's own work) over the tasks.
                let per = if echo { wall * 1e6 / n } else { (wall - NAP_MS as f64).max(0.0) * 1e6 / n };
                let peak = median_spread(&rounds.iter().map(|x| x.peak_kb as f64).collect::<Vec<_>>()).0;
                let allocs = rounds
                    .first()
                    .and_then(|x| x.allocs)
                    .map_or("—".to_string(), |a| format!("{:.1}", a as f64 / n));
                let mark = if spread > corolab::bench::ops::WIDE { "!" } else { " " };
                println!(
                    "{label}{:>6.0} ms {:>4.0}%{mark}{:>5.2}× {:>9} {:>5.1} MiB {:>8}",
                    wall,
                    spread * 100.0,
                    wall / best,
                    per_op(per),
                    peak / 1024.0,
                    allocs
                );
                debug_assert!(rounds.iter().all(|x| x.items == want(workload)));
            }
        }
    }
    for (who, why) in skipped {
        println!("  {:<18}skipped: {why}", who.label());
    }
}

fn load() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}
