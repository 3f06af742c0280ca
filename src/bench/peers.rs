//! Who runs in a bench: corolab's backends, and the peers found on this
//! machine (a tokio program, and the lessons' Python originals).
//!
//! Every runner is a command that takes the same flags (`--n`,
//! `--delay-ms`, `--clients`, `--json`) and prints one JSON line shaped like
//! `corolab run --json`. Peers are found, never required: a peer that is
//! missing becomes a skipped row that says why and how to add it.
//!
//! - **tokio**: `examples/tokio_peer.rs`, an example of the workspace's
//!   `corolab-benches` package (so `cargo test` never builds tokio), built
//!   into the shared `target/<profile>/examples/tokio_peer`. `tokio_peer --list` names the
//!   scenarios it has, and `tokio_peer op …` times one operation for the
//!   per-operation table. A release corolab builds it when it is missing
//!   and the source tree is at hand (saying so in one line, once); a debug
//!   corolab only looks for it and names the command.
//! - **Python**: each `lessons/*/original.py` that speaks the protocol in
//!   `lessons/README.md`: `--peers` lists what it can run (scenario, variant,
//!   modules it needs), and `--json --scenario S --variant V` runs one.
//!   A variant whose modules are not importable is a skipped row that says
//!   `pip install …`.
#![forbid(unsafe_code)]

use super::child::{self, Limits};
use super::plan::Knobs;
use super::table::Row;
use crate::scenarios::Backend;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// One thing that can run a scenario in a child process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Runner {
    /// A corolab backend: `corolab run <scenario> --backend <b> --json`.
    Corolab {
        /// The corolab binary.
        exe: PathBuf,
        /// The backend.
        backend: Backend,
    },
    /// The tokio peer: `tokio_peer <scenario> --json`.
    Tokio {
        /// The peer binary.
        exe: PathBuf,
    },
    /// A lesson's Python original: `python3 original.py --json --scenario S --variant V`.
    Python {
        /// The script.
        script: PathBuf,
        /// The variant: `asyncio`, `generators`, `greenlet`, `gevent` …
        variant: String,
    },
}

impl Runner {
    /// The row label: `gevent`, `tokio`, `python asyncio`.
    pub fn label(&self) -> String {
        match self {
            Runner::Corolab { backend, .. } => backend.name().to_string(),
            Runner::Tokio { .. } => "tokio".to_string(),
            Runner::Python { variant, .. } => format!("python {variant}"),
        }
    }

    /// Whether this is a peer rather than one of corolab's backends.
    pub fn is_peer(&self) -> bool {
        !matches!(self, Runner::Corolab { .. })
    }

    /// The command that runs `scenario` with `knobs` and prints one JSON line.
    pub fn command(&self, scenario: &str, knobs: &Knobs) -> Command {
        let mut c;
        match self {
            Runner::Corolab { exe, backend } => {
                c = Command::new(exe);
                c.args(["run", scenario, "--backend", backend.name(), "--json"]);
            }
            Runner::Tokio { exe } => {
                c = Command::new(exe);
                c.args([scenario, "--json"]);
            }
            Runner::Python { script, variant } => {
                c = Command::new("python3");
                c.arg(script).args(["--json", "--scenario", scenario, "--variant", variant]);
            }
        }
        c.args(knobs.args());
        c
    }
}

/// One variant a Python original declared with `--peers`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct PythonVariant {
    /// The scenario it runs.
    pub scenario: String,
    /// Its variant name.
    pub variant: String,
    /// Modules it imports that are not in the standard library.
    #[serde(default)]
    pub needs: Vec<String>,
    /// The script, filled in by the bench.
    #[serde(skip)]
    pub script: PathBuf,
}

/// The peers found on this machine.
#[derive(Debug, Default)]
pub struct Peers {
    /// The tokio peer and its scenarios, or why there is none.
    pub tokio: Option<Result<(PathBuf, Vec<String>), String>>,
    /// The Python variants declared by the lessons, or why there are none.
    pub python: Option<Result<Vec<PythonVariant>, String>>,
    /// Python modules found missing, by name.
    pub missing_modules: Vec<String>,
    /// Things worth saying under the tables (an original.py that does not
    /// speak the protocol, a failed build).
    pub notes: Vec<String>,
}

/// A short limit for asking a peer what it has.
const ASK: Limits = Limits { time: Duration::from_secs(20), rss_kb: 1 << 20 };

impl Peers {
    /// No peers at all (for `--no-peers` and tests).
    pub fn none() -> Peers {
        Peers::default()
    }

    /// Looks for the tokio peer beside `exe` (building it first if `build`
    /// and it is missing) and for the Python originals under `lessons`.
    pub fn discover(exe: &Path, lessons: &Path, build: bool) -> Peers {
        let mut peers = Peers::default();
        peers.tokio = Some(find_tokio(exe, build, &mut peers.notes));
        peers.python = Some(find_python(lessons, &mut peers.notes));
        if let Some(Ok(variants)) = &peers.python {
            let mut needed: Vec<&String> = variants.iter().flat_map(|v| &v.needs).collect();
            needed.sort();
            needed.dedup();
            peers.missing_modules = needed.into_iter().filter(|m| !importable(m)).cloned().collect();
        }
        peers
    }

    /// The tokio peer's binary, or why there is none.
    pub fn tokio_exe(&self) -> Result<PathBuf, String> {
        match &self.tokio {
            None => Err("peers left out (--no-peers)".into()),
            Some(Ok((exe, _))) => Ok(exe.clone()),
            Some(Err(why)) => Err(why.clone()),
        }
    }

    /// The peers' entries for `scenario`: a runner for each peer that can
    /// run it, a skipped row for each that cannot.
    pub fn for_scenario(&self, scenario: &str) -> Vec<Result<Runner, Row>> {
        let mut out = Vec::new();
        match &self.tokio {
            None => {}
            Some(Err(why)) => out.push(Err(Row::skipped("tokio", true, why.clone()))),
            Some(Ok((exe, names))) if names.iter().any(|n| n == scenario) => {
                out.push(Ok(Runner::Tokio { exe: exe.clone() }))
            }
            Some(Ok(_)) => {
                out.push(Err(Row::skipped("tokio", true, format!("the tokio peer has no {scenario}"))))
            }
        }
        match &self.python {
            None => {}
            Some(Err(why)) => out.push(Err(Row::skipped("python", true, why.clone()))),
            Some(Ok(variants)) => {
                let mine: Vec<&PythonVariant> = variants.iter().filter(|v| v.scenario == scenario).collect();
                if mine.is_empty() {
                    let why =
                        format!("no lessons/*/original.py runs {scenario} (protocol: lessons/README.md)");
                    out.push(Err(Row::skipped("python", true, why)));
                }
                for v in mine {
                    let missing: Vec<&str> = v
                        .needs
                        .iter()
                        .filter(|m| self.missing_modules.contains(m))
                        .map(String::as_str)
                        .collect();
                    let label = format!("python {}", v.variant);
                    if missing.is_empty() {
                        out.push(Ok(Runner::Python { script: v.script.clone(), variant: v.variant.clone() }));
                    } else {
                        let why = format!("`pip install {}` to add this row", self.pip_line());
                        let why = format!("{} not importable; {why}", missing.join(", "));
                        out.push(Err(Row::skipped(label, true, why)));
                    }
                }
            }
        }
        out
    }

    /// Every missing module, for one `pip install` line.
    fn pip_line(&self) -> String {
        self.missing_modules.join(" ")
    }
}

/// Finds (or builds) the tokio peer and asks it for its scenarios.
fn find_tokio(exe: &Path, build: bool, notes: &mut Vec<String>) -> Result<(PathBuf, Vec<String>), String> {
    let dir = exe.parent().unwrap_or(Path::new("."));
    // `cargo test` puts the binary under target/<profile>/, and so examples
    // under target/<profile>/examples/; a test harness may live in deps/.
    let candidates = [dir.join("examples/tokio_peer"), dir.join("../examples/tokio_peer")];
    let found = || candidates.iter().find(|p| p.is_file()).cloned();
    let release = dir.ends_with("release");
    let how = format!("not built: `{}`", build_command(release));
    // A release corolab (the README's `cargo run --release -- bench`) builds
    // the peer it is missing; a debug one (tests, `cargo run -- bench`)
    // names the command instead of starting a long build.
    let path = match found() {
        Some(p) => p,
        None if build && release => {
            build_tokio(release, notes);
            found().ok_or(how)?
        }
        None => return Err(how),
    };
    let run = child::run(
        {
            let mut c = Command::new(&path);
            c.arg("--list");
            c
        },
        ASK,
    )
    .map_err(|e| format!("could not start {}: {e}", path.display()))?;
    if !run.success() {
        return Err(format!("{} --list failed: {}", path.display(), run.stderr.trim()));
    }
    Ok((path, run.stdout.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()))
}

/// The workspace package that holds the tokio peer (benches/Cargo.toml).
const PEER_PACKAGE: &str = "corolab-benches";

/// What to type to build the tokio peer by hand.
fn build_command(release: bool) -> String {
    format!("cargo build{} -p {PEER_PACKAGE} --example tokio_peer", if release { " --release" } else { "" })
}

fn build_tokio(release: bool, notes: &mut Vec<String>) {
    let project = crate::lessons::project_dir();
    if !project.join("Cargo.toml").is_file() {
        notes.push("tokio peer: no source tree to build it from".into());
        return;
    }
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(&project).args(["build", "--quiet", "-p", PEER_PACKAGE, "--example", "tokio_peer"]);
    if release {
        c.arg("--release");
    }
    eprintln!("building the tokio peer once, for the tables' tokio rows: {} …", build_command(release));
    let limits = Limits { time: Duration::from_secs(600), rss_kb: 8 << 20 };
    match child::run(c, limits) {
        Ok(run) if run.success() => {
            notes.push(format!("tokio peer: built in {:.0} s", run.wall.as_secs_f64()))
        }
        Ok(run) => notes.push(format!("tokio peer: the build failed: {}", run.stderr.trim())),
        Err(e) => notes.push(format!("tokio peer: could not run cargo: {e}")),
    }
}

/// Asks every `lessons/*/original.py` what it can run.
fn find_python(lessons: &Path, notes: &mut Vec<String>) -> Result<Vec<PythonVariant>, String> {
    let version = child::run(
        {
            let mut c = Command::new("python3");
            c.arg("--version");
            c
        },
        ASK,
    );
    if !matches!(&version, Ok(r) if r.success()) {
        return Err("python3 not found".into());
    }
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(lessons)
        .map(|d| d.filter_map(|e| Some(e.ok()?.path().join("original.py"))).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    scripts.sort();
    let mut variants = Vec::new();
    let mut seen = BTreeMap::new();
    for script in scripts {
        let mut c = Command::new("python3");
        c.arg(&script).arg("--peers");
        let shown =
            script.strip_prefix(lessons.parent().unwrap_or(lessons)).unwrap_or(&script).display().to_string();
        match child::run(c, ASK) {
            Ok(run) if run.success() => {
                let declared: Vec<PythonVariant> =
                    run.stdout.lines().filter_map(|l| serde_json::from_str(l.trim()).ok()).collect();
                // Declaring nothing is how a demo-only original says so.
                for mut v in declared {
                    // The first lesson to declare a (scenario, variant) pair owns it.
                    if seen.insert((v.scenario.clone(), v.variant.clone()), ()).is_none() {
                        v.script = script.clone();
                        variants.push(v);
                    }
                }
            }
            Ok(run) => notes.push(match missing_module(&run.stderr) {
                Some(module) => format!(
                    "{shown}: needs {module} even to answer --peers (`pip install {module}`, or import it \
                     where it is used: lessons/README.md)"
                ),
                None => format!("{shown}: does not answer --peers (protocol: lessons/README.md)"),
            }),
            Err(_) => notes.push(format!("{shown}: does not answer --peers (protocol: lessons/README.md)")),
        }
    }
    Ok(variants)
}

/// The module a Python traceback says is missing, if it says so.
fn missing_module(stderr: &str) -> Option<String> {
    let rest = stderr.split("No module named '").nth(1)?;
    Some(rest.split('\'').next()?.split('.').next()?.to_string())
}

/// Whether `python3 -c "import <module>"` succeeds.
fn importable(module: &str) -> bool {
    let mut c = Command::new("python3");
    c.args(["-c", &format!("import {module}")]);
    matches!(child::run(c, ASK), Ok(r) if r.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_carry_the_knobs_and_json() {
        let knobs = Knobs { n: 10, delay_ms: Some(5), clients: None };
        let r = Runner::Corolab { exe: "corolab".into(), backend: Backend::Threads };
        let c = r.command("sleepers", &knobs);
        let args: Vec<_> = c.get_args().map(|a| a.to_str().unwrap()).collect();
        assert_eq!(
            args,
            ["run", "sleepers", "--backend", "threads", "--json", "--n", "10", "--delay-ms", "5"]
        );
        let p = Runner::Python { script: "o.py".into(), variant: "asyncio".into() };
        let args: Vec<_> =
            p.command("sleepers", &knobs).get_args().map(|a| a.to_str().unwrap().to_string()).collect();
        assert_eq!(args[..5], ["o.py", "--json", "--scenario", "sleepers", "--variant"]);
        assert!(p.is_peer() && !r.is_peer());
        assert_eq!(p.label(), "python asyncio");
    }

    #[test]
    fn missing_peers_become_skipped_rows_with_the_reason() {
        let peers = Peers {
            tokio: Some(Err("not built".into())),
            python: Some(Ok(vec![
                PythonVariant {
                    scenario: "sleepers".into(),
                    variant: "asyncio".into(),
                    needs: vec![],
                    script: "a.py".into(),
                },
                PythonVariant {
                    scenario: "sleepers".into(),
                    variant: "gevent".into(),
                    needs: vec!["gevent".into()],
                    script: "a.py".into(),
                },
            ])),
            missing_modules: vec!["greenlet".into(), "gevent".into()],
            notes: vec![],
        };
        let entries = peers.for_scenario("sleepers");
        assert_eq!(entries.len(), 3);
        assert!(matches!(&entries[0], Err(row) if row.label == "tokio"));
        assert!(matches!(&entries[1], Ok(Runner::Python { variant, .. }) if variant == "asyncio"));
        let Err(gevent) = &entries[2] else { panic!("gevent should be skipped") };
        let reason = format!("{:?}", gevent.outcome);
        assert!(reason.contains("pip install greenlet gevent"), "{reason}");

        let other = peers.for_scenario("echo");
        assert!(
            matches!(&other[1], Err(row) if format!("{:?}", row.outcome).contains("no lessons/*/original.py runs echo"))
        );
    }

    #[test]
    fn a_missing_module_is_read_from_the_traceback() {
        let tb = "Traceback (most recent call last):\nModuleNotFoundError: No module named 'gevent.server'\n";
        assert_eq!(missing_module(tb).as_deref(), Some("gevent"));
        assert_eq!(missing_module("KeyError: '--peers'"), None);
    }

    #[test]
    fn python_originals_that_speak_the_protocol_are_found() {
        let dir = std::env::temp_dir().join(format!("corolab-peers-{}", std::process::id()));
        let lesson = dir.join("lessons/01-x");
        std::fs::create_dir_all(&lesson).unwrap();
        std::fs::write(
            lesson.join("original.py"),
            "import sys, json\nif '--peers' in sys.argv:\n    print(json.dumps({'scenario': 'pingpong', 'variant': 'generators'}))\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.join("lessons/02-y")).unwrap();
        std::fs::write(dir.join("lessons/02-y/original.py"), "import sys; sys.exit(2)\n").unwrap();
        let mut notes = Vec::new();
        let found = find_python(&dir.join("lessons"), &mut notes);
        std::fs::remove_dir_all(&dir).unwrap();
        let Ok(found) = found else { return }; // no python3 on this machine
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].scenario.as_str(), found[0].variant.as_str()), ("pingpong", "generators"));
        assert!(
            notes.iter().any(|n| n.contains("02-y") && n.contains("does not answer --peers")),
            "{notes:?}"
        );
    }
}
