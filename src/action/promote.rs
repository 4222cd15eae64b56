//! A promotion: more of a domain's traffic to the new path, through the same gate as a
//! rollback. This file decides *what* would run and whether the domain's standing allows it;
//! the gate decides whether the session may act at all, audits, runs and verifies.
//!
//! - The target: `--to` when given, else the next of `[domain.promote] steps` above the
//!   current share. The current share is the weight the gateway exports when it does (the
//!   configured split), else the share observed on the requests; the dialog says which.
//! - Refused: a `fail` verdict (the judge, `judge::verdict`), a domain declared `shadow` whose
//!   shadow comparisons disagree or cannot be told (`shadow_gate`), or `crit` health; a target that is
//!   not one of the steps unless named explicitly; no step above the current one; a current
//!   share nobody can tell when no target was named. An `inconclusive` or `marginal` verdict
//!   (or none at all) is a warning in words: the typed name is still required.
//! - The steps are the templates with `{weight}` and `{legacy_weight}` filled (numbers only,
//!   the only substitution), so the dialog shows exactly what runs.
//!
//! A ramp (walking the steps with holds) builds on [`PromotePlan::next_above`] and
//! [`propose`]: it asks for one promotion at a time, through the same gate.

use std::time::Duration;

use super::gate::{Gate, Refusal};
use super::steps::StepSpec;
use super::verify::Goal;
use super::Action;
use crate::config::promote_model::fill;
use crate::figures::{DomainStatus, Health};
use crate::judge::outcome::Outcome;

/// `[domain.promote]` as it runs.
#[derive(Debug, Clone)]
pub struct PromotePlan {
    /// New-path percentages, ascending.
    pub steps: Vec<u8>,
    /// The least time a ramp holds a step with a passing verdict (used by `ramp`).
    pub hold: Duration,
    pub verify_within: Duration,
    /// ± this share around the target verifies (0.05 = 5 points).
    pub verify_tolerance: f64,
    /// A ramp rolls back on a failing verdict only when set (used by `ramp`).
    pub auto_rollback: bool,
    /// The steps with their placeholders unfilled.
    pub templates: Vec<StepSpec>,
}

impl PromotePlan {
    /// The steps as they run for a target: `{weight}` and `{legacy_weight}` filled.
    pub fn steps_for(&self, weight: u8) -> Vec<StepSpec> {
        self.templates.iter().map(|s| filled(s, weight)).collect()
    }

    /// What verifies a promotion to `to` percent.
    pub fn goal(&self, to: u8) -> Goal {
        Goal::Near {
            target: f64::from(to) / 100.0,
            tolerance: self.verify_tolerance,
        }
    }

    /// The first step above the current share. An observed share counts as at a step within
    /// the verification's tolerance (9.6% observed at a step of 10% is at 10%, so the next is
    /// 25%); a configured weight is exact.
    pub fn next_above(&self, current: &Current) -> Option<u8> {
        let margin = match current.basis {
            Basis::Configured => 1e-9,
            Basis::Observed => self.verify_tolerance,
        };
        self.steps
            .iter()
            .copied()
            .find(|&s| f64::from(s) / 100.0 > current.share + margin)
    }

    /// `10%, 25%, 50%, 100%`.
    pub fn steps_words(&self) -> String {
        self.steps
            .iter()
            .map(|s| format!("{s}%"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A step with its placeholders filled for `weight`.
fn filled(step: &StepSpec, weight: u8) -> StepSpec {
    let f = |s: &String| fill(s, weight);
    match step {
        StepSpec::Haproxy {
            address,
            command,
            timeout,
        } => StepSpec::Haproxy {
            address: address.clone(),
            command: f(command),
            timeout: *timeout,
        },
        StepSpec::Http {
            method,
            url,
            headers,
            body,
            bearer_env,
            timeout,
        } => StepSpec::Http {
            method: method.clone(),
            url: f(url),
            headers: headers.iter().map(|(k, v)| (k.clone(), f(v))).collect(),
            body: body.as_ref().map(f),
            bearer_env: bearer_env.clone(),
            timeout: *timeout,
        },
        StepSpec::Exec { argv, timeout } => StepSpec::Exec {
            argv: argv.iter().map(f).collect(),
            timeout: *timeout,
        },
    }
}

/// Where the current new-path share comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// The weights the gateway exports (`new.weight`, `legacy.weight`).
    Configured,
    /// The requests counted over the window.
    Observed,
}

/// The domain's new-path share now, and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Current {
    /// 0–1.
    pub share: f64,
    pub basis: Basis,
}

impl Current {
    /// The configured split when the gateway exports weights, else the observed share; `None`
    /// when neither is known (no weights, no traffic).
    pub fn of(d: &DomainStatus) -> Option<Current> {
        let t = d.traffic.as_ref()?;
        let finite = |v: Option<f64>| v.filter(|v| v.is_finite());
        if let Some(share) = finite(t.configured_new_share) {
            return Some(Current {
                share,
                basis: Basis::Configured,
            });
        }
        finite(t.new_share).map(|share| Current {
            share,
            basis: Basis::Observed,
        })
    }

    /// The share in percent to a tenth of a point, as the audit log keeps it.
    pub fn percent(&self) -> f64 {
        (self.share * 1000.0).round() / 10.0
    }

    /// `10% (the weight the gateway exports)`.
    pub fn words(&self) -> String {
        let why = match self.basis {
            Basis::Configured => "the weight the gateway exports",
            Basis::Observed => "the share of requests observed; the gateway exports no weight",
        };
        format!("{} ({why})", percent_words(self.percent()))
    }
}

/// `9.6%`, `10%`.
fn percent_words(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// `from 10% to 25%` for the audit listing; an unknown end says so.
pub fn move_words(from: Option<f64>, to: Option<u8>) -> String {
    let from = from.map_or_else(|| "an unknown share".to_string(), percent_words);
    let to = to.map_or_else(|| "no target".to_string(), |t| format!("{t}%"));
    format!("promote from {from} to {to}")
}

/// A promotion the gate may run: the exact steps and terms the operator confirms.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub domain: String,
    pub from: Option<Current>,
    pub to: u8,
    /// The steps as they run for `to`.
    pub steps: Vec<StepSpec>,
    pub goal: Goal,
    pub verify_within: Duration,
    /// What the operator must read before typing the name: an inconclusive or marginal
    /// verdict, no verdict at all, data that is not current. Empty when the verdict passes.
    pub warnings: Vec<String>,
    /// What each warning is about (`inconclusive`, `marginal`, `no_verdict`, `no_figures`,
    /// `stale`), in the same order: the words quote counts that change on every poll, so a
    /// warning is new at the confirmation when its kind is.
    pub cautions: Vec<&'static str>,
}

impl Proposal {
    pub fn action(&self) -> Action {
        Action::Promote {
            domain: self.domain.clone(),
            from: self.from.map(|c| c.percent()),
            to: Some(self.to),
        }
    }

    /// The line above the steps: from where to where, and where the current share comes from.
    pub fn headline(&self) -> String {
        let from = self
            .from
            .map_or_else(|| "an unknown share".to_string(), |c| c.words());
        format!("from {from} to {}% of requests on the new path", self.to)
    }
}

/// A promotion the domain's standing refuses: the action as far as it is known (for the audit
/// log) and why.
#[derive(Debug, Clone)]
pub struct Refused {
    pub action: Action,
    pub steps: Vec<StepSpec>,
    pub refusal: Refusal,
}

/// How the target was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The next step above the current share (the key `P`, `cutover promote` without `--to`).
    Next,
    /// A step chosen for the operator (a dialog's offer being confirmed, a ramp): it must be
    /// one of the steps.
    Step(u8),
    /// `--to PCT`: named by the operator, so it may lie between the steps.
    Explicit(u8),
}

/// Decides the target and weighs the domain's standing (`status`: its newest figures, `None`
/// when there are none). The session's own refusals (read-only, in flight, audit log) are the
/// gate's, asked before this.
pub fn propose(
    domain: &str,
    plan: &PromotePlan,
    status: Option<&DomainStatus>,
    target: Target,
) -> Result<Proposal, Box<Refused>> {
    let from = status.and_then(Current::of);
    let refuse = |to: Option<u8>, refusal: Refusal| {
        Box::new(Refused {
            action: Action::Promote {
                domain: domain.to_string(),
                from: from.map(|c| c.percent()),
                to,
            },
            steps: to.map(|t| plan.steps_for(t)).unwrap_or_default(),
            refusal,
        })
    };
    let to = match target {
        Target::Explicit(to) => to,
        Target::Step(to) => {
            if !plan.steps.contains(&to) {
                return Err(refuse(
                    Some(to),
                    Refusal::NotAStep {
                        domain: domain.to_string(),
                        to,
                        steps: plan.steps_words(),
                    },
                ));
            }
            to
        }
        Target::Next => {
            let Some(current) = from else {
                return Err(refuse(None, Refusal::CurrentUnknown(domain.to_string())));
            };
            match plan.next_above(&current) {
                Some(to) => to,
                None => {
                    return Err(refuse(
                        None,
                        Refusal::NoNextStep {
                            domain: domain.to_string(),
                            current: current.words(),
                            last: plan.steps.last().copied().unwrap_or(100),
                        },
                    ))
                }
            }
        }
    };
    if plan.templates.is_empty() {
        return Err(refuse(
            Some(to),
            Refusal::NoSteps {
                kind: "promote".into(),
                domain: domain.to_string(),
            },
        ));
    }
    let mut warnings = Vec::new();
    if let Some(d) = status {
        standing(d, &mut warnings).map_err(|r| refuse(Some(to), r))?;
    } else {
        warnings.push((
            "no_figures",
            "No figures for this domain yet: neither its verdict nor its health could be checked."
                .to_string(),
        ));
    }
    let (cautions, warnings) = warnings.into_iter().unzip();
    Ok(Proposal {
        domain: domain.to_string(),
        from,
        to,
        steps: plan.steps_for(to),
        goal: plan.goal(to),
        verify_within: plan.verify_within,
        warnings,
        cautions,
    })
}

/// A promotion weighed in full, the way every face asks for one: the session's own refusals
/// first (read-only, replay, demo, in flight here or in another process, audit log), then the
/// domain's plan and standing ([`propose`]). Every refusal is audited, with the target when it
/// was known. `plan` is the domain's `[domain.promote]`, `None` when it has none.
pub fn admit(
    gate: &Gate,
    domain: &str,
    plan: Option<&PromotePlan>,
    status: Option<&DomainStatus>,
    target: Target,
) -> Result<Proposal, Refusal> {
    let proposed = match plan {
        Some(plan) => propose(domain, plan, status, target),
        None => Err(Box::new(Refused {
            action: Action::Promote {
                domain: domain.to_string(),
                from: status.and_then(Current::of).map(|c| c.percent()),
                to: None,
            },
            steps: Vec::new(),
            refusal: Refusal::NoSteps {
                kind: "promote".into(),
                domain: domain.to_string(),
            },
        })),
    };
    let (action, steps) = match &proposed {
        Ok(p) => (p.action(), p.steps.clone()),
        Err(r) => (r.action.clone(), r.steps.clone()),
    };
    let refused = |r: Refusal| {
        gate.record_refusal(&action, &steps, &r);
        r
    };
    gate.precheck(&action).map_err(refused)?;
    let proposal = proposed.map_err(|r| refused(r.refusal))?;
    gate.admit(&action, &steps).map_err(refused)?;
    Ok(proposal)
}

/// What the operator confirmed a promotion against: where the share stood, the kinds of
/// warning read (`Proposal::cautions`) and the newest action on the domain in the audit log
/// (its id) when the plan was shown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shown {
    /// The new-path percent the plan started from (`Action::Promote`'s `from`).
    pub from: Option<f64>,
    pub cautions: Vec<String>,
    pub last_action: Option<String>,
}

impl Shown {
    /// What a proposal shows, with the newest action on the domain when it was shown.
    pub fn of(p: &Proposal, last_action: Option<String>) -> Shown {
        Shown {
            from: p.from.map(|c| c.percent()),
            cautions: p.cautions.iter().map(|c| c.to_string()).collect(),
            last_action,
        }
    }
}

/// A promotion weighed again when the operator confirms it: `now` is the proposal admitted
/// again for the same target on the newest figures, `last_action` the newest action on the
/// domain in the audit log now (its id, and its words for the refusal). Refused, and audited,
/// when what the operator read is no longer true: another action ran on the domain meanwhile,
/// the share moved away from where the plan started (by more than `verify_tolerance` for an
/// observed share, at all for a configured weight), the target is no longer above the share,
/// or a kind of warning appeared that the plan did not show. Nothing acts on a stale picture.
pub fn reconfirm(
    gate: &Gate,
    plan: &PromotePlan,
    shown: &Shown,
    now: &Proposal,
    last_action: Option<(String, String)>,
) -> Result<(), Refusal> {
    let domain = now.domain.clone();
    let refusal = if last_action.as_ref().map(|(id, _)| id) != shown.last_action.as_ref() {
        Some(Refusal::ActedMeanwhile {
            domain,
            what: last_action.map_or_else(
                || "the audit log no longer shows the last action".to_string(),
                |(_, words)| words,
            ),
        })
    } else if let Some((then, moved_to)) = moved(plan, shown.from, now.from) {
        Some(Refusal::ShareMoved {
            domain,
            then,
            now: moved_to,
        })
    } else if let Some(c) = now.from.filter(|c| f64::from(now.to) / 100.0 <= c.share) {
        Some(Refusal::NotAbove {
            domain,
            to: now.to,
            current: c.words(),
        })
    } else {
        let new: Vec<&str> = now
            .cautions
            .iter()
            .zip(&now.warnings)
            .filter(|(c, _)| !shown.cautions.iter().any(|s| s == *c))
            .map(|(_, w)| w.as_str())
            .collect();
        (!new.is_empty()).then(|| Refusal::NewWarnings {
            domain,
            warnings: new.join(" "),
        })
    };
    match refusal {
        None => Ok(()),
        Some(r) => {
            gate.record_refusal(&now.action(), &now.steps, &r);
            Err(r)
        }
    }
}

/// `Some((then, now))` in words when the share moved from where the plan started.
fn moved(plan: &PromotePlan, then: Option<f64>, now: Option<Current>) -> Option<(String, String)> {
    let words = |p: Option<f64>| p.map_or_else(|| "an unknown share".to_string(), percent_words);
    let gone = match (then, now) {
        (None, None) => false,
        (Some(a), Some(c)) => {
            let allowed = match c.basis {
                // Weights are set, not measured: any change is someone else's.
                Basis::Configured => 0.05,
                Basis::Observed => plan.verify_tolerance * 100.0,
            };
            (a - c.percent()).abs() > allowed
        }
        _ => true,
    };
    gone.then(|| (words(then), words(now.map(|c| c.percent()))))
}

/// The judge's verdict where there is one, the health always: `fail` or `crit` refuse;
/// `inconclusive`, `marginal`, no verdict, stale data warn.
fn standing(d: &DomainStatus, warnings: &mut Vec<(&'static str, String)>) -> Result<(), Refusal> {
    let reasons = |r: &[String]| {
        if r.is_empty() {
            "no reason given".to_string()
        } else {
            r.join("; ")
        }
    };
    match &d.verdict {
        Some(v) if v.result == Outcome::Fail => {
            return Err(Refusal::VerdictFail {
                domain: d.name.clone(),
                reasons: reasons(&v.reasons),
            })
        }
        Some(v) if v.result == Outcome::Inconclusive => warnings.push(("inconclusive", format!(
            "The verdict is INCONCLUSIVE ({}): the judge cannot yet tell whether the new path does as well as the monolith. Promote only on other evidence.",
            reasons(&v.reasons)
        ))),
        Some(v) if v.result == Outcome::Marginal => warnings.push(("marginal", format!(
            "The verdict is MARGINAL ({}): the new path looks worse than the monolith, though not surely enough to fail. More traffic may make it worse; promote only on other evidence.",
            reasons(&v.reasons)
        ))),
        Some(_) => {}
        // The judge has no figures to weigh (no new-path requests configured): the health
        // below is all there is, and the operator is told so.
        None => warnings.push((
            "no_verdict",
            "No verdict: the judge has no figures for this domain, so only its health was checked."
                .to_string(),
        )),
    }
    // Before the health: in the shadow stage an over-limit ratio is what makes it crit.
    if let Some(why) = super::shadow_gate::blocks(d) {
        return Err(Refusal::ShadowMismatch {
            domain: d.name.clone(),
            why,
        });
    }
    if d.health == Health::Crit {
        return Err(Refusal::HealthCrit {
            domain: d.name.clone(),
            reasons: reasons(&d.reasons),
        });
    }
    if d.stale {
        warnings.push((
            "stale",
            "Its figures are not current: a source it reads is down.".to_string(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::{Side, Traffic};
    use crate::judge::verdict::Verdict as JudgeVerdict;

    fn plan() -> PromotePlan {
        PromotePlan {
            steps: vec![10, 25, 50, 100],
            hold: Duration::from_secs(600),
            verify_within: Duration::from_secs(60),
            verify_tolerance: 0.05,
            auto_rollback: false,
            templates: vec![
                StepSpec::Haproxy {
                    address: "127.0.0.1:9999".into(),
                    command: "set weight be_orders/orders_svc {weight}".into(),
                    timeout: Duration::from_secs(2),
                },
                StepSpec::Http {
                    method: "PATCH".into(),
                    url: "http://kong:8001/upstreams/o/targets/mono?w={legacy_weight}".into(),
                    headers: vec![("X-Weight".into(), "{weight}".into())],
                    body: Some(r#"{"weight":{legacy_weight}}"#.into()),
                    bearer_env: None,
                    timeout: Duration::from_secs(2),
                },
            ],
        }
    }

    fn domain(configured: Option<f64>, observed: Option<f64>) -> DomainStatus {
        DomainStatus {
            name: "orders".into(),
            stage: crate::stage::Stage::Canary,
            health: Health::Ok,
            traffic: Some(Traffic {
                legacy: Side::default(),
                new: Side::default(),
                new_share: observed,
                configured_new_share: configured,
            }),
            verdict: Some(verdict(Outcome::Pass)),
            ..Default::default()
        }
    }

    fn verdict(result: Outcome) -> JudgeVerdict {
        JudgeVerdict {
            result,
            confidence: None,
            reasons: vec!["new path p95 worse".into()],
            errors: None,
            latency: None,
            boundaries: Vec::new(),
        }
    }

    #[test]
    fn the_steps_are_filled_with_numbers_and_shown_as_they_run() {
        let steps = plan().steps_for(25);
        let shown: Vec<String> = steps.iter().map(StepSpec::summary).collect();
        assert_eq!(
            shown,
            [
                "haproxy 127.0.0.1:9999: set weight be_orders/orders_svc 25",
                "http PATCH http://kong:8001/upstreams/o/targets/mono?w=75 -H 'X-Weight: 25' -d '{\"weight\":75}'"
            ]
        );
    }

    #[test]
    fn the_next_step_is_above_the_configured_weight_else_the_observed_share() {
        let p = plan();
        let next = |c, o| propose("orders", &p, Some(&domain(c, o)), Target::Next);
        let at = |c, o| next(c, o).map(|p| (p.to, p.from.map(|f| f.basis)));
        assert_eq!(
            at(Some(0.10), Some(0.30)).unwrap(),
            (25, Some(Basis::Configured))
        );
        assert_eq!(at(Some(0.0), None).unwrap(), (10, Some(Basis::Configured)));
        // Observed 9.6% is at the 10% step, within the tolerance: the next is 25%.
        assert_eq!(at(None, Some(0.096)).unwrap(), (25, Some(Basis::Observed)));
        assert_eq!(at(None, Some(0.02)).unwrap(), (10, Some(Basis::Observed)));
        assert!(matches!(
            next(Some(1.0), None).unwrap_err().refusal,
            Refusal::NoNextStep { last: 100, .. }
        ));
        let unknown = next(None, None).unwrap_err();
        assert!(matches!(unknown.refusal, Refusal::CurrentUnknown(_)));
        assert_eq!(
            unknown.action,
            Action::Promote {
                domain: "orders".into(),
                from: None,
                to: None
            }
        );
        assert_eq!(
            next(Some(0.1), None).unwrap().headline(),
            "from 10% (the weight the gateway exports) to 25% of requests on the new path"
        );
    }

    #[test]
    fn a_target_between_the_steps_needs_naming() {
        let p = plan();
        let d = domain(Some(0.1), None);
        let r = propose("orders", &p, Some(&d), Target::Step(30)).unwrap_err();
        assert_eq!(
            r.refusal.to_string(),
            "30% is not one of the steps of orders (10%, 25%, 50%, 100%): name it with --to to promote there anyway"
        );
        assert_eq!(
            propose("orders", &p, Some(&d), Target::Explicit(30))
                .unwrap()
                .to,
            30
        );
    }

    #[test]
    fn fail_and_crit_refuse_and_inconclusive_warns() {
        let p = plan();
        let mut d = domain(Some(0.1), None);
        d.verdict = Some(verdict(Outcome::Fail));
        let r = propose("orders", &p, Some(&d), Target::Next).unwrap_err();
        assert_eq!(
            r.refusal.to_string(),
            "the verdict on orders is fail (new path p95 worse): more traffic would go to a new path that is worse"
        );
        // The refusal is audited with the target it would have had.
        assert_eq!(r.action.from_to(), (Some(10.0), Some(25)));
        assert_eq!(r.steps.len(), 2);

        d.verdict = Some(verdict(Outcome::Pass));
        d.health = Health::Crit;
        d.reasons = vec!["new error ratio 4% > 1%".into()];
        let r = propose("orders", &p, Some(&d), Target::Next).unwrap_err();
        assert!(
            matches!(r.refusal, Refusal::HealthCrit { .. }),
            "{:?}",
            r.refusal
        );

        d.health = Health::Warn;
        d.verdict = Some(verdict(Outcome::Inconclusive));
        let ok = propose("orders", &p, Some(&d), Target::Next).unwrap();
        assert_eq!(ok.warnings.len(), 1);
        assert!(ok.warnings[0].starts_with("The verdict is INCONCLUSIVE (new path p95 worse)"));
        assert_eq!(ok.cautions, ["inconclusive"]);
        d.verdict = Some(verdict(Outcome::Pass));
        assert!(propose("orders", &p, Some(&d), Target::Next)
            .unwrap()
            .warnings
            .is_empty());
    }

    #[test]
    fn at_the_confirmation_an_observed_share_may_wobble_but_a_weight_may_not_move() {
        let dir = tempfile::tempdir().unwrap();
        let gate = Gate::new(None, crate::action::AuditLog::in_state_dir(dir.path()));
        let p = plan();
        let shown_at = |d: &DomainStatus| {
            let then = propose("orders", &p, Some(d), Target::Next).unwrap();
            (Shown::of(&then, Some("a1".into())), then.to)
        };
        let again =
            |d: &DomainStatus, to| propose("orders", &p, Some(d), Target::Step(to)).unwrap();
        let last = || Some(("a1".to_string(), "words".to_string()));

        // Observed 9.6% when shown, 12% at Enter: within the 5-point tolerance.
        let (shown, to) = shown_at(&domain(None, Some(0.096)));
        let now = again(&domain(None, Some(0.12)), to);
        assert_eq!(reconfirm(&gate, &p, &shown, &now, last()), Ok(()));
        // ... 16% is not; nor is a weight moved from 10 to 11.
        let now = again(&domain(None, Some(0.16)), to);
        let r = reconfirm(&gate, &p, &shown, &now, last()).unwrap_err();
        assert!(matches!(r, Refusal::ShareMoved { .. }), "{r}");
        let (shown, to) = shown_at(&domain(Some(0.10), None));
        let now = again(&domain(Some(0.11), None), to);
        let r = reconfirm(&gate, &p, &shown, &now, last()).unwrap_err();
        assert_eq!(
            r.to_string(),
            "the new-path share of orders moved from 10% to 11% since the plan was shown, so nothing ran: look again and confirm the new plan"
        );
        // Another action meanwhile, and a warning of a new kind, refuse too; each is audited.
        let now = again(&domain(Some(0.10), None), to);
        let r = reconfirm(
            &gate,
            &p,
            &shown,
            &now,
            Some((
                "b2".into(),
                "a rollback of orders was requested at 10:02 by bob@h".into(),
            )),
        )
        .unwrap_err();
        assert!(
            r.to_string().starts_with(
                "a rollback of orders was requested at 10:02 by bob@h since the plan was shown"
            ),
            "{r}"
        );
        let mut d = domain(Some(0.10), None);
        d.verdict = Some(verdict(Outcome::Inconclusive));
        let r = reconfirm(&gate, &p, &shown, &again(&d, to), last()).unwrap_err();
        assert!(matches!(r, Refusal::NewWarnings { .. }), "{r}");
        let log = gate.audit().read_all().unwrap();
        assert_eq!(log.len(), 4);
        assert!(log
            .iter()
            .all(|e| e.event == crate::action::AuditEvent::Refused));
    }

    #[test]
    fn a_marginal_verdict_warns_in_words_and_still_admits() {
        let p = plan();
        let mut d = domain(Some(0.10), None);
        d.verdict = Some(verdict(Outcome::Marginal));
        let ok = propose("orders", &p, Some(&d), Target::Next).unwrap();
        assert_eq!(ok.to, 25);
        assert_eq!(ok.cautions, ["marginal"]);
        assert!(
            ok.warnings[0].starts_with("The verdict is MARGINAL (new path p95 worse): the new path looks worse than the monolith"),
            "{:?}",
            ok.warnings
        );
    }
}
