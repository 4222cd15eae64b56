//! The detail view's charts over the kept history: one panel per figure (new-path share, error
//! ratios, p95, each queue's depth), each described by a [`Panel`]: its title, its series and
//! its scale.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::boxed;
use super::detail_cursor::{draw_cursor, figure};
use crate::figures::DomainStatus;
use crate::format;
use crate::timeline::TrendPoint;
use crate::ui::app::App;
use crate::ui::theme::Styles;
use crate::ui::widgets::chart::{nice_top, y_max};
use crate::ui::widgets::chart_time::point_in_column;
use crate::ui::widgets::{chart, put, put_right, width, Series};

/// Columns kept right of every plot for the scale's labels (the figures' formats are at most
/// 5 wide), so that every panel's plot has the same width and so the same time columns.
const SCALE_W: u16 = 5;

/// Reads one figure out of a trend point.
type ValueFn = dyn Fn(&TrendPoint) -> Option<f64>;

/// One chart panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Panel {
    Share,
    Errors,
    P95,
    /// The domain's queue of this index.
    Queue(usize),
}

fn new_share(p: &TrendPoint) -> Option<f64> {
    p.new_share
}

fn legacy_error_ratio(p: &TrendPoint) -> Option<f64> {
    p.legacy_error_ratio
}

fn new_error_ratio(p: &TrendPoint) -> Option<f64> {
    p.new_error_ratio
}

fn legacy_p95(p: &TrendPoint) -> Option<f64> {
    p.legacy_p95
}

fn new_p95(p: &TrendPoint) -> Option<f64> {
    p.new_p95
}

impl Panel {
    /// The panels of a domain, in the order they are laid out.
    fn of(d: &DomainStatus) -> impl Iterator<Item = Panel> {
        [Panel::Share, Panel::Errors, Panel::P95]
            .into_iter()
            .chain((0..d.queues.len()).map(Panel::Queue))
    }

    /// The title: the figure and its current value.
    fn title(self, d: &DomainStatus, at_most: &str) -> String {
        let t = d.traffic.as_ref();
        match self {
            Panel::Share => format!(
                "new share {}{}",
                t.and_then(|t| t.new_share)
                    .map_or("-".into(), format::share),
                t.and_then(|t| t.configured_new_share)
                    .map_or(String::new(), |c| format!(
                        " (configured {})",
                        format::share(c)
                    ))
            ),
            Panel::Errors => format!(
                "errors L {} N {}",
                t.and_then(|t| t.legacy.error_ratio)
                    .map_or("-".into(), format::ratio),
                t.and_then(|t| t.new.error_ratio)
                    .map_or("-".into(), format::ratio),
            ),
            Panel::P95 => {
                // The kind heads the title when both paths share it, else each figure has its own.
                let (l, n) = (
                    t.and_then(|t| t.legacy.latency),
                    t.and_then(|t| t.new.latency),
                );
                let kinds: Vec<_> = [l, n].iter().flatten().map(|x| x.kind).collect();
                let shared = kinds.windows(2).all(|w| w[0] == w[1]);
                let fig = |x: Option<crate::figures::latency::Latency>| match x {
                    None => "-".to_string(),
                    Some(x) if shared => x.reading_text(at_most),
                    Some(x) => format!("{} {}", x.kind.as_str(), x.reading_text(at_most)),
                };
                let head = match kinds.first() {
                    Some(k) if shared => k.as_str(),
                    None => "p95",
                    Some(_) => "latency",
                };
                format!("{head} L {} N {}", fig(l), fig(n))
            }
            Panel::Queue(q) => {
                let queue = &d.queues[q];
                format!(
                    "queue {} {} {}",
                    queue.name,
                    queue.meaning,
                    queue.depth.map_or("-".into(), format::count)
                )
            }
        }
    }

    /// The title with the cursor placed: the figures of the point the cursor's column shows
    /// (`None`: a gap), unknown as "no data".
    fn reading_title(
        self,
        d: &DomainStatus,
        p: Option<&TrendPoint>,
        queue_fns: &[Box<ValueFn>],
        at_most: &str,
    ) -> String {
        let at = |f: &ValueFn, fmt: fn(f64) -> String| figure(p.and_then(f), fmt);
        match self {
            Panel::Share => format!("new share {}", at(&new_share, format::share)),
            Panel::Errors => format!(
                "errors L {} N {}",
                at(&legacy_error_ratio, format::ratio),
                at(&new_error_ratio, format::ratio)
            ),
            Panel::P95 => {
                // The head as the live title has it (`p95`, `avg`, `latency`).
                let live = self.title(d, at_most);
                let head = live.split(' ').next().unwrap_or("p95");
                format!(
                    "{head} L {} N {}",
                    at(&legacy_p95, format::latency),
                    at(&new_p95, format::latency)
                )
            }
            Panel::Queue(q) => {
                let queue = &d.queues[q];
                format!(
                    "queue {} {} {}",
                    queue.name,
                    queue.meaning,
                    at(queue_fns[q].as_ref(), format::count)
                )
            }
        }
    }

    /// The lines drawn: the legacy side dotted, the new side solid.
    fn series<'a>(
        self,
        points: &'a std::collections::VecDeque<TrendPoint>,
        queue_fns: &'a [Box<ValueFn>],
        st: &Styles,
    ) -> Vec<Series<'a>> {
        let legacy = |value: &'a ValueFn| Series {
            points,
            value,
            style: st.legacy,
            dotted: true,
            ascii: '.',
        };
        let new = |value: &'a ValueFn| Series {
            points,
            value,
            style: st.new,
            dotted: false,
            ascii: '*',
        };
        match self {
            Panel::Share => vec![new(&new_share)],
            Panel::Errors => vec![legacy(&legacy_error_ratio), new(&new_error_ratio)],
            Panel::P95 => vec![legacy(&legacy_p95), new(&new_p95)],
            Panel::Queue(q) => vec![new(queue_fns[q].as_ref())],
        }
    }

    /// The y scale's top: shares are 0-100%; the others run to the largest value seen.
    fn top(self, series: &[Series], from: i64, until: i64) -> Option<f64> {
        match self {
            Panel::Share => Some(1.0),
            _ => y_max(series, from, until).map(nice_top),
        }
    }

    /// The label of the scale's top.
    fn scale_label(self, top: f64) -> String {
        match self {
            Panel::Share => "100%".to_string(),
            Panel::Errors => format::ratio(top),
            Panel::P95 => format::latency(top),
            Panel::Queue(_) => format::count(top),
        }
    }
}

/// How many chart panels, and in how many columns.
fn chart_grid(d: &DomainStatus, w: u16) -> (usize, usize) {
    let panels = Panel::of(d).count();
    let cols = if w >= 60 { 2 } else { 1 };
    (panels, cols)
}

pub(super) fn charts_height(d: &DomainStatus, w: u16) -> u16 {
    let (n, cols) = chart_grid(d, w);
    (n.div_ceil(cols) as u16) * 6
}

pub(super) fn charts(app: &App, d: &DomainStatus, area: Rect, buf: &mut Buffer) {
    let (n, cols) = chart_grid(d, area.width);
    let rows = n.div_ceil(cols);
    let panel_h = (area.height / rows as u16).clamp(5, 12);
    let trend = app.timeline().trend(&d.name);
    let points = trend.points();
    // One plot width for every panel (that of the narrowest grid column), so one time axis.
    let plot_w = (area.width / cols as u16).saturating_sub(2 + SCALE_W + 1);
    let dots = i64::from(plot_w) * if app.look.glyphs.ascii { 1 } else { 2 };
    let mut memo = app.nav.layout.get();
    memo.chart_cols = dots as usize;
    app.nav.layout.set(memo);
    // A round axis length, so that the axis and the points' columns stay put between polls.
    let axis = app.chart_axis(&d.name, dots);
    let (from, until) = (axis.from_ms(), axis.until_ms);
    let span = format::age_coarse(axis.axis_ms);
    let cursor = app.chart_nav().cursor_ms;
    let reading =
        cursor.and_then(|at| point_in_column(points, &axis.grid, axis.grid.column_of(at)));

    let queue_fns: Vec<Box<ValueFn>> = d
        .queues
        .iter()
        .map(|q| {
            let i = trend.queue_names().iter().position(|n| *n == q.name);
            Box::new(move |p: &TrendPoint| i.and_then(|i| p.queue_depths.get(i).copied().flatten()))
                as Box<ValueFn>
        })
        .collect();

    let st = &app.look.styles;
    for (i, panel_kind) in Panel::of(d).enumerate() {
        let (r, c) = (i / cols, i % cols);
        let y = area.y + r as u16 * panel_h;
        if y + 3 > area.bottom() {
            break;
        }
        let col_w = area.width / cols as u16;
        let x = area.x + c as u16 * col_w;
        let w = if c + 1 == cols {
            area.width
                .saturating_sub(col_w * (cols as u16).saturating_sub(1))
        } else {
            col_w
        };
        let h = panel_h.min(area.bottom().saturating_sub(y));
        let panel = Rect::new(x, y, w, h);
        let title = match cursor {
            Some(_) => panel_kind.reading_title(d, reading, &queue_fns, app.look.glyphs.at_most),
            None => panel_kind.title(d, app.look.glyphs.at_most),
        };
        let series = panel_kind.series(points, &queue_fns, st);
        let inner = boxed(app, panel, &title, buf);
        if inner.height == 0 || inner.width < 4 {
            continue;
        }
        let top = panel_kind.top(&series, from, until);
        let known = y_max(&series, from, until).is_some();
        if !known || points.len() < 2 {
            let msg = if points.len() < 2 {
                "collecting history"
            } else {
                "no data in the history"
            };
            let w = width(msg) as u16;
            put(
                buf,
                inner.x + inner.width.saturating_sub(w) / 2,
                inner.y + inner.height / 2,
                inner.width,
                msg,
                st.muted,
            );
            continue;
        }
        let top = top.unwrap_or(1.0);
        let label = panel_kind.scale_label(top);
        let top = if top > 0.0 { top } else { 1.0 };
        // Scale labels: the top value on the first row, the span of time on the last.
        let label_w = width(&label) as u16;
        let plot = Rect::new(inner.x, inner.y, plot_w.min(inner.width), inner.height);
        chart(
            buf,
            plot,
            &series,
            from,
            axis.end_ms,
            until,
            top,
            app.look.glyphs.ascii,
        );
        if let Some(at) = cursor {
            let shown = reading.map_or(axis.grid.start_of(axis.grid.column_of(at)), |p| p.at_ms);
            draw_cursor(app, buf, panel, plot, &axis, at, shown);
        }
        put_right(buf, inner.right(), inner.y, label_w, &label, st.muted);
        if inner.height >= 2 {
            put_right(
                buf,
                inner.right(),
                inner.bottom().saturating_sub(1),
                label_w.max(2),
                "0",
                st.muted,
            );
        }
        let span_label = format!("-{span}");
        let sw = width(&span_label) as u16;
        if panel.width > sw + 4 {
            put(
                buf,
                panel.x + 2,
                panel.bottom().saturating_sub(1),
                sw,
                &span_label,
                st.border,
            );
        }
    }
}
