//! Delivery: one queue and one task per target, so a target that hangs holds up only its
//! own notices. [`Notifier::send`] never waits: it puts the notice in each wanting target's
//! bounded queue, or drops and counts it when that queue is full. Each delivery is bounded
//! (the target's timeout per attempt, [`ATTEMPTS`] attempts with doubling backoff); what
//! still fails is reported in words, with every secret of the target taken out.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::body::body;
use super::notice::Notice;
use super::target::NotifyTarget;
use crate::action::steps::http;
use crate::action::StepOutcome;

/// Notices waiting per target. A burst (every domain going crit with one source) fits; a
/// target that hangs for minutes does not make the process hold more.
pub const QUEUE: usize = 32;

/// Attempts per notice: the first and two retries.
pub const ATTEMPTS: u32 = 3;

/// The wait before the first retry; each next one waits twice as long.
pub const BACKOFF: Duration = Duration::from_millis(250);

/// What the sender tells whoever shows it (the events view, stderr).
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    /// The target's queue was full: the notice was not sent. `dropped` counts them so far;
    /// a drop is reported when that count is a power of two.
    Dropped {
        target: String,
        domain: String,
        notice: String,
        dropped: u64,
    },
    /// Every attempt failed (or the answer said a retry cannot help).
    Failed {
        target: String,
        domain: String,
        notice: String,
        attempts: u32,
        why: String,
    },
}

impl Report {
    pub fn domain(&self) -> &str {
        match self {
            Report::Dropped { domain, .. } | Report::Failed { domain, .. } => domain,
        }
    }

    pub fn words(&self) -> String {
        match self {
            Report::Dropped {
                target,
                notice,
                dropped,
                ..
            } => {
                format!("notify {target}: queue full, {notice} dropped ({dropped} dropped so far)")
            }
            Report::Failed {
                target,
                notice,
                attempts,
                why,
                ..
            } => format!(
                "notify {target}: {notice} NOT delivered after {attempts} attempt(s): {why}"
            ),
        }
    }
}

/// Counts over every target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub sent: u64,
    pub failed: u64,
    pub dropped: u64,
    /// Still queued or under way when a flush gave up waiting.
    pub unsent: u64,
}

impl Tally {
    /// `notifications: 2 sent, 1 failed, 3 dropped (queue full), 1 not sent before exit`.
    pub fn words(&self) -> String {
        let mut s = format!(
            "notifications: {} sent, {} failed, {} dropped (queue full)",
            self.sent, self.failed, self.dropped
        );
        if self.unsent > 0 {
            s.push_str(&format!(", {} not sent before exit", self.unsent));
        }
        s
    }

    /// Something did not reach its target.
    pub fn lost(&self) -> bool {
        self.failed + self.dropped + self.unsent > 0
    }
}

#[derive(Default)]
struct Counters {
    sent: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
    /// Queued or under way.
    pending: AtomicUsize,
}

type ReportFn = dyn Fn(Report) + Send + Sync;

struct Lane {
    target: Arc<NotifyTarget>,
    shown: String,
    tx: mpsc::Sender<Notice>,
    counters: Arc<Counters>,
}

struct Inner {
    lanes: Vec<Lane>,
    report: Arc<ReportFn>,
}

/// The handle every face sends notices through; cheap to clone. Without targets it does
/// nothing (and starts nothing).
#[derive(Clone, Default)]
pub struct Notifier {
    inner: Option<Arc<Inner>>,
}

impl Notifier {
    /// A notifier that sends nothing: replay, the demo, a config without `[[notify]]`.
    pub fn none() -> Notifier {
        Notifier::default()
    }

    /// Starts one delivery task per target on the current Tokio runtime. `host` is named in
    /// every body; `report` hears of drops and failures (it must not block: it is called
    /// from `send` for a drop).
    pub fn start(
        targets: Vec<NotifyTarget>,
        host: String,
        report: impl Fn(Report) + Send + Sync + 'static,
    ) -> Notifier {
        if targets.is_empty() {
            return Notifier::none();
        }
        let report: Arc<ReportFn> = Arc::new(report);
        let host: Arc<str> = host.into();
        let lanes = targets
            .into_iter()
            .map(|target| {
                let (tx, rx) = mpsc::channel(QUEUE);
                let target = Arc::new(target);
                let counters = Arc::new(Counters::default());
                tokio::spawn(deliver_all(
                    target.clone(),
                    host.clone(),
                    rx,
                    counters.clone(),
                    report.clone(),
                ));
                Lane {
                    shown: target.shown(),
                    target,
                    tx,
                    counters,
                }
            })
            .collect();
        Notifier {
            inner: Some(Arc::new(Inner { lanes, report })),
        }
    }

    pub fn is_active(&self) -> bool {
        self.inner.is_some()
    }

    /// Queues `notice` for every target that wants its kind; never waits.
    pub fn send(&self, notice: Notice) {
        let Some(inner) = &self.inner else { return };
        for lane in &inner.lanes {
            if !lane.target.wants(notice.kind) {
                continue;
            }
            lane.counters.pending.fetch_add(1, Ordering::SeqCst);
            if lane.tx.try_send(notice.clone()).is_err() {
                lane.counters.pending.fetch_sub(1, Ordering::SeqCst);
                let dropped = lane.counters.dropped.fetch_add(1, Ordering::SeqCst) + 1;
                // Said at the 1st, 2nd, 4th, 8th... drop: a target hung through a storm of
                // notices must not bury the events it drops under as many lines of its own.
                if dropped.is_power_of_two() {
                    tracing::warn!(
                        "notify {}: queue full, {} dropped ({dropped} so far)",
                        lane.shown,
                        notice.summary()
                    );
                    (inner.report)(Report::Dropped {
                        target: lane.shown.clone(),
                        domain: notice.domain.clone(),
                        notice: notice.summary(),
                        dropped,
                    });
                }
            }
        }
    }

    /// The counts so far; `unsent` is what is queued or under way now.
    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        let Some(inner) = &self.inner else { return t };
        for lane in &inner.lanes {
            let c = &lane.counters;
            t.sent += c.sent.load(Ordering::SeqCst);
            t.failed += c.failed.load(Ordering::SeqCst);
            t.dropped += c.dropped.load(Ordering::SeqCst);
            t.unsent += c.pending.load(Ordering::SeqCst) as u64;
        }
        t
    }

    /// Waits at most `within` for the queues to empty (a headless command's exit); what is
    /// still queued or under way then is counted as `unsent`.
    pub async fn flush(&self, within: Duration) -> Tally {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let t = self.tally();
            if t.unsent == 0 || tokio::time::Instant::now() >= deadline {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The task of one target: each notice in turn, to its end.
async fn deliver_all(
    target: Arc<NotifyTarget>,
    host: Arc<str>,
    mut rx: mpsc::Receiver<Notice>,
    counters: Arc<Counters>,
    report: Arc<ReportFn>,
) {
    while let Some(notice) = rx.recv().await {
        match deliver(&target, &host, &notice).await {
            Ok(()) => {
                counters.sent.fetch_add(1, Ordering::SeqCst);
            }
            Err((attempts, why)) => {
                counters.failed.fetch_add(1, Ordering::SeqCst);
                let r = Report::Failed {
                    target: target.shown(),
                    domain: notice.domain.clone(),
                    notice: notice.summary(),
                    attempts,
                    why,
                };
                tracing::warn!("{}", r.words());
                report(r);
            }
        }
        counters.pending.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One notice to one target, with retries. `Err` carries the attempts made and the last
/// failure in words, secrets taken out.
async fn deliver(target: &NotifyTarget, host: &str, notice: &Notice) -> Result<(), (u32, String)> {
    // A token that cannot be read will not be readable on a retry either.
    if let Some(Err(e)) = target.bearer.as_ref().map(|b| b.resolve()) {
        return Err((1, e.to_string()));
    }
    let secrets = target.secrets();
    let payload = body(notice, host, &secrets).to_string();
    let mut headers = target.headers.clone();
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    let mut wait = BACKOFF;
    let mut attempt = 1;
    loop {
        let answer = http::call(
            "POST",
            &target.url,
            &headers,
            Some(&payload),
            target.bearer.as_ref(),
            target.timeout,
        )
        .await;
        let why = match answer.outcome {
            StepOutcome::Succeeded(_) => return Ok(()),
            StepOutcome::Failed(w) | StepOutcome::TimedOut(w) => w,
        };
        // A 4xx other than 408 and 429 says the request itself is wrong: again will not help.
        let again = answer
            .status
            .is_none_or(|s| s >= 500 || s == 408 || s == 429);
        if !again || attempt >= ATTEMPTS {
            return Err((attempt, secrets.redact(&why).into_owned()));
        }
        tokio::time::sleep(wait).await;
        wait *= 2;
        attempt += 1;
    }
}
