//! The bench's charts, as SVG: bars per scenario, memory per task, and the
//! sleepers scaling curve. Drawn with [`crate::svg`], like the timelines.
#![forbid(unsafe_code)]

use super::table::{self, Row};
use super::{Probe, ScenarioTable};
use crate::svg::Svg;

const LABEL_WIDTH: f64 = 170.0;
const BAR_WIDTH: f64 = 200.0;
const BAR: f64 = 16.0;
const STEP: f64 = 22.0;
const CORO: &str = "#1565c0";
const PEER: &str = "#ef6c00";

/// Colours for curves, one per runner, in order.
const PALETTE: [&str; 10] = [
    "#1565c0", "#2e7d32", "#c62828", "#6a1b9a", "#00838f", "#ef6c00", "#5d4037", "#ad1457", "#9e9d24",
    "#455a64",
];

/// One horizontal bar chart panel: a bar per row, its value and ratio.
fn panel(
    svg: &mut Svg,
    x0: f64,
    y0: f64,
    title: &str,
    values: &[(String, bool, Option<f64>)],
    fmt: &dyn Fn(f64) -> String,
) {
    svg.text(x0, y0, title, "start", 12.0);
    let max = values.iter().filter_map(|v| v.2).fold(0.0, f64::max);
    let best = values.iter().filter_map(|v| v.2).fold(f64::INFINITY, f64::min);
    for (i, (_, peer, value)) in values.iter().enumerate() {
        let y = y0 + 8.0 + i as f64 * STEP;
        match value {
            Some(v) => {
                let w = if max > 0.0 { v / max * BAR_WIDTH } else { 0.0 };
                let fill = if *peer { PEER } else { CORO };
                let ratio = if best > 0.0 { table::times(v / best) } else { String::new() };
                let label = format!("{} ({ratio})", fmt(*v));
                svg.rect(x0, y, w.max(1.0), BAR, fill, Some(&label));
                svg.text(x0 + w.max(1.0) + 4.0, y + BAR - 4.0, &label, "start", 11.0);
            }
            None => svg.text(x0, y + BAR - 4.0, "did not run", "start", 11.0),
        }
    }
}

/// Two panels for one scenario: wall time and peak memory, a bar per row.
pub fn scenario_bars(t: &ScenarioTable) -> String {
    let rows: Vec<&Row> = t.rows.iter().filter(|r| r.figures().is_some()).collect();
    let height = 60.0 + rows.len().max(1) as f64 * STEP + 20.0;
    let panel_width = BAR_WIDTH + 120.0;
    let mut svg = Svg::new(LABEL_WIDTH + 2.0 * panel_width + 20.0, height);
    svg.text(
        12.0,
        20.0,
        &format!("{} ({}), shorter is better", t.scenario, t.knobs.describe()),
        "start",
        14.0,
    );
    for (i, row) in rows.iter().enumerate() {
        let y = 48.0 + i as f64 * STEP + BAR - 4.0;
        let label = if row.peer { format!("{} (peer)", row.label) } else { row.label.clone() };
        svg.text(LABEL_WIDTH - 8.0, y, &label, "end", 12.0);
    }
    let wall: Vec<_> =
        rows.iter().map(|r| (r.label.clone(), r.peer, r.figures().map(|f| f.wall_ms))).collect();
    let memory: Vec<_> =
        rows.iter().map(|r| (r.label.clone(), r.peer, r.figures().map(|f| f.peak_rss_kb as f64))).collect();
    panel(&mut svg, LABEL_WIDTH, 40.0, "wall time", &wall, &table::ms);
    panel(&mut svg, LABEL_WIDTH + panel_width, 40.0, "peak memory", &memory, &|kb| table::mib(kb as u64));
    if rows.is_empty() {
        svg.text(LABEL_WIDTH, 60.0, "no row ran", "start", 12.0);
    }
    svg.finish()
}

/// Memory per task at the probe's `per_task_n`, a bar per runner.
pub fn memory_per_task(probe: &Probe) -> String {
    let rows: Vec<_> = probe.rows.iter().filter(|r| r.bytes_per_task.is_some()).collect();
    let height = 60.0 + rows.len().max(1) as f64 * STEP + 20.0;
    let mut svg = Svg::new(LABEL_WIDTH + BAR_WIDTH + 160.0, height);
    let title =
        format!("memory per task at n = {} (peak RSS less an n = 1 run, over n)", probe.plan.per_task_n);
    svg.text(12.0, 20.0, &title, "start", 14.0);
    for (i, row) in rows.iter().enumerate() {
        let y = 48.0 + i as f64 * STEP + BAR - 4.0;
        let label = if row.peer { format!("{} (peer)", row.label) } else { row.label.clone() };
        svg.text(LABEL_WIDTH - 8.0, y, &label, "end", 12.0);
    }
    let values: Vec<_> = rows.iter().map(|r| (r.label.clone(), r.peer, r.bytes_per_task)).collect();
    panel(&mut svg, LABEL_WIDTH, 40.0, "bytes per task", &values, &|b| format!("{b:.0} B"));
    if rows.is_empty() {
        svg.text(LABEL_WIDTH, 60.0, "no runner reached that n", "start", 12.0);
    }
    svg.finish()
}

/// The sleepers scaling curve: wall time against n (log scale), a line per
/// runner, ending where the runner broke a limit.
pub fn scaling(probe: &Probe) -> String {
    let (left, top, w, h) = (70.0, 40.0, 480.0, 260.0);
    let mut svg = Svg::new(left + w + 220.0, top + h + 50.0);
    let title = format!(
        "{} scaling: wall time by n (each sleeps {} ms; limits {} s, {} MiB)",
        probe.plan.scenario,
        probe.plan.delay_ms,
        probe.plan.time_limit.as_secs(),
        probe.plan.rss_limit_kb / 1024
    );
    svg.text(12.0, 20.0, &title, "start", 14.0);
    let steps = &probe.plan.steps;
    let (lo, hi) = match (steps.first(), steps.last()) {
        (Some(&lo), Some(&hi)) if hi > lo => ((lo as f64).log10(), (hi as f64).log10()),
        _ => (0.0, 1.0),
    };
    let max_ms = probe.rows.iter().flat_map(|r| &r.steps).map(|s| s.wall_ms).fold(1.0, f64::max) * 1.1;
    let x = |n: u64| left + ((n as f64).log10() - lo) / (hi - lo) * w;
    let y = |ms: f64| top + h - ms / max_ms * h;
    svg.line(left, top + h, left + w, top + h, "#444444");
    svg.line(left, top, left, top + h, "#444444");
    for &n in steps {
        svg.line(x(n), top + h, x(n), top + h + 4.0, "#444444");
        svg.text(x(n), top + h + 16.0, &table::count(n as f64), "middle", 11.0);
    }
    svg.text(left + w, top + h + 32.0, "n (sleepers, log scale)", "end", 11.0);
    for i in 0..=4 {
        let ms = max_ms * i as f64 / 4.0;
        svg.line(left - 4.0, y(ms), left, y(ms), "#444444");
        svg.text(left - 6.0, y(ms) + 4.0, &table::ms(ms), "end", 10.0);
    }
    for (i, row) in probe.rows.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let points: Vec<(f64, f64)> = row.steps.iter().map(|s| (x(s.n), y(s.wall_ms))).collect();
        svg.polyline(&points, colour);
        let ly = top + 10.0 + i as f64 * 18.0;
        svg.rect(left + w + 20.0, ly - 9.0, 10.0, 10.0, colour, None);
        let reach = row.largest().map_or("none".into(), |n| table::count(n as f64));
        let label = if row.peer {
            format!("{} (peer): {reach}", row.label)
        } else {
            format!("{}: {reach}", row.label)
        };
        svg.text(left + w + 34.0, ly, &label, "start", 11.0);
    }
    if let Some(why) = &probe.skipped {
        svg.text(left + 10.0, top + 20.0, &format!("not run: {why}"), "start", 12.0);
    }
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::plan::{self, Knobs};
    use crate::bench::table::Figures;
    use crate::bench::{ProbeRow, ProbeStep};
    use crate::svg::check_well_formed;

    fn table() -> ScenarioTable {
        let rows = vec![
            Row::measured(
                "threads",
                false,
                Figures { wall_ms: 4.0, per_second: None, unit: "x".into(), peak_rss_kb: 9000 },
            ),
            Row::measured(
                "tokio",
                true,
                Figures { wall_ms: 2.0, per_second: None, unit: "x".into(), peak_rss_kb: 3000 },
            ),
            Row::skipped("python <gevent>", true, "pip install gevent"),
        ];
        let ratios = table::ratios(&rows);
        ScenarioTable {
            scenario: "pingpong".into(),
            summary: String::new(),
            knobs: Knobs { n: 10, delay_ms: None, clients: None },
            rows,
            ratios,
        }
    }

    fn probe() -> Probe {
        let step = |n, wall_ms| ProbeStep { n, wall_ms, peak_rss_kb: n / 10 };
        Probe {
            plan: plan::probe(true),
            rows: vec![
                ProbeRow {
                    label: "aio".into(),
                    peer: false,
                    steps: vec![step(1000, 501.0), step(10000, 530.0), step(100000, 800.0)],
                    stopped: None,
                    baseline_kb: Some(2000),
                    bytes_per_task: Some(300.0),
                },
                ProbeRow {
                    label: "threads".into(),
                    peer: false,
                    steps: vec![step(1000, 600.0)],
                    stopped: Some("n = 10000: over 1024 MiB".into()),
                    baseline_kb: Some(2000),
                    bytes_per_task: None,
                },
            ],
            skipped: None,
        }
    }

    #[test]
    fn bars_have_one_bar_per_measured_row_in_each_panel() {
        let doc = scenario_bars(&table());
        check_well_formed(&doc).unwrap();
        assert_eq!(doc.matches("<title>").count(), 4);
        assert!(doc.contains("tokio (peer)"));
        assert!(doc.contains("2.0 ms (1.00×)") && doc.contains("4.0 ms (2.00×)"));
    }

    #[test]
    fn memory_and_scaling_charts_are_well_formed() {
        let p = probe();
        let doc = memory_per_task(&p);
        check_well_formed(&doc).unwrap();
        assert!(doc.contains("300 B"));
        let doc = scaling(&p);
        let names = check_well_formed(&doc).unwrap();
        assert_eq!(names.iter().filter(|n| *n == "polyline").count(), 2);
        assert!(doc.contains("threads: 1.0k") && doc.contains("aio: 100.0k"));
    }

    #[test]
    fn a_skipped_probe_still_draws() {
        let p = Probe { plan: plan::probe(true), rows: vec![], skipped: Some("no sleepers".into()) };
        check_well_formed(&scaling(&p)).unwrap();
        check_well_formed(&memory_per_task(&p)).unwrap();
    }
}
