//! `corolab run`'s knobs are bounded: each scenario states the range of
//! every knob it reads, `run --list` and `run --help` show them, and a
//! value outside (or a negative one, or a knob the scenario does not read)
//! gets a one-line error naming the range and exit status 2, before any
//! work starts. Long narration is summarised past a readable count.

use corolab::scenarios::{self, Knob, Narration};
use std::process::{Command, Output};

fn corolab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corolab")).args(args).env("COLUMNS", "80").output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts `args` is refused with exit 2 and one line on stderr that
/// contains every one of `needles`.
fn refused(args: &[&str], needles: &[&str]) {
    let out = corolab(args);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stdout}{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: not one line: {stderr}");
    assert!(stdout.is_empty(), "{args:?} ran anyway: {stdout}");
    for needle in needles {
        assert!(stderr.contains(needle), "{args:?}: {stderr:?} lacks {needle:?}");
    }
}

#[test]
fn every_scenario_states_a_range_for_n() {
    for s in scenarios::SCENARIOS {
        let n = s.range(Knob::N).unwrap_or_else(|| panic!("{} states no range for --n", s.name));
        assert!(n.min <= s.default_n && s.default_n <= n.max, "{}: default n outside {n:?}", s.name);
    }
}

#[test]
fn a_value_past_either_end_of_a_range_is_refused_with_the_range() {
    for s in scenarios::SCENARIOS {
        for range in s.knobs {
            let flag = range.knob.flag();
            let (min, max) = (scenarios::grouped(range.min), scenarios::grouped(range.max));
            let above = (range.max + 1).to_string();
            refused(&["run", s.name, flag, &above], &[flag, s.name, &min, &max, &above]);
            let below = (i128::from(range.min) - 1).to_string();
            refused(&["run", s.name, flag, &below], &[flag, s.name, &min, &max, &below]);
        }
    }
}

#[test]
fn a_huge_n_is_refused_instead_of_running_out_of_memory() {
    // Before the ranges, pingpong printed for ever and sleepers aborted
    // with "memory allocation of 1599999999984 bytes failed".
    refused(&["run", "pingpong", "--n", "99999999999"], &["--n", "1,000,000"]);
    refused(&["run", "sleepers", "--n", "99999999999"], &["--n", "1,000,000"]);
}

#[test]
fn a_negative_n_gets_the_range_not_advice_to_write_dash_dash() {
    let out = corolab(&["run", "sleepers", "--n", "-1"]);
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("-- -1"), "{stderr}");
    refused(&["run", "sleepers", "--n", "-1"], &["--n", "(got -1)", "1 to 1,000,000"]);
}

#[test]
fn a_knob_the_scenario_does_not_read_is_refused() {
    refused(&["run", "pingpong", "--clients", "3"], &["pingpong does not read --clients", "--n"]);
    refused(&["run", "echo", "--concurrency", "3"], &["echo does not read --concurrency"]);
}

#[test]
fn the_ends_of_a_range_are_accepted() {
    let out = corolab(&["run", "producer-consumer", "--backend", "threads", "--n", "0", "-q"]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let out = corolab(&["run", "sleepers", "--backend", "threads", "--n", "1", "--delay-ms", "0", "-q"]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
}

#[test]
fn list_and_help_show_every_range() {
    let list = text(&corolab(&["run", "--list"]).stdout);
    let help = text(&corolab(&["run", "--help"]).stdout);
    for s in scenarios::SCENARIOS {
        for range in s.knobs {
            let shown = range.describe();
            assert!(list.contains(&shown), "run --list lacks {shown} for {}:\n{list}", s.name);
            assert!(help.contains(&shown), "run --help lacks {shown} for {}:\n{help}", s.name);
        }
    }
    for line in list.lines().chain(help.lines()).filter(|l| l.contains("..=") && l.contains("--")) {
        assert!(line.chars().count() <= 80, "wider than 80 columns: {line:?}");
    }
}

#[test]
fn long_narration_is_summarised() {
    // 2,000 sleepers narrate 4,000 lines; the run shows the first and the
    // last few and says how many it left out.
    let out = corolab(&["run", "sleepers", "--backend", "gevent", "--n", "2000", "--delay-ms", "1"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let lines = stdout.lines().count() as u64;
    let most = Narration::HEAD + Narration::TAIL as u64 + 5;
    assert!(lines <= most, "{lines} lines, more than {most}");
    assert!(stdout.contains("more lines of narration not shown"), "{stdout}");
    let tail = stdout.split("not shown").nth(1).unwrap_or_default();
    assert!(tail.contains("woke after"), "the tail (how the run ends) is missing: {stdout}");
}

#[test]
fn the_library_refuses_an_out_of_range_config_too() {
    let pingpong = scenarios::find("pingpong").unwrap();
    let config = scenarios::Config::quiet().with_n(10_000_000);
    let report = scenarios::run(pingpong, scenarios::Backend::Threads, &config);
    assert!(!report.ok);
    assert!(report.error.as_deref().is_some_and(|e| e.contains("1,000,000")), "{:?}", report.error);
}
