//! Help, generated from the key table the handler uses (so it cannot drift), then what the
//! markers and glyphs mean and how the terminal is being driven.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::ui::app::App;
use crate::ui::keys::Group;
use crate::ui::widgets::{fit, put};

/// The help text as lines of (key column, text, style of the key column).
pub fn lines(app: &App) -> Vec<(String, String, Style)> {
    let st = &app.look.styles;
    let g = &app.look.glyphs;
    let mut out: Vec<(String, String, Style)> = Vec::new();
    let mut group: Option<Group> = None;
    for (def, keys) in app.keymap().rows() {
        if group != Some(def.group) {
            if group.is_some() {
                out.push((String::new(), String::new(), st.text));
            }
            out.push((
                def.group.title().to_string(),
                String::new(),
                st.table_header,
            ));
            group = Some(def.group);
        }
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        out.push((
            format!("  {}", keys.join(", ")),
            def.help.to_string(),
            st.accent,
        ));
    }
    out.push((String::new(), String::new(), st.text));
    out.push(("Reading the screen".into(), String::new(), st.table_header));
    for (k, t) in [
        ("  [OK]", "healthy: every check passes"),
        (
            "  [WARN]",
            "a threshold crossed, or the declared stage contradicts the split",
        ),
        ("  [CRIT]", "the new path breaks its SLO"),
        (
            "  [?]",
            "unknown: no data, idle, stale, or not scraped yet; never healthy",
        ),
        ("  idle", "no requests in the window: not zero errors"),
        (
            "  stale",
            "a source the domain reads is down: the figures are not current",
        ),
        ("  no data", "the selectors matched nothing"),
    ] {
        let style = match k.trim() {
            "[OK]" => st.ok,
            "[WARN]" => st.warn,
            "[CRIT]" => st.crit,
            _ => st.unknown,
        };
        out.push((k.to_string(), t.to_string(), style));
    }
    out.push((
        format!("  {}", g.unknown),
        "unknown value (never shown as 0)".into(),
        st.text,
    ));
    out.push((
        format!(
            "  {}{}{}",
            g.bar_legacy.repeat(3),
            g.bar_configured,
            g.bar_new.repeat(2)
        ),
        "split bar: monolith | new service; the mark is the configured split".into(),
        st.text,
    ));
    out.push((
        format!("  {} {} {}", g.rising, g.falling, g.steady),
        "queue growing, shrinking, steady over the window".into(),
        st.text,
    ));
    out.push((
        "  lag ready".into(),
        "what a queue figure counts; pending, unacked: in flight beside it".into(),
        st.text,
    ));
    out.push((
        "  L/N".into(),
        "legacy (monolith) / new service".into(),
        st.text,
    ));
    out.push((String::new(), String::new(), st.text));
    out.push(("This terminal".into(), String::new(), st.table_header));
    let names = app.themes().names().join(", ");
    out.push((
        "  theme".into(),
        format!("{} (of {names})", app.theme_name()),
        st.text,
    ));
    out.push((
        "  colour".into(),
        app.look.depth.label().to_string(),
        st.text,
    ));
    out.push((
        "  glyphs".into(),
        if g.ascii {
            "ASCII".into()
        } else {
            "Unicode".to_string()
        },
        st.text,
    ));
    out.push((
        "  actions".into(),
        match app.read_only() {
            Some(r) => format!("read-only: {r}"),
            None => "rollback allowed (confirmed and audited)".into(),
        },
        st.text,
    ));
    out
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let all = lines(app);
    let rows = usize::from(area.height);
    let max_scroll = all.len().saturating_sub(rows);
    let mut memo = app.nav.layout.get();
    memo.help_max_scroll = max_scroll;
    memo.list_rows = rows;
    app.nav.layout.set(memo);
    let key_w: u16 = 24;
    let skip = app.nav.help_scroll.min(max_scroll);
    for (i, (k, t, style)) in all.iter().enumerate().skip(skip).take(rows) {
        let y = area.y + (i - skip) as u16;
        put(
            buf,
            area.x + 1,
            y,
            key_w.min(area.width.saturating_sub(1)),
            k,
            *style,
        );
        if !t.is_empty() {
            let w = area.width.saturating_sub(key_w + 2);
            let t = fit(t, usize::from(w), app.look.glyphs.ellipsis);
            put(buf, area.x + 1 + key_w, y, w, &t, app.look.styles.text);
        }
    }
}
