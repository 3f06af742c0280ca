//! The timeline as a picture: one lane per task, time left to right, a
//! coloured box for each stretch a task spent in one state.
//!
//! It reads the same events as the terminal timeline and draws them the same
//! two ways, by the same rule ([`Axis`]; the legend under the axis says which
//! and why): by wall-clock time from the first event, where a box is as wide
//! as the stretch it stands for (a running burst shorter than a pixel is
//! widened to one, so it never disappears), or one column per event, at
//! least [`MIN_EVENT_WIDTH`] pixels each, where every switch is visible
//! however quick. Each box has a tooltip with its state and duration.
//!
//! ```text
//!  pingpong on greenlet          ■ running ■ ready ■ timer ■ io ■ other wait
//!  ping  ███░░░███░░░███
//!  pong  ░░░███░░░███░░░
//!        0        1.2 µs       2.4 µs
//! ```
#![forbid(unsafe_code)]

use crate::svg::Svg;
use crate::trace::format_duration;
use crate::trace::{Axis, State, Trace, Wait};
use std::time::Duration;

/// Lanes drawn at most; a trace with more tasks says how many it left out.
pub const MAX_LANES: usize = 48;

/// On an event axis, each event gets at least this many pixels (the plot
/// grows, up to [`MAX_PLOT_WIDTH`]), so a lane is never a sliver.
pub const MIN_EVENT_WIDTH: f64 = 8.0;

/// The widest plot drawn, in pixels.
pub const MAX_PLOT_WIDTH: f64 = 2400.0;

const LANE: f64 = 18.0;
const GAP: f64 = 4.0;
const TOP: f64 = 44.0;
const PLOT_WIDTH: f64 = 720.0;
const CHAR: f64 = 7.0;

/// The colour of a state, and its legend label.
pub fn colour(state: State) -> Option<(&'static str, &'static str)> {
    match state {
        State::Done => None,
        State::Running => Some(("#2e7d32", "running")),
        State::Ready => Some(("#f9a825", "ready")),
        State::Waiting(Wait::Timer) => Some(("#90caf9", "waiting on a timer")),
        State::Waiting(Wait::Io) => Some(("#ce93d8", "waiting on IO")),
        State::Waiting(_) => Some(("#cfd8dc", "other wait (switch, sync, join)")),
    }
}

const LEGEND: [State; 5] = [
    State::Running,
    State::Ready,
    State::Waiting(Wait::Timer),
    State::Waiting(Wait::Io),
    State::Waiting(Wait::Sync),
];

/// One box to draw: a task, a state, and where it starts and ends on the
/// axis (in axis units: nanoseconds or event numbers).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Stretch {
    task: usize,
    state: State,
    from: f64,
    to: f64,
}

// ANCHOR: stretches
/// Every stretch of every task, in axis units, and the axis length. Time
/// counts from the first event: what came before it is start-up.
fn stretches(trace: &Trace, by_event: bool) -> (Vec<Stretch>, f64) {
    let origin = crate::trace::lead_in(trace);
    let since = |at: Duration| at.saturating_sub(origin).as_nanos() as f64;
    let end = if by_event { trace.events.len() as f64 } else { since(trace.span()) };
    let mut open: Vec<Option<(State, f64)>> = vec![None; trace.tasks.len()];
    let mut out = Vec::new();
    for (i, event) in trace.events.iter().enumerate() {
        let at = if by_event { i as f64 } else { since(event.at) };
        let task = event.task.index();
        if let Some((state, from)) = open[task] {
            out.push(Stretch { task, state, from, to: at });
        }
        open[task] = Some((event.state, at));
    }
    for (task, state) in open.iter().enumerate() {
        if let Some((state, from)) = *state {
            out.push(Stretch { task, state, from, to: end });
        }
    }
    (out, end)
}
// ANCHOR_END: stretches

pub(super) fn render(trace: &Trace, title: &str, axis: Axis, note: Option<&str>) -> String {
    let (axis, rule) = axis.resolve(trace);
    let by_event = axis == Axis::Events;
    let plot_width = if by_event {
        (trace.events.len() as f64 * MIN_EVENT_WIDTH).clamp(PLOT_WIDTH, MAX_PLOT_WIDTH)
    } else {
        PLOT_WIDTH
    };
    let mut notes = vec![rule.reason(axis)];
    notes.extend(crate::trace::axis::lead_in_note(trace));
    notes.extend(note.map(str::to_string));
    let lanes = trace.tasks.len().min(MAX_LANES);
    let hidden = trace.tasks.len() - lanes;
    let name_width = trace.tasks.iter().take(lanes).map(|t| t.chars().count()).max().unwrap_or(4).min(24);
    let left = 12.0 + name_width as f64 * CHAR;
    let plot_bottom = TOP + lanes as f64 * (LANE + GAP);
    let width = left + plot_width + 40.0;
    let notes_top = plot_bottom + if hidden > 0 { 62.0 } else { 46.0 };
    let height = notes_top + notes.len() as f64 * 15.0;
    let mut svg = Svg::new(width, height);

    svg.text(12.0, 18.0, title, "start", 14.0);
    let mut x = 12.0;
    for state in LEGEND {
        let (fill, label) = colour(state).unwrap_or(("white", ""));
        svg.rect(x, 27.0, 10.0, 10.0, fill, None);
        svg.text(x + 14.0, 36.0, label, "start", 11.0);
        x += 24.0 + label.len() as f64 * 6.0;
    }

    let (stretches, end) = stretches(trace, by_event);
    let scale = plot_width / end.max(1.0);
    for (lane, name) in trace.tasks.iter().take(lanes).enumerate() {
        let y = TOP + lane as f64 * (LANE + GAP);
        let name: String = name.chars().take(name_width).collect();
        svg.text(left - 6.0, y + LANE - 5.0, &name, "end", 12.0);
        svg.line(left, y + LANE, left + plot_width, y + LANE, "#eeeeee");
    }
    for s in stretches.iter().filter(|s| s.task < lanes) {
        let Some((fill, label)) = colour(s.state) else { continue };
        let y = TOP + s.task as f64 * (LANE + GAP);
        let mut w = (s.to - s.from) * scale;
        if s.state == State::Running {
            w = w.max(1.0);
        }
        let how_long = if by_event {
            format!("{label}, events {} to {}", s.from as u64, s.to as u64)
        } else {
            format!("{label} for {}", format_duration(Duration::from_nanos((s.to - s.from) as u64)))
        };
        svg.rect(left + s.from * scale, y, w, LANE, fill, Some(&how_long));
    }

    // The axis: five ticks, labelled in time or in event numbers.
    svg.line(left, plot_bottom, left + plot_width, plot_bottom, "#444444");
    for i in 0..=4 {
        let at = end * i as f64 / 4.0;
        let x = left + at * scale;
        svg.line(x, plot_bottom, x, plot_bottom + 4.0, "#444444");
        let label = if by_event {
            format!("{}", at.round() as u64)
        } else {
            format_duration(Duration::from_nanos(at as u64))
        };
        svg.text(x, plot_bottom + 16.0, &label, "middle", 11.0);
    }
    let axis_name =
        if by_event { "events, one column each" } else { "wall-clock time since the first event" };
    svg.text(left + plot_width + 30.0, plot_bottom + 30.0, axis_name, "end", 11.0);
    if hidden > 0 {
        svg.text(left, plot_bottom + 46.0, &format!("… and {hidden} more tasks not drawn"), "start", 11.0);
    }
    for (i, line) in notes.iter().enumerate() {
        svg.text(12.0, notes_top + i as f64 * 15.0, line, "start", 11.0);
    }
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg::check_well_formed;
    use crate::trace::{Event, TaskId};

    fn trace(tasks: usize, events: &[(u64, u32, State)]) -> Trace {
        Trace {
            tasks: (0..tasks).map(|i| format!("task <{i}>")).collect(),
            events: events
                .iter()
                .map(|&(us, task, state)| Event { at: Duration::from_micros(us), task: TaskId(task), state })
                .collect(),
        }
    }

    fn pingpong() -> Trace {
        trace(
            2,
            &[
                (0, 0, State::Running),
                (1, 0, State::Waiting(Wait::Switch)),
                (1, 1, State::Running),
                (2, 1, State::Waiting(Wait::Switch)),
                (2, 0, State::Running),
                (3, 0, State::Done),
                (3, 1, State::Done),
            ],
        )
    }

    #[test]
    fn stretches_run_from_each_event_to_the_next_of_the_same_task() {
        let (s, end) = stretches(&pingpong(), false);
        assert_eq!(end, 3000.0);
        let first = Stretch { task: 0, state: State::Running, from: 0.0, to: 1000.0 };
        assert_eq!(s[0], first);
        assert!(
            s.iter().any(|s| s.task == 1 && s.state == State::Running && s.from == 1000.0 && s.to == 2000.0)
        );
    }

    #[test]
    fn the_picture_is_well_formed_with_a_lane_per_task_and_a_legend() {
        let doc = render(&pingpong(), "pingpong on <test>", Axis::Time, None);
        let names = check_well_formed(&doc).unwrap();
        assert_eq!(names[0], "svg");
        assert!(doc.contains("task &lt;0&gt;") && doc.contains("task &lt;1&gt;"));
        assert!(doc.contains("pingpong on &lt;test&gt;"));
        for label in ["running", "waiting on a timer", "waiting on IO", "ready", "other wait"] {
            assert!(doc.contains(label), "legend lacks {label}");
        }
        // Two running stretches for ping and one for pong, each with a tooltip.
        assert_eq!(doc.matches("<title>running for").count(), 3);
    }

    #[test]
    fn event_axis_labels_events_and_many_tasks_are_capped() {
        let doc = render(&pingpong(), "t", Axis::Events, None);
        assert!(doc.contains("events, one column each"));
        let events: Vec<_> = (0..60).map(|i| (i, i as u32, State::Running)).collect();
        let doc = render(&trace(60, &events), "many", Axis::Auto, None);
        check_well_formed(&doc).unwrap();
        assert!(doc.contains(&format!("and {} more tasks", 60 - MAX_LANES)));
    }

    /// The x and width of every box with a tooltip (the stretches drawn).
    fn boxes(doc: &str) -> Vec<(f64, f64)> {
        let attr = |tag: &str, name: &str| -> f64 {
            let from = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            tag[from..].split('"').next().unwrap().parse().unwrap()
        };
        doc.lines()
            .filter(|l| l.starts_with("<rect x=") && l.contains("<title>"))
            .map(|l| (attr(l, "x"), attr(l, "width")))
            .collect()
    }

    /// may's pingpong: 12 ms of start-up before the first event, then four
    /// turns of a few microseconds.
    fn slow_start() -> Trace {
        let turns: Vec<(u64, u32, State)> = (0..8)
            .flat_map(|i| {
                let at = 12_000 + i * 3;
                [(at, (i % 2) as u32, State::Running), (at + 1, (i % 2) as u32, State::Waiting(Wait::Switch))]
            })
            .collect();
        trace(2, &turns)
    }

    #[test]
    fn a_slow_start_does_not_squeeze_the_turns_into_a_sliver() {
        let doc = render(&slow_start(), "pingpong on may", Axis::Auto, Some("may starts its scheduler"));
        let drawn = boxes(&doc);
        let (first, last) = (
            drawn.iter().map(|b| b.0).fold(f64::MAX, f64::min),
            drawn.iter().map(|b| b.0 + b.1).fold(0.0, f64::max),
        );
        assert!(last - first >= PLOT_WIDTH * 0.9, "the turns span {first}..{last} of {PLOT_WIDTH} px");
        for (_, w) in &drawn {
            assert!(*w >= MIN_EVENT_WIDTH, "a box {w} px wide");
        }
        assert!(doc.contains("event axis: every stretch was under"));
        assert!(doc.contains("the first event came 12.0 ms after the start"));
        assert!(doc.contains("may starts its scheduler"));
    }

    #[test]
    fn a_time_axis_starts_at_the_first_event() {
        let mut t = slow_start();
        t.events.push(Event {
            at: Duration::from_millis(40),
            task: TaskId(0),
            state: State::Waiting(Wait::Timer),
        });
        t.events.push(Event { at: Duration::from_millis(52), task: TaskId(0), state: State::Done });
        let doc = render(&t, "sleepers on may", Axis::Auto, None);
        assert!(doc.contains("time axis: someone waited on a timer or IO"));
        let left = boxes(&doc).iter().map(|b| b.0).fold(f64::MAX, f64::min);
        let right = boxes(&doc).iter().map(|b| b.0 + b.1).fold(0.0, f64::max);
        assert!(right - left >= PLOT_WIDTH * 0.99, "drawn {left}..{right}");
    }

    #[test]
    fn an_empty_trace_still_draws() {
        let doc = render(&Trace::default(), "nothing", Axis::Auto, None);
        check_well_formed(&doc).unwrap();
    }
}
