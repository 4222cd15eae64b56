//! Per-side traffic figures: requests, errors, ratios, latency quantiles, weights, the split.

use super::counter::{gauge, increase};
use super::finite::newest_usable;
use super::latency::{current_average, Latency, LatencyFrom, LatencyFrom::Own, LatencyKind};
use super::quantile::{bucket_increases, gauge_mean, histogram_quantile};
use super::slo_p95::finer;
use super::status::{Side, Traffic};
use crate::judge::boundary::BoundaryKind::{AuthFailures, ClientErrors, RateLimited};
use crate::plan::{PlanSide, PlanTraffic, Signal, SignalId};
use crate::trace_url::TraceUrl;

pub use super::at::At;

/// One path's figures. `latency_unit_seconds` scales the latency signal's values to seconds
/// (0.001 for the millisecond histograms of Envoy, Istio and Kong); `slo_p95` (seconds) decides
/// whether a bound of the path's own histogram stands or the gateway's finer figure is shown;
/// `trace_url` links the path's kept exemplars.
pub fn side(
    at: &At,
    plan: &PlanSide,
    latency_unit_seconds: f64,
    slo_p95: Option<f64>,
    trace_url: Option<&TraceUrl>,
) -> Side {
    let mut s = Side::default();
    if let Some(id) = plan.errors {
        s.error_exemplar = super::exemplar::kept(at, id, 1.0, trace_url);
    }
    if let Some(id) = plan.latency {
        s.slowest_exemplar = super::exemplar::kept(at, id, latency_unit_seconds, trace_url);
    }
    if let Some(id) = plan.requests {
        if let Some(inc) = increase(at.history(id), at.now_ms, at.window_ms) {
            s.requests_total = Some(inc.total);
            if inc.seconds > 0.0 {
                s.requests = Some(inc.increase);
                s.rps = inc.per_second();
            }
        }
    }
    // An errors selector that matches nothing while requests exist is 0 errors (no 5xx series yet);
    // without requests it is unknown.
    if let Some(id) = plan.errors {
        match increase(at.history(id), at.now_ms, at.window_ms) {
            Some(inc) => {
                s.errors_total = Some(inc.total);
                if inc.seconds > 0.0 {
                    s.errors = Some(inc.increase);
                }
            }
            None if s.requests_total.is_some() && errors_scraped(at, id) => {
                s.errors_total = Some(0.0);
                if s.requests.is_some() {
                    s.errors = Some(0.0);
                }
            }
            None => {}
        }
        if let (Some(e), Some(r)) = (s.errors, s.requests) {
            s.error_ratio = (r > 0.0).then(|| e / r);
        }
    }
    for kind in [AuthFailures, RateLimited, ClientErrors] {
        let f = super::boundary::figure(at, plan, kind, s.requests);
        match kind {
            AuthFailures => s.auth_failures = f,
            RateLimited => s.rate_limited = f,
            ClientErrors => s.client_errors = f,
        }
    }
    let mut own = None;
    if let Some(id) = plan.latency {
        let h = at.history(id);
        let seconds = |v: Option<f64>| v.map(|v| v * latency_unit_seconds);
        if let Some(buckets) = bucket_increases(h, at.now_ms, at.window_ms) {
            s.p50_seconds = seconds(histogram_quantile(0.5, &buckets));
            s.p95_seconds = seconds(histogram_quantile(0.95, &buckets));
            s.p99_seconds = seconds(histogram_quantile(0.99, &buckets));
            s.quantiles = [LatencyKind::P50, LatencyKind::P95, LatencyKind::P99]
                .into_iter()
                .filter_map(|k| Latency::quantile(k, &buckets, latency_unit_seconds, Own))
                .collect();
            own = s
                .quantiles
                .iter()
                .find(|l| l.kind == LatencyKind::P95)
                .copied();
        } else {
            let average =
                seconds(gauge_mean(h, at.now_ms, at.window_ms)).map(|v| Latency::average(v, Own));
            own = current_average(average, s.requests);
            s.latency_gauge_seconds = own.map(|l| l.reading.seconds());
        }
    }
    super::gateway_state::gateway_figures(at, plan, &mut s);
    if let Some((id, unit)) = plan.gateway_latency {
        // The gateway's count of the path where it has one, else the path's own.
        let routed = s.gateway_requests.or(s.requests);
        s.gateway_latency = current_average(latency_of(at, id, unit, LatencyFrom::Gateway), routed);
    }
    s.latency = finer(own, s.gateway_latency, slo_p95);
    if let Some(id) = plan.weight {
        s.weight = gauge(at.history(id), at.now_ms, at.window_ms);
    }
    s.last_poll = super::last_poll::last_poll(at, plan);
    s
}

/// A latency signal's shown figure: the p95 of its histogram, or its gauge's average.
fn latency_of(at: &At, id: SignalId, unit: f64, from: LatencyFrom) -> Option<Latency> {
    let h = at.history(id);
    match bucket_increases(h, at.now_ms, at.window_ms) {
        Some(buckets) => Latency::quantile(LatencyKind::P95, &buckets, unit, from),
        None => gauge_mean(h, at.now_ms, at.window_ms).map(|v| Latency::average(v * unit, from)),
    }
}

/// The errors signal's source answered recently (its selector just matched nothing); a NaN or an
/// infinity in its newest frame is not an answer.
fn errors_scraped(at: &At, id: SignalId) -> bool {
    newest_usable(at.history(id), at.now_ms, at.window_ms).is_some()
}

/// Both paths and the split; `signals` are the plan's, for the latency units; `slo_p95` the
/// domain's p95 SLO in seconds, where set; `trace_url` links the kept exemplars.
pub fn traffic(
    at: &At,
    plan: &PlanTraffic,
    signals: &[Signal],
    slo_p95: Option<f64>,
    trace_url: Option<&TraceUrl>,
) -> Traffic {
    let unit = |p: &PlanSide| p.latency.map_or(1.0, |id| signals[id].latency_unit_seconds);
    let legacy = side(at, &plan.legacy, unit(&plan.legacy), slo_p95, trace_url);
    let new = side(at, &plan.new, unit(&plan.new), slo_p95, trace_url);
    let new_share = share(new.rps, legacy.rps, plan.legacy.requests.is_none());
    let configured_new_share = share(new.weight, legacy.weight, false);
    Traffic {
        legacy,
        new,
        new_share,
        configured_new_share,
    }
}

/// new / (legacy + new); unknown when either side is unknown (unless legacy is not configured),
/// and when both are zero (idle: no split to speak of).
fn share(new: Option<f64>, legacy: Option<f64>, legacy_absent: bool) -> Option<f64> {
    let new = new?;
    let legacy = if legacy_absent { 0.0 } else { legacy? };
    let total = new + legacy;
    (total > 0.0).then(|| new / total)
}
