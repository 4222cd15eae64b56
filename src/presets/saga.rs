//! The saga convention this project documents for services without an orchestrator's metrics
//! (docs/presets.md): counters `saga_started_total`, `saga_completed_total`, `saga_failed_total`,
//! `saga_compensation_total` and the gauge `saga_in_progress`, all with a `saga` label (plus
//! `domain`, and `step`/`reason`/`result` where they apply). The preset reads one saga by name.

use super::{sel, ExpandedSaga, Matchers, SagaPreset};

pub const PRESET: SagaPreset = SagaPreset {
    name: "saga",
    key: "saga",
    signals,
};

fn signals(saga: &str) -> ExpandedSaga {
    let on = Matchers::new().eq("saga", saga);
    ExpandedSaga {
        failed: sel(on.on("saga_failed_total")),
        compensated: Some(sel(on.on("saga_compensation_total"))),
        started: Some(sel(on.on("saga_started_total"))),
        in_progress: Some(sel(on.on("saga_in_progress"))),
    }
}
