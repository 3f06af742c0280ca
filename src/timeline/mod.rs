//! Drawing a [`Trace`]: the terminal timeline and the SVG picture.
//!
//! A tool, above everything it draws: the foundation [`crate::trace`]
//! records who ran when, and knows nothing of how it is shown; this
//! module renders it, by the one axis rule of [`crate::trace::Axis`]
//! (event axis where only the order matters, time axis once anyone waits
//! on a timer or IO). The methods are `Trace`'s own, so a caller writes
//! `report.trace.timeline(..)` with nothing to import.
#![forbid(unsafe_code)]

mod svg;
mod terminal;

use crate::trace::{Axis, Trace};

pub use crate::trace::format_duration;
pub use svg::MAX_LANES;

impl Trace {
    /// Draws the trace as a terminal timeline `width` columns wide (task
    /// names not included). See [`Axis`] for the two ways to draw time.
    pub fn timeline(&self, width: usize, axis: Axis) -> String {
        terminal::render(self, width, axis)
    }

    /// Draws the trace as a terminal timeline that fits in `total` columns,
    /// task names, legend and `note` included (see [`crate::term::width`]).
    /// The legend says which axis was used and why.
    pub fn timeline_in(&self, total: usize, axis: Axis, note: Option<&str>) -> String {
        terminal::render_in(self, total, axis, note)
    }

    /// Draws the trace as an SVG picture titled `title`: one lane per task
    /// (at most [`MAX_LANES`]), colour by state, with a legend and an axis.
    pub fn svg(&self, title: &str, axis: Axis) -> String {
        svg::render(self, title, axis, None)
    }

    /// Like [`Trace::svg`], with `note` written under the axis (what a gap
    /// or a slow start means, for one backend).
    pub fn svg_noted(&self, title: &str, axis: Axis, note: &str) -> String {
        svg::render(self, title, axis, Some(note))
    }
}
