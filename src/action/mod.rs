//! Actions that change the world (rollback, promote). They are values that pass one central
//! gate: read-only, replay and demo refuse; otherwise confirm → audit → run → verify.

pub mod audit;
pub mod flights;
pub mod gate;
pub mod goal;
pub mod lock;
pub mod marks;
pub mod plan_outlook;
pub mod probe_command;
pub mod progress;
pub mod promote;
pub mod ramp_seen;
pub mod readiness;
pub mod run;
pub mod shadow_gate;
pub mod steps;
pub mod terms;
pub mod typed_name;
pub mod verify;

pub use audit::{audit_note, AuditEntry, AuditError, AuditEvent, AuditLog, EntryPoint};
pub use flights::Flights;
pub use gate::{Claim, Gate, Refusal, RunReport};
pub use progress::Progress;
pub use run::{act, verify, ActionRun, Verification};
pub use steps::{StepOutcome, StepResult, StepSpec};
pub use typed_name::TypedName;
pub use verify::{Goal, Verdict, Verifier};

/// Which action: what a key or a command asks for before the gate has weighed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Rollback,
    Promote,
}

impl Kind {
    /// `rollback`, `promote`: as the audit log and the lock file write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Rollback => "rollback",
            Kind::Promote => "promote",
        }
    }

    /// `Rollback`, `Promote`: a dialog's title.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Rollback => "Rollback",
            Kind::Promote => "Promote",
        }
    }
}

/// A destructive operation, as a value: nothing happens until the gate runs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Rollback {
        domain: String,
    },
    /// More of the domain's traffic to the new path. `from` is the new-path percent as known
    /// when it was asked (the configured weight, else the observed share); `to` the target, or
    /// `None` for a promotion refused before a target could be told.
    Promote {
        domain: String,
        from: Option<f64>,
        to: Option<u8>,
    },
}

impl Action {
    /// The word the audit log, the lock file and refusals use (`rollback`, `promote`).
    pub fn kind(&self) -> &'static str {
        self.which().as_str()
    }

    pub fn which(&self) -> Kind {
        match self {
            Action::Rollback { .. } => Kind::Rollback,
            Action::Promote { .. } => Kind::Promote,
        }
    }

    pub fn domain(&self) -> &str {
        match self {
            Action::Rollback { domain } | Action::Promote { domain, .. } => domain,
        }
    }

    /// The new-path percent before and the target, for the audit log (a promotion's).
    pub fn from_to(&self) -> (Option<f64>, Option<u8>) {
        match self {
            Action::Rollback { .. } => (None, None),
            Action::Promote { from, to, .. } => (*from, *to),
        }
    }
}
