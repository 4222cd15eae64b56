//! The one gate every destructive action passes. Views and commands never check read-only
//! themselves: they hand the gate an `Action` and show what it says.
//!
//! Order: refusal (read-only, replay, demo, one already in flight) → `requested` written to the
//! audit log (or nothing runs) → steps in order, first failure stops → outcome audited.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::audit::{operator, AuditEntry, AuditEvent, AuditLog};
use super::steps::{StepOutcome, StepResult, StepSpec};
use super::Action;

/// Why an action was not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("read-only: {0}")]
    ReadOnly(String),
    #[error("a rollback of {0} is already in progress")]
    InFlight(String),
    #[error("no rollback steps are configured for {0}")]
    NoSteps(String),
    #[error("unknown domain {0}")]
    UnknownDomain(String),
    #[error("the audit log could not take the request, so nothing ran: {0}")]
    AuditUnavailable(String),
    #[error("cancelled: the typed name did not match {0}")]
    NotConfirmed(String),
}

/// What running an action's steps gave.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub steps: Vec<StepResult>,
    pub event: AuditEvent,
    /// Wall time when the last step finished (unix ms): verification counts traffic after it.
    pub finished_ms: i64,
}

impl RunReport {
    pub fn succeeded(&self) -> bool {
        self.event == AuditEvent::Succeeded
    }
    /// The result in words, for the audit log and the screen.
    pub fn words(&self) -> String {
        self.steps
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
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Releases the in-flight claim when the run ends, however it ends.
struct Claim {
    set: Arc<Mutex<HashSet<String>>>,
    domain: String,
}

impl Drop for Claim {
    fn drop(&mut self) {
        if let Ok(mut s) = self.set.lock() {
            s.remove(&self.domain);
        }
    }
}

#[derive(Debug, Clone)]
pub struct Gate {
    /// `Some(reason)` when nothing may act: read-only flag or config, replay, demo, loose permissions.
    refusal: Option<String>,
    audit: AuditLog,
    in_flight: Arc<Mutex<HashSet<String>>>,
    operator: String,
}

impl Gate {
    pub fn new(refusal: Option<String>, audit: AuditLog) -> Gate {
        Gate {
            refusal,
            audit,
            in_flight: Arc::new(Mutex::new(HashSet::new())),
            operator: operator(),
        }
    }

    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }

    /// `Some(reason)` when this gate refuses every action.
    pub fn read_only(&self) -> Option<&str> {
        self.refusal.as_deref()
    }

    /// Whether the action would be refused before confirmation (so a dialog is not even shown).
    pub fn precheck(&self, action: &Action) -> Result<(), Refusal> {
        if let Some(r) = &self.refusal {
            return Err(Refusal::ReadOnly(r.clone()));
        }
        if self
            .in_flight
            .lock()
            .map(|s| s.contains(action.domain()))
            .unwrap_or(true)
        {
            return Err(Refusal::InFlight(action.domain().to_string()));
        }
        Ok(())
    }

    fn entry(&self, action: &Action, steps: &[StepSpec], event: AuditEvent) -> AuditEntry {
        AuditEntry {
            time: crate::engine::rfc3339(now_ms()),
            operator: self.operator.clone(),
            domain: action.domain().to_string(),
            action: "rollback".into(),
            steps: steps.iter().map(|s| s.summary()).collect(),
            event,
            duration_ms: None,
            result: String::new(),
        }
    }

    /// Records a refusal (best effort: a refusal must never be blocked by the log).
    pub fn record_refusal(&self, action: &Action, steps: &[StepSpec], why: &Refusal) {
        let mut e = self.entry(action, steps, AuditEvent::Refused);
        e.result = why.to_string();
        if let Err(err) = self.audit.append(&e) {
            tracing::warn!("audit log: {err}");
        }
    }

    /// Runs a confirmed action. Refusals are audited; the `requested` entry is written first.
    pub async fn run(&self, action: &Action, steps: &[StepSpec]) -> Result<RunReport, Refusal> {
        if let Err(r) = self.precheck(action) {
            self.record_refusal(action, steps, &r);
            return Err(r);
        }
        if steps.is_empty() {
            let r = Refusal::NoSteps(action.domain().to_string());
            self.record_refusal(action, steps, &r);
            return Err(r);
        }
        let _claim = {
            let mut set = self
                .in_flight
                .lock()
                .map_err(|_| Refusal::InFlight(action.domain().into()))?;
            if !set.insert(action.domain().to_string()) {
                let r = Refusal::InFlight(action.domain().to_string());
                drop(set);
                self.record_refusal(action, steps, &r);
                return Err(r);
            }
            Claim {
                set: self.in_flight.clone(),
                domain: action.domain().to_string(),
            }
        };
        self.audit
            .append(&self.entry(action, steps, AuditEvent::Requested))
            .map_err(|e| Refusal::AuditUnavailable(e.to_string()))?;
        let started = Instant::now();
        let mut results = Vec::new();
        let mut event = AuditEvent::Succeeded;
        for step in steps {
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
            results.push(r);
            if stop {
                break;
            }
        }
        let report = RunReport {
            steps: results,
            event,
            finished_ms: now_ms(),
        };
        let mut e = self.entry(action, steps, event);
        e.duration_ms = Some(started.elapsed().as_millis() as u64);
        e.result = report.words();
        if let Err(err) = self.audit.append(&e) {
            tracing::error!("audit log: {err}");
        }
        Ok(report)
    }

    /// Audits a verification verdict.
    pub fn record_verdict(
        &self,
        action: &Action,
        steps: &[StepSpec],
        verified: bool,
        words: &str,
        duration_ms: u64,
    ) {
        let event = if verified {
            AuditEvent::Verified
        } else {
            AuditEvent::NotVerified
        };
        let mut e = self.entry(action, steps, event);
        e.duration_ms = Some(duration_ms);
        e.result = words.to_string();
        if let Err(err) = self.audit.append(&e) {
            tracing::error!("audit log: {err}");
        }
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
