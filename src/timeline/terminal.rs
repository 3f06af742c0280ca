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

use crate::trace::axis::{self, Axis};
use crate::trace::{State, Trace, Wait, format_duration};
use std::fmt::Write;
use std::time::Duration;

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

/// Draws `trace` with a plot `plot_width` columns wide, task names not
/// included.
pub(super) fn render(trace: &Trace, plot_width: usize, axis: Axis) -> String {
    // The footer is not wrapped: the caller chose the plot's width only.
    draw(trace, name_width(trace, usize::MAX), plot_width.max(8), usize::MAX, axis, None)
}

/// The widest task name drawn, out of `total` columns.
fn name_width(trace: &Trace, total: usize) -> usize {
    let longest = trace.tasks.iter().map(|t| t.chars().count()).max().unwrap_or(0);
    longest.min(24).min(total / 3)
}

/// Draws `trace` in at most `total` columns, names and legend included,
/// with `note` (if any) after the legend.
pub(super) fn render_in(trace: &Trace, total: usize, axis: Axis, note: Option<&str>) -> String {
    let total = total.max(crate::term::MIN_WIDTH);
    let name_width = name_width(trace, total);
    draw(trace, name_width, total - name_width - 3, total, axis, note)
}

/// The rows `plot_width` columns wide after names `name_width` wide, and
/// the footer (scale, legend, rule, notes) wrapped to `total` columns.
fn draw(
    trace: &Trace,
    name_width: usize,
    plot_width: usize,
    total: usize,
    axis: Axis,
    note: Option<&str>,
) -> String {
    let (axis, rule) = axis.resolve(trace);
    let origin = axis::lead_in(trace);
    let span = match axis {
        Axis::TimeUntil(at_least) => trace.span().saturating_sub(origin).max(at_least),
        _ => trace.span().saturating_sub(origin),
    };
    let columns = match axis {
        Axis::Events => trace.events.len().min(plot_width),
        _ => plot_width,
    };
    let mut rows = vec![vec![None::<State>; columns]; trace.tasks.len()];
    match axis {
        Axis::Events => fill_by_event(trace, &mut rows),
        _ => fill_by_time(trace, origin, span, &mut rows),
    }

    // Rows in natural name order ("sleeper 2" before "sleeper 10"), so the
    // picture does not depend on which thread happened to register first.
    let mut order: Vec<usize> = (0..trace.tasks.len()).collect();
    order.sort_by(|&a, &b| natural_key(&trace.tasks[a]).cmp(&natural_key(&trace.tasks[b])));
    let hidden = order.len().saturating_sub(MAX_ROWS);
    order.truncate(MAX_ROWS);

    let mut out = String::new();
    for &task in &order {
        let name: String = trace.tasks[task].chars().take(name_width).collect();
        let line: String = rows[task].iter().map(|s| cell(*s)).collect();
        let _ = writeln!(out, "{name:>name_width$} │{line}│");
    }
    let mut footer = Vec::new();
    if hidden > 0 {
        footer.push(format!("… and {hidden} more tasks"));
    }
    footer.push(match axis {
        Axis::Events if trace.events.len() > columns => format!(
            "{} events, left to right, about {} a column",
            trace.events.len(),
            trace.events.len().div_ceil(columns.max(1))
        ),
        Axis::Events => format!("{} events, left to right", trace.events.len()),
        _ => format!("0 … {} after the first event", format_duration(span)),
    });
    footer.push(LEGEND.to_string());
    footer.push(rule.reason(axis));
    footer.extend(axis::lead_in_note(trace));
    footer.extend(note.map(str::to_string));
    let indent = name_width + 2;
    for line in footer {
        if line.chars().count() <= total - indent {
            let _ = writeln!(out, "{:indent$}{line}", "");
            continue;
        }
        for piece in crate::term::wrap(&line, total - indent) {
            let _ = writeln!(out, "{:indent$}{piece}", "");
        }
    }
    out
}

/// Column `i` is the moment just after event `i`; when there are more
/// events than columns, each column holds a run of events and shows the
/// state that matters most among them.
fn fill_by_event(trace: &Trace, rows: &mut [Vec<Option<State>>]) {
    let columns = rows.first().map_or(0, Vec::len);
    let events = trace.events.len().max(1);
    let mut now = vec![None; rows.len()];
    for (i, event) in trace.events.iter().enumerate() {
        now[event.task.index()] = Some(event.state);
        let col = i * columns / events;
        for (row, state) in rows.iter_mut().zip(&now) {
            if rank(*state) >= rank(row[col]) {
                row[col] = *state;
            }
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

/// Column `i` covers the time slice `origin + [i, i + 1) * span / columns`.
fn fill_by_time(trace: &Trace, origin: Duration, span: Duration, rows: &mut [Vec<Option<State>>]) {
    let columns = rows.first().map_or(0, Vec::len);
    let span = span.as_nanos().max(1);
    let column_of = |at: Duration| {
        ((at.saturating_sub(origin).as_nanos() * columns as u128 / span) as usize).min(columns - 1)
    };
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
    fn more_events_than_columns_share_columns_on_an_event_axis() {
        let many: Vec<(u64, u32, State)> = (0..50)
            .map(|i| (i / 10, (i % 2) as u32, if i % 4 < 2 { State::Running } else { State::Ready }))
            .collect();
        let t = trace(&many);
        let text = t.timeline(20, Axis::Auto);
        assert!(text.contains("50 events, left to right, about 3 a column"), "{text}");
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
        // "a │", twenty columns, "│".
        assert_eq!(text.lines().next().unwrap().chars().count(), 1 + 2 + 20 + 1);
        assert!(t.timeline(60, Axis::Auto).contains("50 events, left to right\n"));
    }

    #[test]
    fn a_timeline_fits_the_width_it_is_given_legend_included() {
        let long = Trace {
            tasks: vec!["a task with a very long name indeed, longer than any".into(), "b".into()],
            events: (0..200)
                .map(|i| Event {
                    at: Duration::from_millis(i),
                    task: TaskId(i as u32 % 2),
                    state: State::Running,
                })
                .collect(),
        };
        for total in [40, 80, 132] {
            let text = long.timeline_in(
                total,
                Axis::Auto,
                Some("a note that is long enough to need wrapping at forty columns"),
            );
            for line in text.lines() {
                assert!(line.chars().count() <= total, "{total}: {line:?}");
            }
            assert!(text.lines().next().unwrap().chars().count() == total, "{text}");
            assert!(text.contains("event axis"), "{text}");
        }
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
