//! The cockpit's side of the action gate: a task that answers the TUI's rollback and promote
//! requests. It asks the gate (which alone decides), runs confirmed actions off the UI loop,
//! and reports progress and the verification verdict back as events.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use super::notify_feed::{self, Ending};
use crate::action::marks::last_request_at;
use crate::action::promote::{self, PromotePlan, Shown, Target};
use crate::action::run::{act, verify};
use crate::action::terms;
use crate::action::{Action, Gate, Goal, Kind, Progress, Refusal, StepOutcome, StepSpec, Verdict};
use crate::clock::now_ms;
use crate::figures::{DomainStatus, Status};
use crate::notify::{NoticeKind, Notifier};
use crate::plan::Plan;
use crate::timeline::EventKind;
use crate::ui::{ActionRequest, FeedEvent, Offer};

pub struct ActionDesk {
    pub gate: Gate,
    pub plan: Arc<Plan>,
    pub steps: HashMap<String, Vec<StepSpec>>,
    /// Per domain with a `[domain.promote]`: its plan.
    pub promotes: HashMap<String, PromotePlan>,
    /// The newest figures, for the promote gate's standing and for verification.
    pub latest: watch::Receiver<Option<Arc<Status>>>,
    /// Told of each action's end (a replay's and the demo's sends nothing).
    pub notifier: Notifier,
}

fn event(kind: Kind, domain: &str, text: String) -> FeedEvent {
    FeedEvent::Event {
        at_ms: now_ms(),
        kind: EventKind::of(kind),
        domain: Some(domain.to_string()),
        text: format!("{domain}: {text}"),
    }
}

/// A confirmed action, ready to run: its steps and what verifies it.
struct Confirmed {
    action: Action,
    steps: Vec<StepSpec>,
    goal: Goal,
    within: Duration,
}

impl ActionDesk {
    fn steps_of(&self, domain: &str) -> Vec<StepSpec> {
        self.steps.get(domain).cloned().unwrap_or_default()
    }

    /// The domain's newest figures.
    fn standing(&self, domain: &str) -> Option<DomainStatus> {
        let latest = self.latest.borrow();
        latest
            .as_ref()?
            .domains
            .iter()
            .find(|d| d.name == domain)
            .cloned()
    }

    fn rollback_terms(&self, domain: &str) -> (Goal, Duration) {
        self.plan
            .domains
            .iter()
            .find(|d| d.name == domain)
            .map_or((Goal::AtMost(0.0), Duration::from_secs(60)), |d| {
                (Goal::AtMost(d.verify_share), d.verify_within)
            })
    }

    /// `R` or `P`: the gate's offer, or its refusal (audited).
    fn open(&self, kind: Kind, domain: String) -> FeedEvent {
        let refused = |reason: String| FeedEvent::Refused {
            kind,
            domain: domain.clone(),
            reason,
        };
        match kind {
            Kind::Rollback => {
                let action = Action::Rollback {
                    domain: domain.clone(),
                };
                let steps = self.steps_of(&domain);
                if let Err(r) = self.gate.admit(&action, &steps) {
                    self.gate.record_refusal(&action, &steps, &r);
                    return refused(r.to_string());
                }
                let (goal, within) = self.rollback_terms(&domain);
                FeedEvent::Offer(Offer::rollback(
                    &domain,
                    steps.iter().map(StepSpec::summary).collect(),
                    terms::goal_sentence(goal, within),
                ))
            }
            Kind::Promote => {
                let standing = self.standing(&domain);
                match promote::admit(
                    &self.gate,
                    &domain,
                    self.promotes.get(&domain),
                    standing.as_ref(),
                    Target::Next,
                ) {
                    Err(r) => refused(r.to_string()),
                    Ok(p) => FeedEvent::Offer(Offer {
                        action: p.action(),
                        headline: p.headline(),
                        steps: p.steps.iter().map(StepSpec::summary).collect(),
                        verify: terms::goal_sentence(p.goal, p.verify_within),
                        cautions: p.cautions.iter().map(|c| c.to_string()).collect(),
                        warnings: p.warnings,
                        last_action: last_request_at(self.gate.audit().path(), &domain)
                            .map(|(id, _)| id),
                    }),
                }
            }
        }
    }

    /// The dialog's Enter: the action it showed, weighed again (a promotion against the newest
    /// figures, for the target it showed), then the typed name, then (a promotion) whether
    /// what the dialog showed still holds (`promote::reconfirm`). `Err` is what the cockpit is
    /// told instead: the refusal, or for a promotion whose share moved or which has a new
    /// kind of warning, the dialog again as it reads now, saying why.
    fn confirm(
        &self,
        action: Action,
        typed: &str,
        drawn_whole: bool,
        shown: &Shown,
    ) -> Result<Confirmed, Box<FeedEvent>> {
        let kind = action.which();
        let refused = |r: Refusal| {
            Box::new(FeedEvent::Refused {
                kind,
                domain: action.domain().to_string(),
                reason: r.to_string(),
            })
        };
        let confirmed = match &action {
            Action::Rollback { domain } => {
                let (goal, within) = self.rollback_terms(domain);
                Confirmed {
                    steps: self.steps_of(domain),
                    action: action.clone(),
                    goal,
                    within,
                }
            }
            Action::Promote { domain, to, .. } => {
                let standing = self.standing(domain);
                let target = to.map_or(Target::Next, Target::Step);
                let plan = self.promotes.get(domain);
                let p = promote::admit(&self.gate, domain, plan, standing.as_ref(), target)
                    .map_err(refused)?;
                self.gate
                    .confirm_shown(&p.action(), &p.steps, typed, drawn_whole)
                    .map_err(refused)?;
                if let Some(plan) = plan {
                    let last = last_request_at(self.gate.audit().path(), domain);
                    if let Err(r) = promote::reconfirm(&self.gate, plan, shown, &p, last) {
                        return Err(Box::new(self.reopened(domain, r)));
                    }
                }
                return Ok(Confirmed {
                    action: p.action(),
                    steps: p.steps,
                    goal: p.goal,
                    within: p.verify_within,
                });
            }
        };
        self.gate
            .confirm_shown(&confirmed.action, &confirmed.steps, typed, drawn_whole)
            .map_err(refused)?;
        Ok(confirmed)
    }

    /// A promotion refused at Enter because the picture changed: its share moved or a new
    /// kind of warning appeared, so the dialog opens again as it reads now, the refusal at its
    /// top (the name is typed anew); another action meanwhile, or a target no longer above
    /// the share, is a refusal only.
    fn reopened(&self, domain: &str, why: Refusal) -> FeedEvent {
        if matches!(
            why,
            Refusal::ShareMoved { .. } | Refusal::NewWarnings { .. }
        ) {
            if let FeedEvent::Offer(mut offer) = self.open(Kind::Promote, domain.to_string()) {
                offer.warnings.insert(
                    0,
                    format!("Your confirmation was refused and this dialog opened again: {why}"),
                );
                return FeedEvent::Offer(offer);
            }
        }
        FeedEvent::Refused {
            kind: Kind::Promote,
            domain: domain.to_string(),
            reason: why.to_string(),
        }
    }

    /// Serves requests until the UI goes away, then waits for the actions it started: their
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
                ActionRequest::Open { kind, domain } => {
                    if ui.send(desk.open(kind, domain)).await.is_err() {
                        break;
                    }
                }
                ActionRequest::Confirm {
                    action,
                    typed,
                    drawn_whole,
                    shown,
                } => match desk.confirm(action, &typed, drawn_whole, &shown) {
                    Err(answer) => {
                        let _ = ui.send(*answer).await;
                    }
                    Ok(c) => running.push(tokio::spawn(run_one(desk.clone(), c, ui.clone()))),
                },
            }
        }
        for task in running {
            let _ = task.await;
        }
    }
}

/// One confirmed action: steps through the gate, then verification against the metrics.
async fn run_one(desk: Arc<ActionDesk>, c: Confirmed, ui: mpsc::Sender<FeedEvent>) {
    let kind = c.action.which();
    let domain = c.action.domain().to_string();
    let progress_ui = ui.clone();
    let d = domain.clone();
    let run = act(&desk.gate, &c.action, &c.steps, move |p| {
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
        let _ = progress_ui.try_send(event(kind, &d, text));
    })
    .await;
    let run = match run {
        Err(r) => {
            let _ = ui
                .send(FeedEvent::Refused {
                    kind,
                    domain,
                    reason: r.to_string(),
                })
                .await;
            return;
        }
        Ok(run) => run,
    };
    if !run.succeeded() {
        let (what, ending) = if run.report.event == crate::action::AuditEvent::Interrupted {
            ("INTERRUPTED", Ending::Interrupted)
        } else {
            ("FAILED", Ending::Failed)
        };
        let words = run.report.words();
        desk.notifier.send(notify_feed::action_end(
            NoticeKind::of(kind),
            &c.action,
            ending,
            &words,
        ));
        let _ = ui
            .send(event(
                kind,
                &domain,
                format!("{} {what}: {words}", kind.as_str()),
            ))
            .await;
        let _ = ui.send(FeedEvent::ActionEnded { kind, domain }).await;
        return;
    }
    let mut verification = run.verification(c.goal, c.within);
    let _ = ui
        .send(event(
            kind,
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
            let _ = progress_ui.try_send(event(kind, &d, w));
        }
    })
    .await;
    forward.abort();
    let ending = if verdict.is_verified() {
        Ending::Verified
    } else {
        Ending::NotVerified
    };
    desk.notifier.send(notify_feed::action_end(
        NoticeKind::of(kind),
        &c.action,
        ending,
        verdict.words(),
    ));
    let _ = ui
        .send(event(kind, &domain, verdict.words().to_string()))
        .await;
    let _ = ui
        .send(FeedEvent::ActionEnded {
            kind,
            domain: domain.clone(),
        })
        .await;
    if let Some(w) = verification.audit_warning() {
        let _ = ui
            .send(event(kind, &domain, format!("audit log: {w}")))
            .await;
    }
}
