//! Actions that change the world (rollback). They are values that pass one central gate:
//! read-only, replay and demo refuse; otherwise confirm → audit → run → verify.

pub mod audit;
pub mod flights;
pub mod gate;
pub mod lock;
pub mod marks;
pub mod progress;
pub mod rollback;
pub mod steps;
pub mod terms;
pub mod verify;

pub use audit::{audit_note, AuditEntry, AuditError, AuditEvent, AuditLog, EntryPoint};
pub use flights::Flights;
pub use gate::{Claim, Gate, Refusal, RunReport};
pub use progress::Progress;
pub use rollback::{rollback, verify, RollbackRun, Verification};
pub use steps::{StepOutcome, StepResult, StepSpec};
pub use verify::{Verdict, Verifier};

/// A destructive operation, as a value: nothing happens until the gate runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Rollback { domain: String },
}

impl Action {
    /// The word the audit log, the lock file and refusals use (`rollback`).
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Rollback { .. } => "rollback",
        }
    }

    pub fn domain(&self) -> &str {
        match self {
            Action::Rollback { domain } => domain,
        }
    }
}
