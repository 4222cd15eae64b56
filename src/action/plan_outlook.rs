//! The forward plan as the cockpit's detail view shows it: the `[domain.promote]` steps with
//! the current one marked, how long the domain has been at it, and what the gate would say
//! about the next step now ("next: 25% in 6m if the verdict stays pass", "blocked: verdict
//! fail: new path p95 worse, confidence > 99.9%").
//!
//! The next step and its refusals are `promote::propose`'s own (the key `P` asks the same);
//! the time left is a ramp's rule: `hold` of uninterrupted pass at the step, where pass is the
//! verdict `pass` or, with no verdict, health ok, and figures that are current. The cockpit
//! counts that time from the statuses it received ([`HoldClock`]), so right after it starts it
//! knows less than a ramp that has been watching: it says "at least".

use super::promote::{propose, Basis, Current, PromotePlan, Target};
use super::Refusal;
use crate::figures::{DomainStatus, Health};
use crate::judge::outcome::{confidence_words, Outcome};

/// Where a domain stands, as the cockpit has watched it: at which share since when, and since
/// when with a passing verdict.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HoldClock {
    /// The share it is at, in tenths of a point (`None`: unknown).
    at: Option<i64>,
    /// Since when it has been there, and whether that is only when this cockpit first saw it.
    at_since_ms: i64,
    seen_from_start: bool,
    /// Since when the verdict has passed at this share without a break.
    pass_since_ms: Option<i64>,
    /// The last status time observed (a replay seeking back starts over).
    last_ms: Option<i64>,
}

impl HoldClock {
    /// Takes one status of the domain at `at_ms`.
    pub fn observe(&mut self, d: &DomainStatus, at_ms: i64) {
        let at = Current::of(d).map(|c| (c.share * 1000.0).round() as i64);
        let back_in_time = self.last_ms.is_some_and(|l| at_ms < l);
        if self.last_ms.is_none() || back_in_time {
            *self = HoldClock {
                at,
                at_since_ms: at_ms,
                seen_from_start: true,
                pass_since_ms: None,
                last_ms: None,
            };
        } else if at != self.at {
            self.at = at;
            self.at_since_ms = at_ms;
            self.seen_from_start = false;
            self.pass_since_ms = None;
        }
        self.last_ms = Some(at_ms);
        if passes(d) {
            self.pass_since_ms.get_or_insert(at_ms);
        } else {
            self.pass_since_ms = None;
        }
    }
}

/// What a ramp counts toward its hold: verdict pass (or no verdict and health ok), current
/// figures; in the shadow stage, the shadow comparisons agreeing (`shadow_gate::for_ramp`).
fn passes(d: &DomainStatus) -> bool {
    if d.stale {
        return false;
    }
    if let Some(shadow) = super::shadow_gate::for_ramp(d) {
        return shadow.is_ok();
    }
    match &d.verdict {
        Some(v) => v.result == Outcome::Pass,
        None => d.health == Health::Ok,
    }
}

/// How the next step reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// It would go ahead (now or after the hold).
    Go,
    /// A ramp would wait (inconclusive, stale, unknown).
    Wait,
    /// The gate refuses.
    Blocked,
    /// Nothing left to do.
    Done,
}

/// The plan's lines for one domain.
#[derive(Debug, Clone, PartialEq)]
pub struct Outlook {
    /// `10% [25%] 50% 100%`: the step it is at in brackets; `(at 30%)` between steps.
    pub steps: String,
    /// `at 25% (the weight the gateway exports) for 4m12s`.
    pub at: String,
    /// `next: 50% in 5m48s if the verdict stays pass`, `blocked: ...`, `paused: ...`.
    pub next: String,
    pub tone: Tone,
}

/// The outlook of `d` (its newest figures) against its plan, at `now_ms`.
pub fn outlook(plan: &PromotePlan, d: &DomainStatus, clock: &HoldClock, now_ms: i64) -> Outlook {
    let current = Current::of(d);
    let on = current.and_then(|c| step_at(plan, &c));
    let mut steps: Vec<String> = plan
        .steps
        .iter()
        .map(|&s| {
            if Some(s) == on {
                format!("[{s}%]")
            } else {
                format!("{s}%")
            }
        })
        .collect();
    if let (Some(c), None) = (current, on) {
        let pos = plan
            .steps
            .iter()
            .position(|&s| f64::from(s) > c.percent())
            .unwrap_or(plan.steps.len());
        steps.insert(pos, format!("(at {})", trim_percent(c.percent())));
    }
    let held_ms = (now_ms - clock.at_since_ms).max(0) as u64;
    let at = match current {
        Some(c) => format!(
            "at {} for {}{}",
            c.words(),
            if clock.seen_from_start {
                "at least "
            } else {
                ""
            },
            crate::format::duration_ms(held_ms)
        ),
        None => "the new-path share is unknown: the gateway exports no weight and no traffic was observed".to_string(),
    };
    let (next, tone) = next_words(plan, d, clock, now_ms);
    Outlook {
        steps: format!("steps {}", steps.join(" ")),
        at,
        next,
        tone,
    }
}

/// The step the current share is at: exact for a configured weight, within the verification's
/// tolerance for an observed share.
fn step_at(plan: &PromotePlan, c: &Current) -> Option<u8> {
    let margin = match c.basis {
        Basis::Configured => 1e-9,
        Basis::Observed => plan.verify_tolerance,
    };
    plan.steps
        .iter()
        .copied()
        .find(|&s| (f64::from(s) / 100.0 - c.share).abs() <= margin)
}

fn trim_percent(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

fn next_words(
    plan: &PromotePlan,
    d: &DomainStatus,
    clock: &HoldClock,
    now_ms: i64,
) -> (String, Tone) {
    let hold_ms = plan.hold.as_millis() as u64;
    match propose(&d.name, plan, Some(d), Target::Next) {
        Err(r) => match r.refusal {
            Refusal::NoNextStep { .. } => (
                "last step reached: nothing to promote to".to_string(),
                Tone::Done,
            ),
            Refusal::VerdictFail { .. } => {
                let v = d.verdict.as_ref();
                let reasons = v.map(|v| v.reasons.join("; ")).unwrap_or_default();
                let sure = v
                    .and_then(|v| v.confidence)
                    .map(|c| format!(", confidence {}", confidence_words(c)))
                    .unwrap_or_default();
                (
                    format!("blocked: verdict fail: {reasons}{sure}"),
                    Tone::Blocked,
                )
            }
            other => (format!("blocked: {other}"), Tone::Blocked),
        },
        Ok(p) if passes(d) => {
            let pass_ms = clock
                .pass_since_ms
                .map_or(0, |t| (now_ms - t).max(0) as u64);
            if pass_ms >= hold_ms {
                (
                    format!(
                        "next: {}% now: {} of verdict pass at this step",
                        p.to,
                        crate::format::duration_ms(hold_ms)
                    ),
                    Tone::Go,
                )
            } else {
                (
                    format!(
                        "next: {}% in {} if the verdict stays pass",
                        p.to,
                        crate::format::duration_ms(hold_ms - pass_ms)
                    ),
                    Tone::Go,
                )
            }
        }
        Ok(p) => (
            format!(
                "paused: {}; next: {}% after {} of verdict pass",
                wait_words(d),
                p.to,
                crate::format::duration_ms(hold_ms)
            ),
            Tone::Wait,
        ),
    }
}

/// Why a ramp would wait, in its words.
fn wait_words(d: &DomainStatus) -> String {
    let reasons = |r: &[String]| {
        if r.is_empty() {
            "no reason given".to_string()
        } else {
            r.join("; ")
        }
    };
    if d.stale {
        return "its figures are not current: a source it reads is down".to_string();
    }
    match &d.verdict {
        Some(v) => format!("verdict {}: {}", v.result.as_str(), reasons(&v.reasons)),
        None => format!(
            "no verdict; health {}: {}",
            d.health.as_str(),
            reasons(&d.reasons)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::{Side, Traffic};
    use crate::judge::verdict::Verdict;
    use std::time::Duration;

    fn plan() -> PromotePlan {
        PromotePlan {
            steps: vec![10, 25, 50, 100],
            hold: Duration::from_secs(600),
            verify_within: Duration::from_secs(60),
            verify_tolerance: 0.05,
            auto_rollback: false,
            templates: vec![crate::action::StepSpec::Haproxy {
                address: "127.0.0.1:9999".into(),
                command: "set weight be_orders/orders_svc {weight}".into(),
                timeout: Duration::from_secs(2),
            }],
        }
    }

    fn domain(configured: Option<f64>, result: Option<Outcome>) -> DomainStatus {
        DomainStatus {
            name: "orders".into(),
            stage: crate::stage::Stage::Canary,
            health: Health::Ok,
            reasons: Vec::new(),
            stale: false,
            traffic: Some(Traffic {
                legacy: Side::default(),
                new: Side::default(),
                new_share: None,
                configured_new_share: configured,
            }),
            queues: Vec::new(),
            sagas: Vec::new(),
            data: Vec::new(),
            verdict: result.map(|result| Verdict {
                result,
                confidence: Some(0.995),
                reasons: vec!["new path p95 worse".into()],
                errors: None,
                latency: None,
                boundaries: Vec::new(),
            }),
            burn: None,
            rollback_ready: None,
            findings: Default::default(),
        }
    }

    #[test]
    fn the_hold_counts_pass_at_the_step_and_starts_over_on_a_move_or_a_wait() {
        let p = plan();
        let mut clock = HoldClock::default();
        let pass = domain(Some(0.25), Some(Outcome::Pass));
        clock.observe(&pass, 0);
        clock.observe(&pass, 240_000);
        let o = outlook(&p, &pass, &clock, 240_000);
        assert_eq!(o.steps, "steps 10% [25%] 50% 100%");
        assert_eq!(
            o.at,
            "at 25% (the weight the gateway exports) for at least 4m00s"
        );
        assert_eq!(o.next, "next: 50% in 6m00s if the verdict stays pass");
        assert_eq!(o.tone, Tone::Go);

        let inconclusive = domain(Some(0.25), Some(Outcome::Inconclusive));
        clock.observe(&inconclusive, 300_000);
        let o = outlook(&p, &inconclusive, &clock, 300_000);
        assert_eq!(
            o.next,
            "paused: verdict inconclusive: new path p95 worse; next: 50% after 10m00s of verdict pass"
        );
        assert_eq!(o.tone, Tone::Wait);

        clock.observe(&pass, 360_000);
        clock.observe(&pass, 960_000);
        assert_eq!(
            outlook(&p, &pass, &clock, 960_000).next,
            "next: 50% now: 10m00s of verdict pass at this step"
        );

        // Moved to 50%: the time at the step starts from the move.
        let moved = domain(Some(0.5), Some(Outcome::Pass));
        clock.observe(&moved, 1_000_000);
        let o = outlook(&p, &moved, &clock, 1_060_000);
        assert_eq!(o.at, "at 50% (the weight the gateway exports) for 1m00s");
        assert_eq!(o.next, "next: 100% in 9m00s if the verdict stays pass");
    }

    #[test]
    fn a_fail_verdict_blocks_in_its_words_and_the_last_step_is_done() {
        let p = plan();
        let mut clock = HoldClock::default();
        let fail = domain(Some(0.25), Some(Outcome::Fail));
        clock.observe(&fail, 0);
        let o = outlook(&p, &fail, &clock, 0);
        assert_eq!(
            o.next,
            "blocked: verdict fail: new path p95 worse, confidence 99.5%"
        );
        assert_eq!(o.tone, Tone::Blocked);
        let top = domain(Some(1.0), Some(Outcome::Pass));
        clock.observe(&top, 1000);
        assert_eq!(outlook(&p, &top, &clock, 1000).tone, Tone::Done);
        let between = domain(Some(0.3), Some(Outcome::Pass));
        assert_eq!(
            outlook(&p, &between, &clock, 1000).steps,
            "steps 10% 25% (at 30%) 50% 100%"
        );
    }
}
