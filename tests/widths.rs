//! Everything corolab prints fits in 80 columns when the output is not a
//! terminal (or `COLUMNS=80`), and uses more when the terminal is wider.
//!
//! Each test drives the built binary with `COLUMNS` set and small knobs, and
//! fails on the first line longer than the width, naming the command.

use std::process::{Command, Output};

fn corolab(columns: usize, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corolab"))
        .args(args)
        .env("COLUMNS", columns.to_string())
        .output()
        .expect("the corolab binary runs")
}

/// The output of `corolab ARGS` at `columns`, checked to fit.
fn fits(columns: usize, args: &[&str]) -> String {
    let out = corolab(columns, args);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    for line in text.lines() {
        let width = line.chars().count();
        assert!(
            width <= columns,
            "`corolab {}` printed a line of {width} columns at COLUMNS={columns}:\n{line}",
            args.join(" ")
        );
    }
    assert!(!text.trim().is_empty(), "`corolab {}` printed nothing", args.join(" "));
    text
}

fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

fn scenario_names() -> Vec<String> {
    let list = fits(80, &["run", "--list"]);
    list.lines()
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .map(String::from)
        .collect()
}

#[test]
fn the_tour_fits_80_columns() {
    let text = fits(80, &[]);
    assert!(text.contains("pingpong") && text.contains("sleepers"));
}

#[test]
fn run_list_fits_80_columns_and_names_every_backend() {
    let text = fits(80, &["run", "--list"]);
    assert!(text.contains("backends:"));
    assert!(scenario_names().len() >= 5, "{text}");
    // A narrow terminal stacks the name above its summary.
    fits(40, &["run", "--list"]);
}

#[test]
fn every_scenario_report_and_timeline_fits_80_columns() {
    for name in scenario_names() {
        let mut args = vec!["run", name.as_str(), "--n", "2", "--trace"];
        if name == "sleepers" {
            args.extend(["--delay-ms", "20"]);
        }
        let text = fits(80, &args);
        assert!(text.contains("axis"), "`{}` drew no timeline legend:\n{text}", args.join(" "));
    }
}

#[test]
fn timelines_on_both_axes_use_a_wider_terminal() {
    // Drawn on the event axis, unless the machine stalled the run for a
    // long stretch (src/trace/axis.rs): either way, 120 columns wide.
    let events = fits(120, &["run", "pingpong", "--backend", "greenlet", "--n", "40", "--trace"]);
    assert!(events.contains("event axis") || events.contains("time axis"), "{events}");
    assert_eq!(widest(&events), 120, "{events}");
    let time = fits(120, &["run", "sleepers", "--n", "3", "--delay-ms", "20", "--trace", "--quiet"]);
    assert!(time.contains("time axis"), "{time}");
    assert_eq!(widest(&time), 120, "{time}");
}

#[test]
fn lessons_fit_80_columns() {
    fits(80, &["lessons"]);
}

#[test]
fn the_check_report_fits_80_columns() {
    fits(80, &["check", "01", "--solution"]);
}

#[test]
fn help_fits_80_columns() {
    for args in [&["--help"][..], &["run", "--help"], &["serve", "--help"], &["bench", "--help"]] {
        fits(80, args);
    }
}

#[test]
fn error_messages_fit_80_columns() {
    for args in
        [&["run", "nosuch"][..], &["check", "99"], &["lesson", "99"], &["run", "sleepers", "--n", "0"]]
    {
        let out = corolab(80, args);
        assert_eq!(out.status.code(), Some(2), "`corolab {}` should be a usage error", args.join(" "));
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(text.starts_with("error: "), "{text}");
        assert!(widest(&text) <= 80, "`corolab {}` wrote an error wider than 80:\n{text}", args.join(" "));
    }
}
