//! One row per domain: health, name, declared stage, the split bar with the observed (and
//! configured) new-path share, error ratio and latency (p95, or an average where that is all
//! there is; a bound inside a coarse bucket) of both sides, the worst queue with its
//! trend, saga failures per minute, and how old the data is. Idle, stale and no data are
//! written as such, never as 0 or healthy.
//!
//! ```text
//! HEALTH DOMAIN     STAGE    LEGACY|NEW  ERR L/N     P95 L/N     QUEUE  SAGA  AGE
//! [CRIT] orders     canary   ░░░░░█  12% 0.12%/4.20% 120ms/480ms 1.2k↑  0.5/m <5s
//! ```

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::{centered, health_style, scroll_to};
use crate::figures::{DomainStatus, Health, Traffic};
use crate::format;
use crate::queue_meaning::QueueMeaning;
use crate::ui::app::{App, SortKey};
use crate::ui::widgets::{fit, put, put_right, split_bar};

/// A column: start and width.
#[derive(Debug, Clone, Copy, Default)]
struct Col {
    x: u16,
    w: u16,
}

impl Col {
    fn right(self) -> u16 {
        self.x + self.w
    }
}

/// Where each column goes for a given width.
#[derive(Debug, Clone, Copy, Default)]
struct Columns {
    health: Col,
    name: Col,
    stage: Col,
    bar: Col,
    pct: Col,
    cfg: Option<Col>,
    err: Col,
    p95: Col,
    queue_name: Option<Col>,
    queue: Col,
    saga: Col,
    age: Col,
    why: Option<Col>,
    /// The latency column's head and whether averages are marked `~` in it (`latency_head`).
    lat_head: &'static str,
    lat_mark_avg: bool,
}

impl Columns {
    /// 80 columns fit everything essential; more room widens names and the bar first, then
    /// adds the configured share, the worst queue's name and the first reason.
    fn for_width(x0: u16, width: u16) -> Columns {
        let mut extra = width.saturating_sub(80);
        let name_w = 10 + take(&mut extra, 8);
        let stage_w = 8 + take(&mut extra, 3);
        let bar_w = 6 + take(&mut extra, 14);
        let cfg_w = if extra >= 9 {
            take(&mut extra, 9) - 1
        } else {
            0
        };
        let qname_w = if extra >= 16 {
            take(&mut extra, 16) - 1
        } else {
            0
        };
        // Room for the worst queue's meaning before its figure (`lag 12.4k↑`).
        let queue_w = 6 + take(&mut extra, 6);
        let why_w = if extra >= 13 {
            take(&mut extra, u16::MAX) - 1
        } else {
            0
        };

        let mut x = x0;
        let mut col = |w: u16| {
            let c = Col { x, w };
            x += w + 1;
            c
        };
        let health = col(6);
        let name = col(name_w);
        let stage = col(stage_w);
        // The bar and its percentage share the split column, one space apart.
        let bar = col(bar_w);
        let pct = col(4);
        let cfg = (cfg_w > 0).then(|| col(cfg_w));
        let err = col(11);
        let p95 = col(11);
        let queue_name = (qname_w > 0).then(|| col(qname_w));
        let queue = col(queue_w);
        let saga = col(5);
        let age = col(4);
        let why = (why_w > 0).then(|| col(why_w));
        Columns {
            health,
            name,
            stage,
            bar,
            pct,
            cfg,
            err,
            p95,
            queue_name,
            queue,
            saga,
            age,
            why,
            lat_head: "P95 L/N",
            lat_mark_avg: false,
        }
    }
}

/// The latency column's head names the kind every figure in it shares (`P95 L/N`, `AVG L/N`);
/// where they differ (HAProxy's average beside a service's p95) it reads `LAT L/N` and the
/// averages are marked `~`.
fn latency_head<'a>(domains: impl Iterator<Item = &'a DomainStatus>) -> (&'static str, bool) {
    use crate::figures::latency::LatencyKind;
    let (mut avg, mut quantile) = (false, false);
    for t in domains.filter_map(|d| d.traffic.as_ref()) {
        for l in [&t.legacy.latency, &t.new.latency].into_iter().flatten() {
            if l.kind == LatencyKind::Avg {
                avg = true;
            } else {
                quantile = true;
            }
        }
    }
    match (avg, quantile) {
        (true, false) => ("AVG L/N", false),
        (true, true) => ("LAT L/N", true),
        _ => ("P95 L/N", false),
    }
}

/// Takes up to `max` from `extra`.
fn take(extra: &mut u16, max: u16) -> u16 {
    let t = (*extra).min(max);
    *extra -= t;
    t
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let st = &app.look.styles;
    let Some(status) = app.status() else {
        let n = app.plan().sources.len();
        let line2 = format!("polling {n} source{}", if n == 1 { "" } else { "s" });
        centered(
            app,
            area,
            &["waiting for the first figures", &line2],
            st.muted,
            buf,
        );
        return;
    };
    let mut cols = Columns::for_width(area.x, area.width);
    (cols.lat_head, cols.lat_mark_avg) = latency_head(app.visible_domains());
    header_row(app, &cols, area, buf);
    let list = Rect::new(
        area.x,
        area.y + 1,
        area.width,
        area.height.saturating_sub(1),
    );
    let rows = usize::from(list.height);
    let mut memo = app.nav.layout.get();
    memo.list_rows = rows;
    app.nav.layout.set(memo);

    if app.visible_count() == 0 {
        let msg = if status.domains.is_empty() {
            "no domains configured".to_string()
        } else {
            format!("no domain matches the filter \"{}\"", app.nav.filter.text)
        };
        centered(app, list, &[&msg], st.muted, buf);
        return;
    }
    let selected = app.selected_index().unwrap_or(0);
    let offset = scroll_to(app.nav.overview_offset.get(), selected, rows);
    app.nav.overview_offset.set(offset);
    for (i, d) in app.visible_domains().enumerate().skip(offset).take(rows) {
        let y = list.y + (i - offset) as u16;
        row(app, &cols, d, y, list, i == selected, buf);
    }
}

fn header_row(app: &App, c: &Columns, area: Rect, buf: &mut Buffer) {
    let st = &app.look.styles;
    let y = area.y;
    let h = st.table_header;
    let sorted = h.patch(st.accent);
    let style_for = |key: SortKey| if app.nav.sort == key { sorted } else { h };
    put(
        buf,
        c.health.x,
        y,
        c.health.w,
        "HEALTH",
        style_for(SortKey::Health),
    );
    put(
        buf,
        c.name.x,
        y,
        c.name.w,
        "DOMAIN",
        style_for(SortKey::Name),
    );
    put(buf, c.stage.x, y, c.stage.w, "STAGE", h);
    put(
        buf,
        c.bar.x,
        y,
        c.pct.right().saturating_sub(c.bar.x),
        "LEGACY|NEW",
        h,
    );
    if let Some(cfg) = c.cfg {
        put(buf, cfg.x, y, cfg.w, "CONFIG", h);
    }
    put(
        buf,
        c.err.x,
        y,
        c.err.w,
        "ERR L/N",
        style_for(SortKey::Errors),
    );
    put(buf, c.p95.x, y, c.p95.w, c.lat_head, h);
    if let Some(q) = c.queue_name {
        put(buf, q.x, y, q.w, "WORST QUEUE", h);
    }
    put(buf, c.queue.x, y, c.queue.w, "QUEUE", h);
    put(buf, c.saga.x, y, c.saga.w, "SAGA", h);
    put(buf, c.age.x, y, c.age.w, "AGE", h);
    if let Some(w) = c.why {
        put(buf, w.x, y, w.w, "WHY", h);
    }
}

/// What the split column says.
enum Split {
    NotConfigured,
    Stale,
    NoData,
    Idle,
    Share(f64, Option<f64>),
}

fn split_of(d: &DomainStatus) -> Split {
    if d.stale {
        return Split::Stale;
    }
    let Some(t) = &d.traffic else {
        return Split::NotConfigured;
    };
    match t.new_share {
        Some(s) => Split::Share(s, t.configured_new_share),
        None if is_idle(t) => Split::Idle,
        None => Split::NoData,
    }
}

/// Requests were counted and there were none: idle, which is not healthy and not zero errors.
pub fn is_idle(t: &Traffic) -> bool {
    let counted = t.legacy.requests.is_some() || t.new.requests.is_some();
    counted && t.legacy.requests.unwrap_or(0.0) + t.new.requests.unwrap_or(0.0) == 0.0
}

#[allow(clippy::too_many_arguments)]
fn row(
    app: &App,
    c: &Columns,
    d: &DomainStatus,
    y: u16,
    list: Rect,
    selected: bool,
    buf: &mut Buffer,
) {
    let st = &app.look.styles;
    let g = &app.look.glyphs;
    let base = if selected {
        st.selected
    } else {
        Style::default()
    };
    if selected {
        buf.set_style(Rect::new(list.x, y, list.width, 1), st.selected);
    }
    let text = |s: Style| base.patch(s);
    let dim = if d.stale { st.stale } else { st.text };
    let plan = app.plan_domain(&d.name);

    put(
        buf,
        c.health.x,
        y,
        c.health.w,
        d.health.marker(),
        text(health_style(app, d.health)),
    );
    let name = fit(&d.name, usize::from(c.name.w), g.ellipsis);
    put(buf, c.name.x, y, c.name.w, &name, text(dim));
    let stage = fit(d.stage.as_str(), usize::from(c.stage.w), g.ellipsis);
    put(buf, c.stage.x, y, c.stage.w, &stage, text(dim));

    let split_w = c.pct.right().saturating_sub(c.bar.x);
    match split_of(d) {
        Split::Share(share, configured) => {
            split_bar(
                buf,
                c.bar.x,
                y,
                c.bar.w,
                share,
                configured,
                g,
                text(st.legacy),
                text(st.new),
                text(st.configured),
            );
            put_right(
                buf,
                c.pct.right(),
                y,
                c.pct.w,
                &format::share(share),
                text(st.text),
            );
        }
        Split::Stale => {
            put(buf, c.bar.x, y, split_w, "stale", text(st.unknown));
        }
        Split::NoData => {
            put(buf, c.bar.x, y, split_w, "no data", text(st.unknown));
        }
        Split::Idle => {
            put(buf, c.bar.x, y, split_w, "idle", text(st.muted));
        }
        Split::NotConfigured => {
            put(buf, c.bar.x, y, split_w, "no traffic", text(st.muted));
        }
    }
    if let Some(cfg) = c.cfg {
        if let Some(s) = d.traffic.as_ref().and_then(|t| t.configured_new_share) {
            put_right(
                buf,
                cfg.right(),
                y,
                cfg.w,
                &format::share(s),
                text(st.configured),
            );
        }
    }

    // Error ratios, legacy / new; the new side coloured against the SLO.
    if let Some(t) = &d.traffic {
        let slo = plan.map(|p| &p.slo);
        let new_style = match (t.new.error_ratio, slo) {
            (Some(r), Some(slo)) if r > slo.error_ratio => st.crit,
            (Some(r), Some(slo))
                if t.legacy
                    .error_ratio
                    .is_some_and(|l| r - l > slo.error_ratio_delta) =>
            {
                st.warn
            }
            _ => dim,
        };
        pair(
            buf,
            c.err,
            y,
            t.legacy.error_ratio.map(format::ratio),
            t.new.error_ratio.map(format::ratio),
            text(dim),
            text(new_style),
            app,
        );
        // Each figure as its kind allows: a number, a bound (`≤0.1s`), a marked average.
        let over = |l: &crate::figures::latency::Latency, limit: std::time::Duration| {
            crate::figures::slo_p95::against_slo("", l, limit.as_secs_f64())
                .is_some_and(|f| f.level == Health::Warn)
        };
        let p95_style = match (&t.new.latency, slo.and_then(|s| s.p95)) {
            (Some(l), Some(limit)) if over(l, limit) => st.warn,
            _ => dim,
        };
        let cell = |l: &Option<crate::figures::latency::Latency>| {
            l.map(|l| l.cell(g.at_most, c.lat_mark_avg))
        };
        pair(
            buf,
            c.p95,
            y,
            cell(&t.legacy.latency),
            cell(&t.new.latency),
            text(dim),
            text(p95_style),
            app,
        );
    }

    // The worst queue: worst health, then deepest.
    let worst = d.queues.iter().max_by(|a, b| {
        a.health.cmp(&b.health).then_with(|| {
            a.depth
                .unwrap_or(f64::NEG_INFINITY)
                .total_cmp(&b.depth.unwrap_or(f64::NEG_INFINITY))
        })
    });
    if let Some(q) = worst {
        if let Some(qn) = c.queue_name {
            let n = fit(&q.name, usize::from(qn.w), g.ellipsis);
            put(buf, qn.x, y, qn.w, &n, text(dim));
        }
        let style = text(match q.health {
            Health::Ok => dim,
            h => health_style(app, h),
        });
        let figure = match q.depth {
            Some(depth) => {
                let arrow = match q.trend_per_second {
                    Some(t) if t > 0.01 => g.rising,
                    Some(t) if t < -0.01 => g.falling,
                    Some(_) => g.steady,
                    None => " ",
                };
                format!("{}{arrow}", format::count(depth))
            }
            None => g.unknown.to_string(),
        };
        // What the figure counts, where it fits (a hand-written depth has no word).
        let s = match q.meaning {
            QueueMeaning::Depth => figure,
            m => {
                let worded = format!("{m} {figure}");
                if worded.chars().count() <= usize::from(c.queue.w) {
                    worded
                } else {
                    figure
                }
            }
        };
        put_right(buf, c.queue.right(), y, c.queue.w, &s, style);
    }

    // Saga failures per minute, all sagas together.
    if !d.sagas.is_empty() {
        let known: Vec<f64> = d.sagas.iter().filter_map(|s| s.failed_per_minute).collect();
        let worst = d.sagas.iter().map(|s| s.health).max().unwrap_or(Health::Ok);
        let style = text(match worst {
            Health::Ok => dim,
            h => health_style(app, h),
        });
        let s = if known.is_empty() {
            g.unknown.to_string()
        } else {
            format::per_minute(known.iter().sum())
        };
        put_right(buf, c.saga.right(), y, c.saga.w, &s, style);
    }

    match app.domain_age_ms(d) {
        Some(a) => {
            let style = if d.stale { st.unknown } else { st.muted };
            put_right(
                buf,
                c.age.right(),
                y,
                c.age.w,
                format::age_coarse(a),
                text(style),
            );
        }
        None => {
            put_right(buf, c.age.right(), y, c.age.w, g.unknown, text(st.unknown));
        }
    }

    if let Some(w) = c.why {
        if let Some(r) = d.reasons.first() {
            let more = d.reasons.len().saturating_sub(1);
            let r = if more > 0 {
                format!("{r} (+{more})")
            } else {
                r.clone()
            };
            let r = fit(&r, usize::from(w.w), g.ellipsis);
            put(buf, w.x, y, w.w, &r, text(st.muted));
        }
    }
}

/// `legacy/new` in an 11-wide column: legacy right-aligned, new left-aligned.
#[allow(clippy::too_many_arguments)]
fn pair(
    buf: &mut Buffer,
    c: Col,
    y: u16,
    legacy: Option<String>,
    new: Option<String>,
    legacy_style: Style,
    new_style: Style,
    app: &App,
) {
    let unknown = app.look.glyphs.unknown;
    let half = c.w.saturating_sub(1) / 2;
    put_right(
        buf,
        c.x + half,
        y,
        half,
        legacy.as_deref().unwrap_or(unknown),
        legacy_style,
    );
    put(buf, c.x + half, y, 1, app.look.glyphs.versus, legacy_style);
    put(
        buf,
        c.x + half + 1,
        y,
        c.w.saturating_sub(half + 1),
        new.as_deref().unwrap_or(unknown),
        new_style,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fit_80_and_use_wide_screens() {
        let c = Columns::for_width(0, 80);
        assert_eq!(c.age.right(), 80);
        assert!(c.cfg.is_none() && c.why.is_none() && c.queue_name.is_none());
        let c = Columns::for_width(0, 160);
        assert!(c.cfg.is_some() && c.why.is_some() && c.queue_name.is_some());
        assert_eq!(c.why.unwrap().right(), 160);
        assert_eq!(c.name.w, 18);
        assert_eq!(c.bar.w, 20);
    }
}
