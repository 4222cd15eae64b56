//! Rollback readiness into the status document: live, each domain with rollback steps is
//! probed once (concurrently, bounded by `readiness::PROBE_BOUND`); a replay is never probed.

use crate::action::readiness;
use crate::config::Config;
use crate::figures::rollback_ready::RollbackReady;
use crate::figures::Status;
use crate::plan::Plan;
use crate::store::Store;

/// Probes every domain's rollback targets once and writes `rollback_ready`.
pub async fn probe_live(config: &Config, plan: &Plan, store: &Store, status: &mut Status) {
    let asked: Vec<(usize, Vec<readiness::Probe>)> = status
        .domains
        .iter()
        .enumerate()
        .filter_map(|(i, d)| {
            let domain = config.domains.iter().find(|c| c.name == d.name)?;
            let steps = &domain.rollback.as_ref()?.steps;
            Some((i, readiness::probes(steps)))
        })
        .collect();
    let results =
        futures_util::future::join_all(asked.iter().map(|(_, probes)| readiness::run_all(probes)))
            .await;
    let since = status.at_ms - i64::try_from(plan.timing.history.as_millis()).unwrap_or(i64::MAX);
    for ((i, _), results) in asked.iter().zip(results) {
        let d = &mut status.domains[*i];
        let peak = plan
            .domains
            .iter()
            .find(|p| p.name == d.name)
            .and_then(|p| p.traffic.as_ref()?.legacy.requests)
            .and_then(|id| readiness::peak_rps(&store.signals[id], since));
        let legacy = d.traffic.as_ref().map(|t| &t.legacy);
        d.rollback_ready = Some(readiness::assess(&results, legacy, peak));
    }
}

/// A replay's or the demo's readiness: never probed.
pub fn not_probed(config: Option<&Config>, status: &mut Status, why: &str) {
    for d in &mut status.domains {
        let has_rollback = config.is_none_or(|c| {
            c.domains
                .iter()
                .any(|cd| cd.name == d.name && cd.rollback.is_some())
        });
        if has_rollback {
            d.rollback_ready = Some(RollbackReady::unknown(why));
        }
    }
}
