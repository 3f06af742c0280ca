//! How a timeline spreads its events left to right, and the one rule that
//! picks it.
//!
//! There are two ways to draw who ran when:
//!
//! - an **event axis**: one column per event, in order. Every switch is
//!   visible however quick, but the width of a column says nothing about
//!   how long it lasted;
//! - a **time axis**: columns are equal slices of wall-clock time, so a
//!   100 ms sleep is a hundred times wider than a 1 ms burst.
//!
//! The rule ([`Axis::Auto`], what `corolab run --trace` and `--svg` use):
//! **time once time is the point, events when only the order is.** Time is
//! the point when any task waited on a timer or on IO (ten sleeps one after
//! another and ten at once have the same events, in a different order), or
//! when any task stayed in one state for [`LONG_STRETCH`] or more: a
//! blocking call, a computation, a wait on a thread pool. Otherwise every
//! stretch is a blur of microseconds (pingpong, a producer and a consumer
//! handing items over), and on a time axis the few switches would be
//! slivers while the picture showed only how long the backend took to start.
//!
//! Both renderers apply the rule through [`Axis::resolve`] and print its
//! [`Rule::reason`] in their legend, so every timeline says why it is drawn
//! the way it is.
//!
//! A time axis starts at the first event, not when the recording started:
//! what came before it is start-up (may, for one, starts its scheduler's
//! threads on its first spawn), and drawing it would squeeze the run into
//! the right edge. [`lead_in`] says how long that was, and the legends
//! mention it when it is long enough to notice.
#![forbid(unsafe_code)]

use super::{State, Trace, Wait};
use std::time::Duration;

/// How a timeline spreads events across its width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    /// One column per event: every switch is visible, however quick. Best
    /// for explicit switching (pingpong), where real time is a blur of
    /// nanoseconds.
    Events,
    /// Columns are equal slices of wall-clock time. Best for sleeps and IO.
    Time,
    /// Like `Time`, but the axis runs for at least this long, so timelines of
    /// several runs drawn one under the other share one scale.
    TimeUntil(Duration),
    /// The rule in the module docs: `Time` when anyone waited on a timer or
    /// IO or stayed in one state for [`LONG_STRETCH`], `Events` otherwise.
    Auto,
}

/// A stretch in one state at least this long makes time the point.
// 20 ms: longer than the time slice a loaded machine takes from a thread
// (a preempted switch must not turn pingpong into a time axis), shorter
// than the blocking calls and computations the scenarios make.
pub const LONG_STRETCH: Duration = Duration::from_millis(20);

/// A lead-in before the first event at least this long is mentioned in the
/// legend.
pub const NOTABLE_LEAD_IN: Duration = Duration::from_millis(2);

/// Why a timeline is drawn on the axis it is drawn on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// The caller asked for this axis.
    Asked,
    /// Someone waited on a timer or IO.
    WaitedOnTheClock,
    /// Some task stayed in one state for this long.
    LongStretch(Duration),
    /// Every stretch was short: only the order matters.
    OnlyOrder,
}

impl Rule {
    /// One line for the legend.
    pub fn reason(self, axis: Axis) -> String {
        let kind = if axis == Axis::Events { "event axis" } else { "time axis" };
        match self {
            Rule::Asked => match axis {
                Axis::TimeUntil(d) => {
                    format!("{kind}, {} wide for every run, so they compare", format_duration(d))
                }
                _ => format!("{kind}, as asked"),
            },
            Rule::WaitedOnTheClock => format!("{kind}: someone waited on a timer or IO"),
            Rule::LongStretch(d) => {
                format!("{kind}: a task spent {} in one state", format_duration(d))
            }
            Rule::OnlyOrder => format!("{kind}: every stretch was under {} ms, so only order matters", {
                LONG_STRETCH.as_millis()
            }),
        }
    }
}

impl Axis {
    /// The concrete axis for `trace` (never `Auto`), and why.
    pub fn resolve(self, trace: &Trace) -> (Axis, Rule) {
        if self != Axis::Auto {
            return (self, Rule::Asked);
        }
        if waits_on_the_clock(trace) {
            return (Axis::Time, Rule::WaitedOnTheClock);
        }
        match longest_stretch(trace) {
            d if d >= LONG_STRETCH => (Axis::Time, Rule::LongStretch(d)),
            _ => (Axis::Events, Rule::OnlyOrder),
        }
    }
}

/// Whether any task waited on a timer or on IO.
pub fn waits_on_the_clock(trace: &Trace) -> bool {
    trace.events.iter().any(|e| matches!(e.state, State::Waiting(Wait::Timer | Wait::Io)))
}

/// The longest time any task spent in one state, between two of its events.
pub fn longest_stretch(trace: &Trace) -> Duration {
    let mut since: Vec<Option<Duration>> = vec![None; trace.tasks.len()];
    let mut longest = Duration::ZERO;
    for event in &trace.events {
        let Some(slot) = since.get_mut(event.task.index()) else { continue };
        if let Some(from) = *slot {
            longest = longest.max(event.at.saturating_sub(from));
        }
        *slot = Some(event.at);
    }
    longest
}

/// How long after the recording started the first event came.
pub fn lead_in(trace: &Trace) -> Duration {
    trace.events.first().map_or(Duration::ZERO, |e| e.at)
}

/// The legend's note about the lead-in, when it is long enough to notice.
pub fn lead_in_note(trace: &Trace) -> Option<String> {
    let lead = lead_in(trace);
    (lead >= NOTABLE_LEAD_IN).then(|| {
        format!("the first event came {} after the start: start-up, not drawn", format_duration(lead))
    })
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
                .map(|&(us, task, state)| Event { at: Duration::from_micros(us), task: TaskId(task), state })
                .collect(),
        }
    }

    #[test]
    fn quick_switches_go_on_an_event_axis_even_after_a_slow_start() {
        // may's pingpong: 12 ms of start-up, then four quick turns.
        let t = trace(&[
            (12_000, 0, State::Running),
            (12_005, 0, State::Waiting(Wait::Switch)),
            (12_006, 1, State::Running),
            (12_010, 1, State::Done),
            (12_011, 0, State::Done),
        ]);
        assert_eq!(Axis::Auto.resolve(&t), (Axis::Events, Rule::OnlyOrder));
        assert_eq!(lead_in(&t), Duration::from_millis(12));
        assert!(lead_in_note(&t).unwrap().contains("12.0 ms"));
    }

    #[test]
    fn a_blocking_call_goes_on_a_time_axis() {
        // blocking on sequential: a call runs 100 ms while the next is ready.
        let t = trace(&[
            (0, 0, State::Running),
            (0, 1, State::Ready),
            (100_000, 0, State::Done),
            (100_000, 1, State::Running),
            (200_000, 1, State::Done),
        ]);
        assert_eq!(Axis::Auto.resolve(&t), (Axis::Time, Rule::LongStretch(Duration::from_millis(100))));
    }

    #[test]
    fn a_sleep_goes_on_a_time_axis_and_asked_axes_stay() {
        let t = trace(&[(0, 0, State::Running), (1, 0, State::Waiting(Wait::Timer)), (2, 0, State::Done)]);
        assert_eq!(Axis::Auto.resolve(&t), (Axis::Time, Rule::WaitedOnTheClock));
        assert_eq!(Axis::Events.resolve(&t), (Axis::Events, Rule::Asked));
        assert!(Rule::WaitedOnTheClock.reason(Axis::Time).starts_with("time axis"));
        assert!(lead_in_note(&t).is_none());
    }
}
