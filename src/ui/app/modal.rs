//! The box over the view, as state: which box is open, and whether the last frame showed the
//! confirmation dialog whole. Its text is laid out in `views::modal`.

use crate::ui::confirm::DrawnDialog;

/// A box over the view that takes every key until it closes.
#[derive(Debug, Clone, PartialEq)]
pub enum Modal {
    Notice {
        title: String,
        lines: Vec<String>,
    },
    /// The gate admitted an action: the exact steps, and the domain name to be typed
    /// (`expect`: `NAME/DOMAIN` on a production config).
    Confirm {
        offer: crate::feed::Offer,
        expect: String,
        typed: String,
    },
    /// The contexts, one row each, the selected one to switch to with Enter.
    Contexts {
        rows: Vec<crate::config::context::ContextRow>,
        selected: usize,
    },
    /// One event whole; Open in the box goes to the event's domain, any other key closes it.
    Event {
        title: String,
        lines: Vec<String>,
        domain: Option<String>,
    },
    /// A confirmed action: its progress and verdict as they arrive.
    Progress {
        kind: crate::action::Kind,
        domain: String,
        lines: Vec<String>,
    },
}

/// The open box, if any, and what the last frame showed of the confirmation dialog.
#[derive(Debug, Default)]
pub(crate) struct ModalState {
    pub(crate) open: Option<Modal>,
    /// Whether the last frame showed the confirmation dialog whole.
    pub(crate) drawn: DrawnDialog,
}
