//! The terminal timeline: one row per task, one character per column.
//!
//! Each task's row is built from its events: a task is in the state of its
//! latest event until its next one. A column shows the state that matters
//! most in its slice of time (running beats ready beats waiting), so a short
//! burst of running is never hidden by a long wait around it.
//!
//! ```text
//! producer │██·██·██·█|
//! consumer │·██·██·██·|
//!            █ running  ▒ ready  · timer  ~ io  - other wait
//! ```
#![forbid(unsafe_code)]

use super::{State, Trace, Wait};
use std::fmt::Write;
use std::time::Duration;

/// How the timeline spreads time across columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    /// One column per event: every switch is visible, however quick. Best
    /// for explicit switching (pingpong), where real time is a blur of
    /// nanoseconds.
    Events,
    /// Columns are equal slices of wall-clock time. Best for sleeps and IO.
    Time,
    /// Like `Time`, but the axis runs to at least this long, so timelines of
    /// several runs drawn one under the other share one scale.
    TimeUntil(Duration),
    /// `Time` when any task waited on a timer or IO; otherwise `Events`
    /// when the events fit the width, `Time` when they do not.
    Auto,
}

fn cell(state: Option<State>) -> char {
    match state {
        None | Some(State::Done) => ' ',
        Some(State::Running) => '█',
        Some(State::Ready) => '▒',
        Some(State::Waiting(Wait::Timer)) => '·',
        Some(State::Waiting(Wait::Io)) => '~',
        Some(State::Waiting(_)) => '-',
    }
}

/// Higher wins when several states share a column.
fn rank(state: Option<State>) -> u8 {
    match state {
        None | Some(State::Done) => 0,
        Some(State::Waiting(_)) => 1,
        Some(State::Ready) => 2,
        Some(State::Running) => 3,
    }
}

/// The legend line printed under every timeline.
pub const LEGEND: &str = "█ running  ▒ ready  · timer  ~ io  - other wait";

pub(super) fn render(trace: &Trace, width: usize, axis: Axis) -> String {
    let width = width.max(8);
    let axis = match axis {
        Axis::Auto if waits_on_the_clock(trace) => Axis::Time,
        Axis::Auto if trace.events.len() <= width => Axis::Events,
        Axis::Auto => Axis::Time,
        other => other,
    };
    let span = match axis {
        Axis::TimeUntil(at_least) => trace.span().max(at_least),
        _ => trace.span(),
    };
    let columns = match axis {
        Axis::Events => trace.events.len(),
        _ => width,
    };
    let mut rows = vec![vec![None::<State>; columns]; trace.tasks.len()];
    match axis {
        Axis::Events => fill_by_event(trace, &mut rows),
        _ => fill_by_time(trace, span, &mut rows),
    }

    // Rows in natural name order ("sleeper 2" before "sleeper 10"), so the
    // picture does not depend on which thread happened to register first.
    let mut order: Vec<usize> = (0..trace.tasks.len()).collect();
    order.sort_by(|&a, &b| natural_key(&trace.tasks[a]).cmp(&natural_key(&trace.tasks[b])));
    let hidden = order.len().saturating_sub(MAX_ROWS);
    order.truncate(MAX_ROWS);

    let name_width = trace.tasks.iter().map(|t| t.chars().count()).max().unwrap_or(0).min(24);
    let mut out = String::new();
    for &task in &order {
        let name: String = trace.tasks[task].chars().take(name_width).collect();
        let line: String = rows[task].iter().map(|s| cell(*s)).collect();
        let _ = writeln!(out, "{name:>name_width$} │{line}│");
    }
    if hidden > 0 {
        let _ = writeln!(out, "{:name_width$}  … and {hidden} more tasks", "");
    }
    let scale = match axis {
        Axis::Events => format!("{} events, left to right", trace.events.len()),
        _ => format!("0 … {}", format_duration(span)),
    };
    let _ = writeln!(out, "{:name_width$}  {scale}", "");
    let _ = writeln!(out, "{:name_width$}  {LEGEND}", "");
    out
}

/// Whether any task waited on a timer or on IO: then how long things took is
/// the point, and only a time axis shows it (ten sleeps one after another and
/// ten at once have the same events in a different order).
pub(super) fn waits_on_the_clock(trace: &Trace) -> bool {
    trace.events.iter().any(|e| matches!(e.state, State::Waiting(Wait::Timer | Wait::Io)))
}

/// Column `i` is the moment just after event `i`.
fn fill_by_event(trace: &Trace, rows: &mut [Vec<Option<State>>]) {
    let mut now = vec![None; rows.len()];
    for (i, event) in trace.events.iter().enumerate() {
        now[event.task.index()] = Some(event.state);
        for (row, state) in rows.iter_mut().zip(&now) {
            row[i] = *state;
        }
    }
}

/// At most this many rows are drawn; a line says how many were left out.
const MAX_ROWS: usize = 32;

/// Sorts "sleeper 10" after "sleeper 9": runs of digits compare as numbers.
fn natural_key(name: &str) -> Vec<(String, u64)> {
    let mut key = Vec::new();
    let mut text = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut number = u64::from(c as u8 - b'0');
            while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                number = number.saturating_mul(10).saturating_add(u64::from(d));
                chars.next();
            }
            key.push((std::mem::take(&mut text), number));
        } else {
            text.push(c);
        }
    }
    key.push((text, 0));
    key
}

/// Column `i` covers the time slice `[i, i + 1) * span / columns`.
fn fill_by_time(trace: &Trace, span: Duration, rows: &mut [Vec<Option<State>>]) {
    let columns = rows.first().map_or(0, Vec::len);
    let span = span.as_nanos().max(1);
    let column_of = |at: Duration| ((at.as_nanos() * columns as u128 / span) as usize).min(columns - 1);
    // Each task's current state and the column where it began.
    let mut open: Vec<Option<(State, usize)>> = vec![None; rows.len()];
    let paint = |row: &mut Vec<Option<State>>, state: State, from: usize, to: usize| {
        for slot in &mut row[from..=to] {
            if rank(Some(state)) > rank(*slot) {
                *slot = Some(state);
            }
        }
    };
    for event in &trace.events {
        let task = event.task.index();
        let col = column_of(event.at);
        if let Some((state, from)) = open[task] {
            paint(&mut rows[task], state, from, col);
        }
        open[task] = Some((event.state, col));
    }
    for (task, state) in open.iter().enumerate() {
        if let Some((state, from)) = *state {
            paint(&mut rows[task], state, from, columns - 1);
        }
    }
}

/// `1.5 ms`, `820 µs`, `2.00 s`: short, for axis labels.
pub fn format_duration(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns < 1_000 {
        format!("{ns} ns")
    } else if ns < 1_000_000 {
        format!("{:.1} µs", ns as f64 / 1e3)
    } else if ns < 1_000_000_000 {
        format!("{:.1} ms", ns as f64 / 1e6)
    } else {
        format!("{:.2} s", ns as f64 / 1e9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Event, TaskId};

    fn trace(events: &[(u64, u32, State)]) -> Trace {
        Trace {
            tasks: vec!["a".into(), "b".into()],
            events: events
                .iter()
                .map(|&(ms, task, state)| Event { at: Duration::from_millis(ms), task: TaskId(task), state })
                .collect(),
        }
    }

    #[test]
    fn events_axis_gives_each_event_a_column() {
        let t = trace(&[
            (0, 0, State::Running),
            (1, 0, State::Waiting(Wait::Switch)),
            (1, 1, State::Running),
            (2, 1, State::Done),
        ]);
        let text = t.timeline(80, Axis::Events);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "a │█---│");
        assert_eq!(lines[1], "b │  █ │");
    }

    #[test]
    fn time_axis_keeps_short_running_bursts_visible() {
        // `a` runs for 1 ms of a 100 ms trace: less than one column of 10,
        // but running outranks the wait that shares its column.
        let t = trace(&[
            (0, 0, State::Running),
            (1, 0, State::Waiting(Wait::Timer)),
            (0, 1, State::Waiting(Wait::Timer)),
            (100, 1, State::Done),
        ]);
        let text = t.timeline(10, Axis::Time);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "a │█·········│");
        assert_eq!(lines[1], "b │··········│");
    }

    #[test]
    fn auto_axis_switches_to_time_when_events_do_not_fit() {
        let many: Vec<_> =
            (0..50).map(|i| (i, 0, if i % 2 == 0 { State::Running } else { State::Ready })).collect();
        let t = trace(&many);
        assert!(t.timeline(20, Axis::Auto).contains("0 … 49.0 ms"));
        assert!(t.timeline(60, Axis::Auto).contains("50 events"));
    }

    #[test]
    fn auto_axis_uses_time_when_anyone_slept() {
        let t = trace(&[(0, 0, State::Running), (1, 0, State::Waiting(Wait::Timer)), (5, 0, State::Done)]);
        assert!(t.timeline(60, Axis::Auto).contains("0 … 5.0 ms"));
    }

    #[test]
    fn rows_come_in_natural_name_order_and_are_capped() {
        let tasks: Vec<String> = (0..40).rev().map(|i| format!("sleeper {i}")).collect();
        let events = (0..40)
            .map(|i| Event { at: Duration::from_millis(i), task: TaskId(i as u32), state: State::Running })
            .collect();
        let text = Trace { tasks, events }.timeline(20, Axis::Time);
        let names: Vec<&str> = text.lines().take(3).map(|l| l.split('│').next().unwrap().trim()).collect();
        assert_eq!(names, ["sleeper 0", "sleeper 1", "sleeper 2"]);
        assert!(text.contains("… and 8 more tasks"), "{text}");
    }

    #[test]
    fn time_until_stretches_the_axis() {
        let t = trace(&[(0, 0, State::Running), (10, 0, State::Done)]);
        let text = t.timeline(10, Axis::TimeUntil(Duration::from_millis(100)));
        assert!(text.starts_with("a │██        │"), "{text}");
        assert!(text.contains("0 … 100.0 ms"));
    }
}
