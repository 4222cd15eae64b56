//! The timeline, newest first: health changes with their reasons, stage contradictions,
//! sources going down and up, rollbacks. The selected event is shown in full below. Events
//! of earlier sessions (the events memory) come under a line naming the session and its start,
//! so that they read as such without colour.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::{boxed, centered, health_style, scroll_to};
use crate::format;
use crate::timeline::{EventKind, TimelineEvent};
use crate::ui::app::App;
use crate::ui::widgets::{fit, put, put_right, wrap};

/// The marker of an event: its severity, readable without colour.
pub fn marker(app: &App, e: &TimelineEvent) -> (&'static str, Style) {
    let st = &app.look.styles;
    match &e.kind {
        EventKind::Health(h) => (h.marker(), health_style(app, *h)),
        EventKind::Stage => ("[WARN]", st.warn),
        EventKind::Source { up: false } => ("[DOWN]", st.crit),
        EventKind::Source { up: true } => ("[UP]", st.ok),
        EventKind::Rollback => ("[RB]", st.accent),
        EventKind::Promote => ("[PR]", st.accent),
        EventKind::Other(_) => ("[i]", st.muted),
    }
}

/// A row of the list: an event (its index among the visible ones), or the line above the
/// events of an earlier session that started at the given time.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Row {
    Event(usize),
    Session(i64),
}

/// The rows for `events` (newest first): a session line wherever an earlier session's events
/// begin.
fn rows_of(events: &[&TimelineEvent]) -> Vec<Row> {
    let mut rows = Vec::with_capacity(events.len() + 1);
    let mut before = None;
    for (i, e) in events.iter().enumerate() {
        if let Some(s) = e.earlier_session {
            if before != Some(Some(s)) {
                rows.push(Row::Session(s));
            }
        }
        before = Some(e.earlier_session);
        rows.push(Row::Event(i));
    }
    rows
}

/// The words of a session line.
pub fn session_words(start_ms: i64, utc_offset_secs: i32) -> String {
    format!(
        "earlier session, started {}",
        format::date_minutes(start_ms, utc_offset_secs)
    )
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let st = &app.look.styles;
    let g = &app.look.glyphs;
    let events = app.visible_events();
    let detail_h = if area.height >= 14 { 5 } else { 0 };
    let list = Rect::new(
        area.x,
        area.y,
        area.width,
        area.height.saturating_sub(detail_h),
    );
    let rows = usize::from(list.height.saturating_sub(1));
    let mut memo = app.nav.layout.get();
    memo.list_rows = rows;
    app.nav.layout.set(memo);

    let (tx, mx, kx, xx) = (list.x + 1, list.x + 10, list.x + 17, list.x + 26);
    put(buf, tx, list.y, 8, "TIME", st.table_header);
    put(buf, mx, list.y, 6, "", st.table_header);
    put(buf, kx, list.y, 8, "KIND", st.table_header);
    put(
        buf,
        xx,
        list.y,
        list.width.saturating_sub(27),
        "WHAT HAPPENED",
        st.table_header,
    );
    if app.data.memory_skipped > 0 {
        let note = format!(
            "{} unreadable lines of the events memory skipped",
            app.data.memory_skipped
        );
        if crate::ui::widgets::width(&note) + 16 < usize::from(list.width.saturating_sub(27)) {
            put_right(
                buf,
                list.right().saturating_sub(1),
                list.y,
                list.width,
                &note,
                st.warn,
            );
        }
    }

    if events.is_empty() {
        let msg = if app.timeline().events().is_empty() {
            "nothing has happened yet: every domain as first seen was healthy"
        } else {
            "no event matches the filter"
        };
        centered(
            app,
            Rect::new(
                list.x,
                list.y + 1,
                list.width,
                list.height.saturating_sub(1),
            ),
            &[msg],
            st.muted,
            buf,
        );
        return;
    }
    let selected = app.nav.event_selected.min(events.len().saturating_sub(1));
    let lines = rows_of(&events);
    let selected_row = lines
        .iter()
        .position(|r| *r == Row::Event(selected))
        .unwrap_or(0);
    let mut offset = scroll_to(app.nav.events_offset.get(), selected_row, rows);
    // The first event of an earlier session at the top: its session line shows too.
    if offset == selected_row
        && rows > 1
        && offset > 0
        && matches!(lines[offset - 1], Row::Session(_))
    {
        offset -= 1;
    }
    app.nav.events_offset.set(offset);
    let text_w = list.right().saturating_sub(xx + 1);
    for (n, row) in lines.iter().enumerate().skip(offset).take(rows) {
        let y = list.y + 1 + (n - offset) as u16;
        let i = match *row {
            Row::Event(i) => i,
            Row::Session(start) => {
                let words = format!(" {} ", session_words(start, app.look.utc_offset_secs));
                let rule = g.border.horizontal_top;
                let w = usize::from(list.width.saturating_sub(2));
                let lead = 3.min(w);
                let tail = w.saturating_sub(lead + crate::ui::widgets::width(&words));
                let line = format!("{}{words}{}", rule.repeat(lead), rule.repeat(tail));
                put(
                    buf,
                    list.x + 1,
                    y,
                    list.width.saturating_sub(2),
                    &line,
                    st.muted,
                );
                continue;
            }
        };
        let e = events[i];
        let base = if i == selected {
            buf.set_style(Rect::new(list.x, y, list.width, 1), st.selected);
            st.selected
        } else {
            Style::default()
        };
        put(
            buf,
            tx,
            y,
            8,
            &format::clock(e.at_ms, app.look.utc_offset_secs),
            base.patch(st.muted),
        );
        let (m, ms) = marker(app, e);
        put(buf, mx, y, 6, m, base.patch(ms));
        put(buf, kx, y, 8, e.kind.label(), base.patch(st.text));
        let t = fit(&e.text, usize::from(text_w), g.ellipsis);
        put(buf, xx, y, text_w, &t, base.patch(st.text));
    }
    if detail_h > 0 {
        let e = events[selected];
        let r = Rect::new(area.x, list.bottom(), area.width, detail_h);
        let title = match e.earlier_session {
            None => format!(
                "{} {}",
                format::clock(e.at_ms, app.look.utc_offset_secs),
                e.kind.label()
            ),
            Some(_) => format!(
                "{} {} (earlier session)",
                format::date_minutes(e.at_ms, app.look.utc_offset_secs),
                e.kind.label()
            ),
        };
        let inner = boxed(app, r, &title, buf);
        for (i, l) in wrap(&e.text, usize::from(inner.width.saturating_sub(2)))
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
                st.text,
            );
        }
    }
}
