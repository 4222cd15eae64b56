//! The one gate every destructive action passes. Views and commands never check read-only
//! themselves: they hand the gate an `Action` and show what it says.
//!
//! Order: refusal (read-only, replay, demo, one already in flight on this host) → the domain's
//! lock taken (one action per domain, whatever its kind) → `requested` written to the audit log (or nothing runs) → steps in order, first
//! failure (or a request to stop) ends them → outcome audited.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::audit::{
    new_action_id, operator, AuditEntry, AuditError, AuditEvent, AuditLog, EntryPoint,
};
use super::flights::Flights;
use super::lock::{DomainLock, Holder, LockError};
use super::progress::Progress;
use super::steps::{StepOutcome, StepResult, StepSpec};
use super::Action;
use crate::clock::now_ms;

/// Why an action was not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("read-only: {0}")]
    ReadOnly(String),
    /// Another action on the domain holds its lock, in this process or another on the host.
    #[error("{kind} of {domain} in flight {}", .holder.words())]
    InFlight {
        kind: String,
        domain: String,
        holder: Holder,
    },
    #[error("the domain's lock could not be taken, so nothing ran: {0}")]
    LockUnavailable(String),
    #[error("no {kind} steps are configured for {domain}")]
    NoSteps { kind: String, domain: String },
    /// The judge says the new path is worse: more traffic on it is the wrong way.
    #[error("the verdict on {domain} is fail ({reasons}): more traffic would go to a new path that is worse")]
    VerdictFail { domain: String, reasons: String },
    /// The domain's health is crit: the way out is a fix or a rollback, not more traffic.
    #[error("{domain} is crit ({reasons}): fix it or roll it back before promoting")]
    HealthCrit { domain: String, reasons: String },
    /// A target outside `[domain.promote] steps` that the operator did not name explicitly.
    #[error("{to}% is not one of the steps of {domain} ({steps}): name it with --to to promote there anyway")]
    NotAStep {
        domain: String,
        to: u8,
        steps: String,
    },
    /// Nothing above the current share to promote to.
    #[error(
        "{domain} is at {current}, at or above its last step ({last}%): nothing to promote to"
    )]
    NoNextStep {
        domain: String,
        current: String,
        last: u8,
    },
    /// No weight exported and no traffic seen: "the next step" cannot be told.
    #[error("the new-path share of {0} is unknown (the gateway exports no weight and no traffic was observed), so the next step cannot be told: name the target with `cutover promote --to PCT`")]
    CurrentUnknown(String),
    /// A domain declared `shadow` whose shadow comparisons disagree beyond their limit, or
    /// cannot be told (`shadow_gate`).
    #[error("{domain} may not leave the shadow stage: {why}; the move to canary waits until the shadow comparisons agree")]
    ShadowMismatch { domain: String, why: String },
    /// An action ran on the domain between the plan being shown and its confirmation.
    #[error("{what} since the plan was shown, so the confirmation no longer holds and nothing ran: look at {domain} again and confirm anew")]
    ActedMeanwhile { domain: String, what: String },
    /// The share a promotion started from moved before it was confirmed.
    #[error("the new-path share of {domain} moved from {then} to {now} since the plan was shown, so nothing ran: look again and confirm the new plan")]
    ShareMoved {
        domain: String,
        then: String,
        now: String,
    },
    /// The target is no longer above the domain's share.
    #[error("{to}% is no longer above the new-path share of {domain} ({current}), so nothing ran")]
    NotAbove {
        domain: String,
        to: u8,
        current: String,
    },
    /// A warning the plan did not show appeared before it was confirmed.
    #[error("new since the plan was shown, so nothing ran: {warnings} Read the plan again and confirm anew")]
    NewWarnings { domain: String, warnings: String },
    #[error("unknown domain {0}")]
    UnknownDomain(String),
    #[error("the audit log could not take the request, so nothing ran: {0}")]
    AuditUnavailable(String),
    #[error("cancelled: the typed name did not match {0}")]
    NotConfirmed(String),
    /// The cockpit's last frame did not show the whole confirmation dialog, so what was typed
    /// was not typed against the exact steps.
    #[error("the confirmation dialog could not be shown whole at this terminal size (every step and the prompt must be on screen), so the typed name was not accepted; nothing ran")]
    DialogNotShown,
    /// The confirmation never reached the gate: nothing may look accepted that did not run.
    #[error(
        "the confirmation did not reach the action gate ({0}), so nothing ran; press the key again"
    )]
    NotHandedOver(String),
}

/// What running an action's steps gave.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The action's id in the audit log.
    pub id: String,
    pub steps: Vec<StepResult>,
    pub event: AuditEvent,
    /// Wall time when the last step finished (unix ms): verification counts traffic after it.
    pub finished_ms: i64,
    /// Set when the outcome could not be appended to the audit log (the steps did run).
    pub audit_warning: Option<String>,
    /// Set when a request to stop ended the steps early: which steps did not run, and why.
    pub interrupted: Option<String>,
}

impl RunReport {
    pub fn succeeded(&self) -> bool {
        self.event == AuditEvent::Succeeded
    }
    /// The result in words, for the audit log and the screen.
    pub fn words(&self) -> String {
        let steps = self
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (what, text) = match &s.outcome {
                    StepOutcome::Succeeded(t) => ("ok", t),
                    StepOutcome::Failed(t) => ("FAILED", t),
                    StepOutcome::TimedOut(t) => ("TIMED OUT", t),
                };
                format!(
                    "step {} {what} in {} ms{}{}",
                    i + 1,
                    s.duration.as_millis(),
                    if text.is_empty() { "" } else { ": " },
                    text
                )
            })
            .collect::<Vec<_>>();
        let mut words = steps.join("; ");
        if let Some(why) = &self.interrupted {
            if !words.is_empty() {
                words.push_str("; ");
            }
            words.push_str(why);
        }
        words
    }
}

/// A domain held for one action: its lock file on the host and its place among this process's
/// actions in flight; released when dropped, however the action ends. A rollback holds it from
/// the request until its verdict, so a repeated key, a second terminal or a script cannot start
/// a second one while the first is still being verified.
#[derive(Debug)]
pub struct Claim {
    /// The action's id in the audit log: its verdict is written under it.
    id: String,
    flights: Flights,
    domain: String,
    /// `None` when the gate already holds the domain's lock for a longer run (a ramp).
    _lock: Option<DomainLock>,
}

impl Claim {
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.flights.remove(&self.domain);
    }
}

/// The one gate. Clones share the actions in flight, so every face (TUI, CLI) and every
/// task that holds a clone sees the same claims; other processes see them by the lock files.
#[derive(Debug, Clone)]
pub struct Gate {
    /// `Some(reason)` when nothing may act: read-only flag or config, replay, demo, loose permissions.
    refusal: Option<String>,
    audit: AuditLog,
    flights: Flights,
    operator: String,
    /// Where this gate's actions are started; the audit log says it.
    via: EntryPoint,
    /// The operator's note for the action this gate runs (`--note`).
    note: Option<String>,
    /// The stage each domain declares in the config this session loaded.
    stages: std::sync::Arc<std::collections::BTreeMap<String, crate::stage::Stage>>,
    /// A domain whose lock this gate holds for one action it checks first (a ramp's
    /// promotion): its actions take no lock of their own while it is held.
    held: Option<std::sync::Arc<Held>>,
    /// A domain this gate runs a ramp on (its `<domain>.ramp` file held): a promotion from
    /// anywhere else is refused for as long as it is held; a rollback is not.
    ramp: Option<std::sync::Arc<Held>>,
    /// The context this session runs under (`--context`), written in every entry.
    context: Option<String>,
    /// What confirms an action: the domain's name, or `NAME/DOMAIN` on production.
    typed_name: super::TypedName,
}

/// A domain's lock (or ramp file) held by a gate beyond one claim; released when the last
/// clone goes.
#[derive(Debug)]
struct Held {
    domain: String,
    _lock: DomainLock,
}

impl Gate {
    /// `refusal` is decided once, where the session starts: `Loaded::read_only` for live
    /// sessions (flag, config, loose permissions), `for_replay` / `for_demo` otherwise.
    pub fn new(refusal: Option<String>, audit: AuditLog) -> Gate {
        Gate {
            refusal,
            audit,
            flights: Flights::default(),
            operator: operator(),
            via: EntryPoint::Cli,
            note: None,
            stages: std::sync::Arc::default(),
            held: None,
            ramp: None,
            context: None,
            typed_name: super::TypedName::plain(),
        }
    }

    /// The same gate for a session under a context (its entries carry the name) and asking
    /// for `typed_name` in every confirmation.
    pub fn in_context(mut self, context: Option<String>, typed_name: super::TypedName) -> Gate {
        self.context = context;
        self.typed_name = typed_name;
        self
    }

    /// What confirms an action through this gate.
    pub fn typed_name(&self) -> &super::TypedName {
        &self.typed_name
    }

    /// The same gate holding `domain`'s lock (for `kind`) until it and its clones are dropped,
    /// so the caller can look at the domain (the audit log: did anyone act meanwhile?) with
    /// nobody able to start an action between its look and its own request. A ramp takes it
    /// for each of its actions. Refused like an action (read-only, audit log, held elsewhere);
    /// the caller audits the refusal.
    pub fn holding(mut self, domain: &str, kind: &str) -> Result<Gate, Refusal> {
        let action = Action::Rollback {
            domain: domain.to_string(),
        };
        self.precheck(&action)?;
        let lock = match DomainLock::take(&self.lock_dir(), domain, kind) {
            Ok(lock) => lock,
            Err(LockError::Held { holder, .. }) => return Err(Gate::in_flight(&action, holder)),
            Err(e) => return Err(Refusal::LockUnavailable(e.to_string())),
        };
        self.held = Some(std::sync::Arc::new(Held {
            domain: domain.to_string(),
            _lock: lock,
        }));
        Ok(self)
    }

    /// The same gate running a ramp on `domain` until it and its clones are dropped: the
    /// domain's `<domain>.ramp` file is held (see `lock`), so a promotion or a second ramp from
    /// any other process is refused with this pid, while a rollback can still take the domain
    /// between the ramp's actions. Refused like an action (read-only, audit log, an action or a
    /// ramp in flight elsewhere); the caller audits the refusal.
    pub fn running_ramp(mut self, domain: &str) -> Result<Gate, Refusal> {
        let action = Action::Promote {
            domain: domain.to_string(),
            from: None,
            to: None,
        };
        self.precheck(&action)?;
        let marker = match DomainLock::take_ramp(&self.lock_dir(), domain) {
            Ok(m) => m,
            Err(LockError::Held { holder, .. }) => return Err(Gate::in_flight(&action, holder)),
            Err(e) => return Err(Refusal::LockUnavailable(e.to_string())),
        };
        self.ramp = Some(std::sync::Arc::new(Held {
            domain: domain.to_string(),
            _lock: marker,
        }));
        Ok(self)
    }

    /// Whether this gate holds `domain`'s lock beyond one action.
    fn holds(&self, domain: &str) -> bool {
        self.held.as_ref().is_some_and(|h| h.domain == domain)
    }

    /// Whether this gate runs the ramp on `domain`.
    fn runs_ramp(&self, domain: &str) -> bool {
        self.ramp.as_ref().is_some_and(|h| h.domain == domain)
    }

    /// The same gate, knowing the stage each domain declares: entries record it, so a mark
    /// (`action::marks`) ends when the declared stage changes.
    pub fn knowing_stages(
        mut self,
        stages: impl IntoIterator<Item = (String, crate::stage::Stage)>,
    ) -> Gate {
        self.stages = std::sync::Arc::new(stages.into_iter().collect());
        self
    }

    /// Clears a domain's mark: a `cleared` entry in the audit log. Refused where nothing may
    /// be written in the operator's name (read-only, replay, demo).
    pub fn clear_mark(&self, domain: &str) -> Result<(), Refusal> {
        if let Some(r) = &self.refusal {
            return Err(Refusal::ReadOnly(r.clone()));
        }
        let action = Action::Rollback {
            domain: domain.to_string(),
        };
        let mut e = self.entry(&new_action_id(), &action, &[], AuditEvent::Cleared);
        e.action = "clear".to_string();
        self.audit
            .append(&e)
            .map_err(|e| Refusal::AuditUnavailable(e.to_string()))
    }

    /// The same gate (sharing its actions in flight), its actions audited as started from `via`.
    pub fn entered_via(mut self, via: EntryPoint) -> Gate {
        self.via = via;
        self
    }

    /// The same gate with a note for its actions' audit entries (see `audit::audit_note`).
    pub fn with_note(mut self, note: Option<String>) -> Gate {
        self.note = note;
        self
    }

    /// A gate for a recording: a replay shows the past, it never acts.
    pub fn for_replay(file: &Path, audit: AuditLog) -> Gate {
        Gate::new(
            Some(format!(
                "replaying {}: a recording never acts",
                file.display()
            )),
            audit,
        )
    }

    /// A gate for the bundled demo: nothing it shows is real.
    pub fn for_demo(audit: AuditLog) -> Gate {
        Gate::new(
            Some("demo: the bundled recording never acts".to_string()),
            audit,
        )
    }

    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }

    /// This process's actions in flight, and the means to stop them at a safe point.
    pub fn flights(&self) -> &Flights {
        &self.flights
    }

    /// Where the domains' lock files live: the audit log's directory (the state dir).
    fn lock_dir(&self) -> PathBuf {
        match self.audit.path().parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    fn in_flight(action: &Action, holder: Holder) -> Refusal {
        Refusal::InFlight {
            kind: holder
                .kind
                .clone()
                .unwrap_or_else(|| action.kind().to_string()),
            domain: action.domain().to_string(),
            holder,
        }
    }

    /// `Some(reason)` when this gate refuses every action.
    pub fn read_only(&self) -> Option<&str> {
        self.refusal.as_deref()
    }

    /// `user@host` written in the audit log.
    pub fn operator(&self) -> &str {
        &self.operator
    }

    /// Whether the action would be refused before confirmation (so a dialog is not even
    /// shown): read-only, an audit log that cannot take an entry, or already in flight here or
    /// in another process on the host.
    pub fn precheck(&self, action: &Action) -> Result<(), Refusal> {
        if let Some(r) = &self.refusal {
            return Err(Refusal::ReadOnly(r.clone()));
        }
        self.audit
            .check()
            .map_err(|e| Refusal::AuditUnavailable(e.to_string()))?;
        let domain = action.domain();
        // A ramp elsewhere owns the way forward; the way back stays open to everyone.
        if action.which() == super::Kind::Promote && !self.runs_ramp(domain) {
            match DomainLock::ramp_holder(&self.lock_dir(), domain) {
                Ok(None) => {}
                Ok(Some(holder)) => return Err(Gate::in_flight(action, holder)),
                Err(e) => return Err(Refusal::LockUnavailable(e.to_string())),
            }
        }
        if self.holds(domain) {
            // Held by this gate for its run: its own actions pass; one at a time is the
            // flights' (below, when claimed).
            return Ok(());
        }
        match DomainLock::holder(&self.lock_dir(), domain) {
            Ok(None) => Ok(()),
            Ok(Some(holder)) => Err(Gate::in_flight(action, holder)),
            Err(e) => Err(Refusal::LockUnavailable(e.to_string())),
        }
    }

    /// `precheck`, and the steps to run exist.
    pub fn admit(&self, action: &Action, steps: &[StepSpec]) -> Result<(), Refusal> {
        self.precheck(action)?;
        if steps.is_empty() {
            return Err(Refusal::NoSteps {
                kind: action.kind().to_string(),
                domain: action.domain().to_string(),
            });
        }
        Ok(())
    }

    /// The typed confirmation: the domain's name, or `NAME/DOMAIN` on a production config,
    /// exactly (surrounding blanks ignored). A mismatch is a refusal, and audited as one.
    pub fn confirm(&self, action: &Action, steps: &[StepSpec], typed: &str) -> Result<(), Refusal> {
        if self.typed_name.accepts(action.domain(), typed) {
            return Ok(());
        }
        let r = Refusal::NotConfirmed(self.typed_name.expected(action.domain()));
        self.record_refusal(action, steps, &r);
        Err(r)
    }

    /// The cockpit's typed confirmation: accepted only when the dialog that asked for it was
    /// drawn whole in the last frame (`drawn_whole`), then judged as [`Gate::confirm`]. A
    /// dialog cut by a small terminal or a long name is a refusal, audited as one.
    pub fn confirm_shown(
        &self,
        action: &Action,
        steps: &[StepSpec],
        typed: &str,
        drawn_whole: bool,
    ) -> Result<(), Refusal> {
        if !drawn_whole {
            let r = Refusal::DialogNotShown;
            self.record_refusal(action, steps, &r);
            return Err(r);
        }
        self.confirm(action, steps, typed)
    }

    fn entry(
        &self,
        id: &str,
        action: &Action,
        steps: &[StepSpec],
        event: AuditEvent,
    ) -> AuditEntry {
        AuditEntry {
            id: id.to_string(),
            time: crate::clock::rfc3339(now_ms()),
            operator: self.operator.clone(),
            domain: action.domain().to_string(),
            action: action.kind().into(),
            steps: steps.iter().map(|s| s.summary()).collect(),
            event,
            duration_ms: None,
            result: String::new(),
            via: Some(self.via),
            note: self.note.clone(),
            before: Vec::new(),
            stage: self.stages.get(action.domain()).copied(),
            from: action.from_to().0,
            to: action.from_to().1,
            context: self.context.clone(),
        }
    }

    /// Records a refusal (best effort: a refusal must never be blocked by the log).
    pub fn record_refusal(&self, action: &Action, steps: &[StepSpec], why: &Refusal) {
        let mut e = self.entry(&new_action_id(), action, steps, AuditEvent::Refused);
        e.result = why.to_string();
        if let Err(err) = self.audit.append(&e) {
            tracing::warn!("audit log: {err}");
        }
    }

    /// Runs a confirmed action; the claim is released when it returns. Refusals are audited;
    /// the `requested` entry is written first, or nothing runs.
    pub async fn run(&self, action: &Action, steps: &[StepSpec]) -> Result<RunReport, Refusal> {
        self.start(action, steps, |_| {})
            .await
            .map(|(report, _claim)| report)
    }

    /// Runs a confirmed action and hands back its claim, so the caller decides how long the
    /// domain stays in flight (a rollback: until its verdict).
    pub async fn start(
        &self,
        action: &Action,
        steps: &[StepSpec],
        mut progress: impl FnMut(Progress),
    ) -> Result<(RunReport, Claim), Refusal> {
        let claim = self.claim(action, steps)?;
        let id = claim.id.clone();
        let mut requested = self.entry(&id, action, steps, AuditEvent::Requested);
        requested.before = super::steps::read_before(steps).await;
        if let Err(e) = self.audit.append(&requested) {
            return Err(Refusal::AuditUnavailable(e.to_string()));
        }
        progress(Progress::Requested { steps: steps.len() });
        let started = Instant::now();
        let mut results = Vec::new();
        let mut event = AuditEvent::Succeeded;
        let mut interrupted = None;
        for (index, step) in steps.iter().enumerate() {
            // A request to stop (a second SIGTERM) is honoured between steps, never inside one.
            if let Some(why) = self.flights.stop_reason() {
                event = AuditEvent::Interrupted;
                interrupted = Some(format!(
                    "interrupted by {why}: step {} of {} and later not run",
                    index + 1,
                    steps.len()
                ));
                break;
            }
            progress(Progress::StepStarted {
                index,
                of: steps.len(),
                summary: step.summary(),
            });
            let r = step.run().await;
            let stop = match &r.outcome {
                StepOutcome::Succeeded(_) => false,
                StepOutcome::Failed(_) => {
                    event = AuditEvent::Failed;
                    true
                }
                StepOutcome::TimedOut(_) => {
                    event = AuditEvent::TimedOut;
                    true
                }
            };
            progress(Progress::StepFinished {
                index,
                of: steps.len(),
                result: r.clone(),
            });
            results.push(r);
            if stop {
                break;
            }
        }
        let mut report = RunReport {
            id: id.clone(),
            steps: results,
            event,
            finished_ms: now_ms(),
            audit_warning: None,
            interrupted,
        };
        let mut e = self.entry(&id, action, steps, event);
        e.duration_ms = Some(started.elapsed().as_millis() as u64);
        e.result = report.words();
        if let Err(err) = self.audit.append(&e) {
            tracing::error!("audit log: {err}");
            report.audit_warning = Some(err.to_string());
        }
        Ok((report, claim))
    }

    /// Admits the action and marks its domain in flight; refusals are audited.
    fn claim(&self, action: &Action, steps: &[StepSpec]) -> Result<Claim, Refusal> {
        let refused = |r: Refusal| {
            self.record_refusal(action, steps, &r);
            Err(r)
        };
        if let Err(r) = self.admit(action, steps) {
            return refused(r);
        }
        // Taken, not looked at: two triggers may both pass `admit`.
        let lock = if self.holds(action.domain()) {
            None
        } else {
            match DomainLock::take(&self.lock_dir(), action.domain(), action.kind()) {
                Ok(lock) => Some(lock),
                Err(LockError::Held { holder, .. }) => {
                    return refused(Gate::in_flight(action, holder))
                }
                Err(e) => return refused(Refusal::LockUnavailable(e.to_string())),
            }
        };
        if !self.flights.add(action.domain()) {
            // Unreachable while the lock is held; kept so the set can never hold a domain twice.
            return refused(Gate::in_flight(
                action,
                Holder {
                    kind: Some(action.kind().to_string()),
                    pid: Some(std::process::id()),
                    since_ms: None,
                },
            ));
        }
        Ok(Claim {
            id: new_action_id(),
            flights: self.flights.clone(),
            domain: action.domain().to_string(),
            _lock: lock,
        })
    }

    /// Audits a verification verdict.
    pub fn record_verdict(
        &self,
        id: &str,
        action: &Action,
        steps: &[StepSpec],
        verified: bool,
        words: &str,
        duration_ms: u64,
    ) -> Result<(), AuditError> {
        let event = if verified {
            AuditEvent::Verified
        } else {
            AuditEvent::NotVerified
        };
        let mut e = self.entry(id, action, steps, event);
        e.duration_ms = Some(duration_ms);
        e.result = words.to_string();
        self.audit.append(&e).inspect_err(|err| {
            tracing::error!("audit log: {err}");
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn exec(script: &str) -> StepSpec {
        StepSpec::Exec {
            argv: vec!["/bin/sh".into(), "-c".into(), script.into()],
            timeout: Duration::from_secs(5),
        }
    }

    fn orders() -> Action {
        Action::Rollback {
            domain: "orders".into(),
        }
    }

    fn events(log: &AuditLog) -> Vec<AuditEvent> {
        log.read_all().unwrap().iter().map(|e| e.event).collect()
    }

    #[tokio::test]
    async fn the_request_is_audited_before_the_first_step_runs() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_state_dir(dir.path());
        let gate = Gate::new(None, log.clone());
        // The step itself reads the audit log: the `requested` line must already be there.
        let steps = [exec(&format!("cat {}", log.path().display()))];
        let report = gate.run(&orders(), &steps).await.unwrap();
        assert!(report.succeeded(), "{}", report.words());
        match &report.steps[0].outcome {
            StepOutcome::Succeeded(out) => assert!(out.contains(r#""event":"requested""#), "{out}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(events(&log), [AuditEvent::Requested, AuditEvent::Succeeded]);
    }

    #[tokio::test]
    async fn the_first_failure_stops_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("third-ran");
        let log = AuditLog::in_state_dir(dir.path());
        let gate = Gate::new(None, log.clone());
        let steps = [
            exec("true"),
            exec("echo broken >&2; exit 4"),
            exec(&format!("touch {}", marker.display())),
        ];
        let report = gate.run(&orders(), &steps).await.unwrap();
        assert_eq!(report.event, AuditEvent::Failed);
        assert_eq!(report.steps.len(), 2);
        assert!(!marker.exists());
        let last = log.read_all().unwrap().pop().unwrap();
        assert_eq!(last.event, AuditEvent::Failed);
        assert!(last.result.contains("step 2 FAILED"), "{}", last.result);
        assert!(last.result.contains("stderr: broken"), "{}", last.result);
        assert_eq!(last.steps.len(), 3);
    }

    #[tokio::test]
    async fn a_locked_gate_runs_nothing_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("ran");
        let log = AuditLog::in_state_dir(dir.path());
        let steps = [exec(&format!("touch {}", marker.display()))];
        for gate in [
            Gate::new(Some("--read-only was given".into()), log.clone()),
            Gate::for_replay(Path::new("incident.jsonl.gz"), log.clone()),
            Gate::for_demo(log.clone()),
        ] {
            let why = gate.read_only().unwrap().to_string();
            assert_eq!(
                gate.precheck(&orders()),
                Err(Refusal::ReadOnly(why.clone()))
            );
            let refused = gate.run(&orders(), &steps).await.unwrap_err();
            assert_eq!(refused, Refusal::ReadOnly(why));
        }
        assert!(!marker.exists());
        assert_eq!(events(&log), [AuditEvent::Refused; 3]);
        let replay = &log.read_all().unwrap()[1];
        assert_eq!(
            replay.result,
            "read-only: replaying incident.jsonl.gz: a recording never acts"
        );
    }

    #[tokio::test]
    async fn an_audit_log_that_cannot_take_the_request_stops_everything() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("ran");
        let log = AuditLog::in_state_dir(dir.path());
        std::fs::create_dir(log.path()).unwrap();
        let gate = Gate::new(None, log);
        let steps = [exec(&format!("touch {}", marker.display()))];
        assert!(matches!(
            gate.precheck(&orders()),
            Err(Refusal::AuditUnavailable(_))
        ));
        let refused = gate.run(&orders(), &steps).await.unwrap_err();
        assert!(matches!(refused, Refusal::AuditUnavailable(_)), "{refused}");
        assert!(!marker.exists());
    }

    fn is_in_flight_here(r: &Refusal) -> bool {
        matches!(r, Refusal::InFlight { kind, domain, holder }
            if kind == "rollback" && domain == "orders" && holder.pid == Some(std::process::id()))
    }

    #[tokio::test]
    async fn a_second_trigger_while_one_runs_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_state_dir(dir.path());
        let gate = Gate::new(None, log.clone());
        let slow = [exec("sleep 0.5")];
        let action = orders();
        let first = gate.run(&action, &slow);
        let second = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let pre = gate.precheck(&orders()).unwrap_err();
            assert!(is_in_flight_here(&pre), "{pre}");
            assert_eq!(gate.flights().in_flight(), ["orders"]);
            // A gate of its own (another face in this process) sees the lock file too.
            let other = Gate::new(None, log.clone());
            let r = other.run(&orders(), &slow).await.unwrap_err();
            assert!(is_in_flight_here(&r), "{r}");
            gate.run(&orders(), &slow).await
        };
        let (first, second) = tokio::join!(first, second);
        assert!(first.unwrap().succeeded());
        let second = second.unwrap_err();
        assert!(is_in_flight_here(&second), "{second}");
        assert!(gate.flights().in_flight().is_empty());
        // Another domain is not held up, and once the first ended a new one may run.
        let inventory = Action::Rollback {
            domain: "inventory".into(),
        };
        assert!(gate.precheck(&inventory).is_ok());
        assert!(gate
            .run(&orders(), &[exec("true")])
            .await
            .unwrap()
            .succeeded());
        assert_eq!(
            events(&log),
            [
                AuditEvent::Requested,
                AuditEvent::Refused,
                AuditEvent::Refused,
                AuditEvent::Succeeded,
                AuditEvent::Requested,
                AuditEvent::Succeeded
            ]
        );
    }

    #[tokio::test]
    async fn a_request_to_stop_ends_the_steps_between_two_and_is_audited() {
        let dir = tempfile::tempdir().unwrap();
        let second_ran = dir.path().join("second-ran");
        let log = AuditLog::in_state_dir(dir.path());
        let gate = Gate::new(None, log.clone());
        let steps = [
            exec("sleep 0.4; echo first done"),
            exec(&format!("touch {}", second_ran.display())),
        ];
        let stopper = {
            let flights = gate.flights().clone();
            async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                flights.stop("SIGTERM");
            }
        };
        let action = orders();
        let (report, ()) = tokio::join!(gate.run(&action, &steps), stopper);
        let report = report.unwrap();
        assert_eq!(report.event, AuditEvent::Interrupted);
        // The step under way finished; the next one never started.
        assert_eq!(report.steps.len(), 1);
        assert!(
            matches!(&report.steps[0].outcome, StepOutcome::Succeeded(o) if o.contains("first done"))
        );
        assert!(!second_ran.exists());
        let last = log.read_all().unwrap().pop().unwrap();
        assert_eq!(last.event, AuditEvent::Interrupted);
        assert!(
            last.result
                .ends_with("interrupted by SIGTERM: step 2 of 2 and later not run"),
            "{}",
            last.result
        );
        assert!(gate.flights().in_flight().is_empty());
    }

    #[tokio::test]
    async fn no_steps_and_a_wrong_name_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_state_dir(dir.path());
        let gate = Gate::new(None, log.clone());
        assert_eq!(
            gate.run(&orders(), &[]).await.unwrap_err(),
            Refusal::NoSteps {
                kind: "rollback".into(),
                domain: "orders".into()
            }
        );
        let steps = [exec("true")];
        assert!(gate.confirm(&orders(), &steps, " orders\n").is_ok());
        assert_eq!(
            gate.confirm(&orders(), &steps, "order"),
            Err(Refusal::NotConfirmed("orders".into()))
        );
        assert_eq!(events(&log), [AuditEvent::Refused, AuditEvent::Refused]);
    }

    #[test]
    fn a_dialog_not_drawn_whole_refuses_even_the_right_name() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_state_dir(dir.path());
        let gate = Gate::new(None, log.clone());
        let steps = [exec("true")];
        assert_eq!(
            gate.confirm_shown(&orders(), &steps, "orders", false),
            Err(Refusal::DialogNotShown)
        );
        assert!(gate
            .confirm_shown(&orders(), &steps, "orders", true)
            .is_ok());
        assert_eq!(
            gate.confirm_shown(&orders(), &steps, "order", true),
            Err(Refusal::NotConfirmed("orders".into()))
        );
        let log = log.read_all().unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].event, AuditEvent::Refused);
        assert_eq!(log[0].result, Refusal::DialogNotShown.to_string());
    }

    #[tokio::test]
    async fn a_timed_out_step_is_audited_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_state_dir(dir.path());
        let gate = Gate::new(None, log.clone());
        let steps = [StepSpec::Exec {
            argv: vec!["sleep".into(), "5".into()],
            timeout: Duration::from_millis(200),
        }];
        let report = gate.run(&orders(), &steps).await.unwrap();
        assert_eq!(report.event, AuditEvent::TimedOut);
        assert_eq!(events(&log), [AuditEvent::Requested, AuditEvent::TimedOut]);
    }
}
