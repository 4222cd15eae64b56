//! Feeds: what turns scrapes into figures for the cockpit, live or from a recording.
//!
//! Each feed owns an [`Engine`] on its own task and sends statuses to the UI over a bounded
//! channel, so the UI loop never awaits the network or a parse. Statuses are coalesced: at most
//! one every [`COALESCE`], and only when something arrived.

mod event;

pub use event::{FeedControl, FeedEvent, Offer, ReplayPosition};

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::engine::{with_pressure, Engine, Mode};
use crate::engine_thread::{EngineThread, Ingested};
use crate::figures::Status;
use crate::plan::Plan;
use crate::record::{Recorder, Recording, ScrapeLine};
use crate::source::{BodyReturns, PressureBoard, ScrapeOutcome};

/// The shortest time between two statuses sent to the UI.
pub const COALESCE: Duration = Duration::from_millis(200);

/// Live: scrape outcomes in, statuses out; every outcome also goes to the recorder, its body
/// reduced to the lines the config uses. The newest status is also published on `latest`
/// (rollback verification watches it).
///
/// The engine runs on its own thread ([`EngineThread`]): a large or hostile body is parsed
/// there, and when the cockpit goes away this feed stops at once instead of waiting for it.
/// Once read, each body goes back to its source through `returns`, for its next poll.
pub async fn live(
    plan: Arc<Plan>,
    mut outcomes: mpsc::Receiver<ScrapeOutcome>,
    ui: mpsc::Sender<FeedEvent>,
    latest: watch::Sender<Option<Arc<Status>>>,
    mut recorder: Option<Recorder>,
    pressure: PressureBoard,
    returns: BodyReturns,
) {
    let engine = match EngineThread::start(plan) {
        Ok(engine) => engine,
        Err(e) => {
            tracing::error!("cannot start the engine thread: {e}");
            return;
        }
    };
    let mut tick = tokio::time::interval(COALESCE);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut dirty = false;
    // Once the cockpit is gone the figures still go to `latest`: a rollback in flight goes on
    // being verified until its verdict.
    let mut ui_open = true;
    loop {
        tokio::select! {
            o = outcomes.recv() => {
                let Some(o) = o else { break };
                let ingested = tokio::select! {
                    done = engine.ingest(o, recorder.is_some()) => done,
                    _ = ui.closed() => break,
                };
                let Some(Ingested { outcome, reduced }) = ingested else { break };
                if let (Some(r), Some(body)) = (recorder.as_mut(), reduced) {
                    if let Err(e) = r.write(&ScrapeLine::new(&outcome, body)) {
                        tracing::error!("recording stopped: {e}");
                        recorder = None;
                    }
                }
                returns.give_back(outcome);
                dirty = true;
            }
            _ = tick.tick() => {
                if dirty {
                    dirty = false;
                    let status = tokio::select! {
                        status = engine.status(Mode::Live) => status,
                        _ = ui.closed() => break,
                    };
                    let Some(mut status) = status else { break };
                    with_pressure(&mut status.sources, &pressure);
                    let status = Arc::new(status);
                    latest.send_replace(Some(status.clone()));
                    if ui_open && ui.send(FeedEvent::Status(Box::new((*status).clone()))).await.is_err() {
                        ui_open = false;
                    }
                }
            }
        }
    }
    if let Some(r) = recorder {
        if let Err(e) = r.finish() {
            tracing::error!("{e}");
        }
    }
}

/// Replay speeds offered by `+` and `-`.
pub const SPEEDS: &[f64] = &[0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];

/// Where a replay stands; pure, so seeking and speed are testable without a clock.
#[derive(Debug, Clone)]
pub struct ReplayState {
    pub start_ms: i64,
    pub end_ms: i64,
    pub at_ms: i64,
    pub paused: bool,
    pub speed_index: usize,
}

impl ReplayState {
    pub fn new(rec: &Recording, speed: f64) -> ReplayState {
        let speed_index = SPEEDS.iter().position(|s| *s >= speed).unwrap_or(1);
        ReplayState {
            start_ms: rec.start_ms(),
            end_ms: rec.end_ms(),
            at_ms: rec.start_ms(),
            paused: false,
            speed_index,
        }
    }
    pub fn speed(&self) -> f64 {
        SPEEDS[self.speed_index]
    }
    pub fn position(&self) -> ReplayPosition {
        ReplayPosition {
            start_ms: self.start_ms,
            end_ms: self.end_ms,
            at_ms: self.at_ms,
            paused: self.paused,
            speed: self.speed(),
        }
    }
    /// Applies a control; returns true when time went backwards (the engine must be rebuilt).
    pub fn control(&mut self, c: FeedControl) -> bool {
        match c {
            FeedControl::TogglePause => self.paused = !self.paused,
            FeedControl::Faster => self.speed_index = (self.speed_index + 1).min(SPEEDS.len() - 1),
            FeedControl::Slower => self.speed_index = self.speed_index.saturating_sub(1),
            FeedControl::Seek(delta) => {
                let target = (self.at_ms + delta).clamp(self.start_ms, self.end_ms);
                let back = target < self.at_ms;
                self.at_ms = target;
                return back;
            }
        }
        false
    }
}

/// Runs a feed on a thread of its own, with a small runtime of its own. Catching up after a
/// seek ingests thousands of recorded scrapes in one go; there it never holds the runtime that
/// serves keys and signals. The feed ends when its channels close (the cockpit gone); the
/// thread is not joined, so quitting never waits for it.
pub fn spawn_apart<F, Fut>(name: &str, make: F) -> std::io::Result<()>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt.block_on(make()),
                Err(e) => tracing::error!("cannot start the feed's runtime: {e}"),
            }
        })
        .map(|_| ())
}

/// Replays a recording through a fresh engine, at a speed, with pause and seek. At the end it
/// stays paused on the last figures.
pub async fn replay(
    rec: Recording,
    plan: Arc<Plan>,
    ui: mpsc::Sender<FeedEvent>,
    mut controls: mpsc::Receiver<FeedControl>,
    speed: f64,
) {
    let mut state = ReplayState::new(&rec, speed);
    // What was left out of the recording is told where the operator looks: the events view.
    for text in reading_notes(&rec) {
        tracing::warn!("{text}");
        let note = FeedEvent::Event {
            at_ms: state.start_ms,
            kind: "recording".into(),
            domain: None,
            text,
        };
        if ui.send(note).await.is_err() {
            return;
        }
    }
    let mut engine = Engine::new(plan.clone());
    let mut next = 0usize;
    let mut tick = tokio::time::interval(COALESCE);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = tokio::time::Instant::now();
    let mut first = true;
    loop {
        let mut moved = first;
        first = false;
        tokio::select! {
            c = controls.recv() => {
                let Some(c) = c else { break };
                // Backwards: rebuild from the start; the timeline cuts itself back when it sees
                // an older status.
                if state.control(c) {
                    engine = Engine::new(plan.clone());
                    next = 0;
                }
                moved = true;
            }
            _ = tick.tick() => {
                let now = tokio::time::Instant::now();
                if !state.paused && state.at_ms < state.end_ms {
                    let step = (now - last).as_millis() as f64 * state.speed();
                    state.at_ms = (state.at_ms + step as i64).min(state.end_ms);
                    moved = true;
                }
                last = now;
            }
        }
        if !moved {
            continue;
        }
        // Feed up to the position; while catching up after a seek, send a status per poll
        // interval so the timeline's charts and events fill in as they would have live.
        let interval = plan.timing.interval.as_millis() as i64;
        let mut last_sent = i64::MIN;
        let mut fed = false;
        while next < rec.scrapes.len() && rec.scrapes[next].at_ms <= state.at_ms {
            let s = &rec.scrapes[next];
            if fed && s.at_ms - last_sent >= interval && s.at_ms < state.at_ms - interval {
                let st = engine.status(Mode::Replay);
                last_sent = st.at_ms;
                if ui.send(FeedEvent::Status(Box::new(st))).await.is_err() {
                    return;
                }
            }
            if last_sent == i64::MIN {
                last_sent = s.at_ms;
            }
            engine.ingest(s);
            fed = true;
            next += 1;
        }
        if state.at_ms >= state.end_ms && !state.paused {
            state.paused = true;
        }
        if fed
            && ui
                .send(FeedEvent::Status(Box::new(engine.status(Mode::Replay))))
                .await
                .is_err()
        {
            break;
        }
        if ui.send(FeedEvent::Replay(state.position())).await.is_err() {
            break;
        }
    }
}

/// Sentences about what of a recording was not read: a cut-short tail, skipped lines.
pub fn reading_notes(rec: &Recording) -> Vec<String> {
    let mut notes = Vec::new();
    if rec.truncated {
        notes.push("recording cut short: replaying up to its last whole line".to_string());
    }
    if let Some(summary) = rec.skipped.summary() {
        notes.push(format!("recording: {summary}"));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Header;

    fn rec() -> Recording {
        Recording {
            header: Header {
                format: "cutover-recording".into(),
                version: 1,
                tool: "t".into(),
                started_at: String::new(),
                started_at_ms: 0,
                config: String::new(),
            },
            scrapes: (0..=300)
                .map(|i| ScrapeOutcome {
                    source: "s".into(),
                    at_ms: 1_000_000 + i * 2000,
                    duration_ms: 1,
                    bytes: 1,
                    status: Some(200),
                    result: Ok(String::new()),
                })
                .collect(),
            truncated: false,
            skipped: Default::default(),
        }
    }

    #[test]
    fn seek_and_speed_stay_in_bounds() {
        let r = rec();
        let mut s = ReplayState::new(&r, 1.0);
        assert_eq!(s.speed(), 1.0);
        assert!(!s.control(FeedControl::Seek(30_000)));
        assert_eq!(s.at_ms, 1_030_000);
        assert!(s.control(FeedControl::Seek(-300_000)));
        assert_eq!(s.at_ms, s.start_ms);
        s.control(FeedControl::Seek(10_000_000));
        assert_eq!(s.at_ms, s.end_ms);
        for _ in 0..20 {
            s.control(FeedControl::Faster);
        }
        assert_eq!(s.speed(), 64.0);
        for _ in 0..20 {
            s.control(FeedControl::Slower);
        }
        assert_eq!(s.speed(), 0.5);
        s.control(FeedControl::TogglePause);
        assert!(s.paused);
    }
}
