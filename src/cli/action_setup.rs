//! What `cutover rollback`, `promote` and `ramp` share before they weigh anything: the note
//! checked, the config loaded, the domain known (or the names the config does know), the audit
//! log found and the one gate built over it. One place, so the three commands can never differ
//! in how they refuse an unknown domain or which gate they act through.

use super::loaded::{self, Loaded};
use super::{logging, Failure, GlobalArgs};
use crate::action::{AuditLog, EntryPoint, Gate, Refusal};

/// The audit log every face writes: `<state dir>/audit.jsonl`.
pub fn audit_log() -> Option<AuditLog> {
    logging::state_dir().map(|d| AuditLog::in_state_dir(&d))
}

/// `promote of orders refused: …`, exit 2.
pub(super) fn refused_as(kind: &str, domain: &str, why: &Refusal) -> Failure {
    Failure::usage(format!("{kind} of {domain} refused: {why}"))
}

/// A command's config and gate, for one known domain.
pub struct ActionSetup {
    pub loaded: Loaded,
    pub gate: Gate,
    /// The operator's `--note`, checked (the gate's entries carry it already).
    pub note: Option<String>,
}

/// Loads the config and builds the gate for `kind` (`rollback`, `promote`, `ramp`) on `domain`,
/// its actions audited as started from `via` with the operator's `--note`. An unknown domain or
/// a bad note is a usage error (2); no state directory for the audit log is a refusal (2).
pub fn setup(
    global: &GlobalArgs,
    domain: &str,
    kind: &str,
    note: Option<&str>,
    via: EntryPoint,
) -> Result<ActionSetup, Failure> {
    let note = crate::action::audit_note(note.unwrap_or_default())
        .map_err(|e| Failure::usage(format!("--note: {e}")))?;
    let loaded = loaded::load(global)?;
    let domains = &loaded.compiled.plan.domains;
    if !domains.iter().any(|d| d.name == domain) {
        let known: Vec<&str> = domains.iter().map(|d| d.name.as_str()).collect();
        return Err(Failure::usage(format!(
            "{}; the config names: {}",
            Refusal::UnknownDomain(domain.to_string()),
            if known.is_empty() {
                "no domain".to_string()
            } else {
                known.join(", ")
            }
        )));
    }
    let Some(audit) = audit_log() else {
        return Err(refused_as(
            kind,
            domain,
            &Refusal::AuditUnavailable("no state directory could be determined".into()),
        ));
    };
    let gate = Gate::new(loaded.read_only.clone(), audit)
        .with_note(note.clone())
        .entered_via(via)
        .knowing_stages(domains.iter().map(|d| (d.name.clone(), d.stage)));
    Ok(ActionSetup { loaded, gate, note })
}
