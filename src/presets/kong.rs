//! Kong 3.x's prometheus plugin, with `status_code_metrics` and `latency_metrics` turned on
//! (both are off by default): `legacy` and `new` name the Kong services.
//!
//! `kong_http_requests_total` counts by exact `code`, including answers Kong made itself
//! (`source="kong"`, e.g. a 502 when the upstream is gone): they are errors of that path too.
//! Latency is the upstream's (`kong_upstream_latency_ms`, milliseconds), as Envoy's preset
//! measures it. Kong 2.x named these `kong_http_status` and `kong_latency`: write the signals.

use super::{http_side, GatewayPreset, KeyUse, Matchers, Path};
use crate::config::{LatencyUnit, SideSignals};

pub const PRESET: GatewayPreset = GatewayPreset {
    name: "kong",
    backend: (KeyUse::Unused, ""),
    by: KeyUse::Unused,
    sides: "Kong service names",
    side,
};

fn side(_gw: &super::Gateway, _path: Path, service: &str) -> SideSignals {
    let on = Matchers::new().eq("service", service);
    http_side(
        "kong_http_requests_total",
        &on,
        on.clone().re("code", "5..").on("kong_http_requests_total"),
        Some(("kong_upstream_latency_ms", LatencyUnit::Milliseconds)),
        None,
    )
}
