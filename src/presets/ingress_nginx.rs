//! ingress-nginx canary Ingresses: the primary Ingress (`backend`) serves the monolith, a
//! canary Ingress with `nginx.ingress.kubernetes.io/canary-weight` the new service.
//!
//! Both paths are counted under the primary Ingress's name; what tells them apart is the
//! `canary` label: empty for primary traffic, the canary upstream's name
//! (`<namespace>-<service>-<port>`) when the canary served the request. So `legacy` names the
//! primary's service (the `service` label) and `new` the canary upstream. The request counter
//! has no `_total`; `status` is the exact code (or `5xx` with `--report-status-classes`).

use super::{http_side, GatewayPreset, KeyUse, Matchers, Path};
use crate::config::{LatencyUnit, SideSignals};

pub const PRESET: GatewayPreset = GatewayPreset {
    name: "ingress-nginx",
    backend: (
        KeyUse::Required,
        "the primary Ingress's name (the ingress label)",
    ),
    by: KeyUse::Unused,
    sides: "legacy: the primary's service; new: the canary upstream, <namespace>-<service>-<port>",
    side,
};

fn side(gw: &super::Gateway, path: Path, name: &str) -> SideSignals {
    let on = Matchers::new().eq("ingress", gw.backend.unwrap_or_default());
    let on = match path {
        Path::Legacy => on.eq("service", name).eq("canary", ""),
        Path::New => on.eq("canary", name),
    };
    http_side(
        "nginx_ingress_controller_requests",
        &on,
        on.clone()
            .re("status", "5..")
            .on("nginx_ingress_controller_requests"),
        Some((
            "nginx_ingress_controller_request_duration_seconds",
            LatencyUnit::Seconds,
        )),
        None,
    )
}
