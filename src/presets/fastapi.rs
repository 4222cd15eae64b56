//! prometheus-fastapi-instrumentator (`Instrumentator().instrument(app).expose(app)`): the
//! service's own count of a route.
//!
//! `http_requests_total{handler, method, status}` with `status` grouped to `"5xx"` by default
//! (the exact code when grouping is off: both match `5..`); `handler` is the route template,
//! `/orders/{order_id}`. The latency histogram `http_request_duration_seconds` has `handler`
//! and `method` but only the buckets 0.1, 0.5 and 1 s by default: quantiles are coarse. Without
//! a `handler` every route counts except the `/metrics` scrapes themselves.

use super::{http_side, status_by_class, Matchers, ServicePreset};
use crate::config::{LatencyUnit, ServiceSide, SideSignals};

pub const PRESET: ServicePreset = ServicePreset {
    name: "fastapi",
    handler: "the route template (handler label), e.g. \"/orders/{order_id}\"",
    side,
};

fn side(svc: &ServiceSide) -> SideSignals {
    let on = match svc.handler.as_deref() {
        Some(h) => Matchers::new().eq("handler", h),
        None => Matchers::new().ne("handler", "/metrics"),
    }
    .eq_opt("method", svc.method.as_deref());
    let mut s = http_side(
        "http_requests_total",
        &on,
        on.clone().re("status", "5..").on("http_requests_total"),
        Some(("http_request_duration_seconds", LatencyUnit::Seconds)),
        svc.source.as_deref(),
    );
    // Grouped by class by default ("4xx"; `4..` also matches exact codes): 401/403 and 429
    // are unknown.
    status_by_class(
        &mut s,
        on.clone().re("status", "4..").on("http_requests_total"),
    );
    s
}
