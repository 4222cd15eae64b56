//! The cockpit's side of the action gate: a task that answers the TUI's rollback requests.
//! It asks the gate (which alone decides), runs confirmed rollbacks off the UI loop, and
//! reports progress and the verification verdict back as events.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{mpsc, watch};

use crate::action::rollback::{rollback, verify};
use crate::action::terms;
use crate::action::Progress;
use crate::action::{Action, Gate, StepOutcome, StepSpec, Verdict};
use crate::clock::now_ms;
use crate::figures::Status;
use crate::plan::Plan;
use crate::ui::{ActionRequest, FeedEvent};

pub struct ActionDesk {
    pub gate: Gate,
    pub plan: Arc<Plan>,
    pub steps: HashMap<String, Vec<StepSpec>>,
    /// The newest figures, for verification.
    pub latest: watch::Receiver<Option<Arc<Status>>>,
}

fn event(domain: &str, text: String) -> FeedEvent {
    FeedEvent::Event {
        at_ms: now_ms(),
        kind: crate::timeline::EventKind::Rollback,
        domain: Some(domain.to_string()),
        text: format!("{domain}: {text}"),
    }
}

impl ActionDesk {
    fn steps_of(&self, domain: &str) -> Vec<StepSpec> {
        self.steps.get(domain).cloned().unwrap_or_default()
    }

    /// Serves requests until the UI goes away, then waits for the rollbacks it started: their
    /// requests are audited, so they must end (and be audited) before the process does.
    pub async fn serve(
        self,
        mut requests: mpsc::Receiver<ActionRequest>,
        ui: mpsc::Sender<FeedEvent>,
    ) {
        let desk = Arc::new(self);
        let mut running = Vec::new();
        while let Some(req) = requests.recv().await {
            running.retain(|t: &tokio::task::JoinHandle<()>| !t.is_finished());
            match req {
                ActionRequest::Open { domain } => {
                    let action = Action::Rollback {
                        domain: domain.clone(),
                    };
                    let steps = desk.steps_of(&domain);
                    let answer = match desk.gate.admit(&action, &steps) {
                        Err(r) => {
                            desk.gate.record_refusal(&action, &steps, &r);
                            FeedEvent::RollbackRefused {
                                domain,
                                reason: r.to_string(),
                            }
                        }
                        Ok(()) => {
                            let d = desk.plan.domains.iter().find(|d| d.name == domain);
                            let verify = d.map_or_else(String::new, |d| {
                                terms::verify_sentence(d.verify_share, d.verify_within)
                            });
                            FeedEvent::RollbackOffer {
                                domain,
                                steps: steps.iter().map(StepSpec::summary).collect(),
                                verify,
                            }
                        }
                    };
                    if ui.send(answer).await.is_err() {
                        break;
                    }
                }
                ActionRequest::Confirm {
                    domain,
                    typed,
                    drawn_whole,
                } => {
                    let action = Action::Rollback {
                        domain: domain.clone(),
                    };
                    let steps = desk.steps_of(&domain);
                    if let Err(r) = desk
                        .gate
                        .confirm_shown(&action, &steps, &typed, drawn_whole)
                    {
                        let _ = ui
                            .send(FeedEvent::RollbackRefused {
                                domain,
                                reason: r.to_string(),
                            })
                            .await;
                        continue;
                    }
                    running.push(tokio::spawn(run_one(
                        desk.clone(),
                        action,
                        steps,
                        ui.clone(),
                    )));
                }
            }
        }
        for task in running {
            let _ = task.await;
        }
    }
}

/// One confirmed rollback: steps through the gate, then verification against the metrics.
async fn run_one(
    desk: Arc<ActionDesk>,
    action: Action,
    steps: Vec<StepSpec>,
    ui: mpsc::Sender<FeedEvent>,
) {
    let domain = action.domain().to_string();
    let progress_ui = ui.clone();
    let d = domain.clone();
    let run = rollback(&desk.gate, &action, &steps, move |p| {
        let text = match p {
            Progress::Requested { steps } => format!("requested ({steps} step(s)); audited"),
            Progress::StepStarted { index, of, summary } => {
                format!("step {}/{of} running: {summary}", index + 1)
            }
            Progress::StepFinished { index, of, result } => match &result.outcome {
                StepOutcome::Succeeded(t) => format!(
                    "step {}/{of} ok in {} ms {t}",
                    index + 1,
                    result.duration.as_millis()
                ),
                StepOutcome::Failed(t) => format!("step {}/{of} FAILED: {t}", index + 1),
                StepOutcome::TimedOut(t) => format!("step {}/{of} TIMED OUT: {t}", index + 1),
            },
        };
        let _ = progress_ui.try_send(event(&d, text));
    })
    .await;
    let run = match run {
        Err(r) => {
            let _ = ui
                .send(FeedEvent::RollbackRefused {
                    domain,
                    reason: r.to_string(),
                })
                .await;
            return;
        }
        Ok(run) => run,
    };
    if !run.succeeded() {
        let what = if run.report.event == crate::action::AuditEvent::Interrupted {
            "INTERRUPTED"
        } else {
            "FAILED"
        };
        let _ = ui
            .send(event(
                &domain,
                format!("rollback {what}: {}", run.report.words()),
            ))
            .await;
        return;
    }
    let Some(pd) = desk.plan.domains.iter().find(|d| d.name == domain) else {
        return;
    };
    let mut verification = run.verification(pd.verify_share, pd.verify_within);
    let _ = ui
        .send(event(
            &domain,
            "steps done; verifying against the metrics ...".into(),
        ))
        .await;
    // Statuses from the live feed, newest only, into the verifier.
    let (tx, mut rx) = mpsc::channel(4);
    let mut latest = desk.latest.clone();
    let forward = tokio::spawn(async move {
        while latest.changed().await.is_ok() {
            let s = latest.borrow().clone();
            if let Some(s) = s {
                if tx.send((*s).clone()).await.is_err() {
                    break;
                }
            }
        }
    });
    let late = desk.plan.timing.interval + desk.plan.timing.timeout;
    let progress_ui = ui.clone();
    let d = domain.clone();
    let mut last_shown = String::new();
    let verdict = verify(&mut verification, &mut rx, late, move |v: &Verdict| {
        let w = v.words().to_string();
        if w != last_shown {
            last_shown = w.clone();
            let _ = progress_ui.try_send(event(&d, w));
        }
    })
    .await;
    forward.abort();
    let _ = ui.send(event(&domain, verdict.words().to_string())).await;
    if let Some(w) = verification.audit_warning() {
        let _ = ui.send(event(&domain, format!("audit log: {w}"))).await;
    }
}
