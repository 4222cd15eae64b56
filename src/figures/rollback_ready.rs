//! Whether a domain's rollback could run now, as `status --json` and the detail view say it:
//! `ready` is `null` when it cannot be told (replay, demo, an `exec` step, an HTTP step without
//! `probe_url`) — unknown is not ready, and not "not ready" either.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollbackReady {
    /// `true`: every target answered its probe and the monolith is not marked down;
    /// `false`: something that would make the rollback fail or land nowhere; `null`: unknown.
    pub ready: Option<bool>,
    /// Why not ready, or why unknown; empty when ready.
    pub reasons: Vec<String>,
    /// One line for the detail view ("rollback now: runtime API answers, monolith 2 servers up,
    /// it carried 118 rps at peak in the history vs 41 rps now").
    pub summary: String,
}

impl RollbackReady {
    /// Readiness nobody probed, and why (replay, demo, a source that cannot act).
    pub fn unknown(why: &str) -> RollbackReady {
        RollbackReady {
            ready: None,
            reasons: vec![why.to_string()],
            summary: format!("rollback readiness unknown: {why}"),
        }
    }
}
