//! The bench's report in words: the plain text `corolab bench` prints, the
//! `summary.md` the book includes, and the files `--out DIR` writes.
#![forbid(unsafe_code)]

use super::{Probe, Report, charts, table};
use std::fmt::Write;
use std::io;
use std::path::{Path, PathBuf};

/// Everything as plain text: a table per scenario, the probe, the notes.
pub fn text(report: &Report) -> String {
    let width = crate::term::width();
    let mut out = String::new();
    if !report.ops.is_empty() {
        out += &super::ops::render(&report.ops, &report.op_plan, width);
        out += "\n";
    }
    for t in &report.tables {
        let _ =
            writeln!(out, "{}", shorten(&format!("━━ {} ({}) ━━", t.scenario, t.knobs.describe()), width));
        out += &table::render_in(&t.rows, width);
        out += "\n";
    }
    if !report.tables.is_empty() {
        let _ =
            writeln!(out, "{}", shorten(&format!("━━ scale: {} ━━", probe_heading(&report.probe)), width));
        out += &probe_text(&report.probe, width);
    }
    let lines = |text: &str| super::ops::wrapped_text(text, width);
    for note in &report.notes {
        out += &lines(&format!("note: {note}"));
    }
    out += "\n";
    out += &lines(&format!(
        "×best: how many times the best row's figure (1.00× is the best; bigger is worse). {} cores \
         (load average {} at the start, {} at the end), {:.0} s in all.",
        report.cores, report.load_start, report.load_end, report.total_s
    ));
    out
}

fn probe_heading(p: &Probe) -> String {
    format!(
        "largest n of {} within {} MiB and {} s (each sleeps {} ms), memory per task at n = {}",
        p.plan.scenario,
        p.plan.rss_limit_kb / 1024,
        p.plan.time_limit.as_secs(),
        p.plan.delay_ms,
        table::count(p.plan.per_task_n as f64)
    )
}

/// The probe's rows: `(label, largest n, memory per task, why it stopped)`.
fn probe_cells(p: &Probe) -> Vec<[String; 4]> {
    p.rows
        .iter()
        .map(|r| {
            [
                if r.peer { format!("{} (peer)", r.label) } else { r.label.clone() },
                r.largest().map_or("none".into(), |n| table::count(n as f64)),
                r.bytes_per_task.map_or("—".into(), |b| format!("{b:.0} B")),
                r.stopped.as_deref().map_or("reached the last step".into(), String::from),
            ]
        })
        .collect()
}

/// The first `max` characters of `text`, with `…` if it was longer (the
/// JSON report keeps the whole text).
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        text.chars().take(max - 1).collect::<String>() + "…"
    }
}

fn probe_text(p: &Probe, width: usize) -> String {
    if let Some(why) = &p.skipped {
        return format!("skipped: {why}\n\n");
    }
    let cells = probe_cells(p);
    let header = ["", "largest n", "per task", "stopped at"].map(String::from);
    let mut widths = [0; 4];
    for row in std::iter::once(&header).chain(&cells) {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    // The reason column wraps under itself when the line would pass `width`.
    widths[3] = 0;
    let indent = widths[..3].iter().sum::<usize>() + 6;
    let room = width.saturating_sub(indent).max(20);
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&cells) {
        let line: Vec<String> = row[..3]
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let fill = " ".repeat(widths[i] - c.chars().count());
                if i == 0 { format!("{c}{fill}") } else { format!("{fill}{c}") }
            })
            .collect();
        let reason = crate::term::wrap(&row[3], room);
        let first = reason.first().cloned().unwrap_or_default();
        out += format!("{}  {first}", line.join("  ")).trim_end();
        out += "\n";
        for more in reason.iter().skip(1) {
            out += &format!("{}{more}\n", " ".repeat(indent));
        }
    }
    out + "\n"
}

/// The chart file of a scenario.
pub fn chart_name(scenario: &str) -> String {
    format!("{scenario}.svg")
}

/// `summary.md`: what ran, with which command, the tables and the charts.
pub fn markdown(report: &Report, command: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "These figures come from one run of `{command}` on a machine with {} cores, which took {:.0} s. \
         Every row is its own child process; peak memory is the kernel's count for that process \
         (`ru_maxrss`). ×best is how many times the best row's figure (1.00× is the best; bigger is worse). \
         Rows marked (peer) are programs written with other runtimes, measured in the same run.\n",
        report.cores, report.total_s
    );
    let _ = writeln!(
        out,
        "The machine's load average when the run started (1, 5, 15 minutes): {}; when it ended: {}. \
         A load above its {} cores means other processes shared them.\n",
        report.load_start, report.load_end, report.cores
    );
    if !report.ops.is_empty() {
        out += &super::ops::markdown(&report.ops, &report.op_plan);
    }
    for t in &report.tables {
        let _ = writeln!(out, "### {}\n\n{} ({}).\n", t.scenario, t.summary, t.knobs.describe());
        out += &table::markdown(&t.rows);
        let _ = writeln!(out, "\n![{} chart]({})\n", t.scenario, chart_name(&t.scenario));
    }
    if report.tables.is_empty() {
        return out;
    }
    let _ = writeln!(out, "### Scale\n\n{}.\n", capitalise(&probe_heading(&report.probe)));
    out += "Memory per task counts what is alive at once: a runner slower to start n tasks than the sleep \
            never holds them all, and shows less.\n\n";
    if let Some(why) = &report.probe.skipped {
        let _ = writeln!(out, "Skipped: {why}.\n");
    } else {
        out += "| | largest n | memory per task | stopped at |\n|---|---:|---:|---|\n";
        for c in probe_cells(&report.probe) {
            let _ = writeln!(out, "| {} |", c.join(" | "));
        }
        out += "\n![sleepers scaling](scaling.svg)\n\n![memory per task](memory-per-task.svg)\n\n";
    }
    if !report.notes.is_empty() {
        out += "Notes from the run:\n\n";
        for note in &report.notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// Writes `summary.md`, `bench.json` and the charts into `dir` (created if
/// needed) and returns the files written.
pub fn write_out(dir: &Path, report: &Report, command: &str) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    for t in &report.tables {
        files.push((dir.join(chart_name(&t.scenario)), charts::scenario_bars(t)));
    }
    files.push((dir.join("scaling.svg"), charts::scaling(&report.probe)));
    files.push((dir.join("memory-per-task.svg"), charts::memory_per_task(&report.probe)));
    files.push((dir.join("summary.md"), markdown(report, command)));
    let json = serde_json::to_string_pretty(report).map_err(io::Error::other)?;
    files.push((dir.join("bench.json"), json + "\n"));
    for (path, text) in &files {
        std::fs::write(path, text)?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::table::{Figures, Row};
    use crate::bench::{ScenarioTable, plan};

    fn report() -> Report {
        let rows = vec![
            Row::measured(
                "threads",
                false,
                Figures { wall_ms: 4.0, per_second: Some(5.0), unit: "turns".into(), peak_rss_kb: 9000 },
            ),
            Row::skipped("tokio", true, "not built"),
        ];
        Report {
            quick: true,
            load_start: "0.5 0.5 0.5".into(),
            load_end: "0.5 0.5 0.5".into(),
            op_plan: crate::bench::ops::OpPlan { rounds: 1, target_ms: 1 },
            ops: Vec::new(),
            cores: 2,
            tables: vec![ScenarioTable {
                scenario: "pingpong".into(),
                summary: "two workers".into(),
                knobs: plan::Knobs { n: 10, delay_ms: None, clients: None },
                ratios: table::ratios(&rows),
                rows,
            }],
            probe: Probe { plan: plan::probe(true), rows: vec![], skipped: Some("no sleepers yet".into()) },
            notes: vec!["a note".into()],
            total_s: 3.0,
        }
    }

    #[test]
    fn the_summary_names_the_command_and_links_the_charts() {
        let md = markdown(&report(), "corolab bench --quick");
        assert!(md.contains("`corolab bench --quick`"));
        assert!(md.contains("![pingpong chart](pingpong.svg)"));
        assert!(md.contains("Skipped: no sleepers yet."));
        assert!(md.contains("- a note"));
    }

    #[test]
    fn write_out_writes_every_file_it_links() {
        let dir = std::env::temp_dir().join(format!("corolab-summary-{}", std::process::id()));
        let files = write_out(&dir, &report(), "corolab bench").unwrap();
        let md = std::fs::read_to_string(dir.join("summary.md")).unwrap();
        for f in &files {
            assert!(f.is_file());
        }
        assert!(md.contains("pingpong.svg") && dir.join("pingpong.svg").is_file());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn long_reasons_are_shortened() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("abcdefgh", 5), "abcd…");
    }

    #[test]
    fn text_has_a_table_per_scenario_and_the_probe() {
        let t = text(&report());
        assert!(t.contains("━━ pingpong (n = 10) ━━"));
        assert!(t.contains("skipped: no sleepers yet"));
        assert!(t.contains("tokio (peer)  skipped: not built"));
    }
}
