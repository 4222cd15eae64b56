//! A path's kept exemplars as `status --json` and the detail view give them: the newest of its
//! errors and the slowest recent request, each with its trace ID, value, age and link.

use serde::{Deserialize, Serialize};

use super::at::At;
use crate::clock::rfc3339;
use crate::plan::SignalId;
use crate::trace_url::TraceUrl;

/// One kept exemplar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExemplarStatus {
    /// Validated: hex or base64url, 8 to 64 characters (`trace_id`).
    pub trace_id: String,
    /// The observed value: seconds for a latency, the exporter's value for errors.
    pub value: f64,
    /// When it was observed (RFC 3339): the exporter's timestamp, or the scrape that first
    /// brought it when `timestamped` is false.
    pub at: String,
    pub timestamped: bool,
    /// Seconds between `at` and the status's data time (0 when the exporter's clock is ahead).
    pub age_seconds: f64,
    /// The trace's link from `[tracing] url`, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When the observation was, in unix ms (for the views; not part of the JSON).
    #[serde(skip)]
    pub at_ms: i64,
}

/// The exemplar a signal keeps, its value scaled by `unit` (seconds per unit for a latency).
pub fn kept(at: &At, id: SignalId, unit: f64, url: Option<&TraceUrl>) -> Option<ExemplarStatus> {
    let h = at.history(id);
    if h.stale {
        return None;
    }
    let k = h.exemplars.kept()?;
    Some(ExemplarStatus {
        trace_id: k.trace_id.clone(),
        value: k.value * unit,
        at: rfc3339(k.at_ms),
        timestamped: k.timestamped,
        age_seconds: (at.now_ms.saturating_sub(k.at_ms)).max(0) as f64 / 1000.0,
        url: url.and_then(|u| u.link(&k.trace_id)),
        at_ms: k.at_ms,
    })
}
