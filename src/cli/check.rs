//! `corolab check <lesson>`: runs a lesson's exercise tests through Cargo and
//! says plainly which still fail and why; a pass is recorded, so
//! `corolab lessons` can tick the lesson. With `--watch` it checks again
//! each time a file of the lesson is saved, until Ctrl-C.
//!
//! Watching uses the `notify` crate through its debouncer: the kernel says
//! when a file changes (inotify on Linux), and the burst of events one save
//! makes (an editor writes, renames, touches) comes out as one.
#![forbid(unsafe_code)]

use corolab::lessons::{self, Lesson, progress::Progress};
use notify_debouncer_mini::{new_debouncer, notify::RecursiveMode};
use std::process::Command;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The lesson, by number (`1`, `01`) or folder name (`01-generators`).
    lesson: String,
    /// Check the lesson's solution instead of your exercise.
    #[arg(long)]
    solution: bool,
    /// Check again each time you save the exercise; Ctrl-C stops.
    #[arg(long, short)]
    watch: bool,
}

pub fn check(args: CheckArgs) -> i32 {
    let Some(lesson) = super::find_lesson(&args.lesson) else { return 2 };
    if !args.watch {
        return check_once(&lesson, args.solution);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let watching = new_debouncer(Duration::from_millis(300), tx)
        .and_then(|mut d| d.watcher().watch(&lesson.dir, RecursiveMode::NonRecursive).map(|()| d));
    let _debouncer = match watching {
        Ok(debouncer) => debouncer,
        Err(e) => {
            super::print_error(format_args!("cannot watch {} for changes ({e})", lesson.dir.display()));
            return 1;
        }
    };
    let mut seen = sources(&lesson.dir);
    loop {
        check_once(&lesson, args.solution);
        println!("\nwatching {} for saves; Ctrl-C stops.", lessons::shown(&lesson.dir));
        // Wait until a Rust file of the lesson really changed: the compiler
        // reading the files makes events too, and so does an editor that
        // saves without a change.
        loop {
            match rx.recv() {
                Ok(Ok(_)) => {
                    let now = sources(&lesson.dir);
                    if now != seen {
                        seen = now;
                        break;
                    }
                }
                Ok(Err(e)) => eprintln!("warning: watching failed once ({e})"),
                Err(_) => return 1,
            }
        }
        println!("\n━━ saved: checking again ━━\n");
    }
}

/// The lesson's Rust files and their contents, to tell a real change from
/// a mere access.
fn sources(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .filter_map(|p| Some((p.clone(), std::fs::read(&p).ok()?)))
        .collect();
    files.sort();
    files
}

/// Runs the tests once and reports; returns the exit status.
fn check_once(lesson: &Lesson, solution: bool) -> i32 {
    let target = if solution { lesson.solution_target() } else { lesson.exercise_target() };
    let width = corolab::term::width();
    let heading = format!(
        "checking {} ({}) with `cargo test --test {target}` …",
        lesson.title,
        lessons::shown(&lesson.dir)
    );
    println!("{}", textwrap::fill(&heading, width));
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["test", "--quiet", "--test", &target])
        .current_dir(lessons::project_dir())
        .output();
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            super::print_error(format_args!(
                "could not run cargo ({e}); corolab check needs the Rust toolchain"
            ));
            return 1;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report = Summary::parse(&stdout);
    if output.status.success() {
        println!("all {} tests pass: lesson {:02} is solved.", report.passed, lesson.number);
        if !solution {
            let progress = Progress::open();
            if let Err(e) = progress.mark_solved(lesson) {
                eprintln!("warning: could not record the pass in {} ({e})", progress.dir().display());
            }
            println!("`corolab lessons` shows what is next.");
        }
        return 0;
    }
    if report.failed.is_empty() {
        // It did not get as far as running tests: most likely a compile error.
        println!("the exercise does not compile yet; cargo says:\n");
        println!("{}", stderr.trim_end());
        return 1;
    }
    print!("{}", report.failures(width));
    let next = format!(
        "edit {} and run `corolab check {:02}` again (stuck? `corolab hint {:02}`).",
        lessons::shown(&lesson.exercise()),
        lesson.number,
        lesson.number
    );
    println!("\n{}", textwrap::fill(&next, width));
    1
}

/// What libtest printed, boiled down.
#[derive(Debug, Default, PartialEq)]
struct Summary {
    passed: usize,
    failed: Vec<(String, String)>,
}

impl Summary {
    /// The failures, one item each, wrapped to `width` with the reason
    /// indented under the test's name.
    fn failures(&self, width: usize) -> String {
        let mut out = format!("{} passing, {} still failing:\n", self.passed, self.failed.len());
        let options = textwrap::Options::new(width).initial_indent("  ✗ ").subsequent_indent("      ");
        for (name, why) in &self.failed {
            out.push_str(&textwrap::fill(&format!("{name}: {why}"), &options));
            out.push('\n');
        }
        out
    }

    /// Reads libtest's output: the `test result:` line for the pass count,
    /// and each `---- name stdout ----` section for a failure's first panic
    /// line.
    fn parse(stdout: &str) -> Summary {
        let mut summary = Summary::default();
        let mut lines = stdout.lines().peekable();
        while let Some(line) = lines.next() {
            if let Some(rest) = line.strip_prefix("test result: ") {
                summary.passed += rest
                    .split(';')
                    .find_map(|part| part.trim().strip_suffix(" passed"))
                    .and_then(|n| {
                        n.trim_start_matches("ok. ").trim_start_matches("FAILED. ").parse::<usize>().ok()
                    })
                    .unwrap_or(0);
            } else if let Some(name) = line.strip_prefix("---- ").and_then(|l| l.strip_suffix(" stdout ----"))
            {
                let mut why = String::from("failed");
                while let Some(next) = lines.peek() {
                    if next.starts_with("---- ") || next.starts_with("failures:") {
                        break;
                    }
                    let next = lines.next().unwrap_or_default();
                    if next.contains("panicked at") {
                        // The message is on the line after `panicked at file:line:col:`.
                        why = lines.next().unwrap_or_default().trim().to_string();
                        if why.is_empty() {
                            why = next.trim().to_string();
                        }
                    }
                }
                summary.failed.push((name.to_string(), why));
            }
        }
        summary
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_failures_and_their_panic_messages() {
        let out = "\nrunning 2 tests\n..F\nfailures:\n\n---- tests::sends stdout ----\n\nthread 'tests::sends' panicked at lessons/01/tests.rs:9:5:\nnot yet implemented: send\nnote: run with `RUST_BACKTRACE=1`\n\n\nfailures:\n    tests::sends\n\ntest result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n";
        let s = Summary::parse(out);
        assert_eq!(s.passed, 1);
        assert_eq!(s.failed, vec![("tests::sends".to_string(), "not yet implemented: send".to_string())]);
    }

    #[test]
    fn the_failure_report_fits_80_columns() {
        let why = "called `Result::unwrap()` on an `Err` value: Panicked(\"not yet implemented: keep a \
                   total and a count; yield the average; on Err from yield_, return the Summary\")";
        let s =
            Summary { passed: 0, failed: vec![("tests::averager_returns_its_summary".into(), why.into())] };
        let report = s.failures(80);
        assert!(report.lines().all(|l| l.chars().count() <= 80), "{report}");
        assert!(report.contains("  ✗ tests::averager_returns_its_summary: called"), "{report}");
        assert!(report.lines().count() >= 3, "the reason wraps under the name: {report}");
    }
}
