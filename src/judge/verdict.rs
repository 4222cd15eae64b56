//! The verdict on one domain: the errors and latency tests together, `pass | marginal | fail |
//! inconclusive`, with a confidence and the reasons in words.

use serde::{Deserialize, Serialize};

use super::boundary::{self, BoundaryEvidence, BoundaryKind, Known};
use super::errors::{self, Counts, ErrorEvidence, ErrorRules};
use super::latency::{self, Binned, LatencyEvidence};
use super::outcome::Outcome;
use crate::figures::at::At;
use crate::figures::quantile::bucket_increases;
use crate::figures::DomainStatus;
use crate::plan::{PlanDomain, PlanSide, Signal};

/// What `status --json` gives under `verdict`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub result: Outcome,
    /// How sure the result is (0–1); `null` when inconclusive.
    pub confidence: Option<f64>,
    pub reasons: Vec<String>,
    pub errors: Option<ErrorEvidence>,
    pub latency: Option<LatencyEvidence>,
    /// The trust-boundary tests (401/403 and all 4xx of the new path against the monolith's),
    /// where a path counts them.
    #[serde(default)]
    pub boundaries: Vec<BoundaryEvidence>,
}

/// How far the monolith moved from its own previous window, per signal, when beyond noise
/// (the noise floor): added to what the new path is allowed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Noise {
    /// Error ratio points (0.01 = one point).
    pub errors: Option<f64>,
    /// Latency shift, seconds.
    pub latency_seconds: Option<f64>,
}

/// One path's latency histogram over the window, in seconds; `None` without a histogram.
pub fn binned(at: &At, side: &PlanSide, signals: &[Signal]) -> Option<Binned> {
    let id = side.latency?;
    let unit = signals[id].latency_unit_seconds;
    let buckets = bucket_increases(&at.store.signals[id], at.now_ms, at.window_ms)?;
    let scaled: Vec<(f64, f64)> = buckets.iter().map(|(le, c)| (le * unit, *c)).collect();
    Binned::from_cumulative(&scaled)
}

/// The verdict of `d` at `at`; `noise` is the monolith's move against its previous window.
pub fn verdict(
    at: &At,
    signals: &[Signal],
    d: &PlanDomain,
    ds: &DomainStatus,
    noise: Noise,
) -> Option<Verdict> {
    let plan = d.traffic.as_ref()?;
    let t = ds.traffic.as_ref()?;
    plan.new.requests?;
    let rules = ErrorRules {
        confidence: d.judge.confidence,
        tolerance: d.judge.error_tolerance,
        min_requests: d.slo.min_requests,
    };
    let counts = |s: &crate::figures::Side| Counts {
        errors: s.errors.unwrap_or(0.0),
        requests: s.requests.unwrap_or(0.0),
    };
    let errors = (plan.new.errors.is_some() && plan.legacy.requests.is_some())
        .then(|| errors::judge(counts(&t.new), counts(&t.legacy), noise.errors, &rules));
    let latency = match (
        binned(at, &plan.new, signals),
        binned(at, &plan.legacy, signals),
    ) {
        (Some(n), Some(l)) => Some(latency::judge(
            &n,
            &l,
            d.judge.confidence,
            d.judge.latency_tolerance,
            d.slo.min_requests,
            noise.latency_seconds,
        )),
        _ => None,
    };
    let boundaries = boundaries(t, &rules);
    let results: Vec<(Outcome, Option<f64>)> = [
        errors.as_ref().map(|e| (e.result, e.confidence)),
        latency.as_ref().map(|l| (l.result, l.confidence)),
    ]
    .into_iter()
    .flatten()
    .chain(
        boundaries
            .iter()
            .map(|b| (b.result, b.test.as_ref().and_then(|t| t.confidence))),
    )
    .collect();
    let worst = results.iter().map(|r| r.0).max();
    let result = match worst {
        Some(Outcome::Fail) => Outcome::Fail,
        Some(Outcome::Marginal) => Outcome::Marginal,
        // A pass needs the errors test's pass: latency alone does not vouch for a path.
        _ if errors.as_ref().is_some_and(|e| e.result == Outcome::Pass) => Outcome::Pass,
        _ => Outcome::Inconclusive,
    };
    let confidence = if result == Outcome::Inconclusive {
        None
    } else {
        results
            .iter()
            .filter(|r| r.0 == result)
            .filter_map(|r| r.1)
            .reduce(f64::max)
    };
    let mut reasons = Vec::new();
    reasons.extend(errors.as_ref().map(|e| e.reason.clone()));
    reasons.extend(latency.as_ref().map(|l| l.reason.clone()));
    reasons.extend(boundaries.iter().map(|b| b.reason.clone()));
    if let Some(n) = noise.errors.filter(|_| errors.is_some()) {
        reasons.push(format!(
            "noise floor: the monolith moved {:.2} points from its previous window; that much is allowed",
            n * 100.0
        ));
    }
    if let Some(n) = noise.latency_seconds.filter(|_| latency.is_some()) {
        reasons.push(format!(
            "noise floor: the monolith's latency moved {:.0}ms from its previous window; that much is allowed",
            n * 1000.0
        ));
    }
    Some(Verdict {
        result,
        confidence,
        reasons,
        errors,
        latency,
        boundaries,
    })
}

/// The 401/403 and 4xx tests, where either path has the figure (a path without it, or one
/// whose exporter cannot tell, makes the test inconclusive with the reason).
fn boundaries(t: &crate::figures::Traffic, rules: &ErrorRules) -> Vec<BoundaryEvidence> {
    let known = |s: &crate::figures::Side, path: &str, kind: BoundaryKind| {
        let f = match kind {
            BoundaryKind::AuthFailures => s.auth_failures.as_ref(),
            BoundaryKind::RateLimited => s.rate_limited.as_ref(),
            BoundaryKind::ClientErrors => s.client_errors.as_ref(),
        };
        match f {
            Some(f) if f.unknown.is_none() => Known::Counts(Counts {
                errors: f.count.unwrap_or(0.0),
                requests: s.requests.unwrap_or(0.0),
            }),
            Some(f) => Known::Unknown(f.unknown.clone().unwrap_or_default()),
            None => Known::Unknown(format!(
                "{} unknown: not counted on the {path}",
                kind.name()
            )),
        }
    };
    [BoundaryKind::AuthFailures, BoundaryKind::ClientErrors]
        .into_iter()
        .filter(|k| {
            let has = |s: &crate::figures::Side| match k {
                BoundaryKind::AuthFailures => s.auth_failures.is_some(),
                _ => s.client_errors.is_some(),
            };
            has(&t.new) || has(&t.legacy)
        })
        .map(|k| {
            let new = known(&t.new, "new path", k);
            let legacy = known(&t.legacy, "monolith", k);
            boundary::judge(k, &new, &legacy, None, rules)
        })
        .collect()
}

/// The monolith against its own previous window: how far its error ratio moved, when the move
/// is itself beyond noise (Diffy's idea: what two baselines differ by is not the canary's fault).
pub fn noise_floor(now: Counts, previous: Counts, confidence: f64) -> Option<f64> {
    let (r1, r0) = (now.ratio()?, previous.ratio()?);
    let alpha = 1.0 - confidence;
    let (up, _) = errors::p_worse(now, previous);
    let (down, _) = errors::p_worse(previous, now);
    (up < alpha || down < alpha).then(|| (r1 - r0).abs())
}
