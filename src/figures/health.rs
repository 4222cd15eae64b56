//! Health per domain, with the reasons in words, and the stage check.
//!
//! No data is not healthy: a down source makes the domain stale and unknown; no traffic is
//! "idle"; too little traffic gives no verdict on ratios.

use super::at::At;
use super::finite::{non_finite, spell};
use super::queue::queue;
use super::saga::saga;
use super::status::Findings;
use super::status::{DomainStatus, Health, Traffic};
use super::traffic::traffic;
use crate::format::number;
use crate::plan::{Plan, PlanDomain, SignalId};
use crate::stage::Stage;

pub use super::source_view::SourceView;

pub fn domain(at: &At, plan: &Plan, d: &PlanDomain, sources: &[SourceView]) -> DomainStatus {
    let mut found = Findings::default();
    let mut stale = false;

    let mut used: Vec<usize> = d
        .signals()
        .iter()
        .map(|&s| plan.signals[s].source)
        .collect();
    used.sort_unstable();
    used.dedup();
    for s in used {
        let v = &sources[s];
        match v.up {
            Some(false) => {
                stale = true;
                found.push(
                    format!("source:{}", v.name),
                    Health::Unknown,
                    format!(
                        "source {} is down: {}",
                        v.name,
                        v.error.unwrap_or("no answer")
                    ),
                );
            }
            None => {
                found.push(
                    format!("source:{}", v.name),
                    Health::Unknown,
                    format!("source {} not scraped yet", v.name),
                );
            }
            Some(true) => {}
        }
    }

    non_finite_reasons(at, plan, d, &mut found);

    let slo_p95 = d.slo.p95.map(|p| p.as_secs_f64());
    let t = d
        .traffic
        .as_ref()
        .map(|p| traffic(at, p, &plan.signals, slo_p95, plan.trace_url.as_ref()));
    if let Some(t) = &t {
        traffic_health(t, d, &mut found);
        // The gateway's view of each path: down there (or its source down) while it still
        // routes traffic is crit at once, not after `for`.
        let mut gateway_reasons = Vec::new();
        let level = super::gateway_state::gateway_health(plan, d, t, sources, &mut gateway_reasons);
        for reason in gateway_reasons {
            found.push_far("gateway", level, reason, level == Health::Crit);
        }
        if let Some(r) = stage_contradiction(d.stage, t) {
            found.push("stage", Health::Warn, r);
        }
        if let Some(r) = d
            .traffic
            .as_ref()
            .and_then(|p| super::split_gap::split_gap(at, p, t, &d.slo))
        {
            found.push("split", Health::Warn, r);
        }
    }

    let queues: Vec<_> = d.queues.iter().map(|q| queue(at, q)).collect();
    for (q, p) in queues.iter().zip(&d.queues) {
        let rule = format!("queue:{}", q.name);
        let far = |limit: Option<f64>| matches!((q.depth, limit), (Some(v), Some(l)) if l > 0.0 && v >= 5.0 * l);
        match (q.health, q.depth) {
            (Health::Unknown, _) => {
                let text = match &q.depth_unknown {
                    Some(why) => format!("queue {}: {} unknown: {why}", q.name, q.meaning),
                    None => format!("queue {}: no data", q.name),
                };
                found.push(rule, Health::Unknown, text)
            }
            (Health::Crit, Some(depth)) => found.push_far(
                rule,
                Health::Crit,
                format!(
                    "queue {} {} {} >= crit {}",
                    q.name,
                    q.meaning,
                    number(depth),
                    number(p.crit.unwrap_or_default())
                ),
                far(p.crit),
            ),
            (Health::Warn, Some(depth)) => found.push_far(
                rule,
                Health::Warn,
                format!(
                    "queue {} {} {} >= warn {}",
                    q.name,
                    q.meaning,
                    number(depth),
                    number(p.warn.unwrap_or_default())
                ),
                far(p.warn),
            ),
            _ => {}
        }
    }

    let sagas: Vec<_> = d.sagas.iter().map(|s| saga(at, s, &d.slo)).collect();
    for s in &sagas {
        let rule = format!("saga:{}", s.name);
        match (s.health, s.failed_per_minute) {
            (Health::Unknown, _) => {
                found.push(rule, Health::Unknown, format!("saga {}: no data", s.name))
            }
            (h @ (Health::Warn | Health::Crit), Some(r)) => {
                let limit = d.slo.saga_failures_per_minute;
                found.push_far(
                    rule,
                    h,
                    format!("saga {}: {:.2} failures/min > {}", s.name, r, number(limit)),
                    limit > 0.0 && r >= 5.0 * limit,
                )
            }
            _ => {}
        }
    }

    let data = super::data::data(at, d, &mut found);

    DomainStatus {
        name: d.name.clone(),
        stage: d.stage,
        health: found.health(),
        reasons: found.texts(),
        verdict: None,
        burn: None,
        rollback_ready: None,
        findings: found,
        stale,
        traffic: t,
        queues,
        sagas,
        data,
    }
}

/// The figures' own traffic rules: data present, low traffic (words only), latency. The error
/// ratios are the judge's (`judge::verdict`): a statistical test instead of a bare threshold.
fn traffic_health(t: &Traffic, d: &PlanDomain, found: &mut Findings) {
    let slo = &d.slo;
    let legacy_req = t.legacy.requests;
    let new_req = t.new.requests;
    let configured_new = d.traffic.as_ref().is_some_and(|p| p.new.requests.is_some());
    if configured_new && new_req.is_none() && t.new.requests_total.is_none() {
        found.push(
            "data",
            Health::Unknown,
            "no data for the new path's requests",
        );
        return;
    }
    let total = legacy_req.unwrap_or(0.0) + new_req.unwrap_or(0.0);
    if legacy_req.is_none() && new_req.is_none() {
        found.push(
            "data",
            Health::Unknown,
            "traffic: not enough samples in the window yet",
        );
        return;
    }
    if total == 0.0 {
        found.push("data", Health::Unknown, "idle: no requests in the window");
        return;
    }
    let new_req = new_req.unwrap_or(0.0);
    if new_req < slo.min_requests {
        if matches!(d.stage, Stage::Canary | Stage::Ramp | Stage::Migrated) {
            found.push(
                "traffic",
                Health::Ok,
                format!(
                    "low traffic on the new path: {} requests < {} in the window, no pass yet",
                    number(new_req),
                    number(slo.min_requests)
                ),
            );
        }
        return;
    }
    let configured_errors = d.traffic.as_ref().is_some_and(|p| p.new.errors.is_some());
    if configured_errors && t.new.error_ratio.is_none() {
        found.push(
            "data",
            Health::Unknown,
            "no error figure for the new path: no verdict on its errors",
        );
    }
    // The shown figure, with its kind; a bound is judged only where its bucket allows.
    if let (Some(limit), Some(l)) = (slo.p95, &t.new.latency) {
        if let Some(f) = super::slo_p95::against_slo("new path", l, limit.as_secs_f64()) {
            found.push_far("slo.p95", f.level, f.text, f.far);
        }
    }
}

/// Every signal of the domain whose newest frame holds a NaN or an infinity: its figures are
/// `null` (see `finite`), and the domain says which selector returned what.
fn non_finite_reasons(at: &At, plan: &Plan, d: &PlanDomain, found: &mut Findings) {
    let mut named: Vec<(String, SignalId)> = Vec::new();
    if let Some(t) = &d.traffic {
        for (path, side) in [("legacy path", &t.legacy), ("new path", &t.new)] {
            let roles = [
                ("requests", side.requests),
                ("errors", side.errors),
                ("latency", side.latency),
                ("weight", side.weight),
            ];
            for (role, id) in roles {
                if let Some(id) = id {
                    named.push((format!("{path} {role}"), id));
                }
            }
        }
    }
    for q in &d.queues {
        named.push((format!("queue {} {}", q.name, q.meaning), q.depth));
        if let Some((meaning, id)) = q.in_flight {
            named.push((format!("queue {} {meaning}", q.name), id));
        }
    }
    for s in &d.sagas {
        let roles = [
            ("failed", Some(s.failed)),
            ("compensated", s.compensated),
            ("started", s.started),
            ("in_progress", s.in_progress),
        ];
        for (role, id) in roles {
            if let Some(id) = id {
                named.push((format!("saga {} {role}", s.name), id));
            }
        }
    }
    for (what, id) in named {
        if let Some(v) = non_finite(&at.store.signals[id], at.now_ms, at.window_ms) {
            let kind = if plan.signals[id].query.is_some() {
                "query"
            } else {
                "selector"
            };
            found.push(
                "data",
                Health::Unknown,
                format!("{what} {kind} returned {}", spell(v)),
            );
        }
    }
}

/// A declared stage that the observed split contradicts.
pub fn stage_contradiction(stage: Stage, t: &Traffic) -> Option<String> {
    let legacy = t.legacy.requests.unwrap_or(0.0);
    let new = t.new.requests.unwrap_or(0.0);
    match stage {
        Stage::Migrated if legacy > 0.0 => Some(format!(
            "declared migrated, but the monolith still served {} requests in the window",
            number(legacy)
        )),
        Stage::RolledBack if new > 0.0 => Some(format!(
            "declared rolled-back, but the new service still served {} requests in the window",
            number(new)
        )),
        _ => None,
    }
}

/// All domains at a data time.
pub fn domains(at: &At, plan: &Plan, sources: &[SourceView]) -> Vec<DomainStatus> {
    plan.domains
        .iter()
        .map(|d| domain(at, plan, d, sources))
        .collect()
}
