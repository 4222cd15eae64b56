//! Envoy's `/stats/prometheus`, clusters split by `weighted_clusters`: `legacy` and `new` name
//! the two upstream clusters.
//!
//! Envoy counters carry no `_total` unless the stat name has it (`upstream_rq_total` does), the
//! per-class counter is `envoy_cluster_upstream_rq_xx` with `envoy_response_code_class="5"`
//! (the digit, not `"5xx"`), and `upstream_rq_time` is a histogram in milliseconds. The
//! configured split lives in route config or runtime, not in the metrics: no weight signal.

use super::{http_side, GatewayPreset, KeyUse, Matchers, Path};
use crate::config::{LatencyUnit, SideSignals};

pub const PRESET: GatewayPreset = GatewayPreset {
    name: "envoy",
    backend: (KeyUse::Unused, ""),
    by: KeyUse::Unused,
    sides: "upstream cluster names (envoy_cluster_name)",
    side,
};

fn side(_gw: &super::Gateway, _path: Path, cluster: &str) -> SideSignals {
    let on = Matchers::new().eq("envoy_cluster_name", cluster);
    let mut s = http_side(
        "envoy_cluster_upstream_rq_total",
        &on,
        // The 5xx count is a family of its own, not the total narrowed by a label.
        on.clone()
            .eq("envoy_response_code_class", "5")
            .on("envoy_cluster_upstream_rq_xx"),
        Some(("envoy_cluster_upstream_rq_time", LatencyUnit::Milliseconds)),
        None,
    );
    // Per code: `envoy_cluster_upstream_rq{envoy_response_code="403"}`.
    super::status_by_code(
        &mut s,
        "envoy_cluster_upstream_rq",
        &on,
        "envoy_response_code",
    );
    // Healthy members of the cluster: 0 is a cluster the gateway has no host to send to.
    s.up = Some(super::sel(on.on("envoy_cluster_membership_healthy")));
    s
}
