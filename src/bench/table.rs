//! The bench's tables: rows, the ratio of each figure to the best row, and
//! the plain-text rendering `corolab bench` prints.
//!
//! A ratio says how many times worse than the best row a figure is, so the
//! best row reads `1.00×` in every column and bigger is always worse: wall
//! time and memory are divided by the smallest, the best throughput by each
//! throughput. Only rows that ran and passed their checks take part.
//!
//! The text table is written by hand rather than with a table crate: it is
//! a dozen lines, and a skipped row spreads its reason across the figure
//! columns, which table crates make awkward.
#![forbid(unsafe_code)]

/// What one row (a backend or a peer) did in one scenario.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum Outcome {
    /// It ran and passed its checks.
    Measured(Figures),
    /// It ran and failed: crashed, timed out, over memory, or a check failed.
    Failed {
        /// Why.
        reason: String,
    },
    /// It did not run.
    Skipped {
        /// Why, and what would make it run.
        reason: String,
    },
}

/// The figures of one measured run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Figures {
    /// Wall time of the work, as the child timed it, in milliseconds.
    pub wall_ms: f64,
    /// Units of work per second, where the scenario has a throughput.
    pub per_second: Option<f64>,
    /// What a unit is.
    pub unit: String,
    /// Peak resident memory of the child process, in KiB.
    pub peak_rss_kb: u64,
}

/// One row of a table.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Row {
    /// The backend's or the peer's name, as in `gevent` or `tokio (peer)`.
    pub label: String,
    /// Whether it is a peer (tokio, a Python original) rather than corolab.
    pub peer: bool,
    /// What happened.
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl Row {
    /// A row that ran, with these figures.
    pub fn measured(label: impl Into<String>, peer: bool, figures: Figures) -> Row {
        Row { label: label.into(), peer, outcome: Outcome::Measured(figures) }
    }

    /// A row that failed.
    pub fn failed(label: impl Into<String>, peer: bool, reason: impl Into<String>) -> Row {
        Row { label: label.into(), peer, outcome: Outcome::Failed { reason: reason.into() } }
    }

    /// A row that was skipped.
    pub fn skipped(label: impl Into<String>, peer: bool, reason: impl Into<String>) -> Row {
        Row { label: label.into(), peer, outcome: Outcome::Skipped { reason: reason.into() } }
    }

    /// The figures, if it was measured.
    pub fn figures(&self) -> Option<&Figures> {
        match &self.outcome {
            Outcome::Measured(f) => Some(f),
            _ => None,
        }
    }
}

/// A measured row's figures as multiples of the best row's.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Ratios {
    /// Wall time over the smallest wall time.
    pub wall: f64,
    /// The best throughput over this one (absent where there is none).
    pub throughput: Option<f64>,
    /// Peak memory over the smallest peak memory.
    pub memory: f64,
}

/// The ratios of every row, `None` for rows that were not measured.
pub fn ratios(rows: &[Row]) -> Vec<Option<Ratios>> {
    let measured = || rows.iter().filter_map(Row::figures);
    let best_wall = measured().map(|f| f.wall_ms).fold(f64::INFINITY, f64::min);
    let best_rate = measured().filter_map(|f| f.per_second).fold(0.0, f64::max);
    let best_memory = measured().map(|f| f.peak_rss_kb).min().unwrap_or(0);
    let over = |x: f64, best: f64| if best > 0.0 { x / best } else { 1.0 };
    rows.iter()
        .map(|row| {
            let f = row.figures()?;
            Some(Ratios {
                wall: over(f.wall_ms, best_wall),
                throughput: f.per_second.map(|r| if r > 0.0 { best_rate / r } else { f64::INFINITY }),
                memory: over(f.peak_rss_kb as f64, best_memory as f64),
            })
        })
        .collect()
}

/// `3.2 ms`, `1.25 s`.
pub fn ms(x: f64) -> String {
    if x >= 1000.0 { format!("{:.2} s", x / 1e3) } else { format!("{x:.1} ms") }
}

/// `1.2k`, `3.4M`.
pub fn count(x: f64) -> String {
    match x {
        x if x >= 1e6 => format!("{:.2}M", x / 1e6),
        x if x >= 1e3 => format!("{:.1}k", x / 1e3),
        x => format!("{x:.0}"),
    }
}

/// `12.3 MiB`.
pub fn mib(kb: u64) -> String {
    format!("{:.1} MiB", kb as f64 / 1024.0)
}

/// `1.00×`, `12×`.
pub fn times(x: f64) -> String {
    if !x.is_finite() {
        "—".into()
    } else if x < 10.0 {
        format!("{x:.2}×")
    } else {
        format!("{x:.0}×")
    }
}

/// The cells of one row: label, wall, ratio, throughput, ratio, memory,
/// ratio; or the label and a reason for a row that did not run.
pub fn cells(row: &Row, ratios: Option<Ratios>) -> Result<[String; 7], String> {
    let label = if row.peer { format!("{} (peer)", row.label) } else { row.label.clone() };
    match (&row.outcome, ratios) {
        (Outcome::Measured(f), Some(r)) => Ok([
            label,
            ms(f.wall_ms),
            times(r.wall),
            f.per_second.map_or("—".into(), |x| format!("{} {}/s", count(x), f.unit)),
            r.throughput.map_or("".into(), times),
            mib(f.peak_rss_kb),
            times(r.memory),
        ]),
        (Outcome::Failed { reason }, _) => Err(format!("{label}\tFAILED: {reason}")),
        (Outcome::Skipped { reason }, _) => Err(format!("{label}\tskipped: {reason}")),
        (Outcome::Measured(_), None) => Err(format!("{label}\t(no ratio)")),
    }
}

const HEADER: [&str; 7] = ["", "wall time", "×best", "throughput", "×best", "peak memory", "×best"];

/// The table as aligned plain text, as wide as it needs.
pub fn render(rows: &[Row]) -> String {
    render_in(rows, usize::MAX)
}

/// The table as aligned plain text in `width` columns: when the whole
/// table is wider, the throughput's ×best column goes (it repeats the wall
/// time's when both measure the same work), and a skipped or failed row's
/// reason wraps under itself rather than being cut.
pub fn render_in(rows: &[Row], width: usize) -> String {
    let full = render_columns(rows, &[0, 1, 2, 3, 4, 5, 6], width);
    if full.lines().all(|l| l.chars().count() <= width) {
        return full;
    }
    render_columns(rows, &[0, 1, 2, 3, 5, 6], width)
}

fn render_columns(rows: &[Row], keep: &[usize], width: usize) -> String {
    let ratios = ratios(rows);
    let pick = |cells: [String; 7]| -> Vec<String> { keep.iter().map(|&i| cells[i].clone()).collect() };
    let lines: Vec<Result<Vec<String>, String>> =
        rows.iter().zip(&ratios).map(|(row, r)| cells(row, *r).map(pick)).collect();
    let header = pick(HEADER.map(String::from));
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for line in &lines {
        match line {
            Ok(cells) => {
                for (w, c) in widths.iter_mut().zip(cells) {
                    *w = (*w).max(c.chars().count());
                }
            }
            Err(text) => {
                let label = text.split('\t').next().unwrap_or_default();
                widths[0] = widths[0].max(label.chars().count());
            }
        }
    }
    let pad = |text: &str, width: usize, left: bool| {
        let fill = " ".repeat(width.saturating_sub(text.chars().count()));
        if left { format!("{text}{fill}") } else { format!("{fill}{text}") }
    };
    let join = |cells: &[String]| {
        let parts: Vec<String> = cells.iter().enumerate().map(|(i, c)| pad(c, widths[i], i == 0)).collect();
        parts.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = join(&header);
    let room = width.saturating_sub(widths[0] + 2).max(20);
    for line in lines {
        match line {
            Ok(cells) => out += &join(&cells),
            Err(text) => {
                let (label, reason) = text.split_once('\t').unwrap_or((&text, ""));
                let reason = if width == usize::MAX {
                    vec![reason.to_string()]
                } else {
                    crate::term::wrap(reason, room)
                };
                for (i, part) in reason.iter().enumerate() {
                    let lead = if i == 0 { pad(label, widths[0], true) } else { " ".repeat(widths[0]) };
                    out += &format!("{lead}  {part}\n");
                }
            }
        }
    }
    out
}

/// The table as a markdown table, for `summary.md`: the measured rows, then
/// a list of the rows that failed or were skipped, with their reasons (long
/// reasons would squeeze a table column in the book).
pub fn markdown(rows: &[Row]) -> String {
    let ratios = ratios(rows);
    let mut table = String::from(
        "| | wall time | ×best | throughput | ×best | peak memory | ×best |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut others = String::new();
    for (row, r) in rows.iter().zip(ratios) {
        match cells(row, r) {
            Ok(cells) => table += &format!("| {} |\n", cells.join(" | ")),
            Err(text) => {
                let (label, reason) = text.split_once('\t').unwrap_or((&text, ""));
                others += &format!("- **{label}**: {reason}\n");
            }
        }
    }
    if others.is_empty() { table } else { format!("{table}\n{others}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(wall_ms: f64, per_second: Option<f64>, peak_rss_kb: u64) -> Figures {
        Figures { wall_ms, per_second, unit: "turns".into(), peak_rss_kb }
    }

    fn rows() -> Vec<Row> {
        vec![
            Row::measured("threads", false, figures(40.0, Some(1000.0), 4096)),
            Row::measured("greenlet", false, figures(10.0, Some(4000.0), 2048)),
            Row::failed("gevent", false, "timed out after 5 s"),
            Row::skipped("python gevent", true, "pip install greenlet gevent"),
        ]
    }

    #[test]
    fn ratios_are_one_for_the_best_and_grow_for_the_worse() {
        let r = ratios(&rows());
        let threads = r[0].unwrap();
        let greenlet = r[1].unwrap();
        assert_eq!((threads.wall, threads.throughput, threads.memory), (4.0, Some(4.0), 2.0));
        assert_eq!((greenlet.wall, greenlet.throughput, greenlet.memory), (1.0, Some(1.0), 1.0));
        assert_eq!(r[2], None);
        assert_eq!(r[3], None);
    }

    #[test]
    fn failed_and_skipped_rows_do_not_set_the_best() {
        let mut rows = rows();
        rows.push(Row::failed("fast but wrong", false, "a check failed"));
        assert_eq!(ratios(&rows)[1].unwrap().wall, 1.0);
    }

    #[test]
    fn text_table_is_aligned_and_shows_reasons() {
        let text = render(&rows());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(
            lines[1].starts_with("threads ") && lines[1].contains("40.0 ms") && lines[1].contains("4.00×")
        );
        assert!(lines[2].contains("1.00×") && lines[2].contains("4.0k turns/s"));
        assert!(lines[3].contains("FAILED: timed out after 5 s"));
        assert!(lines[4].starts_with("python gevent (peer)") && lines[4].contains("skipped: pip install"));
        // The wall-time column ends at the same place on every measured line.
        let end = |l: &str| l.find(" ms").unwrap();
        assert_eq!(end(lines[1]), end(lines[2]));
    }

    #[test]
    fn markdown_tables_measured_rows_and_lists_the_others_with_reasons() {
        let md = markdown(&rows());
        let table_lines = md.lines().take_while(|l| l.starts_with('|')).count();
        assert_eq!(table_lines, 2 + 2, "header, rule, and the two measured rows");
        assert!(md.contains("| greenlet | 10.0 ms | 1.00× |"));
        assert!(md.contains("- **gevent**: FAILED: timed out after 5 s"));
        assert!(md.contains("- **python gevent (peer)**: skipped: pip install greenlet gevent"));
    }

    #[test]
    fn at_80_columns_every_line_fits_and_reasons_wrap_whole() {
        let mut rows = rows();
        rows.push(Row::measured(
            "python generators",
            true,
            Figures { wall_ms: 1234.5, per_second: Some(3.05e6), unit: "turns".into(), peak_rss_kb: 20_000 },
        ));
        let reason = "greenlet not importable; `pip install gevent greenlet` to add this row";
        rows.push(Row::skipped("python greenlet", true, reason));
        let text = render_in(&rows, 80);
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
        assert!(text.contains("3.05M turns/s"));
        let words: Vec<&str> = text.split_whitespace().collect();
        assert!(reason.split_whitespace().all(|w| words.contains(&w)), "{text}");
    }

    #[test]
    fn a_table_of_only_skipped_rows_still_renders() {
        let rows = vec![Row::skipped("tokio", true, "not built")];
        assert_eq!(ratios(&rows), vec![None]);
        assert!(render(&rows).contains("skipped: not built"));
    }
}
