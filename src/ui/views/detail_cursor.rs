//! The detail charts' cursor as drawn: its mark down every chart at the same moment, the
//! moment on each chart's bottom edge as clock time and as an age (`03:05:10  4m ago`), and
//! the figures read there, unknown as "no data" (never 0).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::format;
use crate::ui::app::{App, ChartAxis};
use crate::ui::widgets::chart::mark_column;
use crate::ui::widgets::{put_right, width};

/// What a figure at the cursor reads: its value, or "no data" for an unknown value and a gap.
pub(super) fn figure(v: Option<f64>, fmt: fn(f64) -> String) -> String {
    v.filter(|v| v.is_finite())
        .map_or_else(|| "no data".to_string(), fmt)
}

/// The moment as the charts label it: clock time, and how long before the newest figures (so
/// the label moves with the data, never with the clock alone).
pub(super) fn moment_label(app: &App, shown_ms: i64, until_ms: i64) -> String {
    format!(
        "{}  {} ago",
        format::clock(shown_ms, app.look.utc_offset_secs),
        format::age_coarse(until_ms - shown_ms)
    )
}

/// Marks the cursor's moment `at_ms` on one chart panel: its column in `plot`, and the moment
/// read (`shown_ms`: the point the column shows, or the column's start in a gap) on the
/// panel's bottom edge.
pub(super) fn draw_cursor(
    app: &App,
    buf: &mut Buffer,
    panel: Rect,
    plot: Rect,
    axis: &ChartAxis,
    at_ms: i64,
    shown_ms: i64,
) {
    let st = &app.look.styles;
    if let Some(x) = axis.grid.x_of(at_ms) {
        mark_column(buf, plot, x, st.accent, app.look.glyphs.ascii);
    }
    let label = format!(" {} ", moment_label(app, shown_ms, axis.newest_ms));
    let w = width(&label) as u16;
    // Right of the span label (`-1h`), on the bottom border.
    if panel.width > w + 10 {
        put_right(
            buf,
            panel.right().saturating_sub(2),
            panel.bottom().saturating_sub(1),
            w,
            &label,
            st.accent,
        );
    }
}
