//! HAProxy's built-in Prometheus exporter (2.4+, `http-request use-service prometheus-exporter`).
//!
//! Per server: `haproxy_server_http_responses_total` by `code` class (`"5xx"`), the effective
//! weight (`haproxy_server_weight`, which `set weight` changes) and the average response time
//! over the last 1024 requests. HAProxy has no latency histograms, so p95/p99 need the
//! service's own histogram (a service preset, or `new.latency = { source, select }`).
//! The server's state (`haproxy_server_status{state}`) tells a server the gateway marks DOWN.

use super::{http_side, GatewayPreset, KeyUse, Matchers, Path};
use crate::config::{LatencyUnit, SideSignals};

pub const PRESET: GatewayPreset = GatewayPreset {
    name: "haproxy",
    backend: (KeyUse::Required, "the HAProxy backend, e.g. \"be_orders\""),
    by: KeyUse::Unused,
    sides: "server names in the backend",
    side,
};

fn side(gw: &super::Gateway, _path: Path, server: &str) -> SideSignals {
    let on = Matchers::new()
        .eq("proxy", gw.backend.unwrap_or_default())
        .eq("server", server);
    let mut s = http_side(
        "haproxy_server_http_responses_total",
        &on,
        on.clone()
            .eq("code", "5xx")
            .on("haproxy_server_http_responses_total"),
        Some((
            "haproxy_server_response_time_average_seconds",
            LatencyUnit::Seconds,
        )),
        None,
    );
    // Statuses only by class: 4xx yes, 401/403 and 429 unknown.
    super::status_by_class(
        &mut s,
        on.clone()
            .eq("code", "4xx")
            .on("haproxy_server_http_responses_total"),
    );
    s.weight = Some(super::sel(on.on("haproxy_server_weight")));
    // 2.4+: one 0/1 series per state. UP, DRAIN and NOLB still take traffic; DOWN and MAINT
    // do not. (Up to 2.3 the gauge is one number without `state`: nothing matches, no rule.)
    s.up = Some(super::sel(
        on.clone()
            .re("state", "UP|DRAIN|NOLB")
            .on("haproxy_server_status"),
    ));
    s
}
