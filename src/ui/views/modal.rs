//! The box over the view: notices, an action's progress, and its confirmation. The
//! confirmation is drawn only whole — every step and the prompt on screen — and each frame
//! records whether it was, for the gate; a dialog that does not fit says so instead and
//! cannot be confirmed.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Clear, Widget};

use super::boxed;
use crate::term_text::for_terminal;
use crate::ui::app::{App, Modal};
use crate::ui::widgets::{fit, put, width, wrap_exact};

impl Modal {
    /// Title and lines as the box shows them.
    pub fn text(&self) -> (String, Vec<String>) {
        match self {
            Modal::Notice { title, lines } | Modal::Event { title, lines, .. } => {
                (title.clone(), lines.clone())
            }
            Modal::Confirm {
                offer,
                typed,
                expect,
            } => crate::ui::confirm::text(offer, expect, typed, "..."),
            Modal::Contexts { rows, selected } => (
                "Contexts".to_string(),
                crate::ui::views::contexts_box::lines(rows, *selected),
            ),
            Modal::Progress {
                kind,
                domain,
                lines,
            } => {
                let mut l = lines.clone();
                l.push(String::new());
                l.push(format!(
                    "Esc closes this box; the {} and its verification go on (see Events)",
                    kind.as_str()
                ));
                (format!("{} {domain}", kind.title()), l)
            }
        }
    }
}

/// A box laid out for an area: where it goes, its lines as wrapped, and whether all of them
/// fit unclipped.
struct Layout {
    rect: Rect,
    /// Wrapped lines; `true` for those of the first line (drawn as a warning).
    lines: Vec<(String, bool)>,
    whole: bool,
}

/// The non-blank characters of a text, in order: what wrapping must keep.
fn ink(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().filter(|c| !c.is_whitespace())
}

/// Lines wrap to what fits, every character kept (a step is shown as it will run, runs of
/// spaces included); the box is as wide as its longest line and centred. It is whole when
/// every wrapped line is inside it and wrapping cut nothing of the text as drawn (escapes made
/// visible: a name holding a control character can still be shown whole).
fn layout(area: Rect, lines: &[String]) -> Layout {
    let room = usize::from(area.width.saturating_sub(8)).max(10);
    let mut wrapped: Vec<(String, bool)> = Vec::new();
    let mut kept = true;
    for (i, l) in lines.iter().enumerate() {
        if l.is_empty() {
            wrapped.push((String::new(), i == 0));
        }
        // Indentation is layout, not content: a line starts at the box's margin.
        let parts = wrap_exact(l.trim_start(), room);
        kept &= ink(&for_terminal(l)).eq(parts.iter().flat_map(|p| ink(p)));
        wrapped.extend(parts.into_iter().map(|w| (w, i == 0)));
    }
    let inner_w = wrapped
        .iter()
        .map(|(l, _)| width(l))
        .max()
        .unwrap_or(0)
        .max(30) as u16;
    let need_w = inner_w.saturating_add(4);
    let need_h = (wrapped.len() as u16).saturating_add(4);
    let w = need_w.min(area.width.saturating_sub(4));
    let h = need_h.min(area.height.saturating_sub(2));
    let whole = kept && w == need_w && h == need_h && wrapped.len() < usize::from(u16::MAX);
    Layout {
        rect: Rect::new(
            area.x + area.width.saturating_sub(w) / 2,
            area.y + area.height.saturating_sub(h) / 2,
            w,
            h,
        ),
        lines: wrapped,
        whole,
    }
}

/// Draws a laid-out box: its lines (as many as fit) and a hint on its last row.
fn draw(app: &App, title: &str, l: &Layout, hint: &str, buf: &mut Buffer) {
    let r = l.rect;
    Clear.render(r, buf);
    buf.set_style(r, app.look.styles.text);
    let inner = boxed(app, r, title, buf);
    for (i, (line, first)) in l
        .lines
        .iter()
        .enumerate()
        .take(usize::from(inner.height.saturating_sub(2)))
    {
        let style = if *first {
            app.look.styles.warn
        } else {
            app.look.styles.text
        };
        put(
            buf,
            inner.x + 1,
            inner.y + i as u16,
            inner.width.saturating_sub(1),
            line,
            style,
        );
    }
    put(
        buf,
        inner.x + 1,
        inner.bottom().saturating_sub(1),
        inner.width.saturating_sub(1),
        hint,
        app.look.styles.muted,
    );
}

/// Draws the open box. Records in the state whether a confirmation dialog was drawn whole.
pub fn render(app: &App, m: &Modal, area: Rect, buf: &mut Buffer) {
    match m {
        Modal::Confirm {
            offer,
            typed,
            expect,
        } => {
            let ellipsis = app.look.glyphs.ellipsis;
            let (title, lines) = crate::ui::confirm::text(offer, expect, typed, ellipsis);
            let l = layout(area, &lines);
            if l.whole {
                draw(app, &title, &l, "", buf);
                app.modal.drawn.record(&offer.action, typed);
            } else {
                let lines = cannot_show(app, offer, &l, area);
                draw(app, &title, &layout(area, &lines), "", buf);
            }
        }
        Modal::Notice { .. }
        | Modal::Progress { .. }
        | Modal::Event { .. }
        | Modal::Contexts { .. } => {
            let (title, lines) = m.text();
            let hint = match m {
                Modal::Contexts { .. } => format!(
                    "{}/{} choose · {} switches · any other key closes",
                    app.key_hint(crate::ui::keys::Action::Up),
                    app.key_hint(crate::ui::keys::Action::Down),
                    app.key_hint(crate::ui::keys::Action::Open)
                ),
                Modal::Notice { .. } => "press any key".to_string(),
                Modal::Event {
                    domain: Some(d), ..
                } => format!(
                    "{} opens {d}; any other key closes",
                    app.key_hint(crate::ui::keys::Action::Open)
                ),
                _ => "any key closes".to_string(),
            };
            draw(app, &title, &layout(area, &lines), &hint, buf);
        }
    }
}

/// What the box says instead of a dialog that does not fit: why, and that Enter refuses.
fn cannot_show(app: &App, offer: &crate::feed::Offer, l: &Layout, area: Rect) -> Vec<String> {
    let steps = offer.steps.len();
    let name = fit(
        offer.domain(),
        crate::ui::confirm::NAME_IN_TEXT,
        app.look.glyphs.ellipsis,
    );
    vec![
        format!("The {} dialog for {name} cannot be shown whole at this size ({}x{}).", offer.kind().as_str(), area.width, area.height),
        String::new(),
        format!(
            "Its {steps} step(s), the verification{} and the confirmation prompt need {} rows at this width; nothing can be confirmed until every line is on screen.",
            if offer.warnings.is_empty() { "" } else { ", the warnings" },
            l.lines.len() + 6,
        ),
        String::new(),
        "Enlarge the terminal to see it, or press Esc to cancel. Enter refuses (audited); nothing runs.".into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_is_whole_only_when_every_line_fits() {
        let lines: Vec<String> = (0..10).map(|i| format!("line {i}")).collect();
        assert!(layout(Rect::new(0, 0, 80, 24), &lines).whole);
        // 10 lines + borders and margins need 14 rows, and 2 are kept around the box.
        assert!(layout(Rect::new(0, 0, 80, 16), &lines).whole);
        assert!(!layout(Rect::new(0, 0, 80, 15), &lines).whole);
        // A long word is split over lines, nothing lost: still whole when the rows are there.
        let long = vec!["x".repeat(300)];
        assert!(layout(Rect::new(0, 0, 80, 24), &long).whole);
        assert!(!layout(Rect::new(0, 0, 80, 7), &long).whole);
        // Too narrow for the box's least width.
        assert!(!layout(Rect::new(0, 0, 30, 24), &lines).whole);
    }
}
