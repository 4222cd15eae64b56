//! The screen: a header (mode, READ-ONLY, clock, data age, views), the current view, a footer
//! (key hints generated from the key table, messages, the filter being typed) and, over it
//! all, a modal box when one is open.
//!
//! Views draw straight into the buffer from the state; they allocate little, so a frame of a
//! 50-domain overview costs well under a millisecond.

mod contexts_box;
pub mod detail;
mod detail_charts;
mod detail_cursor;
mod detail_data;
mod detail_evidence;
mod detail_plan;
mod detail_traces;
pub mod events;
pub mod help;
pub mod modal;
pub mod overview;
pub mod sources;

use crate::term_text::for_terminal;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders, Widget};
use ratatui::Frame;

use super::app::{App, View};
use super::keys::Action;
use super::widgets::{fit, put, put_right, width, wrap};
use crate::figures::Health;
use crate::format;
use crate::mode::Mode;

/// Below this the screen is not drawn, only a message saying so.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Draws a frame.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    render(app, area, frame.buffer_mut());
}

/// Draws the whole screen into `buf` (also used for screenshots and tests).
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let st = &app.look.styles;
    buf.set_style(area, st.text);
    // Until the confirmation dialog is drawn whole in this frame, it was not.
    app.modal.drawn.forget();
    // The views register this frame's links as they draw them.
    app.links.borrow_mut().clear();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(app, area, buf);
        return;
    }
    header(app, Rect::new(area.x, area.y, area.width, 2), buf);
    let body = Rect::new(
        area.x,
        area.y + 2,
        area.width,
        area.height.saturating_sub(3),
    );
    match app.view() {
        View::Overview => {
            #[cfg(debug_assertions)]
            if panic_requested_for_test() {
                panic!("CUTOVER_TEST_PANIC_VIEW=1: the overview panics on purpose");
            }
            overview::render(app, body, buf)
        }
        View::Detail => detail::render(app, body, buf),
        View::Sources => sources::render(app, body, buf),
        View::Events => events::render(app, body, buf),
        View::Help => help::render(app, body, buf),
    }
    footer(
        app,
        Rect::new(area.x, area.bottom().saturating_sub(1), area.width, 1),
        buf,
    );
    if let Some(m) = &app.modal.open {
        modal::render(app, m, area, buf);
    }
}

/// A hidden test hook: with `CUTOVER_TEST_PANIC_VIEW=1` in the environment, drawing the
/// overview panics. It exists for the end-to-end test (tests/tui_tmux.rs) that checks a panic
/// inside a view still gives the terminal back; nothing else sets it. Read once per process.
/// Compiled only with debug assertions (the binary `cargo test` runs), so the product built
/// with `--release` holds no way to make it panic.
#[cfg(debug_assertions)]
fn panic_requested_for_test() -> bool {
    static REQUESTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *REQUESTED.get_or_init(|| std::env::var_os("CUTOVER_TEST_PANIC_VIEW").is_some_and(|v| v == "1"))
}

/// What a screen below the least size shows instead, wrapped to its width so the size it
/// needs is read whole even at 20x5; lines that do not fit are dropped from the end, never cut.
/// An open confirmation dialog is not drawn here, so it cannot be confirmed: said first.
fn too_small(app: &App, area: Rect, buf: &mut Buffer) {
    let mut lines = vec![
        ("terminal too small".to_string(), app.look.styles.warn),
        (
            format!(
                "{}x{}, needs at least {MIN_WIDTH}x{MIN_HEIGHT}",
                area.width, area.height
            ),
            app.look.styles.text,
        ),
    ];
    if let Some(super::app::Modal::Confirm { offer, .. }) = &app.modal.open {
        lines.push((
            format!(
                "the {} dialog cannot be shown: Esc cancels, Enter refuses",
                offer.kind().as_str()
            ),
            app.look.styles.warn,
        ));
    }
    lines.push((
        format!(
            "enlarge the window, or press {} to quit",
            app.key_hint(Action::Quit)
        ),
        app.look.styles.text,
    ));
    let mut rows = Vec::new();
    for (l, style) in &lines {
        let parts = wrap(l, usize::from(area.width));
        if rows.len() + parts.len() > usize::from(area.height) {
            break;
        }
        rows.extend(parts.into_iter().map(|p| (p, *style)));
    }
    let top = area.y + area.height.saturating_sub(rows.len() as u16) / 2;
    for (i, (l, style)) in rows.iter().enumerate() {
        let w = width(l) as u16;
        let x = area.x + area.width.saturating_sub(w) / 2;
        put(buf, x, top + i as u16, area.width, l, *style);
    }
}

/// The style of a health marker.
pub fn health_style(app: &App, h: Health) -> Style {
    let st = &app.look.styles;
    match h {
        Health::Ok => st.ok,
        Health::Warn => st.warn,
        Health::Crit => st.crit,
        Health::Unknown => st.unknown,
    }
}

/// A bordered box in the theme's border style; returns the inside.
pub fn boxed(app: &App, area: Rect, title: &str, buf: &mut Buffer) -> Rect {
    let title = fit(
        title,
        usize::from(area.width.saturating_sub(4)),
        app.look.glyphs.ellipsis,
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(app.look.glyphs.border)
        .border_style(app.look.styles.border)
        .title(format!(" {title} "))
        .title_style(app.look.styles.title);
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

/// Centred text in an area, for empty states ("waiting for the first figures").
pub fn centered(app: &App, area: Rect, lines: &[&str], style: Style, buf: &mut Buffer) {
    let top = area.y + area.height.saturating_sub(lines.len() as u16) / 2;
    for (i, l) in lines.iter().enumerate() {
        let l = fit(l, usize::from(area.width), app.look.glyphs.ellipsis);
        let w = width(&l) as u16;
        put(
            buf,
            area.x + area.width.saturating_sub(w) / 2,
            top + i as u16,
            area.width,
            &l,
            style,
        );
    }
}

fn header(app: &App, area: Rect, buf: &mut Buffer) {
    let st = &app.look.styles;
    let row0 = Rect::new(area.x, area.y, area.width, 1);
    buf.set_style(row0, st.header);
    let mut x = area.x;
    let right = area.right();
    x += put(
        buf,
        x,
        area.y,
        right.saturating_sub(x),
        " cutover ",
        st.header.patch(st.title),
    );
    x += 1;
    let mode_style = match app.data.mode {
        Mode::Live => st.mode_live,
        Mode::Replay | Mode::Demo => st.mode_replay,
    };
    x += put(
        buf,
        x,
        area.y,
        right.saturating_sub(x),
        &format!(" {} ", app.data.mode.label()),
        mode_style,
    );
    if app.read_only().is_some() {
        x += 1;
        x += put(
            buf,
            x,
            area.y,
            right.saturating_sub(x),
            " READ-ONLY ",
            st.read_only,
        );
    }
    if let Some(badge) = app.badge() {
        // A production context reads as one without colour too: the word says it.
        let (text, style) = if badge.production {
            (
                format!(" PRODUCTION {} ", for_terminal(&badge.name)),
                st.crit.add_modifier(
                    ratatui::style::Modifier::REVERSED | ratatui::style::Modifier::BOLD,
                ),
            )
        } else {
            (format!(" {} ", for_terminal(&badge.name)), st.header)
        };
        let text = fit(&text, 40, app.look.glyphs.ellipsis);
        x += 1;
        x += put(buf, x, area.y, right.saturating_sub(x), &text, style);
    }
    if app.nav.frozen {
        x += 1;
        x += put(
            buf,
            x,
            area.y,
            right.saturating_sub(x),
            " FROZEN ",
            st.message,
        );
    }
    x += 2;

    // Right side: data age and the clock (the replay's time in a replay).
    let mut right_text = String::new();
    match app.data_age_ms() {
        Some(a) => {
            // In steps, as the rows give ages: a count of seconds would redraw the header
            // every second over SSH while the data is fresh; a stall still shows within 5 s.
            right_text.push_str("data ");
            right_text.push_str(format::age_coarse(a));
        }
        None => right_text.push_str("no data yet"),
    }
    right_text.push_str("  ");
    match app.data.mode {
        Mode::Live => right_text.push_str(&format::clock_minutes(
            app.now_ms(),
            app.look.utc_offset_secs,
        )),
        Mode::Replay | Mode::Demo => {
            right_text.push_str(&format::clock(app.clock_ms(), app.look.utc_offset_secs))
        }
    }
    right_text.push(' ');
    let rw = width(&right_text) as u16;
    put_right(buf, right, area.y, rw, &right_text, st.header);

    // Counts per health between the two, when there is room.
    let room = right.saturating_sub(rw + 1).saturating_sub(x);
    if app.status().is_some() {
        let mut cx = x;
        for (h, n) in app.health_counts() {
            if n == 0 {
                continue;
            }
            let text = format!("{n} {}", h.marker());
            let w = width(&text) as u16;
            if cx + w > x + room {
                break;
            }
            cx += put(
                buf,
                cx,
                area.y,
                w,
                &text,
                st.header.patch(health_style(app, h)),
            );
            cx += 1;
        }
    }

    // Row 1: the views, and the replay position.
    let y = area.y + 1;
    let mut x = area.x + 1;
    let views = [
        (View::Overview, Action::ViewOverview),
        (View::Detail, Action::ViewDetail),
        (View::Sources, Action::ViewSources),
        (View::Events, Action::ViewEvents),
        (View::Help, Action::ViewHelp),
    ];
    for (v, a) in views {
        let label = format!("{} {}", app.key_hint(a), v.title());
        let style = if v == app.view() {
            st.tab_active
        } else {
            st.tab
        };
        x += put(buf, x, y, right.saturating_sub(x), &label, style);
        x += 2;
    }
    if let Some(r) = app.data.replay {
        replay_bar(app, r, Rect::new(x, y, right.saturating_sub(x + 1), 1), buf);
    }
}

/// `▶ 2x ────●──── 12:05/30:00` in the room left on the views row.
fn replay_bar(app: &App, r: super::ReplayPosition, area: Rect, buf: &mut Buffer) {
    let st = &app.look.styles;
    let g = &app.look.glyphs;
    let total = (r.end_ms - r.start_ms).max(0);
    let pos = (r.at_ms - r.start_ms).clamp(0, total);
    let state = if r.paused { g.paused } else { g.playing };
    let speed = if r.speed.fract() == 0.0 {
        format!("{:.0}x", r.speed)
    } else {
        format!("{:.1}x", r.speed)
    };
    let times = format!("{}/{}", format::offset(pos), format::offset(total));
    let fixed = width(state) + 1 + width(&speed) + 1 + 1 + width(&times);
    let track_w = usize::from(area.width).saturating_sub(fixed);
    let mut x = area.x;
    let right = area.right();
    x += put(buf, x, area.y, right.saturating_sub(x), state, st.accent);
    x += 1;
    x += put(buf, x, area.y, right.saturating_sub(x), &speed, st.text);
    x += 1;
    if track_w >= 4 {
        let at = if total > 0 {
            (pos as f64 / total as f64 * (track_w - 1) as f64).round() as usize
        } else {
            0
        };
        for i in 0..track_w {
            let (sym, style) = if i == at {
                (g.position, st.accent)
            } else {
                (g.track, st.muted)
            };
            put(buf, x + i as u16, area.y, 1, sym, style);
        }
        x += track_w as u16 + 1;
    }
    put(buf, x, area.y, right.saturating_sub(x), &times, st.text);
}

fn footer(app: &App, area: Rect, buf: &mut Buffer) {
    let st = &app.look.styles;
    buf.set_style(area, st.footer);
    let right = area.right();
    if app.nav.filter.editing {
        let mut x = area.x + 1;
        x += put(
            buf,
            x,
            area.y,
            right.saturating_sub(x),
            "filter: ",
            st.footer,
        );
        x += put(
            buf,
            x,
            area.y,
            right.saturating_sub(x),
            &app.nav.filter.text,
            st.accent,
        );
        x += put(buf, x, area.y, right.saturating_sub(x), "_", st.accent);
        put(
            buf,
            x + 2,
            area.y,
            right.saturating_sub(x + 2),
            "enter apply  esc cancel  start with ! to invert",
            st.muted,
        );
        return;
    }
    if let Some(m) = &app.message {
        let text = fit(
            &m.text,
            usize::from(area.width.saturating_sub(2)),
            app.look.glyphs.ellipsis,
        );
        let line = format!(" {text} ");
        put(buf, area.x, area.y, area.width, &line, st.message);
        return;
    }
    let mut x = area.x + 1;
    if !app.nav.filter.text.is_empty() {
        let text = format!("filter: {} ", app.nav.filter.text);
        x += put(buf, x, area.y, right.saturating_sub(x), &text, st.accent);
        x += 1;
    }
    let mut actions: Vec<Action> = match app.view() {
        View::Overview => vec![
            Action::Open,
            Action::Filter,
            Action::Sort,
            Action::Freeze,
            Action::Rollback,
            Action::Promote,
            Action::Theme,
        ],
        View::Detail => vec![
            Action::Back,
            Action::PrevDomain,
            Action::NextDomain,
            Action::Down,
            Action::Rollback,
            Action::Promote,
            Action::Freeze,
        ],
        View::Sources => vec![Action::Back, Action::Down, Action::Filter, Action::Freeze],
        View::Events => vec![Action::Back, Action::Open, Action::Down, Action::Filter],
        View::Help => vec![Action::Back, Action::Down],
    };
    // Where nothing may act (replay, demo, a read-only live session) R and P are not offered:
    // the keys still answer, with the refusal and its reason.
    if app.read_only().is_some() {
        actions.retain(|a| !matches!(a, Action::Rollback | Action::Promote));
    }
    if app.data.mode != Mode::Live {
        actions.splice(
            0..0,
            [
                Action::Pause,
                Action::SeekBack,
                Action::SeekForward,
                Action::Faster,
            ],
        );
    }
    actions.extend([Action::NextView, Action::Help, Action::Quit]);
    // The charts' keys where the charts are, where there is room left (the help has them all).
    if app.view() == View::Detail {
        actions.extend([Action::CursorBack, Action::ZoomIn]);
    }
    // The help key is the way to every other key: room is kept for it until it is drawn.
    let need_of = |a: Action| (width(&app.key_hint(a)) + 1 + width(a.def().hint)) as u16;
    let mut keep = need_of(Action::Help) + 2;
    for a in actions {
        let key = app.key_hint(a);
        let hint = a.def().hint;
        let need = need_of(a);
        if a == Action::Help {
            keep = 0;
        }
        if x + need + keep > right {
            if keep == 0 {
                break;
            }
            continue;
        }
        x += put(buf, x, area.y, need, &key, st.footer.patch(st.accent));
        x += 1;
        x += put(buf, x, area.y, right.saturating_sub(x), hint, st.footer);
        x += 2;
    }
}

/// Keeps a selected row on screen: the new first row given the old one.
pub fn scroll_to(offset: usize, selected: usize, rows: usize) -> usize {
    if rows == 0 {
        return 0;
    }
    if selected < offset {
        selected
    } else if selected >= offset + rows {
        selected + 1 - rows
    } else {
        offset
    }
}
