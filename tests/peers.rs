//! Every lesson's `original.py` speaks the bench peer protocol
//! (lessons/README.md, lessons/peer/): `--peers` answers at once with only
//! JSON lines of the documented shape, whatever the lesson's demo would
//! do (serve, crawl, sleep), and every row it offers runs and reports one
//! JSON line shaped like `corolab run --json`.
//!
//! Needs `python3`; without it the tests say so and pass. Rows that need a
//! package that is not installed (greenlet, gevent) are not run.

use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// How long `--peers` may take: it must not start the lesson's demo.
const PEERS_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one small bench row may take (on a loaded machine).
const RUN_TIMEOUT: Duration = Duration::from_secs(30);

fn python() -> bool {
    let found = Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("python3 not found: skipping the peer protocol tests");
    }
    found
}

/// Every `lessons/NN-slug/original.py`, in lesson order.
fn originals() -> Vec<PathBuf> {
    let lessons = Path::new(ROOT).join("lessons");
    let mut out: Vec<PathBuf> = corolab::lessons::in_dir(&lessons)
        .into_iter()
        .map(|l| lessons.join(&l.slug).join("original.py"))
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// What a child printed, or that it ran past `timeout` (and was killed).
struct Ran {
    success: bool,
    stdout: String,
    stderr: String,
}

fn run_with_timeout(command: &mut Command, timeout: Duration) -> Result<Ran, String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running after {timeout:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (mut stdout, mut stderr) = (String::new(), String::new());
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    Ok(Ran { success: status.success(), stdout, stderr })
}

/// One row an original offers.
#[derive(Debug)]
struct Row {
    scenario: String,
    variant: String,
    needs: Vec<String>,
}

/// Checks one `--peers` line against the protocol and reads it.
fn parse_row(line: &str) -> Result<Row, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON ({e}): {line:?}"))?;
    let object = value.as_object().ok_or_else(|| format!("not a JSON object: {line}"))?;
    if let Some(key) = object.keys().find(|k| !["scenario", "variant", "needs"].contains(&k.as_str())) {
        return Err(format!("unknown key {key:?}: {line}"));
    }
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(String::from);
    let scenario = text("scenario").ok_or_else(|| format!("no \"scenario\" string: {line}"))?;
    if corolab::scenarios::find(&scenario).is_none() {
        return Err(format!("{scenario:?} is not a corolab scenario ({})", corolab::scenarios::names()));
    }
    let variant =
        text("variant").filter(|v| !v.is_empty()).ok_or_else(|| format!("no \"variant\": {line}"))?;
    let needs = match object.get("needs") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|m| m.as_str().map(String::from).ok_or_else(|| format!("a need is not a string: {line}")))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(format!("\"needs\" is not a list: {line}")),
    };
    Ok(Row { scenario, variant, needs })
}

fn peers_of(script: &Path) -> Result<Vec<Row>, String> {
    let ran = run_with_timeout(Command::new("python3").arg(script).arg("--peers"), PEERS_TIMEOUT)?;
    if !ran.success {
        return Err(format!("exit status not 0; stderr: {}", ran.stderr.trim()));
    }
    if !ran.stderr.trim().is_empty() {
        return Err(format!("printed to stderr: {}", ran.stderr.trim()));
    }
    ran.stdout.lines().map(parse_row).collect()
}

fn importable(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn every_original_answers_peers_at_once_with_only_json_lines() {
    if !python() {
        return;
    }
    let scripts = originals();
    assert!(scripts.len() >= 9, "found only {scripts:?}");
    let mut failures = Vec::new();
    for script in &scripts {
        if let Err(why) = peers_of(script) {
            failures.push(format!("{}: {why}", script.strip_prefix(ROOT).unwrap_or(script).display()));
        }
    }
    assert!(
        failures.is_empty(),
        "`python3 original.py --peers` broke the protocol:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_offered_row_runs_and_reports_one_json_line() {
    if !python() {
        return;
    }
    let mut ran_rows = 0;
    let mut failures = Vec::new();
    for script in originals() {
        let shown = script.strip_prefix(ROOT).unwrap_or(&script).display().to_string();
        for row in peers_of(&script).unwrap_or_default() {
            if !row.needs.iter().all(|m| importable(m)) {
                eprintln!("{shown}: {}/{} needs {:?}: not run", row.scenario, row.variant, row.needs);
                continue;
            }
            let mut c = Command::new("python3");
            c.arg(&script).args(["--json", "--scenario", &row.scenario, "--variant", &row.variant]);
            c.args(["--n", "3", "--delay-ms", "10", "--clients", "2"]);
            let what = format!("{shown} {}/{}", row.scenario, row.variant);
            match run_with_timeout(&mut c, RUN_TIMEOUT) {
                Err(why) => failures.push(format!("{what}: {why}")),
                Ok(ran) => {
                    let lines: Vec<&str> = ran.stdout.lines().collect();
                    let report: Option<Value> = match lines[..] {
                        [line] => serde_json::from_str(line).ok(),
                        _ => None,
                    };
                    let Some(report) = report else {
                        failures.push(format!("{what}: not one JSON line: {:?}", ran.stdout));
                        continue;
                    };
                    let backend = format!("python-{}", row.variant);
                    let good = ran.success
                        && report["ok"] == true
                        && report["scenario"] == row.scenario.as_str()
                        && report["backend"] == backend.as_str()
                        && report["n"] == 3
                        && report["items"].as_u64().is_some_and(|i| i > 0)
                        && report["wall_ms"].as_f64().is_some_and(|w| w >= 0.0)
                        && report["unit"].as_str().is_some_and(|u| !u.is_empty());
                    if !good {
                        failures.push(format!("{what}: {report} (stderr: {})", ran.stderr.trim()));
                    }
                    ran_rows += 1;
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "rows that did not report as `corolab run --json` does:\n{}",
        failures.join("\n")
    );
    assert!(ran_rows >= 5, "only {ran_rows} rows ran: the stdlib-only rows went missing");
}

#[test]
fn a_row_that_is_not_offered_fails_with_a_reason() {
    if !python() {
        return;
    }
    let script = Path::new(ROOT).join("lessons/01-generators/original.py");
    let mut c = Command::new("python3");
    c.arg(&script).args(["--json", "--scenario", "sleepers", "--variant", "asyncio"]);
    let ran = run_with_timeout(&mut c, RUN_TIMEOUT).unwrap();
    assert!(!ran.success, "{}", ran.stdout);
    let report: Value = serde_json::from_str(ran.stdout.trim()).unwrap();
    assert_eq!(report["ok"], false);
    assert!(report["error"].as_str().is_some_and(|e| e.contains("pingpong/generators")), "{report}");
}
