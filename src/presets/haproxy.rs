//! HAProxy's built-in Prometheus exporter (2.4+): per-server response counters by class,
//! the effective weight, and the average response time (HAProxy has no latency histograms).

use super::{q, sel};
use crate::config::SideSignals;

pub fn side(backend: &str, server: &str) -> Result<SideSignals, String> {
    let l = format!("proxy={},server={}", q(backend), q(server));
    Ok(SideSignals {
        requests: sel(format!("haproxy_server_http_responses_total{{{l}}}")),
        errors: Some(sel(format!(
            "haproxy_server_http_responses_total{{{l},code=\"5xx\"}}"
        ))),
        weight: Some(sel(format!("haproxy_server_weight{{{l}}}"))),
        latency: Some(sel(format!(
            "haproxy_server_response_time_average_seconds{{{l}}}"
        ))),
    })
}
