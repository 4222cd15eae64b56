//! Traefik's Prometheus metrics (v2 and v3), services split by a weighted (WRR) service:
//! `legacy` and `new` name the child services as the `service` label writes them
//! (`name@provider`, e.g. `orders-monolith@file`).
//!
//! `code` is the numeric status; the latency histogram is in seconds with coarse default
//! buckets (0.1, 0.3, 1.2, 5), so quantiles are rough. Weights live in the dynamic config.

use super::{http_side, GatewayPreset, KeyUse, Matchers, Path};
use crate::config::{LatencyUnit, SideSignals};

pub const PRESET: GatewayPreset = GatewayPreset {
    name: "traefik",
    backend: (KeyUse::Unused, ""),
    by: KeyUse::Unused,
    sides: "service names with their provider (service=\"orders-svc@file\")",
    side,
};

fn side(_gw: &super::Gateway, _path: Path, service: &str) -> SideSignals {
    let on = Matchers::new().eq("service", service);
    http_side(
        "traefik_service_requests_total",
        &on,
        on.clone()
            .re("code", "5..")
            .on("traefik_service_requests_total"),
        Some((
            "traefik_service_request_duration_seconds",
            LatencyUnit::Seconds,
        )),
        None,
    )
}
