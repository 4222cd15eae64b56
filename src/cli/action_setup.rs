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
/// a bad note is a usage error (2); no state directory for the audit log is a refusal (2);
/// so is `--yes` on a production config not named by `--context` (see [`yes_allowed`]).
pub fn setup(
    global: &GlobalArgs,
    domain: &str,
    kind: &str,
    note: Option<&str>,
    via: EntryPoint,
    yes: bool,
) -> Result<ActionSetup, Failure> {
    let note = crate::action::audit_note(note.unwrap_or_default())
        .map_err(|e| Failure::usage(format!("--note: {e}")))?;
    let loaded = loaded::load(global)?;
    if yes {
        yes_allowed(&loaded, domain)?;
    }
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
        .knowing_stages(domains.iter().map(|d| (d.name.clone(), d.stage)))
        .in_context(loaded.context_name(), loaded.typed_name());
    Ok(ActionSetup { loaded, gate, note })
}

/// `--yes` on a production config confirms only when the command line itself names the context
/// with `--context NAME`: the operator (or the pipeline's author) wrote the production name
/// where the action is asked for. A `$CUTOVER_CONTEXT` left over in a shell, or a `--config`
/// file that happens to be production, does not let `--yes` act on production unseen; the
/// typed confirmation (`NAME/DOMAIN`) still can.
pub fn yes_allowed(loaded: &Loaded, domain: &str) -> Result<(), Failure> {
    if !loaded.config.settings.production {
        return Ok(());
    }
    if matches!(
        loaded.context,
        Some((_, crate::config::context::ContextSource::Flag))
    ) {
        return Ok(());
    }
    let name = crate::term_text::for_terminal(&loaded.name()).into_owned();
    let how = match &loaded.context {
        Some(_) => format!("run it with --context {name} on the command line"),
        None => "make it a context (<config dir>/contexts/NAME.toml) and name it with --context"
            .to_string(),
    };
    Err(Failure::usage(format!(
        "{name} is marked production = true, so --yes confirms only under a context named on the command line: {how}, or leave --yes out and type {}",
        loaded.typed_name().expected(domain)
    )))
}
