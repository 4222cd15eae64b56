//! The live cockpit's lasting marks (`action::marks`): the audit log's tail is read at start,
//! whenever an action starts or ends here, and every [`EVERY`] (a `cutover audit --clear` or a
//! `cutover rollback` from another shell), each time only when the log's size or time changed,
//! off the UI loop, and never more than `marks::TAIL_BYTES`. Replay and demo run no such task:
//! a recording carries no audit log, and this host's log says nothing about a recorded past.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, watch};

use crate::action::marks::{marks, read_tail};
use crate::feed::FeedEvent;
use crate::stage::Stage;

/// How often the log is looked at when nothing happened here.
pub const EVERY: Duration = Duration::from_secs(15);

/// What decides whether the log must be read again: its length and modification time.
fn stamp(path: &std::path::Path) -> Option<(u64, Option<SystemTime>)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()))
}

/// Sends the marks to `ui` until it goes away. `context`: the session's (only its entries
/// count); `stages`: each domain's declared stage (a mark
/// ends when it changes); `flights`: the domains with an action in flight here.
pub async fn serve(
    path: PathBuf,
    context: Option<String>,
    stages: BTreeMap<String, Stage>,
    flights: Option<watch::Receiver<Vec<String>>>,
    ui: mpsc::Sender<FeedEvent>,
) {
    let mut flights = flights;
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seen = None;
    loop {
        let flight_changed = async {
            match flights.as_mut() {
                Some(rx) => rx.changed().await.is_ok(),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = tick.tick() => {}
            alive = flight_changed => {
                if !alive {
                    flights = None;
                }
            }
        }
        let now = stamp(&path);
        if now == seen {
            continue;
        }
        seen = now;
        let (p, s) = (path.clone(), stages.clone());
        let c = context.clone();
        let read = tokio::task::spawn_blocking(move || {
            read_tail(&p).map(|mut e| {
                // A context's marks are its own actions: a domain of the same name elsewhere
                // is another domain.
                e.retain(|e| e.context == c);
                marks(&e, &s)
            })
        })
        .await;
        let found = match read {
            Ok(Ok(m)) => m,
            Ok(Err(e)) => {
                tracing::warn!("audit log {}: {e}; no marks shown", path.display());
                continue;
            }
            Err(_) => continue,
        };
        if ui.send(FeedEvent::Marks(found)).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::action::{AuditEntry, AuditEvent, AuditLog};

    fn entry(domain: &str, event: AuditEvent) -> AuditEntry {
        AuditEntry {
            id: "a".into(),
            time: "2026-12-07T12:36:05.000Z".into(),
            operator: "root@bastion".into(),
            domain: domain.into(),
            action: "rollback".into(),
            steps: Vec::new(),
            event,
            duration_ms: None,
            result: String::new(),
            via: None,
            note: None,
            before: Vec::new(),
            stage: Some(Stage::Canary),
            from: None,
            to: None,
            context: None,
        }
    }

    async fn next_marks(rx: &mut mpsc::Receiver<FeedEvent>) -> BTreeMap<String, String> {
        let ev = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        let FeedEvent::Marks(m) = ev else {
            panic!("not marks: {ev:?}");
        };
        m.into_iter().map(|(d, m)| (d, m.words())).collect()
    }

    #[tokio::test]
    async fn marks_are_sent_at_start_and_again_when_an_action_ends_and_the_log_changed() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_state_dir(dir.path());
        log.append(&entry("orders", AuditEvent::Requested)).unwrap();
        log.append(&entry("orders", AuditEvent::Verified)).unwrap();
        let stages = [("orders".to_string(), Stage::Canary)].into();
        let (flight_tx, flight_rx) = watch::channel(Vec::new());
        let (tx, mut rx) = mpsc::channel(4);
        let task = tokio::spawn(serve(
            log.path().to_path_buf(),
            None,
            stages,
            Some(flight_rx),
            tx,
        ));
        let m = next_marks(&mut rx).await;
        assert_eq!(
            m["orders"],
            "ROLLED BACK 12:36 UTC by root@bastion, verified"
        );
        // An action ends here without changing the log: nothing is sent.
        flight_tx.send(vec!["orders".into()]).unwrap();
        assert!(tokio::time::timeout(Duration::from_millis(300), rx.recv())
            .await
            .is_err());
        // The mark is cleared and an action ends: the log is read again at once.
        log.append(&entry("orders", AuditEvent::Cleared)).unwrap();
        flight_tx.send(Vec::new()).unwrap();
        assert!(next_marks(&mut rx).await.is_empty());
        drop(rx);
        task.abort();
    }

    #[tokio::test]
    async fn marks_are_the_contexts_own() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_state_dir(dir.path());
        let in_prod = |event| AuditEntry {
            context: Some("prod".into()),
            ..entry("orders", event)
        };
        log.append(&in_prod(AuditEvent::Requested)).unwrap();
        log.append(&in_prod(AuditEvent::Verified)).unwrap();
        for (context, expected) in [(None, 0), (Some("staging"), 0), (Some("prod"), 1)] {
            let stages = [("orders".to_string(), Stage::Canary)].into();
            let (tx, mut rx) = mpsc::channel(4);
            let task = tokio::spawn(serve(
                log.path().to_path_buf(),
                context.map(str::to_string),
                stages,
                None,
                tx,
            ));
            assert_eq!(next_marks(&mut rx).await.len(), expected, "{context:?}");
            task.abort();
        }
    }
}
