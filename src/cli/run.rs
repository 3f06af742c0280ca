//! `corolab run <scenario>`: one scenario on one backend, or on all of them.
#![forbid(unsafe_code)]

use corolab::scenarios::{self, Backend, Config, Knob, RunReport, Scenario};
use corolab::term;
use corolab::trace::{self, Axis, Trace};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, clap::Args)]
#[command(after_help = knob_help())]
pub struct RunArgs {
    /// The scenario (`corolab run --list` names them).
    scenario: Option<String>,
    /// A backend, or `all` for every backend the scenario runs on.
    #[arg(long, short, default_value = "all")]
    backend: String,
    // The knobs are read as signed numbers so that a negative one gets the
    // scenario's range in its message, not clap's advice to write `-- -1`.
    /// The size of the run (rounds, items, tasks, requests).
    #[arg(long, allow_negative_numbers = true)]
    n: Option<i64>,
    /// A latency in milliseconds (how long sleepers sleep, how slow a server is).
    #[arg(long, allow_negative_numbers = true)]
    delay_ms: Option<i64>,
    /// Concurrent clients.
    #[arg(long, allow_negative_numbers = true)]
    clients: Option<i64>,
    /// Operations in flight at once.
    #[arg(long, allow_negative_numbers = true)]
    concurrency: Option<i64>,
    /// Worker threads for multi-threaded backends.
    #[arg(long, allow_negative_numbers = true)]
    workers: Option<i64>,
    /// Draw the timeline of who ran when.
    #[arg(long)]
    trace: bool,
    /// Write the timeline as an SVG picture to FILE (implies recording the
    /// trace). With `--backend all`, each backend gets its own file, its
    /// name inserted before the extension: `ping.svg` → `ping-threads.svg`.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// Print one JSON object per backend run, and nothing else.
    #[arg(long)]
    json: bool,
    /// Do not print the narration.
    #[arg(long, short)]
    quiet: bool,
    /// List the scenarios and their backends.
    #[arg(long)]
    list: bool,
}

pub fn run(args: RunArgs) -> i32 {
    if args.list || args.scenario.is_none() {
        list();
        return if args.list { 0 } else { super::usage_error("name a scenario") };
    }
    let name = args.scenario.as_deref().unwrap_or_default();
    let Some(scenario) = scenarios::find(name) else {
        return super::usage_error(format!(
            "unknown scenario '{name}' (choose from: {})",
            scenarios::names()
        ));
    };
    let backends = match pick_backends(scenario, &args.backend) {
        Ok(b) => b,
        Err(message) => return super::usage_error(message),
    };
    let knob =
        |knob: Knob, value: Option<i64>| value.map(|v| scenario.check_knob(knob, v.into())).transpose();
    let knobs = (|| {
        Ok::<_, String>(Config {
            n: knob(Knob::N, args.n)?,
            delay: knob(Knob::DelayMs, args.delay_ms)?.map(Duration::from_millis),
            clients: knob(Knob::Clients, args.clients)?,
            concurrency: knob(Knob::Concurrency, args.concurrency)?,
            workers: knob(Knob::Workers, args.workers)?.map(|w| w as usize),
            narrate: !args.json && !args.quiet,
            trace: args.svg.is_some() || (args.trace && !args.json),
            ..Config::default()
        })
    })();
    let config = match knobs {
        Ok(config) => config,
        Err(message) => return super::usage_error(message),
    };
    let several = args.backend == "all";
    let mut all_ok = true;
    for backend in backends {
        if config.narrate {
            println!("── {} on {backend} ──", scenario.name);
        }
        let report = scenarios::run(scenario, backend, &config);
        all_ok &= report.ok;
        if let (Some(file), Some(trace)) = (&args.svg, &report.trace) {
            let path = if several { svg_path_for(file, backend) } else { file.clone() };
            let title = format!("{} on {backend} (n = {})", scenario.name, report.n);
            let note = startup_note(backend.name(), trace).unwrap_or_default();
            if let Err(e) = std::fs::write(&path, trace.svg_noted(&title, Axis::Auto, &note)) {
                super::print_error(format_args!("could not write {}: {e}", path.display()));
                all_ok = false;
            } else if !args.json {
                println!("timeline written to {}", path.display());
            }
        }
        let shown = if args.trace { report.clone() } else { RunReport { trace: None, ..report } };
        if args.json {
            println!("{}", serde_json::to_string(&shown).expect("a report is plain data"));
        } else {
            print_report(&shown);
        }
    }
    if all_ok { 0 } else { 1 }
}

/// `dir/name.svg` with the backend inserted: `dir/name-threads.svg`.
pub fn svg_path_for(file: &Path, backend: Backend) -> PathBuf {
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("timeline");
    let name = match file.extension().and_then(|e| e.to_str()) {
        Some(ext) => format!("{stem}-{backend}.{ext}"),
        None => format!("{stem}-{backend}"),
    };
    file.with_file_name(name)
}

/// The backends `name` selects for `scenario`, or a one-line error.
pub fn pick_backends(scenario: &Scenario, name: &str) -> Result<Vec<Backend>, String> {
    let choices = || {
        let names: Vec<&str> = scenario.backends.iter().map(|b| b.name()).collect();
        format!("{}, all", names.join(", "))
    };
    if name == "all" {
        return Ok(scenario.backends.to_vec());
    }
    match Backend::from_name(name) {
        Some(b) if scenario.backends.contains(&b) => Ok(vec![b]),
        Some(_) => Err(format!("{} does not run on '{name}' (choose from: {})", scenario.name, choices())),
        None => Err(format!("unknown backend '{name}' (choose from: {})", choices())),
    }
}

/// The scenarios in two columns (name, then summary and backends), or
/// stacked when the terminal is too narrow for a name column.
fn list() {
    let width = term::width();
    let column = if width >= 60 { NAME_COLUMN } else { 2 };
    for s in scenarios::SCENARIOS {
        let backends: Vec<&str> = s.backends.iter().map(|b| b.name()).collect();
        let first = if column == NAME_COLUMN {
            format!("{:<column$}", s.name)
        } else {
            println!("{}", s.name);
            " ".repeat(column)
        };
        println!("{}", term::hanging(&first, s.summary, column, width));
        let pad = " ".repeat(column);
        println!("{}", term::hanging(&pad, &format!("backends: {}", backends.join(", ")), column, width));
        // Packed whole, so a range is never split across lines.
        let room = width.saturating_sub(column + "knobs: ".len()).max(20);
        for (i, line) in pack(&knob_ranges(s), room).iter().enumerate() {
            println!("{pad}{} {line}", if i == 0 { "knobs:" } else { "      " });
        }
    }
}

/// The knobs' ranges by scenario, for `corolab run --help`.
fn knob_help() -> String {
    let mut help =
        String::from("Knob ranges by scenario (values outside, and knobs not listed, are refused):");
    let width = corolab::term::width().saturating_sub(4).max(20);
    for s in scenarios::SCENARIOS {
        let mut items = knob_ranges(s);
        if let Some(first) = items.first_mut() {
            *first = format!("{}: {first}", s.name);
        }
        for (i, line) in pack(&items, width).iter().enumerate() {
            help += &format!("\n  {}{line}", if i == 0 { "" } else { "    " });
        }
    }
    help
}

/// `--n 1..=1,000,000` for each knob `scenario` reads.
fn knob_ranges(scenario: &Scenario) -> Vec<String> {
    scenario.knobs.iter().map(|r| r.describe()).collect()
}

/// `items` joined by ", " into lines of at most `width` characters, never
/// splitting an item.
fn pack(items: &[String], width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let item = if i + 1 < items.len() { format!("{item},") } else { item.clone() };
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + item.chars().count() <= width => {
                line.push(' ');
                line.push_str(&item);
            }
            _ => lines.push(item),
        }
    }
    lines
}

/// How wide `run --list`'s name column is.
const NAME_COLUMN: usize = 19;

/// The human-readable summary of one run, and its timeline if traced,
/// wrapped to the terminal's width.
pub fn print_report(report: &RunReport) {
    let width = term::width();
    let status = if report.ok { "ok" } else { "FAILED" };
    let rate = if report.per_second >= 1.0 {
        format!(", {} {}/s", human(report.per_second), report.unit)
    } else {
        String::new()
    };
    let head = format!(
        "{} on {}: {status} in {:.1} ms{rate}, peak memory {:.1} MiB",
        report.scenario,
        report.backend,
        report.wall_ms,
        report.peak_rss_kb as f64 / 1024.0,
    );
    let detail = report.error.as_deref().unwrap_or(&report.detail);
    if head.chars().count() + 3 + detail.chars().count() <= width {
        println!("{head} — {detail}");
    } else {
        // Stacked: the figures, then what was done, each wrapped.
        println!("{}", term::hanging("", &head, 2, width));
        println!("{}", term::hanging("  — ", detail, 4, width));
    }
    if let Some(trace) = &report.trace {
        let note = startup_note(report.backend, trace);
        println!();
        print!("{}", trace.timeline_in(width, Axis::Auto, note.as_deref()));
        println!();
    }
}

/// What the gap before the first event means on `backend`, when there is
/// one worth explaining: may starts its scheduler (a worker thread per core
/// and their coroutine stacks) on the first spawn in a process, which takes
/// milliseconds while the turns that follow take microseconds.
pub fn startup_note(backend: &str, trace: &Trace) -> Option<String> {
    let lead = trace::lead_in(trace);
    (backend == Backend::May.name() && lead >= Duration::from_millis(1)).then(|| {
        format!(
            "may: those {} are may starting its scheduler (worker threads and \
             their stacks) on the first spawn in this process; later runs reuse it",
            corolab::timeline::format_duration(lead)
        )
    })
}

/// `1.2k`, `3.4M`: throughput at a glance.
fn human(x: f64) -> String {
    match x {
        x if x >= 1e6 => format!("{:.2}M", x / 1e6),
        x if x >= 1e3 => format!("{:.1}k", x / 1e3),
        x => format!("{x:.0}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_paths_get_the_backend_before_the_extension() {
        assert_eq!(
            svg_path_for(Path::new("out/ping.svg"), Backend::Threads),
            Path::new("out/ping-threads.svg")
        );
        assert_eq!(svg_path_for(Path::new("ping"), Backend::May), Path::new("ping-may"));
    }
}
