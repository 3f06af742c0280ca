//! `corolab bench` end to end, on the scenarios this build has, at a small
//! n: a table per scenario with a row per backend, every backend row
//! measured (not failed), peers measured or skipped (never failed), and
//! `--out` writing well-formed charts and a summary.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs corolab with `args`, killing it if it takes longer than `limit`.
fn corolab(args: &[&str], limit: Duration) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_corolab"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("corolab starts");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            child.kill().ok();
            panic!("corolab {args:?} took longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn quick_bench_json_has_a_measured_row_for_every_backend_of_every_scenario() {
    let out_dir = std::env::temp_dir().join(format!("corolab-bench-e2e-{}", std::process::id()));
    let out = out_dir.to_str().unwrap();
    let (ok, stdout, stderr) = corolab(
        &["bench", "--quick", "--json", "--n", "20", "--probe-max", "1000", "--out", out],
        Duration::from_secs(120),
    );
    assert!(ok, "bench failed: {stderr}");
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");

    let tables = report["tables"].as_array().unwrap();
    assert_eq!(tables.len(), corolab::scenarios::SCENARIOS.len());
    for (table, scenario) in tables.iter().zip(corolab::scenarios::SCENARIOS) {
        assert_eq!(table["scenario"], scenario.name);
        assert_eq!(table["knobs"]["n"], 20);
        let rows = table["rows"].as_array().unwrap();
        for backend in scenario.backends {
            let row = rows.iter().find(|r| r["label"] == backend.name()).expect("a row per backend");
            assert!(
                row["status"] == "measured" || row["status"] == "skipped",
                "{} on {backend}: {row}",
                scenario.name
            );
            if row["status"] == "measured" {
                assert!(row["wall_ms"].as_f64().unwrap() > 0.0);
                assert!(row["peak_rss_kb"].as_u64().unwrap() > 0);
            }
        }
        for peer in rows.iter().filter(|r| r["peer"] == true) {
            assert_ne!(peer["status"], "failed", "a missing peer is skipped, never failed: {peer}");
        }
        // The best measured row has ratio 1 for wall time.
        let ratios: Vec<f64> =
            table["ratios"].as_array().unwrap().iter().filter_map(|r| r["wall"].as_f64()).collect();
        if !ratios.is_empty() {
            assert!(ratios.contains(&1.0) && ratios.iter().all(|&r| r >= 1.0), "{ratios:?}");
        }
    }

    let probe = &report["probe"];
    if corolab::scenarios::find("sleepers").is_some() {
        assert!(probe["skipped"].is_null());
        assert!(!probe["rows"].as_array().unwrap().is_empty());
    } else {
        assert!(probe["skipped"].as_str().unwrap().contains("sleepers"));
    }

    let summary = std::fs::read_to_string(out_dir.join("summary.md")).unwrap();
    assert!(summary.contains("corolab bench --quick --n 20 --probe-max 1000"));
    for entry in std::fs::read_dir(&out_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "svg") {
            let doc = std::fs::read_to_string(&path).unwrap();
            corolab::svg::check_well_formed(&doc).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
    for scenario in corolab::scenarios::SCENARIOS {
        assert!(Path::new(&out_dir.join(format!("{}.svg", scenario.name))).is_file());
    }
    std::fs::remove_dir_all(&out_dir).unwrap();
}

#[test]
fn bench_rejects_an_unknown_scenario() {
    let (ok, _, stderr) = corolab(&["bench", "--scenario", "no-such-thing"], Duration::from_secs(30));
    assert!(!ok);
    assert!(stderr.contains("unknown scenario 'no-such-thing'"), "{stderr}");
}

#[test]
fn run_svg_writes_one_well_formed_picture_per_backend() {
    let dir = std::env::temp_dir().join(format!("corolab-svg-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("pp.svg");
    let (ok, _, stderr) = corolab(
        &["run", "pingpong", "--backend", "all", "--quiet", "--n", "2", "--svg", file.to_str().unwrap()],
        Duration::from_secs(60),
    );
    assert!(ok, "{stderr}");
    let scenario = corolab::scenarios::find("pingpong").unwrap();
    for backend in scenario.backends {
        let path = dir.join(format!("pp-{backend}.svg"));
        let doc = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        corolab::svg::check_well_formed(&doc).unwrap();
        assert!(doc.contains(&format!("pingpong on {backend}")));
        assert!(doc.contains(">ping<") && doc.contains(">pong<"), "a lane per task");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
