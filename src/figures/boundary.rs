//! A path's trust-boundary figures (401+403, 429, all 4xx) in the window: a count and its share
//! of the path's requests, or unknown with the reason when the exporter cannot tell.

use serde::{Deserialize, Serialize};

use super::at::At;
use super::counter::increase;
use super::finite::newest_usable;
use crate::judge::boundary::BoundaryKind;
use crate::plan::{PlanSide, SignalId};

/// One trust-boundary figure of a path; `count` and `ratio` are `null` when unknown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BoundaryFigure {
    pub count: Option<f64>,
    pub ratio: Option<f64>,
    /// Why the figure is unknown, when the cause is known ("auth failures unknown: the
    /// exporter counts 4xx only as a class").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
}

/// The figure of `kind` on a path with `requests` in the window; `None` when the path has no
/// such signal and the exporter gives no reason for it (not configured).
pub fn figure(
    at: &At,
    plan: &PlanSide,
    kind: BoundaryKind,
    requests: Option<f64>,
) -> Option<BoundaryFigure> {
    let id = match kind {
        BoundaryKind::AuthFailures => plan.auth_failures,
        BoundaryKind::RateLimited => plan.rate_limited,
        BoundaryKind::ClientErrors => plan.client_errors,
    };
    let Some(id) = id else {
        return (plan.status_by_class && !kind.known_from_class()).then(|| BoundaryFigure {
            unknown: Some(kind.class_only_reason()),
            ..BoundaryFigure::default()
        });
    };
    let count = counted(at, id, requests);
    let ratio = match (count, requests) {
        (Some(c), Some(r)) if r > 0.0 => Some(c / r),
        _ => None,
    };
    Some(BoundaryFigure {
        count,
        ratio,
        unknown: None,
    })
}

/// The increase in the window; a selector that matches nothing while the source answers and the
/// path has requests is 0 (no series for that code yet), as for 5xx.
fn counted(at: &At, id: SignalId, requests: Option<f64>) -> Option<f64> {
    let h = at.history(id);
    match increase(h, at.now_ms, at.window_ms) {
        Some(inc) => (inc.seconds > 0.0).then_some(inc.increase),
        None if requests.is_some() && newest_usable(h, at.now_ms, at.window_ms).is_some() => {
            Some(0.0)
        }
        None => None,
    }
}
