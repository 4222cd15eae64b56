//! django-prometheus (`PrometheusBeforeMiddleware` ... `PrometheusAfterMiddleware`): the
//! service's own count of a view.
//!
//! The one counter with status, view and method is
//! `django_http_responses_total_by_status_view_method_total` (the odd name is the library's:
//! prometheus_client appends `_total`); `status` is the exact code. `handler` names the view as
//! Django resolves it (`orders:detail`). Latency: `django_http_requests_latency_seconds_by_view_method`,
//! buckets 0.01 to 75 s. Without a `handler` every view counts except the metrics view.

use super::{http_side, Matchers, ServicePreset};
use crate::config::{LatencyUnit, ServiceSide, SideSignals};

/// The view name django-prometheus gives its own `/metrics` endpoint.
const METRICS_VIEW: &str = "prometheus-django-metrics";

pub const PRESET: ServicePreset = ServicePreset {
    name: "django",
    handler: "the view name (view label), e.g. \"orders:detail\"",
    side,
};

fn side(svc: &ServiceSide) -> SideSignals {
    const REQUESTS: &str = "django_http_responses_total_by_status_view_method_total";
    let on = match svc.handler.as_deref() {
        Some(view) => Matchers::new().eq("view", view),
        None => Matchers::new().ne("view", METRICS_VIEW),
    }
    .eq_opt("method", svc.method.as_deref());
    http_side(
        REQUESTS,
        &on,
        on.clone().re("status", "5..").on(REQUESTS),
        Some((
            "django_http_requests_latency_seconds_by_view_method",
            LatencyUnit::Seconds,
        )),
        svc.source.as_deref(),
    )
}
