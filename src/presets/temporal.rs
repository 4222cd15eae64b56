//! Temporal SDK worker metrics for one workflow type (a saga run as a Temporal workflow).
//!
//! The Core-based SDKs (Python, TypeScript, .NET) expose counters without `_total` by default
//! (`counters_total_suffix=False`), other setups with it; the selectors accept both, at the
//! cost of the family pre-filter on that source. `failed` is `temporal_workflow_failed`; the
//! failure ratio is taken over finished workflows (completed, failed or canceled), since the
//! SDK counts no starts. Compensations run as activities and have no metric of their own, and
//! there is no in-flight gauge.

use super::{sel, ExpandedSaga, Matchers, SagaPreset};

pub const PRESET: SagaPreset = SagaPreset {
    name: "temporal",
    key: "workflow_type",
    signals,
};

fn signals(workflow_type: &str) -> ExpandedSaga {
    let named = |re: &str| {
        sel(Matchers::new()
            .re("__name__", re)
            .eq("workflow_type", workflow_type)
            .on(""))
    };
    ExpandedSaga {
        failed: named("temporal_workflow_failed(_total)?"),
        compensated: None,
        started: Some(named(
            "temporal_workflow_(completed|failed|canceled)(_total)?",
        )),
        in_progress: None,
    }
}
