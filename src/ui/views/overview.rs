//! One row per domain: health, the judge's verdict (PASS, MARG, FAIL, ? for inconclusive),
//! name, declared stage (or the last action's mark while it lasts), the split bar with the
//! observed (and configured) new-path share, error ratio and latency (p95, or an average where that is all there is; a bound
//! inside a coarse bucket) of both sides (an arrow when
//! the last poll's new-path ratio differs a lot from the window's, and that ratio where there
//! is room), the worst queue with its trend, saga failures per minute, and how old the data
//! is. Idle, stale and no data are written as such, never as 0 or healthy.
//!
//! ```text
//! HEALTH VERD DOMAIN      STAGE     NEW ERR L/N      P95 L/N     QUEUE  SAGA  AGE
//! [CRIT] FAIL orders      canary    12% 0.12%/25.0%↑ 120ms/480ms 1.2k↑  0.5/m <5s
//! [OK]   PASS inventory   RB OK     0%  0.10%/0.10%  120ms/90ms           -   <5s
//! ```

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::{centered, health_style, scroll_to};
use crate::action::marks::Outcome as MarkOutcome;
use crate::figures::last_poll::differs_a_lot;
use crate::figures::latency::Reading;
use crate::figures::{DomainStatus, Health, Traffic};
use crate::format;
use crate::judge::Outcome;
use crate::queue_meaning::QueueMeaning;
use crate::ui::app::{App, Figure, SortKey};
use crate::ui::widgets::{fit, put, put_right, split_bar, width};

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
    verdict: Col,
    name: Col,
    stage: Col,
    /// The split bar; from 86 columns (below, the share alone).
    bar: Option<Col>,
    pct: Col,
    cfg: Option<Col>,
    err: Col,
    /// The new path's last poll, where it differs a lot from the window.
    now: Option<Col>,
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

/// A column whose width depends on the room beyond 80 columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Bar,
    Name,
    Stage,
    Now,
    Cfg,
    QueueName,
    Queue,
    Why,
}

/// How a column takes from the room beyond 80 columns.
#[derive(Debug, Clone, Copy)]
enum Room {
    /// Shown once `needs` is left, taking that (with `rest`: all that is left); its width is
    /// what it takes less `gap`, the space before it.
    Appears { needs: u16, gap: u16, rest: bool },
    /// A shown column widens by up to `by`, leaving `leave` to what comes after where there is
    /// room for both.
    Widens { by: u16, leave: u16 },
}

/// Widths at 80 columns: the optional columns are not shown.
const BASE: [(Slot, u16); 8] = [
    (Slot::Bar, 0),
    (Slot::Name, 10),
    (Slot::Stage, 8),
    (Slot::Now, 0),
    (Slot::Cfg, 0),
    (Slot::QueueName, 0),
    (Slot::Queue, 6),
    (Slot::Why, 0),
];

/// Who gets the room beyond 80 columns, first first. The split bar costs its width and the gap
/// before the share, less the column the share gives back (alone, it is five wide: "stale"),
/// so it has no gap of its own. The last poll comes before the configured share: the bar
/// already marks the latter. The worst queue's meaning before its figure (`lag 12.4k↑`) does
/// not take the reasons column's least width (13): the reason says why, the meaning is also in
/// the detail view.
const PRIORITY: [(Slot, Room); 9] = [
    (
        Slot::Bar,
        Room::Appears {
            needs: 6,
            gap: 0,
            rest: false,
        },
    ),
    (Slot::Name, Room::Widens { by: 8, leave: 0 }),
    (Slot::Stage, Room::Widens { by: 3, leave: 0 }),
    (Slot::Bar, Room::Widens { by: 14, leave: 0 }),
    (
        Slot::Now,
        Room::Appears {
            needs: 6,
            gap: 1,
            rest: false,
        },
    ),
    (
        Slot::Cfg,
        Room::Appears {
            needs: 9,
            gap: 1,
            rest: false,
        },
    ),
    (
        Slot::QueueName,
        Room::Appears {
            needs: 16,
            gap: 1,
            rest: false,
        },
    ),
    (Slot::Queue, Room::Widens { by: 6, leave: 13 }),
    (
        Slot::Why,
        Room::Appears {
            needs: 13,
            gap: 1,
            rest: true,
        },
    ),
];

/// Each slot's width at `width` columns, by [`PRIORITY`].
fn slot_widths(width: u16) -> impl Fn(Slot) -> u16 {
    let mut extra = width.saturating_sub(80);
    let mut widths = BASE;
    for (slot, room) in PRIORITY {
        let Some((_, w)) = widths.iter_mut().find(|(s, _)| *s == slot) else {
            continue;
        };
        match room {
            Room::Appears { needs, gap, rest } if extra >= needs => {
                *w = take(&mut extra, if rest { u16::MAX } else { needs }) - gap;
            }
            Room::Appears { .. } => {}
            Room::Widens { by, leave } if *w > 0 => {
                let room = if extra >= leave { extra - leave } else { extra };
                *w += take(&mut extra, room.min(by));
            }
            Room::Widens { .. } => {}
        }
    }
    move |slot| {
        widths
            .iter()
            .find(|(s, _)| *s == slot)
            .map_or(0, |(_, w)| *w)
    }
}

impl Columns {
    /// 80 columns fit everything essential: health, the judge's verdict, the share and both
    /// paths' figures. More room brings the split bar first, then widens names and the bar,
    /// then adds the last poll's error ratio, the configured share, the worst queue's name and
    /// the first reason ([`PRIORITY`]).
    fn for_width(x0: u16, width: u16) -> Columns {
        let w = slot_widths(width);
        let (bar_w, name_w, stage_w) = (w(Slot::Bar), w(Slot::Name), w(Slot::Stage));
        let (now_w, cfg_w, qname_w) = (w(Slot::Now), w(Slot::Cfg), w(Slot::QueueName));
        let (queue_w, why_w) = (w(Slot::Queue), w(Slot::Why));

        let mut x = x0;
        let mut col = |w: u16| {
            let c = Col { x, w };
            x += w + 1;
            c
        };
        let health = col(6);
        let verdict = col(4);
        let name = col(name_w);
        let stage = col(stage_w);
        // The bar and its percentage share the split column, one space apart.
        let bar = (bar_w > 0).then(|| col(bar_w));
        let pct = col(if bar.is_some() { 4 } else { 5 });
        let cfg = (cfg_w > 0).then(|| col(cfg_w));
        // Room for a mark after the new path's ratio: the last poll differs a lot.
        let err = col(12);
        let now = (now_w > 0).then(|| col(now_w));
        let p95 = col(11);
        let queue_name = (qname_w > 0).then(|| col(qname_w));
        let queue = col(queue_w);
        let saga = col(5);
        let age = col(4);
        let why = (why_w > 0).then(|| col(why_w));
        Columns {
            health,
            verdict,
            name,
            stage,
            bar,
            pct,
            cfg,
            err,
            now,
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

    /// Where the split column starts: the bar's start, or the share's without a bar.
    fn split_x(&self) -> u16 {
        self.bar.map_or(self.pct.x, |b| b.x)
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
    put(buf, c.verdict.x, y, c.verdict.w, "VERD", h);
    put(
        buf,
        c.name.x,
        y,
        c.name.w,
        "DOMAIN",
        style_for(SortKey::Name),
    );
    put(buf, c.stage.x, y, c.stage.w, "STAGE", h);
    let split_head = if c.bar.is_some() { "LEGACY|NEW" } else { "NEW" };
    put(
        buf,
        c.split_x(),
        y,
        c.pct.right().saturating_sub(c.split_x()),
        split_head,
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
    if let Some(now) = c.now {
        put(buf, now.x, y, now.w, "NOW N", h);
    }
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
    if let Some(v) = &d.verdict {
        put(
            buf,
            c.verdict.x,
            y,
            c.verdict.w,
            v.result.marker(),
            text(verdict_style(app, v.result, dim)),
        );
    }
    let name = fit(&d.name, usize::from(c.name.w), g.ellipsis);
    put(buf, c.name.x, y, c.name.w, &name, text(dim));
    // A mark (the last action) takes the stage's place unless the reason column shows it:
    // the declared stage is unchanged while it lasts, and the detail view names both.
    let badge = app.mark(&d.name).map(|m| (m.outcome, m.badges()));
    let why_badge = match (&badge, c.why) {
        (Some((_, forms)), Some(w)) => forms[..3]
            .iter()
            .find(|f| width(f) <= usize::from(w.w))
            .cloned(),
        _ => None,
    };
    match &badge {
        Some((outcome, forms)) if why_badge.is_none() => {
            let f = forms
                .iter()
                .find(|f| width(f) <= usize::from(c.stage.w))
                .unwrap_or(&forms[4]);
            let f = fit(f, usize::from(c.stage.w), g.ellipsis);
            put(
                buf,
                c.stage.x,
                y,
                c.stage.w,
                &f,
                text(mark_style(app, *outcome)),
            );
        }
        _ => {
            let stage = fit(d.stage.as_str(), usize::from(c.stage.w), g.ellipsis);
            put(buf, c.stage.x, y, c.stage.w, &stage, text(dim));
        }
    }

    let split_w = c.pct.right().saturating_sub(c.split_x());
    // Figures through `hold`: a small move keeps the figure shown (see `HeldFigures`); the
    // level is the figure's colour, so a new colour always comes with its new number.
    let hold = |f: Figure, level: u8, v: f64| app.held.value(&d.name, f, level, v);
    match split_of(d) {
        Split::Share(share, configured) => {
            let share = hold(Figure::Share, 0, share);
            if let Some(bar) = c.bar {
                split_bar(
                    buf,
                    bar.x,
                    y,
                    bar.w,
                    share,
                    configured,
                    g,
                    text(st.legacy),
                    text(st.new),
                    text(st.configured),
                );
            }
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
            put(buf, c.split_x(), y, split_w, "stale", text(st.unknown));
        }
        Split::NoData => {
            let words = if c.bar.is_some() { "no data" } else { "-" };
            put(buf, c.split_x(), y, split_w, words, text(st.unknown));
        }
        Split::Idle => {
            put(buf, c.split_x(), y, split_w, "idle", text(st.muted));
        }
        Split::NotConfigured => {
            let words = if c.bar.is_some() { "no traffic" } else { "-" };
            put(buf, c.split_x(), y, split_w, words, text(st.muted));
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
        let (new_style, new_level) = match (t.new.error_ratio, slo) {
            (Some(r), Some(slo)) if r > slo.error_ratio => (st.crit, 2),
            (Some(r), Some(slo))
                if t.legacy
                    .error_ratio
                    .is_some_and(|l| r - l > slo.error_ratio_delta) =>
            {
                (st.warn, 1)
            }
            _ => (dim, 0),
        };
        // The last poll beside the window, where they differ a lot: an arrow after the
        // window's ratio, and the last poll's own where there is room.
        let now = last_poll_apart(&t.new);
        let new_err = t.new.error_ratio.map(|r| {
            let arrow = match now {
                Some(n) if n > r => g.rising,
                Some(_) => g.falling,
                None => "",
            };
            format!(
                "{}{arrow}",
                format::ratio(hold(Figure::ErrorNew, new_level, r))
            )
        });
        pair(
            buf,
            c.err,
            y,
            t.legacy
                .error_ratio
                .map(|r| format::ratio(hold(Figure::ErrorLegacy, 0, r))),
            new_err,
            text(dim),
            text(new_style),
            app,
        );
        if let (Some(col), Some(n)) = (c.now, now) {
            let (style, level) = match slo {
                Some(slo) if n > slo.error_ratio => (st.crit, 2),
                _ => (dim, 0),
            };
            let n = hold(Figure::ErrorNow, level, n);
            put_right(buf, col.right(), y, col.w, &format::ratio(n), text(style));
        }
        // Each figure as its kind allows: a number, a bound (`≤0.1s`), a marked average.
        let over = |l: &crate::figures::latency::Latency, limit: std::time::Duration| {
            crate::figures::slo_p95::against_slo("", l, limit.as_secs_f64())
                .is_some_and(|f| f.level == Health::Warn)
        };
        let (p95_style, p95_level) = match (&t.new.latency, slo.and_then(|s| s.p95)) {
            (Some(l), Some(limit)) if over(l, limit) => (st.warn, 1),
            _ => (dim, 0),
        };
        let cell = |l: &Option<crate::figures::latency::Latency>, f: Figure, level: u8| {
            l.map(|mut l| {
                if let Reading::Value(v) = l.reading {
                    l.reading = Reading::Value(hold(f, level, v));
                }
                l.cell(g.at_most, c.lat_mark_avg)
            })
        };
        pair(
            buf,
            c.p95,
            y,
            cell(&t.legacy.latency, Figure::LatencyLegacy, 0),
            cell(&t.new.latency, Figure::LatencyNew, p95_level),
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
                let depth = hold(Figure::Queue, q.health as u8, depth);
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
            format::per_minute(hold(Figure::Sagas, worst as u8, known.iter().sum()))
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

    if let (Some(w), Some(b), Some((outcome, _))) = (c.why, &why_badge, &badge) {
        put(buf, w.x, y, w.w, b, text(mark_style(app, *outcome)));
    } else if let Some(w) = c.why {
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

/// The new path's last poll error ratio, when it differs a lot from the window's.
fn last_poll_apart(side: &crate::figures::Side) -> Option<f64> {
    let window = side.error_ratio?;
    let last = side.last_poll.as_ref()?;
    differs_a_lot(window, last)
        .then(|| last.error_ratio())
        .flatten()
}

/// The verdict's colour: a failure as crit, a marginal result as warn, a pass plain and an
/// inconclusive one as unknown. The words alone say it without colour.
pub(super) fn verdict_style(app: &App, v: Outcome, plain: Style) -> Style {
    match v {
        Outcome::Fail => health_style(app, Health::Crit),
        Outcome::Marginal => health_style(app, Health::Warn),
        Outcome::Pass => plain,
        Outcome::Inconclusive => app.look.styles.unknown,
    }
}

/// A mark's colour: a verified action in the accent, one that did not end well as crit, one
/// without an outcome yet as warn.
pub(super) fn mark_style(app: &App, o: MarkOutcome) -> Style {
    match o {
        MarkOutcome::Verified => app.look.styles.accent,
        MarkOutcome::Running | MarkOutcome::Verifying => health_style(app, Health::Warn),
        MarkOutcome::NotVerified | MarkOutcome::Failed | MarkOutcome::Interrupted => {
            health_style(app, Health::Crit)
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
        assert!(c.bar.is_none() && c.now.is_none());
        let c = Columns::for_width(0, 86);
        assert_eq!(c.bar.map(|b| b.w), Some(6));
        assert_eq!(c.age.right(), 86);
        // The last poll's column from 117 (the README says so), the configured share's from
        // 126, and neither goes away on a wider screen.
        assert!(Columns::for_width(0, 116).now.is_none());
        assert!(Columns::for_width(0, 125).cfg.is_none());
        for w in 117..300 {
            assert!(Columns::for_width(0, w).now.is_some(), "{w}");
            assert_eq!(Columns::for_width(0, w).cfg.is_some(), w >= 126, "{w}");
        }
        let c = Columns::for_width(0, 160);
        assert!(c.cfg.is_some() && c.why.is_some() && c.queue_name.is_some());
        assert!(c.now.is_some());
        assert_eq!(c.why.unwrap().right(), 160);
        assert_eq!(c.name.w, 18);
        assert_eq!(c.bar.unwrap().w, 20);
    }
}
