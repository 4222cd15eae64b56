//! The rollback confirmation as the cockpit holds it: the dialog's text, what the last frame
//! showed of it, and what Enter hands the gate. A typed name counts only for a dialog the
//! operator could read whole (every step and the prompt), so the views record each frame
//! whether it was drawn unclipped and Enter carries that to the gate, which refuses and
//! audits a confirmation typed against a cut dialog.

use std::cell::RefCell;

use super::app::Modal;
use super::widgets::fit;
use super::UiCommand;
use crate::action::Refusal;

/// Columns a domain name may take in the title and the first line of the dialog; longer names
/// are elided there, so a long name never pushes the steps off the box. The prompt shows the
/// name whole: it is what must be typed.
pub const NAME_IN_TEXT: usize = 40;

/// What the last frame drew of the confirmation dialog: the domain and the typed text of a
/// dialog shown whole, or nothing (no dialog, a clipped one, a screen too small).
#[derive(Debug, Default)]
pub struct DrawnDialog(RefCell<Option<(String, String)>>);

impl DrawnDialog {
    /// Called at the start of every frame: until the dialog is drawn whole, it was not.
    pub fn forget(&self) {
        self.0.replace(None);
    }

    /// The dialog for `domain` with `typed` in its prompt was drawn whole in this frame.
    pub fn record(&self, domain: &str, typed: &str) {
        self.0
            .replace(Some((domain.to_string(), typed.to_string())));
    }

    /// Whether the last frame showed exactly this dialog whole.
    pub fn shows(&self, domain: &str, typed: &str) -> bool {
        self.0
            .borrow()
            .as_ref()
            .is_some_and(|(d, t)| d == domain && t == typed)
    }
}

/// Title and lines of the dialog. `ellipsis` elides a long name in the title and first line.
pub fn text(
    domain: &str,
    steps: &[String],
    verify: &str,
    typed: &str,
    ellipsis: &str,
) -> (String, Vec<String>) {
    let short = fit(domain, NAME_IN_TEXT, ellipsis);
    let mut lines = vec![format!(
        "Roll {short} back to the monolith. These steps run, in order; the first failure stops the rest:"
    )];
    lines.push(String::new());
    for (i, s) in steps.iter().enumerate() {
        lines.push(crate::action::terms::step_line(i, s));
    }
    lines.push(String::new());
    lines.push(verify.to_string());
    lines.push(String::new());
    lines.push(format!("Type {domain} to confirm: {typed}_"));
    lines.push("Enter runs it · Esc cancels".into());
    (format!("Rollback {short}"), lines)
}

/// The dialog's Enter: the box the operator sees next and what goes to the gate. A dialog not
/// drawn whole is refused on screen at once; the request still goes to the gate, which alone
/// decides and audits the refusal.
pub fn enter(domain: String, typed: String, drawn_whole: bool) -> (Modal, UiCommand) {
    let modal = if drawn_whole {
        Modal::RollbackProgress {
            domain: domain.clone(),
            lines: vec![format!(
                "confirmed: handing {} to the gate ...",
                fit(&domain, NAME_IN_TEXT, "...")
            )],
        }
    } else {
        refused(&domain, &Refusal::DialogNotShown.to_string())
    };
    let cmd = UiCommand::ConfirmRollback {
        domain,
        typed,
        drawn_whole,
    };
    (modal, cmd)
}

/// The box that says a rollback did not run, and why.
pub fn refused(domain: &str, reason: &str) -> Modal {
    Modal::Notice {
        title: "Rollback refused".into(),
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
        let (title, lines) = text(&name, &["exec true".into()], "verify", "", "…");
        assert!(title.chars().count() < 60, "{title}");
        assert!(lines[0].chars().count() < 200);
        assert!(lines.iter().any(|l| l.contains(&name)));
        assert_eq!(lines[2], "  1. exec true");
    }

    #[test]
    fn only_the_dialog_drawn_with_this_text_counts() {
        let d = DrawnDialog::default();
        assert!(!d.shows("orders", ""));
        d.record("orders", "ord");
        assert!(d.shows("orders", "ord"));
        assert!(!d.shows("orders", "orders"));
        d.forget();
        assert!(!d.shows("orders", "ord"));
    }
}
