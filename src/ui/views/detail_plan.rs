//! The detail view's promote plan (issue 15, the cockpit shows the plan): the steps with the
//! current one marked, the time at it, what the gate would say about the next one now
//! (`action::plan_outlook`), and a ramp another process runs on this domain
//! (`action::ramp_seen`), e.g.
//!
//! ```text
//! ┌ Promote plan ────────────────────────────────────────────────┐
//! │ steps 10% [25%] 50% 100%                                      │
//! │ at 25% (the weight the gateway exports) for 4m00s             │
//! │ next: 50% in 6m00s if the verdict stays pass                  │
//! │ ramp of orders by pid 4121 since 10:02, step 25%              │
//! │ P promotes to the next step                                   │
//! └───────────────────────────────────────────────────────────────┘
//! ```

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::boxed;
use crate::action::plan_outlook::{outlook, HoldClock, Tone};
use crate::figures::DomainStatus;
use crate::term_text::for_terminal;
use crate::ui::app::App;
use crate::ui::keys::Action;
use crate::ui::widgets::{put, wrap};

/// Whether the section is shown: a plan, or a ramp by another process.
pub(super) fn shown(app: &App, d: &DomainStatus) -> bool {
    app.promote_plan(&d.name).is_some() || app.ramp_seen(&d.name).is_some()
}

/// The section's lines at `w` columns.
pub(super) fn lines(app: &App, d: &DomainStatus, w: usize) -> Vec<(String, Style)> {
    let st = &app.look.styles;
    let mut out = Vec::new();
    let mut push = |text: &str, style: Style| {
        for l in wrap(text, w) {
            out.push((l, style));
        }
    };
    let mut tone = None;
    match app.promote_plan(&d.name) {
        Some((plan, clock)) => {
            let fresh = HoldClock::default();
            let o = outlook(plan, d, clock.unwrap_or(&fresh), app.data.clock_ms());
            push(&o.steps, st.text);
            push(&for_terminal(&o.at), st.text);
            let style = match o.tone {
                Tone::Go => st.ok,
                Tone::Wait => st.warn,
                Tone::Blocked => st.crit,
                Tone::Done => st.muted,
            };
            // The verdict's reasons come from figures of the outside world.
            push(&for_terminal(&o.next), style);
            tone = Some(o.tone);
        }
        None => push("no [domain.promote] steps configured", st.muted),
    }
    if let Some(r) = app.ramp_seen(&d.name) {
        let words = r.words(&d.name, app.look.utc_offset_secs);
        push(&for_terminal(&words), st.accent);
    }
    // The key hint says what P would do now: a blocked step is refused (the line above says
    // why) and the last step has nothing to promote to, so neither invites the key.
    if let Some(tone) = tone {
        let key = app.key_hint(Action::Promote);
        match (app.read_only(), tone) {
            (Some(r), _) => push(&format!("read-only: {r}"), st.unknown),
            (None, Tone::Done) => {}
            (None, Tone::Blocked) => push(&format!("{key} is refused while blocked"), st.muted),
            (None, Tone::Go | Tone::Wait) => {
                push(&format!("{key} promotes to the next step"), st.accent)
            }
        }
    }
    out
}

pub(super) fn draw(app: &App, d: &DomainStatus, area: Rect, buf: &mut Buffer) {
    let inner = boxed(app, area, "Promote plan", buf);
    let w = usize::from(inner.width.saturating_sub(2));
    for (i, (l, s)) in lines(app, d, w)
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
