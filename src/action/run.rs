//! An action from request to verdict, the same for the cockpit's dialog and the commands
//! (`cutover rollback`, `cutover promote`): the gate runs the steps (and alone decides
//! refusals), then the domain's metrics are watched until its new-path share meets the goal
//! (a rollback's `verify_share`, a promotion's target ± tolerance) or `verify_within` runs out,
//! and the verdict is audited.
//!
//! ```text
//! act(&gate, &action, &steps, |p| show(p)).await?            // refused, or ran (ok or failed)
//!     .verification(goal, verify_within)                     // if it succeeded
//!     .observe(&status) / verify(&mut v, &mut statuses, ..)  // until final; audited once
//! ```
//!
//! The domain stays in flight from the request until the verdict (or until the run is
//! dropped), so a second trigger meanwhile, of either kind, is refused.

use std::time::Duration;

use tokio::sync::mpsc;

use super::gate::{Claim, Gate, Refusal, RunReport};
use super::progress::Progress;
use super::steps::StepSpec;
use super::verify::{Goal, Verdict, Verifier};
use super::Action;
use crate::clock::now_ms;
use crate::figures::Status;

/// An action whose steps ran (all of them, or up to the first failure).
#[derive(Debug)]
pub struct ActionRun {
    pub action: Action,
    pub steps: Vec<StepSpec>,
    pub report: RunReport,
    gate: Gate,
    claim: Claim,
}

/// Runs a confirmed action through the gate. `Err` is a refusal: nothing ran.
pub async fn act(
    gate: &Gate,
    action: &Action,
    steps: &[StepSpec],
    progress: impl FnMut(Progress),
) -> Result<ActionRun, Refusal> {
    let (report, claim) = gate.start(action, steps, progress).await?;
    Ok(ActionRun {
        action: action.clone(),
        steps: steps.to_vec(),
        report,
        gate: gate.clone(),
        claim,
    })
}

impl ActionRun {
    /// Every step succeeded.
    pub fn succeeded(&self) -> bool {
        self.report.succeeded()
    }

    /// Starts watching the metrics for `goal` (a rollback's `verify_share`, a promotion's
    /// target) within `verify_within`. Only meaningful after the steps succeeded: a failed
    /// run has nothing to verify.
    pub fn verification(self, goal: Goal, verify_within: Duration) -> Verification {
        Verification {
            verifier: Verifier::new(
                self.action.domain(),
                self.report.finished_ms,
                goal,
                verify_within.as_millis() as i64,
            ),
            gate: self.gate,
            action: self.action,
            steps: self.steps,
            claim: Some(self.claim),
            audit_warning: None,
        }
    }
}

/// Watching a domain after its action. The final verdict is audited once, and releases the
/// domain; dropped before its verdict, the watch is audited as not verified.
#[derive(Debug)]
pub struct Verification {
    verifier: Verifier,
    gate: Gate,
    action: Action,
    steps: Vec<StepSpec>,
    claim: Option<Claim>,
    audit_warning: Option<String>,
}

impl Verification {
    pub fn domain(&self) -> &str {
        self.action.domain()
    }

    /// When the steps finished (unix ms): the watch counts from here.
    pub fn acted_ms(&self) -> i64 {
        self.verifier.acted_ms
    }

    /// The final verdict, once there is one.
    pub fn verdict(&self) -> Option<&Verdict> {
        self.verifier.verdict()
    }

    /// Set when the verdict could not be appended to the audit log.
    pub fn audit_warning(&self) -> Option<&str> {
        self.audit_warning.as_deref()
    }

    /// Takes a new status (data time); a final verdict is audited.
    pub fn observe(&mut self, status: &Status) -> Verdict {
        let v = self.verifier.observe(status);
        self.conclude(&v);
        v
    }

    /// For a clock tick when data may have stopped: `now_ms` is wall time minus how late a
    /// scrape may be (interval + timeout), so a scrape on its way still counts.
    pub fn expire(&mut self, now_ms: i64) -> Option<Verdict> {
        let v = self.verifier.expire(now_ms)?;
        self.conclude(&v);
        Some(v)
    }

    /// Ends the watch before its time, not verified, saying why.
    pub fn abandon(&mut self, why: &str) -> Verdict {
        let v = self.verifier.abandon(now_ms(), why);
        self.conclude(&v);
        v
    }

    fn conclude(&mut self, v: &Verdict) {
        let Some(id) = self.claim.as_ref().map(|c| c.id().to_string()) else {
            return;
        };
        if !v.is_final() {
            return;
        }
        let after_ms = match v {
            Verdict::Verified { after_ms, .. } | Verdict::NotVerified { after_ms, .. } => {
                (*after_ms).max(0) as u64
            }
            Verdict::Pending(_) => 0,
        };
        if let Err(e) = self.gate.record_verdict(
            &id,
            &self.action,
            &self.steps,
            v.is_verified(),
            v.words(),
            after_ms,
        ) {
            self.audit_warning = Some(e.to_string());
        }
        self.claim = None;
    }
}

impl Drop for Verification {
    fn drop(&mut self) {
        if self.claim.is_some() {
            self.abandon("the watch stopped before a verdict");
        }
    }
}

/// Drives a verification from a feed of statuses until its verdict. `late` is how late a
/// scrape may arrive (interval + timeout): the clock ends the watch at `verify_within + late`
/// when no status decides it. A feed that ends first gives "not verified". `progress` sees
/// every pending verdict that differs from the one before. A request to stop the gate's
/// actions ends the watch at once, not verified, saying so.
pub async fn verify(
    verification: &mut Verification,
    statuses: &mut mpsc::Receiver<Status>,
    late: Duration,
    mut progress: impl FnMut(&Verdict),
) -> Verdict {
    let late_ms = late.as_millis() as i64;
    let deadline_ms = verification.acted_ms() + verification.verifier.within_ms + late_ms;
    let mut shown: Option<Verdict> = None;
    let flights = verification.gate.flights().clone();
    loop {
        if let Some(v) = verification.verdict() {
            return v.clone();
        }
        let wait = Duration::from_millis((deadline_ms - now_ms()).max(0) as u64);
        tokio::select! {
            next = statuses.recv() => match next {
                Some(status) => {
                    let v = verification.observe(&status);
                    if v.is_final() {
                        return v;
                    }
                    if shown.as_ref() != Some(&v) {
                        progress(&v);
                        shown = Some(v);
                    }
                }
                None => return verification.abandon("the metrics feed ended"),
            },
            _ = tokio::time::sleep(wait) => {
                if let Some(v) = verification.expire(now_ms() - late_ms) {
                    return v;
                }
            }
            why = flights.stopped() => {
                return verification.abandon(&format!("interrupted by {why} before a verdict"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::{AuditEvent, AuditLog};
    use crate::figures::{DomainStatus, Health, Side, Traffic};

    fn orders() -> Action {
        Action::Rollback {
            domain: "orders".into(),
        }
    }

    fn status(at_ms: i64, legacy: f64, new: f64) -> Status {
        Status {
            version: 1,
            at: String::new(),
            mode: crate::mode::Mode::Live,
            domains: vec![DomainStatus {
                name: "orders".into(),
                stage: crate::stage::Stage::Canary,
                health: Health::Ok,
                traffic: Some(Traffic {
                    legacy: Side {
                        requests_total: Some(legacy),
                        ..Side::default()
                    },
                    new: Side {
                        requests_total: Some(new),
                        ..Side::default()
                    },
                    new_share: None,
                    configured_new_share: None,
                }),
                ..Default::default()
            }],
            sources: Vec::new(),
            at_ms,
            events: Vec::new(),
        }
    }

    fn step() -> StepSpec {
        StepSpec::Exec {
            argv: vec!["true".into()],
            timeout: Duration::from_secs(5),
        }
    }

    #[tokio::test]
    async fn progress_verdict_and_the_claim_until_the_verdict() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_state_dir(dir.path());
        let gate = Gate::new(None, log.clone());
        let mut seen = Vec::new();
        let run = act(&gate, &orders(), &[step()], |p| seen.push(p))
            .await
            .unwrap();
        assert!(run.succeeded());
        assert!(matches!(seen[0], Progress::Requested { steps: 1 }));
        assert!(matches!(
            seen[1],
            Progress::StepStarted {
                index: 0,
                of: 1,
                ..
            }
        ));
        assert!(matches!(
            seen[2],
            Progress::StepFinished {
                index: 0,
                of: 1,
                ..
            }
        ));

        let mut v = run.verification(Goal::AtMost(0.0), Duration::from_secs(30));
        // Still in flight while verifying: no second rollback from a repeated key.
        let refused = gate.precheck(&orders()).unwrap_err();
        assert!(
            refused.to_string().starts_with(&format!(
                "rollback of orders in flight in pid {} since ",
                std::process::id()
            )),
            "{refused}"
        );
        let t = v.acted_ms();
        let (tx, mut rx) = mpsc::channel(4);
        tx.send(status(t + 500, 1000.0, 100.0)).await.unwrap();
        tx.send(status(t + 1500, 1030.0, 100.0)).await.unwrap();
        let verdict = verify(&mut v, &mut rx, Duration::from_secs(1), |_| {}).await;
        assert!(verdict.is_verified(), "{verdict:?}");
        assert!(gate.precheck(&orders()).is_ok());
        drop(v);
        let entries = log.read_all().unwrap();
        assert_eq!(
            entries.iter().map(|e| e.event).collect::<Vec<_>>(),
            [
                AuditEvent::Requested,
                AuditEvent::Succeeded,
                AuditEvent::Verified
            ]
        );
        assert_eq!(
            entries[2].result,
            "verified in 1.5 s: new path served 0% of 30 requests in the last 1 s"
        );
    }

    #[tokio::test]
    async fn the_clock_ends_a_watch_without_data() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_state_dir(dir.path());
        let gate = Gate::new(None, log.clone());
        let run = act(&gate, &orders(), &[step()], |_| {}).await.unwrap();
        let mut v = run.verification(Goal::AtMost(0.0), Duration::from_millis(300));
        let (_tx, mut rx) = mpsc::channel::<Status>(1);
        let started = std::time::Instant::now();
        let verdict = verify(&mut v, &mut rx, Duration::from_millis(100), |_| {}).await;
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(
            verdict.words(),
            "NOT verified after 0.3 s: no traffic observed since the rollback"
        );
        let last = log.read_all().unwrap().pop().unwrap();
        assert_eq!(last.event, AuditEvent::NotVerified);
    }

    #[tokio::test]
    async fn a_watch_dropped_before_its_verdict_is_audited_and_releases_the_domain() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_state_dir(dir.path());
        let gate = Gate::new(None, log.clone());
        let run = act(&gate, &orders(), &[step()], |_| {}).await.unwrap();
        drop(run.verification(Goal::AtMost(0.0), Duration::from_secs(60)));
        assert!(gate.precheck(&orders()).is_ok());
        let last = log.read_all().unwrap().pop().unwrap();
        assert_eq!(last.event, AuditEvent::NotVerified);
        assert!(
            last.result.ends_with("the watch stopped before a verdict"),
            "{}",
            last.result
        );
    }
}
