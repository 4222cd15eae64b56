//! The judge in the engine: per domain, the counts kept for the noise floor and burn rates,
//! the verdict and the SLO's error rule as findings, and each rule held by its own hysteresis.
//! Health and reasons of a status are rewritten from the held rules.

use std::collections::{BTreeMap, HashMap};

use super::burn::burn;
use super::errors::Counts;
use super::history::CountHistory;
use super::hysteresis::{span_words, Held, Hold, Phase};
use super::latency::{self, Binned};
use super::latency_history::LatencyHistory;
use super::outcome::{confidence_words, count_words, Outcome};
use super::special::binomial_sf;
use super::verdict::{binned, noise_floor, verdict, Noise};
use crate::figures::at::At;
use crate::figures::Findings;
use crate::figures::{DomainStatus, Health};
use crate::plan::{Plan, PlanDomain};

/// A judge failure this sure skips `for`.
const FAR_P: f64 = 0.001;

/// What the judge remembers of every domain.
#[derive(Debug, Clone, Default)]
pub struct Steady {
    history: HashMap<String, CountHistory>,
    /// The monolith's latency per window, for the latency noise floor.
    latency: HashMap<String, LatencyHistory>,
    rules: HashMap<String, BTreeMap<String, Held>>,
    last_step_ms: Option<i64>,
}

impl Steady {
    /// When the engine should take a step: at most twice per poll interval.
    pub fn due(&self, now_ms: i64, interval_ms: i64) -> bool {
        self.last_step_ms
            .is_none_or(|t| now_ms - t >= (interval_ms / 2).max(1))
    }

    /// Advances the state to `now` and rewrites the statuses' health and reasons.
    pub fn step(&mut self, at: &At, plan: &Plan, statuses: &mut [DomainStatus]) {
        self.last_step_ms = Some(at.now_ms);
        let keep = i64::try_from(plan.timing.history.as_millis()).unwrap_or(i64::MAX);
        for (d, ds) in plan.domains.iter().zip(statuses.iter_mut()) {
            if let Some(t) = &ds.traffic {
                self.history
                    .entry(d.name.clone())
                    .or_default()
                    .record(at.now_ms, t, keep);
            }
            let monolith = monolith_latency(at, plan, d);
            let noise = self.noise(at, d, monolith.as_ref());
            if let Some(b) = monolith {
                self.latency
                    .entry(d.name.clone())
                    .or_default()
                    .record(at.now_ms, b, at.window_ms);
            }
            judge_domain(at, plan, d, ds, self.history.get(&d.name), noise);
            let rules = self.rules.entry(d.name.clone()).or_default();
            hold(at.now_ms, d, ds, rules, false);
        }
    }

    /// The statuses as a step at `now` would leave them, without changing the state.
    /// `unheld`: every rule at its raw level, for a one-shot `status` that cannot watch a
    /// condition for `for` (it says so in the reasons' words only when held).
    pub fn peek(&self, at: &At, plan: &Plan, statuses: &mut [DomainStatus], unheld: bool) {
        for (d, ds) in plan.domains.iter().zip(statuses.iter_mut()) {
            let noise = self.noise(at, d, monolith_latency(at, plan, d).as_ref());
            judge_domain(at, plan, d, ds, self.history.get(&d.name), noise);
            let mut rules = if unheld {
                BTreeMap::new()
            } else {
                self.rules.get(&d.name).cloned().unwrap_or_default()
            };
            hold(at.now_ms, d, ds, &mut rules, unheld);
        }
    }
}

impl Steady {
    /// The noise floor of `d` at `at`: the monolith now against its own previous window, for
    /// errors (counts kept) and latency (`monolith`, its histogram now, against the one kept).
    fn noise(&self, at: &At, d: &PlanDomain, monolith: Option<&Binned>) -> Noise {
        let window = at.window_ms;
        let errors = self.history.get(&d.name).and_then(|h| {
            let (now, _, _) = h.between(at.now_ms - window, at.now_ms)?;
            let (prev, _, _) = h.between(at.now_ms - 2 * window, at.now_ms - window)?;
            noise_floor(now, prev, d.judge.confidence)
        });
        let latency_seconds = self.latency.get(&d.name).and_then(|h| {
            let prev = h.previous(at.now_ms, window)?;
            latency::noise_floor(monolith?, prev, d.judge.confidence)
        });
        Noise {
            errors,
            latency_seconds,
        }
    }
}

/// The monolith's latency histogram over the window, when it has one.
fn monolith_latency(at: &At, plan: &Plan, d: &PlanDomain) -> Option<Binned> {
    binned(at, &d.traffic.as_ref()?.legacy, &plan.signals)
}

/// Verdict, burn rates and the judge's findings of one domain.
fn judge_domain(
    at: &At,
    plan: &Plan,
    d: &PlanDomain,
    ds: &mut DomainStatus,
    history: Option<&CountHistory>,
    noise: Noise,
) {
    ds.verdict = verdict(at, &plan.signals, d, ds, noise);
    if let Some(v) = &ds.verdict {
        if v.result == Outcome::Fail {
            let p = v
                .errors
                .as_ref()
                .filter(|e| e.result == Outcome::Fail)
                .and_then(|e| e.p_value)
                .or(v
                    .boundaries
                    .iter()
                    .filter(|b| b.result == Outcome::Fail)
                    .find_map(|b| b.test.as_ref().and_then(|t| t.p_value)))
                .or(v.latency.as_ref().and_then(|l| l.p_value))
                .unwrap_or(1.0);
            // The failing test's reason ("not worse, confidence …" of a passing one also
            // contains the words).
            let failing = v
                .errors
                .as_ref()
                .filter(|e| e.result == Outcome::Fail)
                .map(|e| &e.reason)
                .or(v
                    .boundaries
                    .iter()
                    .find(|b| b.result == Outcome::Fail)
                    .map(|b| &b.reason));
            let text = failing
                .or(v
                    .reasons
                    .iter()
                    .find(|r| r.contains("worse, confidence") && !r.contains("not worse")))
                .cloned()
                .unwrap_or_default();
            ds.findings
                .push_far("judge", Health::Crit, format!("judge: {text}"), p < FAR_P);
        }
    }
    slo_error_rule(d, ds);
    if let (Some(objective), Some(h)) = (d.slo.objective, history) {
        let b = burn(h, at.now_ms, objective);
        let say = |w: &super::burn::BurnWindow| {
            w.rate
                .map_or("?".to_string(), |r| format!("{r:.1}× over {}", w.window))
        };
        if b.page {
            ds.findings.push_far(
                "burn",
                Health::Crit,
                format!(
                    "burn rate {} and {} (page at {}×)",
                    say(&b.windows[2]),
                    say(&b.windows[0]),
                    super::burn::PAGE
                ),
                true,
            );
        } else if b.ticket {
            ds.findings.push_far(
                "burn",
                Health::Warn,
                format!(
                    "burn rate {} and {} (ticket at {}×)",
                    say(&b.windows[3]),
                    say(&b.windows[1]),
                    super::burn::TICKET
                ),
                true,
            );
        }
        ds.burn = Some(b);
    }
}

/// `[domain.slo] error_ratio`: crit when the new path's ratio is above the limit with the
/// judge's confidence (a one-sided binomial test), so a ratio hovering at the limit by noise
/// does not flip health; any number of requests may show it.
fn slo_error_rule(d: &PlanDomain, ds: &mut DomainStatus) {
    let Some(t) = &ds.traffic else { return };
    let (Some(e), Some(n)) = (t.new.errors, t.new.requests) else {
        return;
    };
    let new = Counts {
        errors: e,
        requests: n,
    };
    let (Some(r), limit) = (new.ratio(), d.slo.error_ratio) else {
        return;
    };
    if r <= limit {
        return;
    }
    let p = binomial_sf(e.round(), n.round(), limit);
    if p < 1.0 - d.judge.confidence {
        ds.findings.push_far(
            "slo.error_ratio",
            Health::Crit,
            format!(
                "new path error ratio {} > {} ({}/{}, confidence {})",
                crate::format::percent_fixed(r),
                crate::format::percent_fixed(limit),
                count_words(e),
                count_words(n),
                confidence_words(1.0 - p)
            ),
            // Far beyond the limit *and* beyond doubt: one failed request in two is 50%
            // against a 1% limit, but not yet evidence enough to page without `for`.
            r >= 5.0 * limit && p < FAR_P,
        );
    }
}

/// The hold of a rule: a queue's or saga's own, else the domain's.
fn hold_of(d: &PlanDomain, rule: &str) -> Hold {
    let own = if let Some(name) = rule.strip_prefix("queue:") {
        d.queues
            .iter()
            .find(|q| q.name == name)
            .and_then(|q| q.hold)
    } else if let Some(name) = rule.strip_prefix("saga:") {
        d.sagas.iter().find(|s| s.name == name).and_then(|s| s.hold)
    } else {
        None
    };
    own.unwrap_or(d.slo.hold)
}

/// Health and reasons from the findings, each judging rule held by its hysteresis. Unknowns
/// (no data, a source down) are facts, shown at once and never held.
fn hold(
    now: i64,
    d: &PlanDomain,
    ds: &mut DomainStatus,
    rules: &mut BTreeMap<String, Held>,
    unheld: bool,
) {
    let found: &Findings = &ds.findings;
    let mut health = Health::Ok;
    let mut reasons = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for f in &found.0 {
        if f.level == Health::Unknown || f.level == Health::Ok {
            health = health.worst(f.level);
            reasons.push(f.text.clone());
        }
    }
    if ds.stale {
        // A source this domain reads is down: its figures are unknown, and so is its health.
        // The held rules wait, neither firing nor clearing on figures that are not current.
        // Only the gateway's own facts stand: a path it still routes traffic to while that
        // path is dead (`figures::gateway_state`) is crit now, not unknown.
        let mut shown = Health::Unknown;
        for f in found
            .0
            .iter()
            .filter(|f| f.rule == "gateway" && f.level > Health::Unknown)
        {
            shown = shown.worst(f.level);
            reasons.push(f.text.clone());
        }
        ds.health = shown;
        ds.reasons = reasons;
        return;
    }
    let mut by_rule: BTreeMap<&str, (Health, Vec<&str>, bool)> = BTreeMap::new();
    for f in found.0.iter().filter(|f| f.level > Health::Unknown) {
        let e = by_rule
            .entry(f.rule.as_str())
            .or_insert((Health::Ok, Vec::new(), false));
        e.0 = e.0.worst(f.level);
        e.1.push(f.text.as_str());
        e.2 |= f.far;
    }
    for (rule, (level, texts, far)) in &by_rule {
        seen.push(rule);
        let held = rules.entry((*rule).to_string()).or_default();
        let hold = if unheld {
            Hold {
                for_ms: 0,
                clear_ms: 0,
            }
        } else {
            hold_of(d, rule)
        };
        let text = texts.join("; ");
        let phase = held.step(now, *level, &text, hold, *far);
        health = health.worst(held.shown);
        reasons.push(words(&text, phase, hold));
    }
    for (rule, held) in rules.iter_mut() {
        if seen.contains(&rule.as_str()) {
            continue;
        }
        let hold = hold_of(d, rule);
        let last = held.last_text.clone();
        let phase = held.step(now, Health::Ok, "", hold, false);
        health = health.worst(held.shown);
        if let Phase::Clearing { .. } = phase {
            reasons.push(words(&last, phase, hold));
        }
    }
    rules.retain(|r, h| h.shown > Health::Ok || seen.contains(&r.as_str()));
    ds.health = health;
    ds.reasons = reasons;
}

fn words(text: &str, phase: Phase, hold: Hold) -> String {
    match phase {
        Phase::Quiet => text.to_string(),
        Phase::Pending { held_ms } => format!(
            "{text} for {} (counts after {})",
            span_words(held_ms),
            span_words(hold.for_ms)
        ),
        Phase::Firing { held_ms } if held_ms < 1000 => text.to_string(),
        Phase::Firing { held_ms } => format!("{text} for {}", span_words(held_ms)),
        Phase::Clearing { clear_ms } => format!(
            "{text} (clear for {} of {})",
            span_words(clear_ms),
            span_words(hold.clear_ms)
        ),
    }
}
