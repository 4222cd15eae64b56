//! `cutover ramp DOMAIN [--json] [--yes]`: walks a domain's `[domain.promote] steps` headless
//! (for a pipeline, or a tmux window next to the cockpit), one promotion at a time through the
//! same gate as `P` and `cutover promote`, each audited `via ramp`.
//!
//! - First it prints everything it may run (every target's steps with the placeholders
//!   filled, and the rollback's when `auto_rollback = true`) and asks for the domain's name,
//!   as `promote` and `rollback` do; `--yes` skips the question for a pipeline.
//! - At each step (the current one first) it holds for `hold`: the judge's verdict is read on
//!   every poll, and only `hold` of uninterrupted `pass` moves it on. `inconclusive` or
//!   `marginal` (or stale figures) pause it, saying why, and the hold starts again once it
//!   clears. `crit` health fails it whatever the verdict. Without a verdict (no judge figures)
//!   the health stands in: ok passes, warn and unknown pause.
//! - `fail` stops it; with `auto_rollback = true` the domain's rollback runs through the gate,
//!   audited `via ramp` with the verdict's evidence as its note.
//! - Locking (see `action::lock`): the ramp holds the domain's `<domain>.ramp` file for its
//!   whole run, so a promotion (or a second ramp) from another process is refused with this
//!   pid; the domain's action lock it takes only around each of its actions (steps and
//!   verification). Between them a rollback from anywhere (the cockpit's `R`, `cutover
//!   rollback`) can take the domain: the ramp reads the audit log on every poll and before
//!   each action (with the lock held), and an action on the domain that is not its own stops
//!   it with exit 3, saying so. It never promotes over a rollback.
//! - A first SIGINT/SIGTERM stops it before the next action (a promotion under way runs to its
//!   verdict); a second stops that action at its next safe point, as for a rollback. It then
//!   says where the domain stands.
//!
//! Exit: 0 the last step reached and verified, 3 stopped on a fail verdict, a promotion not
//! verified or another action on the domain, 1 a step failed or the ramp was stopped by a
//! signal, 2 refused (the name not confirmed among them) or a usage error.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::{mpsc, watch};

use super::action_setup::{setup, ActionSetup};
use super::ramp_out::Out;
use super::rollback::{feed, read_line, Aborting};
use super::{Failure, GlobalArgs};
use crate::action::marks::{last_request, read_tail, request_words};
use crate::action::promote::{self, Current, PromotePlan, Target};
use crate::action::{
    act, terms, verify, Action, AuditEvent, EntryPoint, Gate, Goal, Progress, Refusal, StepOutcome,
    StepSpec, Verdict,
};
use crate::compile::Compiled;
use crate::figures::{DomainStatus, Health, Status};
use crate::judge::outcome::Outcome;
use crate::notify::Watch;

/// Exit codes, as `cutover promote` and `cutover rollback` use them.
const DONE: u8 = 0;
const FAILED: u8 = 1;
const REFUSED: u8 = 2;
const STOPPED_ON_FAIL: u8 = 3;

/// How many polls the ramp waits for a share it can start from (the first poll has no rates).
const FIRST_POLLS: usize = 8;

pub async fn run(
    global: &GlobalArgs,
    domain: &str,
    json: bool,
    yes: bool,
    note: Option<&str>,
) -> Result<u8, Failure> {
    let ActionSetup { loaded, gate, note } =
        setup(global, domain, "ramp", note, EntryPoint::Ramp, yes)?;
    let compiled = &loaded.compiled;
    let out = Out {
        json,
        domain: domain.to_string(),
        notifier: super::notify_feed::headless(compiled),
    };
    let notifier = out.notifier.clone();
    let Some(plan) = compiled.promotes.get(domain) else {
        let why = match promote::admit(&gate, domain, None, None, Target::Next) {
            Err(r) => r,
            Ok(_) => Refusal::NoSteps {
                kind: "promote".into(),
                domain: domain.to_string(),
            },
        };
        out.event("refused", &why.to_string(), json!({}));
        super::notify_feed::finish(&notifier).await;
        return Ok(REFUSED);
    };
    let early = Action::Promote {
        domain: domain.to_string(),
        from: None,
        to: None,
    };
    // The ramp runs from here to the end: no promotion and no other ramp elsewhere meanwhile.
    let gate = match gate.clone().running_ramp(domain) {
        Ok(g) => g,
        Err(r) => {
            gate.record_refusal(&early, &[], &r);
            out.event("refused", &r.to_string(), json!({}));
            super::notify_feed::finish(&notifier).await;
            return Ok(REFUSED);
        }
    };
    let rollback = compiled
        .steps
        .get(domain)
        .zip(compiled.plan.domains.iter().find(|d| d.name == domain))
        .filter(|_| plan.auto_rollback)
        .map(|(steps, d)| {
            (
                steps.as_slice(),
                terms::goal_sentence(Goal::AtMost(d.verify_share), d.verify_within),
            )
        });
    out.plan(plan, rollback, gate.audit().path());
    if !yes {
        out.prompt(gate.typed_name());
        let typed = read_line().await;
        out.after_prompt(&typed);
        if let Err(r) = gate.confirm(&early, &[], &typed) {
            out.event("refused", &r.to_string(), json!({ "code": REFUSED }));
            return Ok(REFUSED);
        }
    }

    let (stop_tx, stop_rx) = watch::channel(None);
    let signals = crate::ui::terminal::ExitSignals::new()
        .map_err(|e| Failure::runtime(format!("cannot follow signals: {e}")))?;
    let _guard = Aborting(tokio::spawn(guard(
        signals,
        gate.flights().clone(),
        stop_tx,
        out.clone(),
    )));
    let mut ramp = Ramp {
        gate,
        plan,
        compiled,
        note,
        out,
        stop: stop_rx,
        last: None,
        watch: Watch::new(),
        seen: None,
        audit_stamp: None,
    };
    // Whatever was done to the domain before the ramp started is its starting point.
    ramp.seen = ramp.newest_action().map(|e| e.id);
    let (tx, mut rx) = mpsc::channel(2);
    let code = tokio::select! {
        code = ramp.walk(&mut rx) => code,
        _ = feed(compiled, tx) => unreachable!("the feed never ends on its own"),
    };
    super::notify_feed::finish(&notifier).await;
    Ok(code)
}

/// Signals: the first stops the ramp before its next action, the next stops the action in
/// flight at its next safe point (audited `interrupted` / `not_verified`). SIGHUP only means
/// nobody watches any more.
async fn guard(
    mut signals: crate::ui::terminal::ExitSignals,
    flights: crate::action::Flights,
    stop: watch::Sender<Option<&'static str>>,
    out: Out,
) {
    loop {
        let sig = signals.next().await;
        if sig == "SIGHUP" {
            continue;
        }
        if stop.borrow().is_none() {
            // Said before it is acted on, so the ramp's last line is where the domain stands.
            out.event(
                "stopping",
                &format!("{sig}: stopping before the next action; an action under way goes on to its verdict ({sig} again stops it at its next safe point)"),
                json!({ "signal": sig }),
            );
            stop.send_replace(Some(sig));
        } else {
            flights.stop(sig);
            out.event(
                "stopping",
                &format!("{sig} again: stopping the action under way at its next safe point"),
                json!({ "signal": sig }),
            );
        }
    }
}

/// What the figures say about moving on.
#[derive(Debug, Clone, PartialEq)]
enum Reading {
    Pass(String),
    /// Not yet: what kind of wait (`inconclusive`) and why.
    Wait(&'static str, String),
    Fail(String),
}

/// Crit health fails whatever the verdict; otherwise the judge's verdict where there is one,
/// the health where there is none, said so.
fn reading(d: &DomainStatus) -> Reading {
    let reasons = |r: &[String]| {
        if r.is_empty() {
            "no reason given".to_string()
        } else {
            r.join("; ")
        }
    };
    // Crit health stops the ramp whatever the verdict says: a passing judge on latency and
    // errors does not outweigh a queue backing up or a saga failing. A failing verdict is
    // named first when there is one: it is the sharper evidence.
    if let Some(v) = d.verdict.as_ref().filter(|v| v.result == Outcome::Fail) {
        return Reading::Fail(format!("verdict fail: {}", reasons(&v.reasons)));
    }
    // A domain declared `shadow` waits for its shadow comparisons to agree; at 0% they are
    // the evidence, and crit health they caused waits for its clear_after rather than stopping
    // a ramp that has sent the new path nothing (`shadow_gate::for_ramp`).
    match crate::action::shadow_gate::for_ramp(d) {
        Some(Err(why)) => return Reading::Wait("shadow", why),
        Some(Ok(why)) => return Reading::Pass(why),
        None => {}
    }
    if d.health == Health::Crit {
        return Reading::Fail(format!("health crit: {}", reasons(&d.reasons)));
    }
    if d.stale {
        return Reading::Wait(
            "stale",
            "its figures are not current: a source it reads is down".into(),
        );
    }
    match &d.verdict {
        Some(v) => match v.result {
            Outcome::Pass => Reading::Pass(format!("verdict pass ({})", reasons(&v.reasons))),
            Outcome::Fail => Reading::Fail(format!("verdict fail: {}", reasons(&v.reasons))),
            Outcome::Inconclusive => Reading::Wait(
                "inconclusive",
                format!("verdict inconclusive: {}", reasons(&v.reasons)),
            ),
            Outcome::Marginal => Reading::Wait(
                "marginal",
                format!("verdict marginal: {}", reasons(&v.reasons)),
            ),
        },
        None => match d.health {
            Health::Ok => Reading::Pass("no verdict (the judge has no figures); health ok".into()),
            // Read above already; kept so the match says every level.
            Health::Crit => Reading::Fail(format!("health crit: {}", reasons(&d.reasons))),
            Health::Warn => Reading::Wait(
                "warn",
                format!("no verdict; health warn: {}", reasons(&d.reasons)),
            ),
            Health::Unknown => Reading::Wait("unknown", "no verdict; health unknown".into()),
        },
    }
}

/// How a hold ended.
enum Held {
    Passed,
    Failed(String),
    Stopped(&'static str),
    /// Another action on the domain (a rollback from elsewhere): what it was.
    Superseded(String),
}

/// An action on the domain the ramp did not run, from the audit log.
struct Foreign {
    id: String,
    words: String,
}

struct Ramp<'a> {
    gate: Gate,
    plan: &'a PromotePlan,
    compiled: &'a Compiled,
    /// The operator's `--note`, kept with the evidence on an automatic rollback.
    note: Option<String>,
    out: Out,
    stop: watch::Receiver<Option<&'static str>>,
    /// The domain's newest figures.
    last: Option<DomainStatus>,
    /// Crit and fail notices from the figures the ramp reads.
    watch: Watch,
    /// The id of the newest action on the domain in the audit log that the ramp knows of
    /// (its own last one, or the one before it started).
    seen: Option<String>,
    /// The audit log's length and time when it was last read: read again only when changed.
    audit_stamp: Option<(u64, Option<std::time::SystemTime>)>,
}

impl Ramp<'_> {
    fn domain(&self) -> &str {
        &self.out.domain
    }

    /// Takes the next status from the feed; false when the feed ended.
    async fn next(&mut self, rx: &mut mpsc::Receiver<Status>) -> bool {
        let Some(status) = rx.recv().await else {
            return false;
        };
        super::notify_feed::observe(&mut self.watch, &self.out.notifier, &status);
        if let Some(d) = status
            .domains
            .into_iter()
            .find(|d| d.name == self.out.domain)
        {
            self.last = Some(d);
        }
        true
    }

    fn current(&self) -> Option<Current> {
        self.last.as_ref().and_then(Current::of)
    }

    fn stop_reason(&self) -> Option<&'static str> {
        *self.stop.borrow()
    }

    /// The newest action on the domain in the audit log (its tail), read again only when the
    /// log changed since the last look; `None` when there is none or it cannot be read.
    fn newest_action(&mut self) -> Option<Foreign> {
        let path = self.gate.audit().path().to_path_buf();
        let entries = read_tail(&path).ok()?;
        let e = last_request(&entries, self.domain())?;
        Some(Foreign {
            id: e.id.clone(),
            words: request_words(e),
        })
    }

    /// An action on the domain since the ramp last looked that is not the ramp's own: someone
    /// rolled back (or acted otherwise) between two of its actions.
    fn foreign(&mut self) -> Option<Foreign> {
        let stamp = std::fs::metadata(self.gate.audit().path())
            .ok()
            .map(|m| (m.len(), m.modified().ok()));
        if stamp.is_some() && stamp == self.audit_stamp {
            return None;
        }
        let newest = self.newest_action();
        // Only a log read whole moves the stamp: an unreadable one is looked at again.
        if newest.is_some() || stamp.is_none() {
            self.audit_stamp = stamp;
        }
        newest.filter(|f| Some(&f.id) != self.seen.as_ref())
    }

    /// Another action took the domain: stop, never acting over it.
    fn superseded(&self, why: &str) -> u8 {
        self.out.event(
            "superseded",
            &format!(
                "{why}: the ramp stops and never promotes over it; {}",
                self.standing()
            ),
            json!({
                "at_percent": self.current().map(|c| c.percent()),
                "code": STOPPED_ON_FAIL,
            }),
        );
        STOPPED_ON_FAIL
    }

    /// The gate for one of the ramp's actions, holding the domain's lock from before the look
    /// at the audit log to the action's verdict: `Err` is the exit code (another action in
    /// flight or done meanwhile: 3; refused otherwise: 2), said and audited.
    fn take_domain(&mut self, action: &Action) -> Result<Gate, u8> {
        let gate = match self.gate.clone().holding(self.domain(), action.kind()) {
            Ok(g) => g,
            Err(Refusal::InFlight { kind, holder, .. }) if kind == "rollback" => {
                return Err(self.superseded(&format!(
                    "a rollback of {} is in flight {}",
                    self.domain(),
                    holder.words()
                )))
            }
            Err(r) => {
                self.gate.record_refusal(action, &[], &r);
                self.out.event(
                    "refused",
                    &format!("{} refused: {r}", action.kind()),
                    json!({ "action": action.kind(), "code": REFUSED }),
                );
                return Err(REFUSED);
            }
        };
        if let Some(f) = self.foreign() {
            return Err(self.superseded(&f.words));
        }
        Ok(gate)
    }

    async fn walk(mut self, rx: &mut mpsc::Receiver<Status>) -> u8 {
        for _ in 0..FIRST_POLLS {
            if self.current().is_some() || !self.next(rx).await {
                break;
            }
        }
        let start = self
            .current()
            .map_or_else(|| "an unknown share".to_string(), |c| c.words());
        self.out.event(
            "start",
            &format!(
                "from {start}; steps {}, hold {} at each with verdict pass, auto_rollback {}; ramp running in pid {} (a rollback elsewhere stops it)",
                self.plan.steps_words(),
                crate::format::duration_ms(self.plan.hold.as_millis() as u64),
                self.plan.auto_rollback,
                std::process::id()
            ),
            json!({
                "from": self.current().map(|c| c.percent()),
                "steps": self.plan.steps,
                "hold_ms": self.plan.hold.as_millis() as u64,
                "pid": std::process::id(),
            }),
        );
        loop {
            if let Some(c) = self.current() {
                if self.plan.next_above(&c).is_none() {
                    self.out.event(
                        "done",
                        &format!("at the last step: {}", c.words()),
                        json!({ "at_percent": c.percent(), "code": DONE }),
                    );
                    return DONE;
                }
            }
            match self.hold(rx).await {
                Held::Passed => {}
                Held::Failed(why) => return self.failed(why, rx).await,
                Held::Stopped(sig) => return self.stopped(sig),
                Held::Superseded(why) => return self.superseded(&why),
            }
            if let Some(sig) = self.stop_reason() {
                return self.stopped(sig);
            }
            match self.promote(rx).await {
                Ok(()) => {}
                Err(code) => return code,
            }
        }
    }

    /// Holds the current step until `hold` of uninterrupted pass, a fail, a stop, or the end of
    /// the feed (treated as a stop: nothing more can be known).
    async fn hold(&mut self, rx: &mut mpsc::Receiver<Status>) -> Held {
        let hold = self.plan.hold;
        let at = self
            .current()
            .map_or_else(|| "an unknown share".to_string(), |c| c.words());
        self.out.event(
            "hold",
            &format!(
                "holding at {at} for {} of verdict pass",
                crate::format::duration_ms(hold.as_millis() as u64)
            ),
            json!({ "at_percent": self.current().map(|c| c.percent()) }),
        );
        let mut pass_since: Option<Instant> = None;
        let mut paused: Option<&'static str> = None;
        loop {
            if pass_since.is_some_and(|t| t.elapsed() >= hold) {
                self.out.event(
                    "held",
                    &format!(
                        "{} of verdict pass at {at}",
                        crate::format::duration_ms(hold.as_millis() as u64)
                    ),
                    json!({ "verdict": "pass" }),
                );
                return Held::Passed;
            }
            let mut stop = self.stop.clone();
            tokio::select! {
                more = self.next(rx) => {
                    if !more {
                        return Held::Stopped("the end of the metrics feed");
                    }
                }
                Ok(sig) = stop.wait_for(Option::is_some) => {
                    return Held::Stopped((*sig).unwrap_or("a signal"));
                }
            }
            if let Some(f) = self.foreign() {
                return Held::Superseded(f.words);
            }
            let Some(d) = &self.last else { continue };
            match reading(d) {
                Reading::Pass(_) => {
                    if pass_since.is_none() {
                        pass_since = Some(Instant::now());
                    }
                    if let Some(kind) = paused.take() {
                        self.out.event(
                            "resumed",
                            &format!("the verdict passes again (was {kind}): the hold starts over"),
                            json!({ "verdict": "pass" }),
                        );
                    }
                }
                Reading::Wait(kind, why) => {
                    pass_since = None;
                    if paused != Some(kind) {
                        paused = Some(kind);
                        self.out.event(
                            "paused",
                            &format!("{why}; waiting for it to clear"),
                            json!({ "verdict": kind, "reason": why }),
                        );
                    }
                }
                Reading::Fail(why) => return Held::Failed(why),
            }
        }
    }

    /// One promotion to the next step, from request to verdict. `Err` is the exit code.
    async fn promote(&mut self, rx: &mut mpsc::Receiver<Status>) -> Result<(), u8> {
        let early = Action::Promote {
            domain: self.domain().to_string(),
            from: self.current().map(|c| c.percent()),
            to: None,
        };
        let gate = self.take_domain(&early)?;
        let proposal = match promote::admit(
            &gate,
            self.domain(),
            Some(self.plan),
            self.last.as_ref(),
            Target::Next,
        ) {
            Ok(p) => p,
            Err(Refusal::VerdictFail { reasons, .. }) => {
                return Err(self.failed(format!("verdict fail: {reasons}"), rx).await)
            }
            Err(r) => {
                self.out.event(
                    "refused",
                    &format!("promote refused: {r}"),
                    json!({ "code": REFUSED }),
                );
                return Err(REFUSED);
            }
        };
        let (from, to) = (proposal.from.map(|c| c.percent()), proposal.to);
        self.out.event(
            "promote",
            &format!("promote {}", proposal.headline()),
            json!({ "from": from, "to": to }),
        );
        let action = proposal.action();
        let verified = self
            .act(
                &gate,
                &action,
                &proposal.steps,
                proposal.goal,
                proposal.verify_within,
                rx,
            )
            .await?;
        drop(gate);
        if !verified {
            return Err(STOPPED_ON_FAIL);
        }
        // The figures after the verdict: the next hold starts from them.
        if !self.next(rx).await {
            return Err(self.stopped("the end of the metrics feed"));
        }
        Ok(())
    }

    /// Runs an action through the gate and watches it to its verdict: `Ok(verified)`, or the
    /// exit code when it was refused (2), failed or was interrupted (1).
    async fn act(
        &mut self,
        gate: &Gate,
        action: &Action,
        steps: &[StepSpec],
        goal: Goal,
        verify_within: Duration,
        rx: &mut mpsc::Receiver<Status>,
    ) -> Result<bool, u8> {
        let kind = action.kind();
        let out = self.out.clone();
        let run = act(gate, action, steps, |p| step_event(&out, kind, p)).await;
        let run = match run {
            Ok(run) => run,
            Err(r) => {
                self.out.event(
                    "refused",
                    &format!("{kind} refused: {r}"),
                    json!({ "action": kind, "code": REFUSED }),
                );
                return Err(REFUSED);
            }
        };
        // The ramp's own action: the next look at the audit log starts from it.
        self.seen = Some(run.report.id.clone());
        if run.report.event == AuditEvent::Interrupted || !run.succeeded() {
            let why = run
                .report
                .interrupted
                .clone()
                .unwrap_or_else(|| run.report.words());
            self.out.event(
                "failed",
                &format!("{kind} {why}; {}", self.standing()),
                json!({ "action": kind, "code": FAILED }),
            );
            return Err(FAILED);
        }
        let timing = &self.compiled.plan.timing;
        let late = timing.interval + timing.timeout;
        let mut verification = run.verification(goal, verify_within);
        let verdict = verify(&mut verification, rx, late, |p| {
            out.event("verifying", p.words(), json!({ "action": kind }))
        })
        .await;
        let verified = matches!(verdict, Verdict::Verified { .. });

        self.out.event(
            if verified { "verified" } else { "not_verified" },
            &format!("{kind}: {}", verdict.words()),
            json!({ "action": kind }),
        );
        Ok(verified)
    }

    /// A fail verdict: stop, and roll back when the plan says so.
    async fn failed(&mut self, why: String, rx: &mut mpsc::Receiver<Status>) -> u8 {
        let at = self.current().map(|c| c.percent());
        self.out.event(
            "fail",
            &format!(
                "{why}; stopping{}",
                if self.plan.auto_rollback {
                    ", rolling back (auto_rollback = true)"
                } else {
                    " (auto_rollback = false: the domain stays where it is)"
                }
            ),
            json!({ "verdict": "fail", "evidence": why, "at_percent": at, "code": STOPPED_ON_FAIL }),
        );
        if !self.plan.auto_rollback {
            return STOPPED_ON_FAIL;
        }
        let domain = self.domain().to_string();
        let (Some(steps), Some(d)) = (
            self.compiled.steps.get(&domain).cloned(),
            self.compiled.plan.domains.iter().find(|d| d.name == domain),
        ) else {
            self.out.event(
                "refused",
                "rollback refused: the domain has no rollback steps",
                json!({ "action": "rollback", "code": REFUSED }),
            );
            return REFUSED;
        };
        let goal = Goal::AtMost(d.verify_share);
        let within = d.verify_within;
        let action = Action::Rollback {
            domain: domain.clone(),
        };
        let note = rollback_note(self.note.as_deref(), &why);
        // The domain's lock for the rollback; a rollback from elsewhere already under way or
        // done since the ramp last looked is left to stand alone.
        let gate = match self.take_domain(&action) {
            Ok(g) => g.with_note(note),
            Err(code) => return code,
        };
        self.out.event(
            "rollback",
            &format!("rollback of {domain}: {} step(s)", steps.len()),
            json!({ "action": "rollback" }),
        );
        let result = self.act(&gate, &action, &steps, goal, within, rx).await;
        match result {
            Ok(_) => STOPPED_ON_FAIL,
            Err(code) => code,
        }
    }

    /// Stopped by a signal between actions: where the domain stands.
    fn stopped(&self, why: &str) -> u8 {
        self.out.event(
            "stopped",
            &format!("stopped by {why} between actions; {}", self.standing()),
            json!({
                "at_percent": self.current().map(|c| c.percent()),
                "code": FAILED,
            }),
        );
        FAILED
    }

    /// `orders stands at 25% (the weight the gateway exports), verdict pass (…)`.
    fn standing(&self) -> String {
        let at = self
            .current()
            .map_or_else(|| "an unknown share".to_string(), |c| c.words());
        let verdict = match self.last.as_ref().map(reading) {
            Some(Reading::Pass(w) | Reading::Wait(_, w) | Reading::Fail(w)) => w,
            None => "no figures".to_string(),
        };
        format!("{} stands at {at}, {verdict}", self.domain())
    }
}

/// The automatic rollback's audit note: the operator's note and the verdict's evidence, one
/// line within the note's limit.
fn rollback_note(note: Option<&str>, why: &str) -> Option<String> {
    let mut text = match note {
        Some(n) => format!("{n}; ramp: {why}"),
        None => format!("ramp: {why}"),
    };
    text = text
        .chars()
        .map(|c| {
            if c.is_control() || crate::term_text::is_unsafe(c) {
                ' '
            } else {
                c
            }
        })
        .take(crate::action::audit::MAX_NOTE)
        .collect();
    crate::action::audit_note(&text)
        .ok()
        .flatten()
        .or_else(|| Some("ramp: verdict fail".to_string()))
}

/// A step of an action as it runs: one line when it starts (exactly what runs), one when it
/// ends.
fn step_event(out: &Out, kind: &str, p: Progress) {
    if let Progress::StepStarted { index, of, summary } = &p {
        out.event(
            "step_started",
            &format!("{kind} [{}/{of}] run {summary}", index + 1),
            json!({ "action": kind, "step": index + 1, "of": of, "summary": summary }),
        );
    }
    if let Progress::StepFinished { index, of, result } = p {
        let (what, text) = match &result.outcome {
            StepOutcome::Succeeded(t) => ("ok", t),
            StepOutcome::Failed(t) => ("FAILED", t),
            StepOutcome::TimedOut(t) => ("TIMED OUT", t),
        };
        let text = text.trim_end().replace('\n', " / ");
        out.event(
            "step",
            &format!(
                "{kind} [{}/{of}] {what} in {} ms{}{text}",
                index + 1,
                result.duration.as_millis(),
                if text.is_empty() { "" } else { ": " }
            ),
            json!({ "action": kind, "step": index + 1, "of": of, "ok": what == "ok" }),
        );
    }
}
