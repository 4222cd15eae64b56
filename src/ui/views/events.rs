//! The timeline, newest first: health changes with their reasons, stage contradictions,
//! sources going down and up, rollbacks. The selected event is shown in full below.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::{boxed, centered, health_style, scroll_to};
use crate::format;
use crate::timeline::{EventKind, TimelineEvent};
use crate::ui::app::App;
use crate::ui::widgets::{fit, put, wrap};

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
    let offset = scroll_to(app.nav.events_offset.get(), selected, rows);
    app.nav.events_offset.set(offset);
    let text_w = list.right().saturating_sub(xx + 1);
    for (i, e) in events.iter().enumerate().skip(offset).take(rows) {
        let y = list.y + 1 + (i - offset) as u16;
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
        let title = format!(
            "{} {}",
            format::clock(e.at_ms, app.look.utc_offset_secs),
            e.kind.label()
        );
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
