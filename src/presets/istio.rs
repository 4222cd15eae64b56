//! Istio's standard metrics, as the destination's sidecar reports them (`reporter="destination"`,
//! so each request is counted once).
//!
//! `legacy` and `new` name destination workloads by default (two Deployments behind one
//! VirtualService); `by = "destination_version"` splits by the version label of one workload's
//! subsets instead, and `backend` narrows to one `destination_service_name`. The duration
//! histogram is in milliseconds.

use super::{http_side, GatewayPreset, KeyUse, Matchers, Path};
use crate::config::{LatencyUnit, SideSignals};

/// The labels `by` may name.
pub const BY_LABELS: &[&str] = &[
    "destination_workload",
    "destination_version",
    "destination_canonical_revision",
];

pub const PRESET: GatewayPreset = GatewayPreset {
    name: "istio",
    backend: (
        KeyUse::Optional,
        "the destination_service_name to narrow to",
    ),
    by: KeyUse::Optional,
    sides: "destination workloads (or the values of the `by` label)",
    side,
};

fn side(gw: &super::Gateway, _path: Path, name: &str) -> SideSignals {
    let on = Matchers::new()
        .eq("reporter", "destination")
        .eq_opt("destination_service_name", gw.backend)
        .eq(gw.by.unwrap_or(BY_LABELS[0]), name);
    http_side(
        "istio_requests_total",
        &on,
        on.clone()
            .re("response_code", "5..")
            .on("istio_requests_total"),
        Some((
            "istio_request_duration_milliseconds",
            LatencyUnit::Milliseconds,
        )),
        None,
    )
}
