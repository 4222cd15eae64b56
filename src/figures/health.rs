//! Health per domain, with the reasons in words, and the stage check.
//!
//! No data is not healthy: a down source makes the domain stale and unknown; no traffic is
//! "idle"; too little traffic gives no verdict on ratios.

use super::finite::{non_finite, spell};
use super::queue::queue;
use super::saga::saga;
use super::status::{DomainStatus, Health, Traffic};
use super::traffic::{traffic, At};
use crate::format::{millis, number, percent_fixed};
use crate::plan::{Plan, PlanDomain, SignalId};
use crate::stage::Stage;

/// Per-source state the health needs: is it up, and its last error.
pub struct SourceView<'a> {
    pub name: &'a str,
    pub up: Option<bool>,
    pub error: Option<&'a str>,
}

pub fn domain(at: &At, plan: &Plan, d: &PlanDomain, sources: &[SourceView]) -> DomainStatus {
    let mut reasons = Vec::new();
    let mut health = Health::Ok;
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
                health = health.worst(Health::Unknown);
                reasons.push(format!(
                    "source {} is down: {}",
                    v.name,
                    v.error.unwrap_or("no answer")
                ));
            }
            None => {
                health = health.worst(Health::Unknown);
                reasons.push(format!("source {} not scraped yet", v.name));
            }
            Some(true) => {}
        }
    }

    health = health.worst(non_finite_reasons(at, plan, d, &mut reasons));

    let t = d.traffic.as_ref().map(|p| traffic(at, p, &plan.signals));
    if let Some(t) = &t {
        health = health.worst(traffic_health(t, d, &mut reasons));
        health = health.worst(super::gateway_state::gateway_health(
            plan,
            d,
            t,
            sources,
            &mut reasons,
        ));
        if let Some(r) = stage_contradiction(d.stage, t) {
            health = health.worst(Health::Warn);
            reasons.push(r);
        }
        if let Some(r) = d
            .traffic
            .as_ref()
            .and_then(|p| super::split_gap::split_gap(at, p, t, &d.slo))
        {
            health = health.worst(Health::Warn);
            reasons.push(r);
        }
    }

    let queues: Vec<_> = d.queues.iter().map(|q| queue(at, q)).collect();
    for (q, p) in queues.iter().zip(&d.queues) {
        health = health.worst(q.health);
        match (q.health, q.depth) {
            (Health::Unknown, _) => reasons.push(format!("queue {}: no data", q.name)),
            (Health::Crit, Some(depth)) => reasons.push(format!(
                "queue {} depth {} >= crit {}",
                q.name,
                number(depth),
                number(p.crit.unwrap_or_default())
            )),
            (Health::Warn, Some(depth)) => reasons.push(format!(
                "queue {} depth {} >= warn {}",
                q.name,
                number(depth),
                number(p.warn.unwrap_or_default())
            )),
            _ => {}
        }
    }

    let sagas: Vec<_> = d.sagas.iter().map(|s| saga(at, s, &d.slo)).collect();
    for s in &sagas {
        health = health.worst(s.health);
        match (s.health, s.failed_per_minute) {
            (Health::Unknown, _) => reasons.push(format!("saga {}: no data", s.name)),
            (Health::Warn | Health::Crit, Some(r)) => reasons.push(format!(
                "saga {}: {:.2} failures/min > {}",
                s.name,
                r,
                number(d.slo.saga_failures_per_minute)
            )),
            _ => {}
        }
    }

    DomainStatus {
        name: d.name.clone(),
        stage: d.stage,
        health,
        reasons,
        stale,
        traffic: t,
        queues,
        sagas,
    }
}

fn traffic_health(t: &Traffic, d: &PlanDomain, reasons: &mut Vec<String>) -> Health {
    let slo = &d.slo;
    let legacy_req = t.legacy.requests;
    let new_req = t.new.requests;
    let configured_new = d.traffic.as_ref().is_some_and(|p| p.new.requests.is_some());
    if configured_new && new_req.is_none() && t.new.requests_total.is_none() {
        reasons.push("no data for the new path's requests".into());
        return Health::Unknown;
    }
    let total = legacy_req.unwrap_or(0.0) + new_req.unwrap_or(0.0);
    if legacy_req.is_none() && new_req.is_none() {
        reasons.push("traffic: not enough samples in the window yet".into());
        return Health::Unknown;
    }
    if total == 0.0 {
        reasons.push("idle: no requests in the window".into());
        return Health::Unknown;
    }
    let mut h = Health::Ok;
    let new_req = new_req.unwrap_or(0.0);
    if new_req < slo.min_requests {
        if matches!(d.stage, Stage::Canary | Stage::Ramp | Stage::Migrated) {
            reasons.push(format!(
                "low traffic on the new path: {} requests < {} in the window, no verdict on its errors",
                number(new_req),
                number(slo.min_requests)
            ));
        }
        return h;
    }
    let configured_errors = d.traffic.as_ref().is_some_and(|p| p.new.errors.is_some());
    if configured_errors && t.new.error_ratio.is_none() {
        reasons.push("no error figure for the new path: no verdict on its errors".into());
        h = h.worst(Health::Unknown);
    }
    if let Some(r) = t.new.error_ratio {
        if r > slo.error_ratio {
            h = h.worst(Health::Crit);
            reasons.push(format!(
                "new path error ratio {} > {}",
                percent_fixed(r),
                percent_fixed(slo.error_ratio)
            ));
        }
        if let Some(l) = t.legacy.error_ratio {
            if t.legacy.requests.unwrap_or(0.0) >= slo.min_requests && r - l > slo.error_ratio_delta
            {
                h = h.worst(Health::Warn);
                reasons.push(format!(
                    "new path errors {} above the monolith's {} (allowed +{})",
                    percent_fixed(r),
                    percent_fixed(l),
                    percent_fixed(slo.error_ratio_delta)
                ));
            }
        }
    }
    if let (Some(limit), Some(p95)) = (slo.p95, t.new.p95_seconds.or(t.new.latency_gauge_seconds)) {
        if p95 > limit.as_secs_f64() {
            h = h.worst(Health::Warn);
            reasons.push(format!(
                "new path p95 {} > {}",
                millis(p95),
                millis(limit.as_secs_f64())
            ));
        }
    }
    h
}

/// Every signal of the domain whose newest frame holds a NaN or an infinity: its figures are
/// `null` (see `finite`), and the domain says which selector returned what.
fn non_finite_reasons(at: &At, plan: &Plan, d: &PlanDomain, reasons: &mut Vec<String>) -> Health {
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
        named.push((format!("queue {} depth", q.name), q.depth));
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
    let mut health = Health::Ok;
    for (what, id) in named {
        if let Some(v) = non_finite(&at.store.signals[id], at.now_ms, at.window_ms) {
            let kind = if plan.signals[id].query.is_some() {
                "query"
            } else {
                "selector"
            };
            reasons.push(format!("{what} {kind} returned {}", spell(v)));
            health = Health::Unknown;
        }
    }
    health
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
