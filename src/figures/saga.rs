//! Saga figures: failures and compensations over the window, the failure ratio, stuck sagas.

use super::at::At;
use super::counter::{gauge, increase};
use super::finite::newest_usable;
use super::status::{Health, SagaStatus};
use crate::plan::{PlanSaga, Slo};

pub fn saga(at: &At, plan: &PlanSaga, slo: &Slo) -> SagaStatus {
    let inc =
        |id| increase(&at.store.signals[id], at.now_ms, at.window_ms).filter(|i| i.seconds > 0.0);
    let started_inc = plan.started.and_then(inc);
    let in_progress = plan
        .in_progress
        .and_then(|id| gauge(&at.store.signals[id], at.now_ms, at.window_ms));
    // Failure series often appear only at the first failure (they carry step and reason labels):
    // while the saga's other counters are read, a failed selector matching nothing is 0 failures.
    let failed = inc(plan.failed).or_else(|| {
        let scraped =
            newest_usable(&at.store.signals[plan.failed], at.now_ms, at.window_ms).is_some();
        (scraped && (started_inc.is_some() || in_progress.is_some())).then(|| {
            let seconds = started_inc.map_or(0.0, |s| s.seconds);
            super::counter::Increase {
                total: 0.0,
                increase: 0.0,
                seconds,
            }
        })
    });
    let failed_per_minute = failed
        .and_then(|i| {
            if i.increase == 0.0 && i.seconds == 0.0 {
                None
            } else {
                i.per_second()
            }
        })
        .map(|r| r * 60.0);
    let compensated = plan.compensated.and_then(inc).map(|i| i.increase);
    let started = started_inc.map(|i| i.increase);
    let failure_ratio = match (failed, started) {
        (Some(f), Some(s)) if s > 0.0 => Some(f.increase / s),
        _ => None,
    };
    let health = match failed_per_minute {
        None => Health::Unknown,
        Some(r) if r > slo.saga_failures_per_minute * 5.0 => Health::Crit,
        Some(r) if r > slo.saga_failures_per_minute => Health::Warn,
        Some(_) => Health::Ok,
    };
    SagaStatus {
        name: plan.name.clone(),
        failed: failed.map(|i| i.increase),
        failed_per_minute,
        compensated,
        failure_ratio,
        in_progress,
        health,
    }
}
