//! prometheus-flask-exporter (`PrometheusMetrics(app)`): the service's own count of a path.
//!
//! Its request counter `flask_http_request_total` has only `method` and `status`, so the preset
//! counts requests with the duration histogram's `_count`, which also has `path`. The exporter
//! groups by the raw `request.path` by default (`/orders/123`, one series per id): with a
//! `handler`, either give an exact path or set `group_by='url_rule'` in the app, which names
//! the label `url_rule` instead (then write the signals by hand). `status` is the exact code;
//! the exporter does not count its own `/metrics`. Buckets are prometheus_client's defaults.

use super::{http_side, status_by_code, Matchers, ServicePreset};
use crate::config::{LatencyUnit, ServiceSide, SideSignals};

pub const PRESET: ServicePreset = ServicePreset {
    name: "flask",
    handler: "the request path (path label), e.g. \"/orders\"",
    side,
};

fn side(svc: &ServiceSide) -> SideSignals {
    const COUNT: &str = "flask_http_request_duration_seconds_count";
    let on = Matchers::new()
        .eq_opt("path", svc.handler.as_deref())
        .eq_opt("method", svc.method.as_deref());
    let mut s = http_side(
        COUNT,
        &on,
        on.clone().re("status", "5..").on(COUNT),
        Some(("flask_http_request_duration_seconds", LatencyUnit::Seconds)),
        svc.source.as_deref(),
    );
    // `status` is the exact code.
    status_by_code(&mut s, COUNT, &on, "status");
    s
}
