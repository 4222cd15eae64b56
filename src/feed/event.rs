//! What a feed (pollers, replay, actions) tells the cockpit and what the cockpit asks of a
//! replay feed. Kept apart from the UI so feeds depend on no part of it.

use crate::action::{Action, Kind};
use crate::figures::Status;

/// Where a replay stands, for the position bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplayPosition {
    pub start_ms: i64,
    pub end_ms: i64,
    pub at_ms: i64,
    pub paused: bool,
    pub speed: f64,
}

/// What the feed (pollers, replay, actions) tells the cockpit.
#[derive(Debug, Clone)]
pub enum FeedEvent {
    Status(Box<Status>),
    Replay(ReplayPosition),
    /// An event for the timeline: an action's progress (requested, succeeded, failed,
    /// verified, refused), a note about a recording, or any other kind shown by its name. One
    /// about a domain names it in `domain` and is filed under it (its detail view's history);
    /// the domain is never read back from the text, since a name may hold any character.
    Event {
        at_ms: i64,
        kind: crate::timeline::EventKind,
        domain: Option<String>,
        text: String,
    },
    /// The gate admitted an action: show its exact steps and ask for the typed name.
    Offer(Offer),
    /// The gate refused (read-only, replay, demo, in flight, audit log unusable, wrong name,
    /// and for a promotion the domain's verdict or health, or its target).
    Refused {
        kind: Kind,
        domain: String,
        reason: String,
    },
    /// Each domain's lasting mark (its last action), read from this host's audit log: sent
    /// by the live cockpit only, never by a replay (a recording carries no audit log).
    Marks(std::collections::BTreeMap<String, crate::action::marks::Mark>),
    /// Ramps run by other cutover processes on this host (their lock files and the audit
    /// log), looked at by the live cockpit only.
    Ramps(std::collections::BTreeMap<String, crate::action::ramp_seen::RampSeen>),
    /// An action's verification ended, or the action ended before it (failed, interrupted):
    /// the bell rings for it when `[ui] bell` is on. Its words come as an `Event`.
    ActionEnded {
        kind: Kind,
        domain: String,
    },
    /// Each domain's rollback readiness, probed by the live cockpit only.
    Readiness(std::collections::BTreeMap<String, crate::figures::rollback_ready::RollbackReady>),
}

/// What the gate admitted, in the words the dialog shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    /// The action as it runs when confirmed (a promotion carries its target).
    pub action: Action,
    /// Under the title: from where to where (a promotion); empty for a rollback.
    pub headline: String,
    /// Every step exactly as it runs, secrets redacted.
    pub steps: Vec<String>,
    /// How it is verified, word for word as the command says it.
    pub verify: String,
    /// What to read before typing the name (an inconclusive verdict); none for a rollback.
    pub warnings: Vec<String>,
    /// The kinds of the promotion's warnings (`inconclusive`, ...): at Enter the gate refuses
    /// and shows the dialog again when a kind appeared that this one did not show.
    pub cautions: Vec<String>,
    /// The newest action on the domain in the audit log (its id) when the gate made the
    /// offer: at Enter a promotion is refused when another one has run since.
    pub last_action: Option<String>,
}

impl Offer {
    /// A rollback's offer: its steps and its verification sentence.
    pub fn rollback(domain: &str, steps: Vec<String>, verify: String) -> Offer {
        Offer {
            action: Action::Rollback {
                domain: domain.to_string(),
            },
            headline: String::new(),
            steps,
            verify,
            warnings: Vec::new(),
            cautions: Vec::new(),
            last_action: None,
        }
    }

    /// What this dialog shows, carried back with its Enter for the gate to weigh again.
    pub fn shown(&self) -> crate::action::promote::Shown {
        crate::action::promote::Shown {
            from: self.action.from_to().0,
            cautions: self.cautions.clone(),
            last_action: self.last_action.clone(),
        }
    }

    pub fn domain(&self) -> &str {
        self.action.domain()
    }

    pub fn kind(&self) -> Kind {
        self.action.which()
    }
}

/// What the cockpit asks of a replay feed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FeedControl {
    TogglePause,
    /// Relative seek in ms (negative: back).
    Seek(i64),
    Faster,
    Slower,
}
