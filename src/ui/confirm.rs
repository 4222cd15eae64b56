//! The confirmation of an action (rollback, promote) as the cockpit holds it: the dialog's text, what the last frame
//! showed of it, and what Enter hands the gate. A typed name counts only for a dialog the
//! operator could read whole (every step and the prompt), so the views record each frame
//! whether it was drawn unclipped and Enter carries that to the gate, which refuses and
//! audits a confirmation typed against a cut dialog.

use std::cell::RefCell;

use super::app::Modal;
use super::widgets::fit;
use super::UiCommand;
use crate::action::{Action, Kind, Refusal};
use crate::feed::Offer;

/// Columns a domain name may take in the title and the first line of the dialog; longer names
/// are elided there, so a long name never pushes the steps off the box. The prompt shows the
/// name whole: it is what must be typed.
pub const NAME_IN_TEXT: usize = 40;

/// What the last frame drew of the confirmation dialog: the action (its kind, domain and, for
/// a promotion, its target) and the typed text of a dialog shown whole, or nothing (no dialog,
/// a clipped one, a screen too small).
#[derive(Debug, Default)]
pub struct DrawnDialog(RefCell<Option<(Action, String)>>);

impl DrawnDialog {
    /// Called at the start of every frame: until the dialog is drawn whole, it was not.
    pub fn forget(&self) {
        self.0.replace(None);
    }

    /// The dialog for `action` with `typed` in its prompt was drawn whole in this frame.
    pub fn record(&self, action: &Action, typed: &str) {
        self.0.replace(Some((action.clone(), typed.to_string())));
    }

    /// Whether the last frame showed exactly this dialog whole.
    pub fn shows(&self, action: &Action, typed: &str) -> bool {
        self.0
            .borrow()
            .as_ref()
            .is_some_and(|(a, t)| a == action && t == typed)
    }
}

/// Title and lines of the dialog. `ellipsis` elides a long name in the title and first line;
/// `expect` is what must be typed (the domain's name, or `NAME/DOMAIN` on production).
pub fn text(offer: &Offer, expect: &str, typed: &str, ellipsis: &str) -> (String, Vec<String>) {
    let domain = offer.domain();
    let short = fit(domain, NAME_IN_TEXT, ellipsis);
    let mut lines = vec![match offer.kind() {
        Kind::Rollback => format!(
            "Roll {short} back to the monolith. These steps run, in order; the first failure stops the rest:"
        ),
        Kind::Promote => format!(
            "Promote {short} {}. These steps run, in order; the first failure stops the rest:",
            offer.headline
        ),
    }];
    lines.push(String::new());
    for (i, s) in offer.steps.iter().enumerate() {
        lines.push(crate::action::terms::step_line(i, s));
    }
    lines.push(String::new());
    lines.push(offer.verify.clone());
    for w in &offer.warnings {
        lines.push(String::new());
        lines.push(format!("WARNING: {w}"));
    }
    lines.push(String::new());
    if expect != domain {
        lines.push(
            "PRODUCTION: type the context's name and the domain's, as CONTEXT/DOMAIN.".into(),
        );
    }
    lines.push(format!("Type {expect} to confirm: {typed}_"));
    lines.push("Enter runs it · Esc cancels".into());
    (format!("{} {short}", offer.kind().title()), lines)
}

/// The dialog's Enter: the box the operator sees next and what goes to the gate. A dialog not
/// drawn whole is refused on screen at once; the request still goes to the gate, which alone
/// decides and audits the refusal.
pub fn enter(offer: &Offer, typed: String, drawn_whole: bool) -> (Modal, UiCommand) {
    let action = offer.action.clone();
    let domain = action.domain().to_string();
    let modal = if drawn_whole {
        Modal::Progress {
            kind: action.which(),
            domain: domain.clone(),
            lines: vec![format!(
                "confirmed: handing {} to the gate ...",
                fit(&domain, NAME_IN_TEXT, "...")
            )],
        }
    } else {
        refused(
            action.which(),
            &domain,
            &Refusal::DialogNotShown.to_string(),
        )
    };
    let cmd = UiCommand::Confirm {
        action,
        typed,
        drawn_whole,
        shown: offer.shown(),
    };
    (modal, cmd)
}

/// The box that says an action did not run, and why.
pub fn refused(kind: Kind, domain: &str, reason: &str) -> Modal {
    Modal::Notice {
        title: format!("{} refused", kind.title()),
        lines: vec![
            reason.to_string(),
            String::new(),
            format!("{} was not touched.", fit(domain, NAME_IN_TEXT, "...")),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_name_is_elided_in_the_title_and_first_line_but_whole_in_the_prompt() {
        let name = "x".repeat(10_000);
        let offer = Offer::rollback(&name, vec!["exec true".into()], "verify".into());
        let (title, lines) = text(&offer, &name, "", "…");
        assert!(title.chars().count() < 60, "{title}");
        assert!(lines[0].chars().count() < 200);
        assert!(lines.iter().any(|l| l.contains(&name)));
        assert_eq!(lines[2], "  1. exec true");
    }

    #[test]
    fn only_the_dialog_drawn_with_this_text_counts() {
        let d = DrawnDialog::default();
        let rollback = Action::Rollback {
            domain: "orders".into(),
        };
        let promote = |to| Action::Promote {
            domain: "orders".into(),
            from: Some(10.0),
            to: Some(to),
        };
        assert!(!d.shows(&rollback, ""));
        d.record(&rollback, "ord");
        assert!(d.shows(&rollback, "ord"));
        assert!(!d.shows(&rollback, "orders"));
        assert!(!d.shows(&promote(25), "ord"));
        d.record(&promote(25), "orders");
        assert!(d.shows(&promote(25), "orders"));
        assert!(!d.shows(&promote(50), "orders"));
        d.forget();
        assert!(!d.shows(&promote(25), "orders"));
    }
}
