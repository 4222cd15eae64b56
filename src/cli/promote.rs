//! `cutover promote DOMAIN [--to PCT] [--yes]`: the promotion of the key P, for scripts. The
//! same gate, audit log and verification as a rollback; exit 0 verified, 3 not verified, 1 a
//! step failed or the run was interrupted, 2 refused (read-only, replay, demo, in flight here
//! or in another process, a `fail` verdict, `crit` health, no step above the current one, a
//! share nobody can tell, the name not confirmed) or a usage error.
//!
//! The domain's standing (its share, verdict and health) is read from two polls of the
//! sources one interval apart, as `cutover status` reads it, with health at its raw level: a
//! command that acts once cannot wait for a condition to hold for `for`. After the typed name
//! it is read again the same way, and the promotion runs only if what was printed still holds
//! (`promote::reconfirm`): the verdict and health still admit it, the share has not moved
//! from where the plan started, no action ran on the domain meanwhile and no new kind of
//! warning appeared; otherwise it is refused (2) and the refusal audited.

use super::action_setup::{refused_as, setup, ActionSetup};
use super::rollback::{read_line, run_confirmed, say};
use super::status::two_polls;
use super::{Failure, GlobalArgs};
use crate::action::marks::last_request_at;
use crate::action::promote::{self, Proposal, Shown, Target};
use crate::action::{terms, Action, EntryPoint, Refusal, StepSpec};
use crate::engine::Mode;

pub async fn run(
    global: &GlobalArgs,
    domain: &str,
    to: Option<u8>,
    yes: bool,
    note: Option<&str>,
) -> Result<u8, Failure> {
    let ActionSetup { loaded, gate, .. } =
        setup(global, domain, "promote", note, EntryPoint::Cli, yes)?;
    let compiled = &loaded.compiled;
    let refused = |r: &Refusal| refused_as("promote", domain, r);
    let target = to.map_or(Target::Next, Target::Explicit);
    // What needs no figures is refused before any source is asked: a read-only session, one
    // in flight, no [domain.promote] at all (each audited by the gate).
    let Some(plan) = compiled.promotes.get(domain) else {
        let why = match promote::admit(&gate, domain, None, None, target) {
            Err(r) => r,
            Ok(_) => Refusal::NoSteps {
                kind: "promote".into(),
                domain: domain.to_string(),
            },
        };
        return Err(refused(&why));
    };
    let early = Action::Promote {
        domain: domain.to_string(),
        from: None,
        to,
    };
    if let Err(r) = gate.precheck(&early) {
        let steps = to.map(|to| plan.steps_for(to)).unwrap_or_default();
        gate.record_refusal(&early, &steps, &r);
        return Err(refused(&r));
    }

    let (engine, _) = two_polls(compiled).await;
    let status = engine.status_unheld(Mode::Live);
    let standing = status.domains.iter().find(|d| d.name == domain);
    let proposal =
        promote::admit(&gate, domain, Some(plan), standing, target).map_err(|r| refused(&r))?;

    let mut out = plan_text(&proposal);
    out.push_str(&format!("Audit log: {}\n", gate.audit().path().display()));
    say(&out);
    let mut proposal = proposal;
    if !yes {
        let shown = Shown::of(
            &proposal,
            last_request_at(gate.audit().path(), domain).map(|(id, _)| id),
        );
        say(&format!(
            "Type {} to promote it; anything else cancels: ",
            gate.typed_name().ask(domain)
        ));
        let typed = read_line().await;
        if !std::io::IsTerminal::is_terminal(&std::io::stdin()) || !typed.ends_with('\n') {
            say("\n");
        }
        if let Err(r) = gate.confirm(&proposal.action(), &proposal.steps, &typed) {
            return Err(refused(&r));
        }
        // The plan was read a while ago: it runs only if it still holds on new figures (the
        // verdict, the health, the share it started from, no action meanwhile).
        say("Confirmed; reading the domain again before anything runs ...\n");
        let (engine, _) = two_polls(compiled).await;
        let status = engine.status_unheld(Mode::Live);
        let standing = status.domains.iter().find(|d| d.name == domain);
        let again = match to {
            Some(to) => Target::Explicit(to),
            None => Target::Step(proposal.to),
        };
        let now =
            promote::admit(&gate, domain, Some(plan), standing, again).map_err(|r| refused(&r))?;
        let last = last_request_at(gate.audit().path(), domain);
        promote::reconfirm(&gate, plan, &shown, &now, last).map_err(|r| refused(&r))?;
        proposal = now;
    }
    let action = proposal.action();
    let notifier = super::notify_feed::headless(compiled);
    let code = run_confirmed(
        &gate,
        &action,
        &proposal.steps,
        compiled,
        proposal.goal,
        proposal.verify_within,
        &notifier,
    )
    .await;
    super::notify_feed::finish(&notifier).await;
    code
}

/// From where to where, every step exactly as it will run (placeholders filled, secrets
/// redacted), how it is verified, and what to read before confirming: word for word the
/// dialog's lines.
pub fn plan_text(p: &Proposal) -> String {
    let mut out = format!(
        "Promote {} {}: {} step(s), in order; the first failure stops the rest.\n",
        p.domain,
        p.headline(),
        p.steps.len()
    );
    for line in terms::step_lines(&p.steps) {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&terms::goal_sentence(p.goal, p.verify_within));
    out.push('\n');
    for w in &p.warnings {
        out.push_str(&format!("WARNING: {w}\n"));
    }
    out
}

/// Every step as it would run for each target of the plan, for `cutover check`.
pub fn steps_by_target(plan: &promote::PromotePlan) -> Vec<(u8, Vec<String>)> {
    plan.steps
        .iter()
        .map(|&to| {
            (
                to,
                plan.steps_for(to).iter().map(StepSpec::summary).collect(),
            )
        })
        .collect()
}
