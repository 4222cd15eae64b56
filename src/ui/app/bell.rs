//! When the cockpit rings the terminal bell (`[ui] bell = true`): a domain's health turning
//! crit, its verdict turning fail, and the end of an action's verification. Live only: a
//! replay or the demo shows the past and never rings. The state only says that a ring is
//! due; the event loop writes it after a whole frame (`terminal::ring`).

use crate::figures::Status;
use crate::mode::Mode;
use crate::notify::{Notice, Watch};

#[derive(Debug, Clone, Default)]
pub(crate) struct Bell {
    on: bool,
    watch: Watch,
    due: bool,
}

impl Bell {
    pub(crate) fn new(wanted: bool, mode: Mode) -> Bell {
        Bell {
            on: wanted && mode == Mode::Live,
            ..Bell::default()
        }
    }

    /// Figures arrived: a change to crit or to fail makes a ring due.
    pub(crate) fn observe(&mut self, status: &Status) {
        if self.on && self.watch.observe(status).iter().any(Notice::rings) {
            self.due = true;
        }
    }

    /// An action's verification ended (or the action failed before it).
    pub(crate) fn action_ended(&mut self) {
        if self.on {
            self.due = true;
        }
    }

    pub(crate) fn is_due(&self) -> bool {
        self.due
    }

    /// Whether to ring now; a ring is taken once.
    pub(crate) fn take(&mut self) -> bool {
        std::mem::take(&mut self.due)
    }
}
