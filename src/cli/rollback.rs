//! `cutover rollback DOMAIN [--yes]`: the rollback of the key R, for scripts. The same gate,
//! audit log and verification; exit 0 verified, 3 not verified, 1 a step failed or the run was
//! interrupted, 2 refused (read-only, unknown domain, not confirmed, audit log unavailable,
//! already in flight here or in another process).
//!
//! From the confirmation on, signals never cut the rollback short (see `interrupt`).

use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::action_setup::{refused_as, setup, ActionSetup};
use super::interrupt;
use super::notify_feed::{self, Ending};
use super::status::poll_all;
use super::{Failure, GlobalArgs};
use crate::action::terms;
use crate::action::{
    act, verify, Action, AuditEvent, EntryPoint, Gate, Goal, Progress, Refusal, StepOutcome,
    StepSpec, Verdict,
};
use crate::compile::Compiled;
use crate::engine::Mode;
use crate::engine_thread::EngineThread;
use crate::figures::Status;
use crate::notify::{NoticeKind, Notifier};

/// Exit code when the steps ran but the metrics did not confirm the rollback in time.
pub const NOT_VERIFIED: u8 = 3;

pub async fn run(
    global: &GlobalArgs,
    domain: &str,
    yes: bool,
    note: Option<&str>,
) -> Result<u8, Failure> {
    let ActionSetup { loaded, gate, .. } =
        setup(global, domain, "rollback", note, EntryPoint::Cli, yes)?;
    let compiled = &loaded.compiled;
    let (Some(steps), Some(plan)) = (
        compiled.steps.get(domain),
        compiled.plan.domains.iter().find(|d| d.name == domain),
    ) else {
        return Err(Failure::usage(
            Refusal::UnknownDomain(domain.to_string()).to_string(),
        ));
    };
    let action = Action::Rollback {
        domain: domain.to_string(),
    };
    if let Err(r) = gate.admit(&action, steps) {
        gate.record_refusal(&action, steps, &r);
        return Err(refused(domain, &r));
    }

    let mut out = String::new();
    plan_text(
        &mut out,
        domain,
        steps,
        plan.verify_share,
        plan.verify_within,
    );
    out.push_str(&format!("Audit log: {}\n", gate.audit().path().display()));
    say(&out);
    if !yes {
        say(&format!(
            "Type {} to roll it back; anything else cancels: ",
            gate.typed_name().ask(domain)
        ));
        let typed = read_line().await;
        // A terminal echoes the answer and its Enter; piped input, or input ended without a
        // line break, echoes nothing, and what follows must not run on after the prompt.
        if !std::io::IsTerminal::is_terminal(&std::io::stdin()) || !typed.ends_with('\n') {
            say("\n");
        }
        if let Err(r) = gate.confirm(&action, steps, &typed) {
            return Err(refused(domain, &r));
        }
    }

    let notifier = notify_feed::headless(compiled);
    let code = run_confirmed(
        &gate,
        &action,
        steps,
        compiled,
        Goal::AtMost(plan.verify_share),
        plan.verify_within,
        &notifier,
    )
    .await;
    notify_feed::finish(&notifier).await;
    code
}

/// A confirmed action from its request to its verdict, printed as it goes: 0 verified, 3 not
/// verified, `Err` refused (2) or failed (1). Shared by `cutover rollback` and `cutover promote`.
/// Its end (failed, interrupted, verified or not) is a notice for `notifier`.
pub(super) async fn run_confirmed(
    gate: &Gate,
    action: &Action,
    steps: &[StepSpec],
    compiled: &Compiled,
    goal: Goal,
    verify_within: Duration,
    notifier: &Notifier,
) -> Result<u8, Failure> {
    let (kind, domain) = (action.kind(), action.domain());
    let notice_kind = NoticeKind::of(action.which());
    let tell = |ending: Ending, text: &str| {
        notifier.send(notify_feed::action_end(notice_kind, action, ending, text));
    };
    // Before the request: from here on SIGHUP, SIGTERM and SIGINT are the action's to answer,
    // so none of them can end the process between its audited request and its outcome.
    let signals = crate::ui::terminal::ExitSignals::new()
        .map_err(|e| Failure::runtime(format!("cannot follow signals: {e}")))?;
    let _guard = Aborting(tokio::spawn(interrupt::guard(
        signals,
        gate.flights().clone(),
        false,
    )));
    let run = act(gate, action, steps, print_progress)
        .await
        .map_err(|r| refused_as(kind, domain, &r))?;
    if let Some(w) = &run.report.audit_warning {
        crate::errln!("cutover: warning: the outcome could not be audited: {w}");
    }
    if run.report.event == AuditEvent::Interrupted {
        let why = run.report.interrupted.as_deref().unwrap_or_default();
        tell(Ending::Interrupted, why);
        return Err(Failure::runtime(format!(
            "{kind} of {domain} INTERRUPTED: {why}"
        )));
    }
    if !run.succeeded() {
        let failed = run.report.steps.len();
        let why = run
            .report
            .steps
            .last()
            .map(|s| outcome_words(&s.outcome))
            .unwrap_or_default();
        let skipped = steps.len() - failed;
        let words = format!(
            "FAILED at step {failed} of {}: {why}{}",
            steps.len(),
            if skipped > 0 {
                format!(" ({skipped} later step(s) not run)")
            } else {
                String::new()
            }
        );
        tell(Ending::Failed, &words);
        return Err(Failure::runtime(format!("{kind} of {domain} {words}")));
    }

    say(&format!(
        "All steps done. {}\n",
        terms::goal_sentence(goal, verify_within)
    ));
    let timing = &compiled.plan.timing;
    let late = timing.interval + timing.timeout;
    let mut verification = run.verification(goal, verify_within);
    let (tx, mut rx) = mpsc::channel(2);
    let verdict = tokio::select! {
        v = verify(&mut verification, &mut rx, late, |p| say(&format!("  {}\n", p.words()))) => v,
        _ = feed(compiled, tx) => unreachable!("the feed never ends on its own"),
    };
    if let Some(w) = verification.audit_warning() {
        crate::errln!("cutover: warning: the verdict could not be audited: {w}");
    }
    say(&format!("{}\n", verdict.words()));
    let verified = matches!(verdict, Verdict::Verified { .. });
    tell(
        if verified {
            Ending::Verified
        } else {
            Ending::NotVerified
        },
        verdict.words(),
    );
    Ok(if verified { 0 } else { NOT_VERIFIED })
}

/// Stops the signal guard when the action is over, however it returns.
pub(super) struct Aborting(pub(super) tokio::task::JoinHandle<()>);

impl Drop for Aborting {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn refused(domain: &str, why: &Refusal) -> Failure {
    refused_as("rollback", domain, why)
}

/// The domain and every step exactly as it will run (secrets redacted), then how it is verified.
pub fn plan_text(
    out: &mut String,
    domain: &str,
    steps: &[StepSpec],
    verify_share: f64,
    verify_within: Duration,
) {
    out.push_str(&format!(
        "Rollback of {domain}: {} step(s), in order; the first failure stops the rest.\n",
        steps.len()
    ));
    for line in terms::step_lines(steps) {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&terms::verify_sentence(verify_share, verify_within));
    out.push('\n');
}

fn print_progress(p: Progress) {
    match p {
        Progress::Requested { .. } => {}
        Progress::StepStarted { index, of, summary } => {
            say(&format!("[{}/{of}] run {summary}\n", index + 1))
        }
        Progress::StepFinished { index, of, result } => {
            let what = match &result.outcome {
                StepOutcome::Succeeded(_) => "ok",
                StepOutcome::Failed(_) => "FAILED",
                StepOutcome::TimedOut(_) => "TIMED OUT",
            };
            let text = outcome_words(&result.outcome);
            say(&format!(
                "[{}/{of}] {what} in {} ms{}{text}\n",
                index + 1,
                result.duration.as_millis(),
                if text.is_empty() { "" } else { ": " }
            ));
        }
    }
}

/// A step's outcome for the progress lines. It quotes the runtime API or the program (an
/// HAProxy answer, an HTTP response, stdout): its later lines are indented under the step's,
/// so no answer can print a line that reads as cutover's own ("Verified ...", "[2/2] ok").
fn outcome_words(o: &StepOutcome) -> String {
    match o {
        StepOutcome::Succeeded(t) | StepOutcome::Failed(t) | StepOutcome::TimedOut(t) => {
            t.trim_end().replace('\n', "\n      ")
        }
    }
}

/// Polls every source each interval, through a fresh engine, and sends the figures on.
/// Never returns on its own: when the receiver is gone it waits to be dropped.
pub(super) async fn feed(compiled: &Compiled, tx: mpsc::Sender<Status>) {
    // Parsing on the engine's own thread: a huge body during verification never holds the
    // runtime that answers a second SIGTERM.
    let Ok(engine) = EngineThread::start(compiled.plan.clone()) else {
        tracing::error!("cannot start the engine thread: no figures for the verification");
        return std::future::pending::<()>().await;
    };
    let interval = compiled.plan.timing.interval;
    loop {
        let started = Instant::now();
        for outcome in poll_all(compiled).await {
            engine.ingest(outcome, false).await;
        }
        let Some(status) = engine.status(Mode::Live).await else {
            break;
        };
        if tx.send(status).await.is_err() {
            break;
        }
        if let Some(rest) = interval.checked_sub(started.elapsed()) {
            tokio::time::sleep(rest).await;
        }
    }
    std::future::pending::<()>().await;
}

/// One line from stdin (no terminal needed); end of input reads as nothing typed.
pub(super) async fn read_line() -> String {
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await
    .ok()
    .and_then(Result::ok)
    .unwrap_or_default()
}

/// Prints (through the terminal sanitizer) and flushes at once: a prompt has no line end, and
/// progress must show as it happens.
pub(super) fn say(text: &str) {
    let _ = crate::term_text::out(text);
}
