//! What the gate tells its caller while a rollback runs. Its own file so that the gate (which
//! reports it) and the rollback run (which passes it on) both depend on it, not on each other.

use super::steps::StepResult;

/// What the gate reports while it runs a rollback, for the dialog or the terminal.
#[derive(Debug, Clone)]
pub enum Progress {
    /// The audit log took the `requested` entry; the steps start.
    Requested { steps: usize },
    /// Step `index` (from 0) of `of` starts; `summary` is the step as it runs, redacted.
    StepStarted {
        index: usize,
        of: usize,
        summary: String,
    },
    StepFinished {
        index: usize,
        of: usize,
        result: StepResult,
    },
}
