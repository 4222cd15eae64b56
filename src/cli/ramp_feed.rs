//! Ramps run by other cutover processes on this host, for the live cockpit's detail view
//! (`action::ramp_seen`): every [`EVERY`] each planned domain's lock file is looked at (a
//! shared lock for a moment, never refusing anyone), and while one holds a ramp the audit log's
//! tail is read for its step, only when the log's size or time changed. All of it off the UI
//! loop (`spawn_blocking`), each read bounded. Replay and demo run no such task: a recording
//! carries no lock files, and this host's say nothing about a recorded past.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;

use crate::action::ramp_seen::{holder_of, step_of, RampSeen};
use crate::action::AuditEntry;
use crate::feed::FeedEvent;

/// How often the lock files are looked at.
pub const EVERY: Duration = Duration::from_secs(2);

/// What was read of the audit log last, and when it had that size and time.
#[derive(Default)]
struct Tail {
    stamp: Option<(u64, Option<SystemTime>)>,
    /// Only the promotions ramps requested: what a step is read from.
    entries: Vec<AuditEntry>,
}

/// Sends the ramps seen to `ui` whenever they change, until it goes away. `domains`: the
/// domains with a `[domain.promote]` (a ramp needs one).
pub async fn serve(audit: PathBuf, domains: Vec<String>, ui: mpsc::Sender<FeedEvent>) {
    if domains.is_empty() {
        return;
    }
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut tail = Tail::default();
    let mut sent: Option<BTreeMap<String, RampSeen>> = None;
    loop {
        tick.tick().await;
        let (path, names) = (audit.clone(), domains.clone());
        let Ok((found, kept)) =
            tokio::task::spawn_blocking(move || look_all(&path, &names, tail)).await
        else {
            return;
        };
        tail = kept;
        if sent.as_ref() == Some(&found) {
            continue;
        }
        sent = Some(found.clone());
        if ui.send(FeedEvent::Ramps(found)).await.is_err() {
            return;
        }
    }
}

/// One look at every domain; the audit log read again only when a ramp is held and it changed.
fn look_all(
    audit: &std::path::Path,
    domains: &[String],
    mut tail: Tail,
) -> (BTreeMap<String, RampSeen>, Tail) {
    let held: Vec<(String, RampSeen)> = domains
        .iter()
        .filter_map(|d| Some((d.clone(), holder_of(audit, d)?)))
        .collect();
    if held.is_empty() {
        return (BTreeMap::new(), tail);
    }
    let stamp = std::fs::metadata(audit)
        .ok()
        .map(|m| (m.len(), m.modified().ok()));
    if stamp != tail.stamp {
        tail.stamp = stamp;
        tail.entries = crate::action::marks::read_tail(audit)
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e.action == "promote" && e.via == Some(crate::action::EntryPoint::Ramp))
            .collect();
    }
    let found = held
        .into_iter()
        .map(|(d, seen)| {
            let step = step_of(&tail.entries, &d, seen.since_ms);
            (d, RampSeen { step, ..seen })
        })
        .collect();
    (found, tail)
}
