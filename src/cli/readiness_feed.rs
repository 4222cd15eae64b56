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

/// The live cockpit's readiness: each domain with rollback steps probed off the UI loop, at
/// most every `readiness::PROBE_EVERY`, each probe bounded by `readiness::PROBE_BOUND`. The
/// monolith's peak is the highest rate among the statuses seen within the history. Replay and
/// demo run no such task.
pub async fn serve(
    config: crate::config::Config,
    history: std::time::Duration,
    mut latest: tokio::sync::watch::Receiver<Option<std::sync::Arc<Status>>>,
    ui: tokio::sync::mpsc::Sender<crate::feed::FeedEvent>,
) {
    use std::collections::{BTreeMap, VecDeque};
    let asked: Vec<(String, Vec<readiness::Probe>)> = config
        .domains
        .iter()
        .filter_map(|d| {
            Some((
                d.name.clone(),
                readiness::probes(&d.rollback.as_ref()?.steps),
            ))
        })
        .collect();
    if asked.is_empty() {
        return;
    }
    let history_ms = i64::try_from(history.as_millis()).unwrap_or(i64::MAX);
    // Per domain: (at, monolith rps) of the statuses seen, pruned to the history.
    let mut seen: BTreeMap<String, VecDeque<(i64, f64)>> = BTreeMap::new();
    let mut last_probe: Option<tokio::time::Instant> = None;
    while latest.changed().await.is_ok() {
        let Some(status) = latest.borrow_and_update().clone() else {
            continue;
        };
        for d in &status.domains {
            let rates = seen.entry(d.name.clone()).or_default();
            if let Some(rps) = d.traffic.as_ref().and_then(|t| t.legacy.rps) {
                rates.push_back((status.at_ms, rps));
            }
            while rates
                .front()
                .is_some_and(|(at, _)| *at < status.at_ms - history_ms)
            {
                rates.pop_front();
            }
        }
        if last_probe.is_some_and(|t| t.elapsed() < readiness::PROBE_EVERY) {
            continue;
        }
        last_probe = Some(tokio::time::Instant::now());
        let results =
            futures_util::future::join_all(asked.iter().map(|(_, p)| readiness::run_all(p))).await;
        let mut found = BTreeMap::new();
        for ((name, _), results) in asked.iter().zip(results) {
            let legacy = status
                .domains
                .iter()
                .find(|d| &d.name == name)
                .and_then(|d| d.traffic.as_ref())
                .map(|t| &t.legacy);
            let peak = seen
                .get(name)
                .and_then(|r| r.iter().map(|(_, v)| *v).reduce(f64::max));
            found.insert(name.clone(), readiness::assess(&results, legacy, peak));
        }
        if ui
            .send(crate::feed::FeedEvent::Readiness(found))
            .await
            .is_err()
        {
            return;
        }
    }
}
