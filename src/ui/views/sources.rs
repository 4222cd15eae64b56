//! Every source, like Prometheus's targets page: up or down, when it was last scraped, how
//! long that took, how much came back, lines that did not parse, and the last error in words.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::{boxed, centered, scroll_to};
use crate::figures::SourceStatus;
use crate::format;
use crate::plan::SourceKind;
use crate::ui::app::App;
use crate::ui::widgets::{fit, put, put_right, wrap};

/// The state marker of a source: reads without colour.
pub fn state(app: &App, up: Option<bool>) -> (&'static str, Style) {
    match up {
        Some(true) => ("[UP]", app.look.styles.ok),
        Some(false) => ("[DOWN]", app.look.styles.crit),
        None => ("[?]", app.look.styles.unknown),
    }
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let st = &app.look.styles;
    let g = &app.look.glyphs;
    if app.status().is_none() {
        centered(app, area, &["no scrape has finished yet"], st.muted, buf);
        return;
    }
    let list = app.visible_sources();
    let detail_h = if area.height >= 16 { 8 } else { 0 };
    let table = Rect::new(
        area.x,
        area.y,
        area.width,
        area.height.saturating_sub(detail_h),
    );
    let wide = area.width >= 120;
    let name_w: u16 = if wide { 24 } else { 16 };
    // state, name, [kind], last, duration, bytes, series, bad, [http], error
    let mut cols: Vec<(&str, u16, bool)> = vec![("STATE", 6, false), ("SOURCE", name_w, false)];
    if wide {
        cols.push(("KIND", 10, false));
    }
    cols.extend([
        ("LAST", 7, true),
        ("TOOK", 7, true),
        ("BYTES", 8, true),
        ("SERIES", 7, true),
        ("BAD", 4, true),
    ]);
    if wide {
        cols.push(("HTTP", 4, true));
    }
    let used: u16 = cols.iter().map(|c| c.1 + 1).sum();
    cols.push(("LAST ERROR", table.width.saturating_sub(used + 1), false));

    let mut x = table.x + 1;
    for (h, w, right) in &cols {
        if *right {
            put_right(buf, x + w, table.y, *w, h, st.table_header);
        } else {
            put(buf, x, table.y, *w, h, st.table_header);
        }
        x += w + 1;
    }
    let rows = usize::from(table.height.saturating_sub(1));
    let mut memo = app.nav.layout.get();
    memo.list_rows = rows;
    app.nav.layout.set(memo);
    if list.is_empty() {
        centered(
            app,
            Rect::new(
                table.x,
                table.y + 1,
                table.width,
                table.height.saturating_sub(1),
            ),
            &["no source matches the filter"],
            st.muted,
            buf,
        );
        return;
    }
    let selected = app.nav.source_selected.min(list.len().saturating_sub(1));
    let offset = scroll_to(app.nav.sources_offset.get(), selected, rows);
    app.nav.sources_offset.set(offset);
    for (i, s) in list.iter().enumerate().skip(offset).take(rows) {
        let y = table.y + 1 + (i - offset) as u16;
        let base = if i == selected {
            buf.set_style(Rect::new(table.x, y, table.width, 1), st.selected);
            st.selected
        } else {
            Style::default()
        };
        let (marker, mstyle) = state(app, s.up);
        let kind = app
            .plan()
            .sources
            .iter()
            .find(|p| p.name == s.name)
            .map(|p| match p.kind {
                SourceKind::Scrape => "scrape",
                SourceKind::Prometheus => "prometheus",
            })
            .unwrap_or("");
        let unknown = || g.unknown.to_string();
        let mut cells: Vec<(String, Style)> = vec![
            (marker.into(), mstyle),
            (
                fit(&s.name, usize::from(name_w), g.ellipsis).into_owned(),
                st.text,
            ),
        ];
        if wide {
            cells.push((kind.into(), st.muted));
        }
        cells.extend([
            // In steps, as in the overview: the selected source's line below has the
            // exact age; 50 ages in seconds would redraw 50 rows every second.
            (
                app.source_age_ms(s)
                    .map_or_else(unknown, |a| format::age_coarse(a).to_string()),
                st.muted,
            ),
            (
                s.duration_ms.map_or_else(unknown, format::duration_ms),
                st.text,
            ),
            (s.bytes.map_or_else(unknown, format::bytes), st.text),
            (
                s.series.map_or_else(unknown, |v| format::count(v as f64)),
                st.text,
            ),
            (
                s.parse_errors.to_string(),
                if s.parse_errors > 0 {
                    st.warn
                } else {
                    st.muted
                },
            ),
        ]);
        if wide {
            cells.push((
                s.http_status.map_or_else(String::new, |c| c.to_string()),
                st.muted,
            ));
        }
        match (&s.error, pressure(s)) {
            (Some(e), _) => cells.push((e.clone(), st.crit)),
            (None, Some(p)) if s.skipped > 0 => cells.push((p, st.warn)),
            (None, Some(p)) => cells.push((p, st.muted)),
            (None, None) => cells.push((String::new(), st.crit)),
        }
        let mut x = table.x + 1;
        for ((_, w, right), (text, style)) in cols.iter().zip(&cells) {
            let style = base.patch(*style);
            if *right {
                put_right(buf, x + w, y, *w, text, style);
            } else {
                let t = fit(text, usize::from(*w), g.ellipsis);
                put(buf, x, y, *w, &t, style);
            }
            x += w + 1;
        }
    }
    if detail_h > 0 {
        if let Some(s) = list.get(selected) {
            detail(
                app,
                s,
                Rect::new(area.x, table.bottom(), area.width, detail_h),
                buf,
            );
        }
    }
}

/// Polls that waited for a connection slot or were skipped for want of one, in words.
fn pressure(s: &SourceStatus) -> Option<String> {
    match (s.queued, s.skipped) {
        (0, 0) => None,
        (q, 0) => Some(format!("{q} poll(s) queued for a connection slot")),
        (q, k) => Some(format!(
            "{k} poll(s) skipped: no connection slot free within the interval ({q} queued)"
        )),
    }
}

fn detail(app: &App, s: &SourceStatus, area: Rect, buf: &mut Buffer) {
    let st = &app.look.styles;
    let g = &app.look.glyphs;
    let inner = boxed(app, area, &s.name, buf);
    let w = usize::from(inner.width.saturating_sub(2));
    let mut lines: Vec<(String, Style)> = Vec::new();
    let readers: Vec<&str> = app
        .plan()
        .domains
        .iter()
        .filter(|d| app.domain_source_names(&d.name).contains(&s.name.as_str()))
        .map(|d| d.name.as_str())
        .collect();
    lines.push((
        format!(
            "read by: {}",
            if readers.is_empty() {
                "no domain".to_string()
            } else {
                readers.join(", ")
            }
        ),
        st.text,
    ));
    let mut last = match (s.up, app.source_age_ms(s)) {
        (None, _) => "not scraped yet".to_string(),
        (Some(up), age) => format!(
            "{} {}",
            if up {
                "up, last scrape"
            } else {
                "DOWN, last scrape"
            },
            age.map_or(g.unknown.to_string(), |a| format!(
                "{} ago",
                format::age_fine(a)
            ))
        ),
    };
    if let Some(c) = s.http_status {
        last.push_str(&format!(", HTTP {c}"));
    }
    if let Some(ms) = s.duration_ms {
        last.push_str(&format!(", took {}", format::duration_ms(ms)));
    }
    if let Some(b) = s.bytes {
        last.push_str(&format!(", {}", format::bytes(b)));
    }
    if let Some(n) = s.series {
        last.push_str(&format!(", {n} series"));
    }
    lines.push((last, st.text));
    if let Some(e) = &s.error {
        for (i, l) in wrap(&format!("error: {e}"), w).into_iter().enumerate() {
            lines.push((if i == 0 { l } else { format!("  {l}") }, st.crit));
        }
    }
    if let Some(p) = pressure(s) {
        let style = if s.skipped > 0 { st.warn } else { st.muted };
        for l in wrap(&p, w) {
            lines.push((l, style));
        }
    }
    if s.parse_errors > 0 {
        let mut text = format!("{} line(s) skipped:", s.parse_errors);
        for b in &s.bad_lines {
            text.push_str(&format!(" line {}: {};", b.line, b.reason));
        }
        for l in wrap(text.trim_end_matches(';'), w) {
            lines.push((l, st.warn));
        }
    }
    for (i, (l, style)) in lines.iter().enumerate().take(usize::from(inner.height)) {
        put(
            buf,
            inner.x + 1,
            inner.y + i as u16,
            inner.width.saturating_sub(1),
            l,
            *style,
        );
    }
}
