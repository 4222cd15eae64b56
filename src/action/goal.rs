//! What a verification holds the observed new-path share to: a rollback's ceiling, a
//! promotion's target band. Its own file so that the terms (which state it) and the verifier
//! (which checks it) both depend on it, not on each other.

/// What the observed new-path share must do after the action.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Goal {
    /// A rollback: fall to this share or below.
    AtMost(f64),
    /// A promotion: reach `target` ± `tolerance` (shares, 0–1).
    Near { target: f64, tolerance: f64 },
}

impl Goal {
    /// Whether a measured share meets the goal. A share is a ratio of counts: a hair of
    /// floating-point noise at the band's edge is not a miss.
    pub fn met(&self, share: f64) -> bool {
        match *self {
            Goal::AtMost(at_most) => share <= at_most,
            Goal::Near { target, tolerance } => (share - target).abs() <= tolerance + 1e-9,
        }
    }

    /// The action, as the verdict's words name it.
    pub fn action(&self) -> &'static str {
        match self {
            Goal::AtMost(_) => "the rollback",
            Goal::Near { .. } => "the promotion",
        }
    }
}
