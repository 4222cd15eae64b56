//! One domain in full: why its health is what it is, the judge's evidence and the burn rates
//! (`detail_evidence`), both sides' traffic figures, the new path's recent traces
//! (`detail_traces`), charts over
//! the kept history (new-path share, error ratios, p95, each queue's depth), its queues and
//! sagas, its data signals (`detail_data`), the sources it reads, its promote plan
//! (`detail_plan`), and its rollback plan and history.
//!
//! Narrow screens stack the sections and scroll them a section at a time; from 140 columns
//! the charts get the right half.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::detail_charts::{charts, charts_height};
use super::detail_evidence;
use super::detail_traces;
use super::overview::is_idle;
use super::{boxed, centered, health_style};
use crate::figures::latency::{LatencyFrom, LatencyKind};
use crate::figures::{DomainStatus, Health, Side};
use crate::format;
use crate::timeline::EventKind;
use crate::ui::app::App;
use crate::ui::widgets::{fit, put, put_right, wrap};

/// From this width the charts sit beside the other sections.
const TWO_COLUMNS: u16 = 140;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Why,
    Judge,
    Traffic,
    Traces,
    Charts,
    Queues,
    Sagas,
    Data,
    Sources,
    Promote,
    Rollback,
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let st = &app.look.styles;
    let Some(d) = app.selected_domain() else {
        centered(
            app,
            area,
            &[
                "no domain selected",
                "pick one on the overview and press enter",
            ],
            st.muted,
            buf,
        );
        return;
    };
    title_line(app, d, Rect::new(area.x, area.y, area.width, 1), buf);
    let body = Rect::new(
        area.x,
        area.y + 1,
        area.width,
        area.height.saturating_sub(1),
    );

    let two = area.width >= TWO_COLUMNS;
    // The reasons (the judge's among them, in one line each), the raw figures and the charts
    // first; the judge's evidence in full after them.
    let mut sections = vec![Section::Why, Section::Traffic];
    if detail_traces::rows(d) > 0 {
        sections.push(Section::Traces);
    }
    if !two {
        sections.push(Section::Charts);
    }
    sections.push(Section::Judge);
    if !d.queues.is_empty() {
        sections.push(Section::Queues);
    }
    if !d.sagas.is_empty() {
        sections.push(Section::Sagas);
    }
    if !d.data.is_empty() {
        sections.push(Section::Data);
    }
    sections.push(Section::Sources);
    if super::detail_plan::shown(app, d) {
        sections.push(Section::Promote);
    }
    sections.push(Section::Rollback);

    let column = if two {
        let left_w = body.width / 2;
        let right = Rect::new(
            body.x + left_w,
            body.y,
            body.width.saturating_sub(left_w),
            body.height,
        );
        charts(app, d, right, buf);
        Rect::new(body.x, body.y, left_w, body.height)
    } else {
        body
    };

    let now = app.clock_ms();
    let mut held = app.nav.detail_rows.borrow_mut();
    let heights: Vec<u16> = sections
        .iter()
        .map(|&s| held.height(&d.name, s as u8, height(app, d, s, column.width), now))
        .collect();
    drop(held);
    let max_scroll = max_scroll(&heights, column.height);
    let mut memo = app.nav.layout.get();
    memo.detail_max_scroll = max_scroll;
    app.nav.layout.set(memo);

    let skip = app.nav.detail_scroll.min(max_scroll);
    let mut y = column.y;
    let mut cut = false;
    for (i, &s) in sections.iter().enumerate().skip(skip) {
        let left = column.bottom().saturating_sub(y);
        if left < 3 {
            cut = i < sections.len();
            break;
        }
        let want = heights[i];
        let h = want.min(left);
        draw(app, d, s, Rect::new(column.x, y, column.width, h), buf);
        y += h;
        if h < want {
            cut = true;
            break;
        }
    }
    if cut {
        let hint = format!(" {} more ", app.key_hint(crate::ui::keys::Action::Down));
        put_right(
            buf,
            column.right().saturating_sub(2),
            column.bottom().saturating_sub(1),
            column.width,
            &hint,
            st.accent,
        );
    }
    if skip > 0 {
        let hint = format!(" {} back ", app.key_hint(crate::ui::keys::Action::Up));
        put_right(
            buf,
            column.right().saturating_sub(2),
            column.y,
            column.width,
            &hint,
            st.accent,
        );
    }
}

/// The furthest the sections may scroll: to the first one from which the rest fit, so that
/// scrolling stops once the last section is drawn whole instead of running on into blank rows.
fn max_scroll(heights: &[u16], rows: u16) -> usize {
    let mut below = 0u32;
    for (i, &h) in heights.iter().enumerate().rev() {
        below += u32::from(h);
        if below > u32::from(rows) {
            return (i + 1).min(heights.len().saturating_sub(1));
        }
    }
    0
}

fn title_line(app: &App, d: &DomainStatus, area: Rect, buf: &mut Buffer) {
    let st = &app.look.styles;
    let mut x = area.x + 1;
    let r = area.right();
    x += put(buf, x, area.y, r.saturating_sub(x), &d.name, st.title);
    x += put(buf, x, area.y, r.saturating_sub(x), "  declared ", st.muted);
    x += put(
        buf,
        x,
        area.y,
        r.saturating_sub(x),
        d.stage.as_str(),
        st.text,
    );
    x += 2;
    x += put(
        buf,
        x,
        area.y,
        r.saturating_sub(x),
        d.health.marker(),
        health_style(app, d.health),
    );
    if d.stale {
        x += 1;
        x += put(buf, x, area.y, r.saturating_sub(x), "STALE", st.unknown);
    }
    if let Some(m) = app.mark(&d.name) {
        x += 2;
        x += put(
            buf,
            x,
            area.y,
            r.saturating_sub(x),
            &m.words(),
            super::overview::mark_style(app, m.outcome),
        );
    }
    if let Some(i) = app.selected_index() {
        let text = format!(
            "{}/{}  {}/{} other domains ",
            i + 1,
            app.visible_count(),
            app.key_hint(crate::ui::keys::Action::PrevDomain),
            app.key_hint(crate::ui::keys::Action::NextDomain)
        );
        put_right(buf, r, area.y, r.saturating_sub(x + 2), &text, st.muted);
    }
}

fn reasons_lines(d: &DomainStatus, w: usize) -> Vec<String> {
    let mut out = Vec::new();
    if d.reasons.is_empty() {
        out.push("all checks pass".to_string());
    }
    for r in &d.reasons {
        for (i, l) in wrap(r, w.saturating_sub(2)).into_iter().enumerate() {
            out.push(if i == 0 {
                format!("- {l}")
            } else {
                format!("  {l}")
            });
        }
    }
    out
}

fn height(app: &App, d: &DomainStatus, s: Section, w: u16) -> u16 {
    let inner = usize::from(w.saturating_sub(4));
    let n = match s {
        Section::Why => reasons_lines(d, inner).len(),
        Section::Judge => return detail_evidence::height(app, d),
        Section::Traffic => 4 + usize::from(latency_note(d, "").is_some()),
        Section::Traces => detail_traces::rows(d),
        Section::Charts => return charts_height(d, w),
        Section::Queues => d.queues.len() + 1,
        Section::Sagas => d.sagas.len() + 1,
        Section::Data => super::detail_data::rows(d),
        Section::Sources => app.domain_source_names(&d.name).len().max(1),
        Section::Promote => super::detail_plan::lines(app, d, inner).len(),
        Section::Rollback => rollback_lines(app, d, inner).len(),
    };
    n as u16 + 2
}

fn draw(app: &App, d: &DomainStatus, s: Section, area: Rect, buf: &mut Buffer) {
    match s {
        Section::Why => why(app, d, area, buf),
        Section::Judge => detail_evidence::draw(app, d, area, buf),
        Section::Traffic => traffic(app, d, area, buf),
        Section::Traces => detail_traces::draw(app, d, area, buf),
        Section::Charts => charts(app, d, area, buf),
        Section::Queues => queues(app, d, area, buf),
        Section::Sagas => sagas(app, d, area, buf),
        Section::Data => super::detail_data::data(app, d, area, buf),
        Section::Sources => sources(app, d, area, buf),
        Section::Promote => super::detail_plan::draw(app, d, area, buf),
        Section::Rollback => rollback(app, d, area, buf),
    }
}

fn why(app: &App, d: &DomainStatus, area: Rect, buf: &mut Buffer) {
    let title = format!("Health {}", d.health.marker());
    let inner = boxed(app, area, &title, buf);
    let style = match d.health {
        Health::Ok => app.look.styles.ok,
        h => health_style(app, h),
    };
    for (i, l) in reasons_lines(d, usize::from(inner.width.saturating_sub(2)))
        .iter()
        .enumerate()
        .take(usize::from(inner.height))
    {
        let s = if d.reasons.is_empty() {
            style
        } else {
            app.look.styles.text
        };
        put(
            buf,
            inner.x + 1,
            inner.y + i as u16,
            inner.width.saturating_sub(1),
            l,
            s,
        );
    }
}

fn opt(v: Option<f64>, f: fn(f64) -> String, unknown: &str) -> String {
    v.map_or_else(|| unknown.to_string(), f)
}

fn traffic(app: &App, d: &DomainStatus, area: Rect, buf: &mut Buffer) {
    let st = &app.look.styles;
    let g = &app.look.glyphs;
    let inner = boxed(app, area, "Traffic over the window", buf);
    let Some(t) = &d.traffic else {
        put(
            buf,
            inner.x + 1,
            inner.y,
            inner.width.saturating_sub(1),
            "no traffic signals configured for this domain",
            st.muted,
        );
        return;
    };
    let mut x = inner.x + 1;
    let r = inner.right();
    let y = inner.y;
    if d.stale {
        x += put(
            buf,
            x,
            y,
            r.saturating_sub(x),
            "stale (a source is down): ",
            st.unknown,
        );
    }
    match t.new_share {
        Some(s) => {
            x += put(buf, x, y, r.saturating_sub(x), "split  legacy ", st.muted);
            x += put(
                buf,
                x,
                y,
                r.saturating_sub(x),
                &format::share(1.0 - s),
                st.legacy,
            );
            x += put(buf, x, y, r.saturating_sub(x), "  new ", st.muted);
            x += put(buf, x, y, r.saturating_sub(x), &format::share(s), st.new);
        }
        None if is_idle(t) => {
            x += put(
                buf,
                x,
                y,
                r.saturating_sub(x),
                "idle: no requests in the window",
                st.muted,
            );
        }
        None => {
            x += put(
                buf,
                x,
                y,
                r.saturating_sub(x),
                "no data for the split",
                st.unknown,
            );
        }
    }
    if let Some(c) = t.configured_new_share {
        x += put(
            buf,
            x,
            y,
            r.saturating_sub(x),
            "  configured new ",
            st.muted,
        );
        put(
            buf,
            x,
            y,
            r.saturating_sub(x),
            &format::share(c),
            st.configured,
        );
    }

    // Columns: label, then eight figures.
    const HEAD: [&str; 8] = [
        "requests", "rps", "errors", "err%", "p50", "p95", "p99", "weight",
    ];
    let label_w = 8u16;
    let col_w = (inner.width.saturating_sub(label_w + 2) / 8).clamp(6, 10);
    let y = inner.y + 1;
    for (i, h) in HEAD.iter().enumerate() {
        let right = inner.x + 1 + label_w + col_w * (i as u16 + 1);
        put_right(buf, right, y, col_w, h, st.table_header);
    }
    let rows: [(&str, &Side, Style); 2] =
        [("legacy", &t.legacy, st.legacy), ("new", &t.new, st.new)];
    for (ri, (label, side, style)) in rows.iter().enumerate() {
        let y = y + 1 + ri as u16;
        put(buf, inner.x + 1, y, label_w, label, *style);
        // Quantiles only, each a number or a bound; an average is in the latency line below.
        let lat = |kind: LatencyKind| {
            side.quantiles
                .iter()
                .find(|l| l.kind == kind)
                .map_or_else(|| g.unknown.to_string(), |l| l.reading_text(g.at_most))
        };
        let cells = [
            opt(side.requests, format::count, g.unknown),
            opt(
                side.rps,
                |v| format::per_second(v).trim_end_matches("/s").to_string(),
                g.unknown,
            ),
            opt(side.errors, format::count, g.unknown),
            opt(side.error_ratio, format::ratio, g.unknown),
            lat(LatencyKind::P50),
            lat(LatencyKind::P95),
            lat(LatencyKind::P99),
            opt(side.weight, format::count, g.unknown),
        ];
        for (i, c) in cells.iter().enumerate() {
            let right = inner.x + 1 + label_w + col_w * (i as u16 + 1);
            put_right(buf, right, y, col_w.saturating_sub(1), c, st.text);
        }
    }
    if let Some(note) = latency_note(d, g.at_most) {
        let w = inner.width.saturating_sub(1);
        let note = fit(&note, usize::from(w), g.ellipsis);
        put(buf, inner.x + 1, y + 3, w, &note, st.muted);
    }
}

/// The latency line under the traffic table, where the table's quantiles are not the whole
/// story: a path with only an average, a bound, or the gateway's figure shown instead of the
/// service's own (`new avg 1ms at the gateway, own p95 ≤100ms`).
fn latency_note(d: &DomainStatus, at_most: &str) -> Option<String> {
    let t = d.traffic.as_ref()?;
    let mut parts = Vec::new();
    for (label, side) in [("legacy", &t.legacy), ("new", &t.new)] {
        let Some(l) = &side.latency else { continue };
        if l.kind != LatencyKind::Avg && !l.is_bound() && l.from == LatencyFrom::Own {
            continue;
        }
        let mut part = format!("{label} {} {}", l.kind.as_str(), l.reading_text(at_most));
        if l.from == LatencyFrom::Gateway {
            part.push_str(" at the gateway");
            if let Some(own) = side.quantiles.iter().find(|q| q.kind == LatencyKind::P95) {
                part.push_str(&format!(", own p95 {}", own.reading_text(at_most)));
            }
        } else if l.is_bound() {
            part.push_str(" (coarse buckets)");
        }
        parts.push(part);
    }
    (!parts.is_empty()).then(|| format!("latency  {}", parts.join("  ")))
}

/// Each queue with what its figures count: `lag 500`, `ready 12`, and what is in flight
/// beside it (`pending 0`); a drain time only for a backlog that shrinks.
fn queues(app: &App, d: &DomainStatus, area: Rect, buf: &mut Buffer) {
    let g = &app.look.glyphs;
    let rows = d.queues.iter().map(|q| {
        let figures = vec![
            format!("{} {}", q.meaning, opt(q.depth, format::count, g.unknown)),
            opt(q.trend_per_second, |v| format!("{v:+.1}"), g.unknown),
            opt(q.drain_seconds, format::drain, g.unknown),
            q.in_flight.map_or_else(String::new, |f| {
                format!("{} {}", f.meaning, opt(f.value, format::count, g.unknown))
            }),
        ];
        (q.name.clone(), figures, q.health)
    });
    let heads = ["queue", "depth", "trend/s", "drain", "in flight", "health"];
    health_table(app, area, "Queues", &heads, &[11, 7, 6, 11, 6], rows, buf);
}

fn sagas(app: &App, d: &DomainStatus, area: Rect, buf: &mut Buffer) {
    let g = &app.look.glyphs;
    let rows = d.sagas.iter().map(|s| {
        let figures = vec![
            opt(s.failed, format::count, g.unknown),
            opt(
                s.failed_per_minute,
                |v| format::per_minute(v).trim_end_matches("/m").to_string(),
                g.unknown,
            ),
            opt(s.compensated, format::count, g.unknown),
            opt(s.failure_ratio, format::ratio, g.unknown),
            opt(s.in_progress, format::count, g.unknown),
        ];
        (s.name.clone(), figures, s.health)
    });
    let heads = [
        "saga", "failed", "/min", "comp.", "ratio", "stuck", "health",
    ];
    health_table(app, area, "Sagas", &heads, &[7, 7, 7, 7, 7, 6], rows, buf);
}

/// A boxed table of named things (queues, sagas): the name, its figures, its health marker.
/// `widths` are the columns after the name, the health last; the name takes what is left.
fn health_table(
    app: &App,
    area: Rect,
    title: &str,
    heads: &[&str],
    widths: &[u16],
    rows: impl Iterator<Item = (String, Vec<String>, Health)>,
    buf: &mut Buffer,
) {
    let st = &app.look.styles;
    let g = &app.look.glyphs;
    let inner = boxed(app, area, title, buf);
    // Left pad, the figures with a space before each, right pad.
    let figures_w: u16 = widths.iter().sum::<u16>() + widths.len() as u16;
    let name_w = inner.width.saturating_sub(1 + figures_w + 1);
    let cols: Vec<u16> = std::iter::once(name_w)
        .chain(widths.iter().copied())
        .collect();
    let heads: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
    table_row(
        buf,
        inner,
        0,
        &cols,
        &heads,
        &vec![st.table_header; cols.len()],
        g.ellipsis,
    );
    for (i, (name, figures, health)) in rows.enumerate() {
        let mut cells = Vec::with_capacity(cols.len());
        cells.push(name);
        cells.extend(figures);
        cells.push(health.marker().to_string());
        let mut styles = vec![st.text; cols.len()];
        if let Some(last) = styles.last_mut() {
            *last = health_style(app, health);
        }
        table_row(buf, inner, i as u16 + 1, &cols, &cells, &styles, g.ellipsis);
    }
}

/// A row of cells: the first left-aligned, the others right-aligned, one space apart.
fn table_row(
    buf: &mut Buffer,
    inner: Rect,
    row: u16,
    cols: &[u16],
    cells: &[String],
    styles: &[Style],
    ellipsis: &str,
) {
    if row >= inner.height {
        return;
    }
    let y = inner.y + row;
    let mut x = inner.x + 1;
    for (i, (w, c)) in cols.iter().zip(cells).enumerate() {
        if x >= inner.right() {
            break;
        }
        let w = (*w).min(inner.right().saturating_sub(x));
        if i == 0 {
            put(buf, x, y, w, &fit(c, usize::from(w), ellipsis), styles[i]);
        } else {
            put_right(buf, x + w, y, w, c, styles[i]);
        }
        x += w + 1;
    }
}

fn sources(app: &App, d: &DomainStatus, area: Rect, buf: &mut Buffer) {
    let st = &app.look.styles;
    let g = &app.look.glyphs;
    let inner = boxed(app, area, "Sources it reads", buf);
    let names = app.domain_source_names(&d.name);
    if names.is_empty() {
        put(
            buf,
            inner.x + 1,
            inner.y,
            inner.width.saturating_sub(1),
            "none",
            st.muted,
        );
        return;
    }
    let status = app.status();
    for (i, name) in names.iter().enumerate().take(usize::from(inner.height)) {
        let y = inner.y + i as u16;
        let s = status.and_then(|s| s.sources.iter().find(|s| s.name == *name));
        let (marker, style) = super::sources::state(app, s.and_then(|s| s.up));
        let mut x = inner.x + 1;
        let r = inner.right();
        x += put(buf, x, y, 6, marker, style) + 1;
        x = x.max(inner.x + 8);
        x += put(
            buf,
            x,
            y,
            r.saturating_sub(x),
            &fit(name, 16, g.ellipsis),
            st.text,
        );
        x = x.max(inner.x + 25);
        if let Some(s) = s {
            // Coarse, as in the overview: an age in seconds would redraw this line every
            // second over SSH; the sources view (3) has the exact one.
            let age = app.source_age_ms(s).map_or(g.unknown.to_string(), |a| {
                format!("{} ago", format::age_coarse(a))
            });
            x += put(buf, x, y, r.saturating_sub(x), &age, st.muted) + 2;
            if let Some(e) = &s.error {
                let e = fit(e, usize::from(r.saturating_sub(x)), g.ellipsis);
                put(buf, x, y, r.saturating_sub(x), &e, st.crit);
            }
        }
    }
}

fn rollback_lines(app: &App, d: &DomainStatus, w: usize) -> Vec<(String, Style)> {
    let st = &app.look.styles;
    let mut out = Vec::new();
    match app.plan_domain(&d.name) {
        Some(p) if !p.rollback_steps.is_empty() => {
            for (i, s) in p.rollback_steps.iter().enumerate() {
                for (j, l) in wrap(s, w.saturating_sub(4)).into_iter().enumerate() {
                    let prefix = if j == 0 {
                        format!("{}. ", i + 1)
                    } else {
                        "   ".into()
                    };
                    out.push((format!("{prefix}{l}"), st.text));
                }
            }
            // Word for word what the confirmation dialog and `cutover rollback` say.
            let verify = crate::action::terms::verify_sentence(p.verify_share, p.verify_within);
            for l in wrap(&verify, w) {
                out.push((l, st.muted));
            }
            if let Some(r) = app.readiness(&d.name) {
                let style = match r.ready {
                    Some(true) => st.ok,
                    Some(false) => st.crit,
                    None => st.unknown,
                };
                let text = crate::term_text::for_terminal(&r.summary).into_owned();
                for l in wrap(&text, w).into_iter().take(2) {
                    out.push((l, style));
                }
            }
        }
        _ => out.push(("no rollback steps configured".into(), st.muted)),
    }
    match app.read_only() {
        Some(r) => out.push((format!("read-only: {r}"), st.unknown)),
        None => out.push((
            format!(
                "{} starts a rollback of this domain",
                app.key_hint(crate::ui::keys::Action::Rollback)
            ),
            st.accent,
        )),
    }
    let until = app.frozen_until();
    let history: Vec<_> = app
        .timeline()
        .events()
        .iter()
        .filter(|e| e.kind == EventKind::Rollback && e.domain.as_deref() == Some(d.name.as_str()))
        .filter(|e| until.is_none_or(|u| e.at_ms <= u))
        .collect();
    if history.is_empty() {
        out.push(("no rollback in this session".into(), st.muted));
    } else {
        out.push(("history:".into(), st.table_header));
        for e in history {
            let line = match e.earlier_session {
                None => format!(
                    "{} {}",
                    format::clock(e.at_ms, app.look.utc_offset_secs),
                    e.text
                ),
                Some(_) => format!(
                    "{} (earlier session) {}",
                    format::date_minutes(e.at_ms, app.look.utc_offset_secs),
                    e.text
                ),
            };
            for (j, l) in wrap(&line, w.saturating_sub(2)).into_iter().enumerate() {
                out.push((if j == 0 { l } else { format!("  {l}") }, st.text));
            }
        }
    }
    out
}

fn rollback(app: &App, d: &DomainStatus, area: Rect, buf: &mut Buffer) {
    let inner = boxed(app, area, "Rollback plan", buf);
    for (i, (l, s)) in rollback_lines(app, d, usize::from(inner.width.saturating_sub(2)))
        .iter()
        .enumerate()
        .take(usize::from(inner.height))
    {
        put(
            buf,
            inner.x + 1,
            inner.y + i as u16,
            inner.width.saturating_sub(1),
            l,
            *s,
        );
    }
}
