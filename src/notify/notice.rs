//! One thing worth telling a person, as every target receives it.

use serde::{Deserialize, Serialize};

/// What a notice is about; a target's `events` names the kinds it wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeKind {
    /// A domain's health turned crit (or left it).
    Crit,
    /// A domain's verdict turned fail (or left it).
    Fail,
    /// A rollback ended: failed, interrupted, verified or not verified.
    Rollback,
    /// A promotion ended, as for a rollback.
    Promote,
    /// A ramp started, paused, verified a step, stopped or finished.
    Ramp,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 5] = [
        NoticeKind::Crit,
        NoticeKind::Fail,
        NoticeKind::Rollback,
        NoticeKind::Promote,
        NoticeKind::Ramp,
    ];

    /// `crit`, `fail`, `rollback`, `promote`, `ramp`: as the config and the body write it.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Crit => "crit",
            NoticeKind::Fail => "fail",
            NoticeKind::Rollback => "rollback",
            NoticeKind::Promote => "promote",
            NoticeKind::Ramp => "ramp",
        }
    }

    /// The kind of an action's notices.
    pub fn of(action: crate::action::Kind) -> NoticeKind {
        match action {
            crate::action::Kind::Rollback => NoticeKind::Rollback,
            crate::action::Kind::Promote => NoticeKind::Promote,
        }
    }
}

/// One notice: about a domain, from what to what, in words, when (unix ms).
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub domain: String,
    /// What it was (`ok`, `pass`, `10%`); `None` when unknown or not a change.
    pub from: Option<String>,
    /// What it is now (`crit`, `fail`, `25%`, `verified`).
    pub to: Option<String>,
    pub text: String,
    pub at_ms: i64,
    /// True when it needs a person (crit, fail, an action that did not end verified); false
    /// when it says that something cleared or went well (an Alertmanager `resolved`).
    pub firing: bool,
}

impl Notice {
    /// Whether the bell rings for it: a change to crit or to fail. Action ends ring through
    /// their own path (the cockpit hears of them whether or not a webhook is set).
    pub fn rings(&self) -> bool {
        self.firing && matches!(self.kind, NoticeKind::Crit | NoticeKind::Fail)
    }

    /// `crit of orders`, `rollback of orders`: what a report names.
    pub fn summary(&self) -> String {
        format!("{} of {}", self.kind.as_str(), self.domain)
    }
}
