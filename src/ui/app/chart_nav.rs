//! The detail charts' zoom and cursor: what their keys change, and the one time axis every
//! chart of the detail view draws from them, so that a column is the same moment in each.
//!
//! The cursor is a moment (data time), not a place on screen. Placing it holds the charts'
//! axis where it was: new figures keep arriving (into the history, the traffic table, the
//! other views), but the charts stop scrolling, so the moment being read and the lines
//! around it hold still, and a placed cursor costs no bytes the data would not. Moving the
//! cursor past either end of the axis takes the axis along (back: the next round length that
//! holds it; forward: up to the newest figures). Its "ago" counts from the newest figures,
//! so it moves with the data, never with the clock alone. When the moment falls out of the
//! kept history, the cursor goes back to live and the footer says so; Esc does it at once.

use super::{App, View};
use crate::format;
use crate::ui::widgets::chart::axis_span;
use crate::ui::widgets::chart_time::{
    axis_holding, gap_on, step_cursor, stepped_end, zoom, zoom_steps, TimeGrid,
};

/// Columns one long cursor step moves.
pub(super) const LONG_STEP: i64 = 10;

/// Where the detail charts look.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChartNav {
    /// The axis length the zoom keys chose; `None` is the whole history (the axis grows with
    /// it, as with no zoom).
    pub zoom_ms: Option<i64>,
    /// The moment the cursor reads (data time, unix ms); `None` is live.
    pub cursor_ms: Option<i64>,
    /// While the cursor is placed, where the charts' axis ends: the newest figures when it
    /// was placed, or the cursor's moment if that is newer.
    pub held_until_ms: Option<i64>,
}

/// The detail charts' time axis in one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartAxis {
    /// Where the axis ends: the newest figures, the frozen ones, or where the cursor holds it.
    pub until_ms: i64,
    /// The newest figures of the domain (what the cursor's "ago" counts from).
    pub newest_ms: i64,
    /// Where the drawn axis ends: `until_ms` moved on to a column edge in steps of several
    /// columns ([`stepped_end`]), so the lines stand still between steps.
    pub end_ms: i64,
    /// Its length.
    pub axis_ms: i64,
    /// Its dot columns.
    pub grid: TimeGrid,
    /// The length with no zoom: the round length that holds the whole history seen.
    pub whole_ms: i64,
}

impl ChartAxis {
    pub fn from_ms(&self) -> i64 {
        self.end_ms - self.axis_ms
    }
}

impl App {
    /// The zoom and the cursor of the detail charts.
    pub fn chart_nav(&self) -> ChartNav {
        self.nav.chart
    }

    fn window_ms(&self) -> i64 {
        i64::try_from(self.data.plan.timing.window.as_millis()).unwrap_or(i64::MAX)
    }

    /// The axis the detail charts of `domain` draw, `cols` dot columns wide.
    pub fn chart_axis(&self, domain: &str, cols: i64) -> ChartAxis {
        let points = self.timeline().trend(domain).points();
        let newest_ms = self
            .frozen_until()
            .or(points.back().map(|p| p.at_ms))
            .unwrap_or(0);
        let until_ms = self.nav.chart.held_until_ms.unwrap_or(newest_ms);
        let observed = points.front().map_or(0, |p| until_ms - p.at_ms);
        let history_ms = i64::try_from(self.timeline().history().as_millis()).unwrap_or(i64::MAX);
        let first_ms = points.front().map_or(until_ms, |p| p.at_ms);
        let mut whole_ms = axis_span(observed, history_ms);
        // The axis ends up to a step after the newest figures: when that would push the
        // oldest off its left edge, the next round length (below the kept history's, which
        // may lose up to a step of its oldest figures at the left edge once full).
        let end = stepped_end(until_ms, whole_ms, cols);
        if end - first_ms > whole_ms {
            whole_ms = axis_span(end - first_ms, history_ms);
        }
        let chosen = self.nav.chart.zoom_ms.map_or(whole_ms, |z| z.min(whole_ms));
        let axis_ms = match self.nav.chart.cursor_ms {
            Some(at) => {
                let steps = zoom_steps(self.window_ms(), whole_ms);
                axis_holding(&steps, chosen, until_ms, cols, at)
            }
            None => chosen,
        };
        let end_ms = stepped_end(until_ms, axis_ms, cols);
        ChartAxis {
            until_ms,
            newest_ms,
            end_ms,
            axis_ms,
            grid: TimeGrid::new(end_ms - axis_ms, end_ms, cols),
            whole_ms,
        }
    }

    /// The selected domain and the charts' dot columns of the last frame, when the detail
    /// view is on screen.
    fn charts_shown(&mut self, what: &str) -> Option<(String, i64)> {
        if self.nav.view != View::Detail {
            self.say(format!("{what} works on the detail view's charts"));
            return None;
        }
        let name = self.nav.selected.clone()?;
        let cols = self.nav.layout.get().chart_cols.max(2) as i64;
        Some((name, cols))
    }

    /// The zoom keys: the next shorter (`in_`) or longer round axis, from the window to the
    /// whole history.
    pub(crate) fn zoom_charts(&mut self, in_: bool) {
        let Some((name, cols)) = self.charts_shown("zoom") else {
            return;
        };
        let before = self.chart_axis(&name, cols);
        self.nav.chart.zoom_ms = zoom(self.window_ms(), before.whole_ms, before.axis_ms, in_);
        let after = self.chart_axis(&name, cols);
        if after.axis_ms == before.axis_ms {
            let why = match (in_, self.nav.chart.cursor_ms) {
                (true, Some(_)) => "the cursor's moment needs this axis; esc returns to live",
                (true, None) => "zoomed in as far as the window",
                (false, _) => "zoomed out to the whole history",
            };
            self.say(why);
        }
    }

    /// The cursor keys: `columns` columns along the time axis (back when negative). From
    /// live, back places the cursor that far behind the newest figures, forward on them.
    pub(crate) fn move_cursor(&mut self, columns: i64) {
        let Some((name, cols)) = self.charts_shown("the cursor") else {
            return;
        };
        let axis = self.chart_axis(&name, cols);
        let points = self.timeline().trend(&name).points();
        let gap = gap_on(points, &axis.grid);
        let (from, columns) = match self.nav.chart.cursor_ms {
            Some(at) => (at, columns),
            None => (axis.until_ms, columns.min(0)),
        };
        let Some(at) = step_cursor(points, &axis.grid, gap, from, columns) else {
            self.say("no history to read yet");
            return;
        };
        let at = at.min(axis.newest_ms);
        self.nav.chart.cursor_ms = Some(at);
        self.nav.chart.held_until_ms = Some(axis.until_ms.max(at));
    }

    /// Esc on the detail view with the cursor placed: live again. False when it was live.
    pub(crate) fn cursor_to_live(&mut self) -> bool {
        self.nav.chart.held_until_ms = None;
        self.nav.chart.cursor_ms.take().is_some()
    }

    /// After new figures or another domain: a cursor whose moment is no longer in the selected
    /// domain's history goes back to live, and the footer says why.
    pub(crate) fn keep_cursor_in_history(&mut self) {
        let (Some(at), Some(name)) = (self.nav.chart.cursor_ms, self.nav.selected.as_deref())
        else {
            return;
        };
        let points = self.timeline().trend(name).points();
        let inside = match (points.front(), points.back()) {
            (Some(a), Some(b)) => a.at_ms <= at && at <= b.at_ms,
            _ => false,
        };
        if !inside {
            self.cursor_to_live();
            let text = format!(
                "the cursor's moment {} is no longer in the kept history ({}): the charts are live again",
                format::clock(at, self.look.utc_offset_secs),
                format::config_duration(self.timeline().history())
            );
            self.say(text);
        }
    }
}
