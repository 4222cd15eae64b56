//! The detail view's traces: the new path's kept exemplars in words, each a trace to open —
//! `slowest recent  trace 4bf92f3577b34da6  2.3 s, 12 s ago` and `newest error  trace
//! 0af7651916cd43dd, 40 s ago`. The trace ID is a link (OSC 8) where `[tracing] url` is set
//! and the terminal supports it; the copy key puts the link on the clipboard where allowed.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::boxed;
use crate::figures::exemplar::ExemplarStatus;
use crate::figures::DomainStatus;
use crate::format;
use crate::trace_id;
use crate::ui::app::App;
use crate::ui::keys::Action;
use crate::ui::widgets::{fit, put};

/// The new path's kept exemplars, with their labels: the slowest first.
fn kept(d: &DomainStatus) -> Vec<(&'static str, &ExemplarStatus)> {
    let Some(t) = &d.traffic else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(e) = &t.new.slowest_exemplar {
        out.push(("slowest recent", e));
    }
    if let Some(e) = &t.new.error_exemplar {
        out.push(("newest error", e));
    }
    out
}

/// Rows the section needs inside its box (0: no section).
pub(super) fn rows(d: &DomainStatus) -> usize {
    let n = kept(d).len();
    if n == 0 {
        0
    } else {
        n + 1
    }
}

pub(super) fn draw(app: &App, d: &DomainStatus, area: Rect, buf: &mut Buffer) {
    let st = &app.look.styles;
    let g = &app.look.glyphs;
    let inner = boxed(app, area, "Traces of the new path", buf);
    let kept = kept(d);
    let label_w = kept.iter().map(|(l, _)| l.len()).max().unwrap_or(0) as u16 + 2;
    let right = inner.right();
    for (i, (label, e)) in kept.iter().enumerate() {
        let y = inner.y + i as u16;
        if y >= inner.bottom() {
            return;
        }
        let mut x = inner.x + 1;
        put(buf, x, y, right.saturating_sub(x), label, st.muted);
        x += label_w;
        x += put(buf, x, y, right.saturating_sub(x), "trace ", st.muted);
        // Validated when kept (hex or base64url); `put` sanitizes it all the same.
        let id = trace_id::shown(&e.trace_id);
        let id_w = put(buf, x, y, right.saturating_sub(x), id, st.new);
        if let Some(url) = &e.url {
            app.link(x, y, id_w, url);
        }
        x += id_w;
        let age = if e.timestamped {
            format::ago((e.age_seconds * 1000.0) as i64)
        } else {
            format!(
                "first seen {}",
                format::ago((e.age_seconds * 1000.0) as i64)
            )
        };
        let rest = if *label == "slowest recent" {
            format!("  {}, {age}", format::observed(e.value))
        } else {
            format!(", {age}")
        };
        let room = right.saturating_sub(x);
        put(
            buf,
            x,
            y,
            room,
            &fit(&rest, usize::from(room), g.ellipsis),
            st.text,
        );
    }
    let y = inner.y + kept.len() as u16;
    if y < inner.bottom() {
        let copy = app.key_hint(Action::CopyTrace);
        let link = kept.iter().find_map(|(_, e)| e.url.as_deref());
        let mut hint = match (link, app.trace_links.hyperlinks) {
            (None, _) => "set [tracing] url to link the traces".to_string(),
            (Some(_), true) => "click a trace ID to open it".to_string(),
            // No OSC 8 here: the link as text, to copy by hand.
            (Some(url), false) => format!("link: {url}"),
        };
        if link.is_some() && app.trace_links.clipboard {
            hint = format!("{copy} copies the link · {hint}");
        }
        let w = inner.width.saturating_sub(1);
        put(
            buf,
            inner.x + 1,
            y,
            w,
            &fit(&hint, usize::from(w), g.ellipsis),
            st.muted,
        );
    }
}
