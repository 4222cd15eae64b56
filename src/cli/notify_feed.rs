//! The faces' side of notifications: a notifier for a headless command (reports on stderr,
//! a short bounded flush at exit) or for the live cockpit (reports in the events view), the
//! task that turns the live figures into crit/fail notices, and an action's end as a notice.

use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::action::Action;
use crate::compile::Compiled;
use crate::feed::FeedEvent;
use crate::figures::Status;
use crate::notify::{Notice, NoticeKind, Notifier, Report, Watch};
use crate::timeline::EventKind;

/// How long a headless command waits at exit for its notices to go: long enough for a
/// webhook that answers, short enough that one that hangs cannot hold a script.
pub const FLUSH: Duration = Duration::from_secs(2);

/// The notifier of `rollback`, `promote`, `ramp` and `record`: drops and failures on stderr.
pub fn headless(compiled: &Compiled) -> Notifier {
    Notifier::start(compiled.notify.clone(), crate::action::audit::host(), |r| {
        crate::errln!("cutover: {}", r.words());
    })
}

/// Waits (bounded) for the notices to go, then says what did not.
pub async fn finish(notifier: &Notifier) {
    if !notifier.is_active() {
        return;
    }
    let tally = notifier.flush(FLUSH).await;
    tracing::info!("{}", tally.words());
    if tally.lost() {
        crate::errln!("cutover: {}", tally.words());
    }
}

/// The live cockpit's notifier: drops and failures are events (kind `notify`), sent without
/// waiting (a full UI channel loses the line, never the count: the next line has it).
pub fn for_cockpit(compiled: &Compiled, ui: mpsc::Sender<FeedEvent>) -> Notifier {
    Notifier::start(
        compiled.notify.clone(),
        crate::action::audit::host(),
        move |r: Report| {
            let _ = ui.try_send(FeedEvent::Event {
                at_ms: crate::clock::now_ms(),
                kind: EventKind::Other("notify".into()),
                domain: Some(r.domain().to_string()),
                text: r.words(),
            });
        },
    )
}

/// Turns the live figures into crit and fail notices until the figures end.
pub async fn watch_figures(
    mut latest: watch::Receiver<Option<std::sync::Arc<Status>>>,
    n: Notifier,
) {
    let mut w = Watch::new();
    while latest.changed().await.is_ok() {
        let status = latest.borrow_and_update().clone();
        if let Some(s) = status {
            for notice in w.observe(&s) {
                n.send(notice);
            }
        }
    }
}

/// Feeds the crit/fail notices of one status (headless commands that poll themselves).
pub fn observe(w: &mut Watch, n: &Notifier, status: &Status) {
    for notice in w.observe(status) {
        n.send(notice);
    }
}

/// How an action ended, as its notice says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Verified,
    NotVerified,
    Failed,
    Interrupted,
}

impl Ending {
    fn word(self) -> &'static str {
        match self {
            Ending::Verified => "verified",
            Ending::NotVerified => "not_verified",
            Ending::Failed => "failed",
            Ending::Interrupted => "interrupted",
        }
    }
}

/// The notice of an action's end: a promotion from its share to its target, a rollback to
/// the monolith; `text` says how it went. `kind` is the action's unless a ramp ran it.
pub fn action_end(kind: NoticeKind, action: &Action, ending: Ending, text: &str) -> Notice {
    let domain = action.domain().to_string();
    let (from, to) = match action {
        Action::Rollback { .. } => (None, Some("monolith".to_string())),
        Action::Promote { from, to, .. } => (from.map(percent), to.map(|t| format!("{t}%"))),
    };
    Notice {
        kind,
        text: format!("{domain}: {} {}: {text}", action.kind(), ending.word()),
        domain,
        from,
        to,
        at_ms: crate::clock::now_ms(),
        firing: ending != Ending::Verified,
    }
}

/// `10%`, `12.5%`.
fn percent(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}
