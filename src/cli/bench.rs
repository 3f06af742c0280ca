//! `corolab bench`: every scenario on every backend and peer, each in a
//! fresh child process, tabled side by side; `--out DIR` adds charts and a
//! summary for the book. The work is in `corolab::bench`; this file parses,
//! shows progress and prints. It exits 1 when one of corolab's backends
//! failed a table run (a failed or missing peer is only a row).
#![forbid(unsafe_code)]

use corolab::bench::{self, Options, summary};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Small sizes and a shorter scale probe (up to 100,000 sleepers, 4 s
    /// each): under a minute on two cores.
    #[arg(long)]
    quick: bool,
    /// Print the whole report as one JSON object, and nothing else.
    #[arg(long)]
    json: bool,
    /// Also write SVG charts, summary.md and bench.json into DIR.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Only this scenario (repeat for several).
    #[arg(long = "scenario", value_name = "NAME")]
    only: Vec<String>,
    /// Run every table at this n instead of the bench's sizes.
    #[arg(long)]
    n: Option<u64>,
    /// The scale probe's largest n (0: no probe).
    #[arg(long, value_name = "N")]
    probe_max: Option<u64>,
    /// Leave out the peers (tokio, the Python originals).
    #[arg(long)]
    no_peers: bool,
    /// Leave out the per-operation table.
    #[arg(long, conflicts_with = "ops_only")]
    no_ops: bool,
    /// Only the per-operation table (ns per switch, spawn, wake-up, round trip).
    #[arg(long)]
    ops_only: bool,
    /// Child mode: time one operation (switch, spawn, timer, remote, socket) …
    #[arg(long, hide = true, requires = "who")]
    op: Option<String>,
    /// … on this backend or linked peer …
    #[arg(long, hide = true)]
    who: Option<String>,
    /// … in a loop grown until it lasts this long, and print one JSON line.
    #[arg(long, hide = true, default_value_t = 20)]
    target_ms: u64,
}

/// `corolab bench --op OP --who WHO`: one timed loop, one JSON line.
fn one_op(op: &str, who: &str, target_ms: u64) -> i32 {
    match bench::workloads::calibrated(op, who, std::time::Duration::from_millis(target_ms)) {
        Ok(t) => {
            println!("{}", serde_json::json!({"ok": true, "ns": t.took.as_nanos() as u64, "iters": t.ops}));
            0
        }
        Err(e) => {
            println!("{}", serde_json::json!({"ok": false, "error": e}));
            1
        }
    }
}

pub fn bench(args: BenchArgs) -> i32 {
    if let (Some(op), Some(who)) = (&args.op, &args.who) {
        return one_op(op, who, args.target_ms);
    }
    let mut options = match Options::new(args.quick) {
        Ok(o) => o,
        Err(e) => {
            super::print_error(format_args!("cannot find corolab's own binary to run children: {e}"));
            return 1;
        }
    };
    for name in &args.only {
        if corolab::scenarios::find(name).is_none() {
            return super::usage_error(format!(
                "unknown scenario '{name}' (choose from: {})",
                corolab::scenarios::names()
            ));
        }
    }
    options.only = args.only.clone();
    options.n = args.n;
    options.probe_max = args.probe_max;
    options.peers = !args.no_peers;
    options.ops = !args.no_ops;
    options.ops_only = args.ops_only;

    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if args.json {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let report = bench::run(&options, &mut |p| {
        bar.set_length(p.total);
        bar.set_position(p.done);
        bar.set_message(p.what.clone());
    });
    bar.finish_and_clear();

    if args.json {
        match serde_json::to_string(&report) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                super::print_error(format_args!("{e}"));
                return 1;
            }
        }
    } else {
        print!("{}", summary::text(&report));
    }
    if let Some(dir) = &args.out {
        match summary::write_out(dir, &report, &command_line(&args)) {
            Ok(files) if !args.json => println!("wrote {} files to {}", files.len(), dir.display()),
            Ok(_) => {}
            Err(e) => {
                super::print_error(format_args!("could not write to {}: {e}", dir.display()));
                return 1;
            }
        }
    }
    // A peer that fails says something about the peer; a backend that
    // fails says something about corolab: that is an error.
    let failed: Vec<String> = report
        .tables
        .iter()
        .flat_map(|t| t.rows.iter().map(move |r| (t, r)))
        .filter(|(_, r)| !r.peer && matches!(r.outcome, bench::table::Outcome::Failed { .. }))
        .map(|(t, r)| format!("{} on {}", t.scenario, r.label))
        .collect();
    if failed.is_empty() {
        0
    } else {
        super::print_error(format_args!("failed: {}", failed.join(", ")));
        1
    }
}

/// The command as the summary quotes it (without `--out`, which only says
/// where the files went).
fn command_line(args: &BenchArgs) -> String {
    let mut s = String::from("corolab bench");
    if args.quick {
        s += " --quick";
    }
    for name in &args.only {
        s += &format!(" --scenario {name}");
    }
    if let Some(n) = args.n {
        s += &format!(" --n {n}");
    }
    if let Some(n) = args.probe_max {
        s += &format!(" --probe-max {n}");
    }
    if args.no_peers {
        s += " --no-peers";
    }
    if args.no_ops {
        s += " --no-ops";
    }
    if args.ops_only {
        s += " --ops-only";
    }
    s
}
