//! What a feed (pollers, replay, actions) tells the cockpit and what the cockpit asks of a
//! replay feed. Kept apart from the UI so feeds depend on no part of it.

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
    /// An event for the timeline: a rollback's progress (requested, succeeded, failed,
    /// verified, refused), a note about a recording, or any other kind shown by its name. One
    /// about a domain names it in `domain` and is filed under it (its detail view's history);
    /// the domain is never read back from the text, since a name may hold any character.
    Event {
        at_ms: i64,
        kind: crate::timeline::EventKind,
        domain: Option<String>,
        text: String,
    },
    /// The gate admitted a rollback of `domain`: show the steps and ask for the typed name.
    RollbackOffer {
        domain: String,
        steps: Vec<String>,
        verify: String,
    },
    /// The gate refused (read-only, replay, demo, in flight, audit log unusable, wrong name).
    RollbackRefused {
        domain: String,
        reason: String,
    },
    /// Each domain's lasting mark (its last action), read from this host's audit log: sent
    /// by the live cockpit only, never by a replay (a recording carries no audit log).
    Marks(std::collections::BTreeMap<String, crate::action::marks::Mark>),
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
