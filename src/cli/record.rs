//! `cutover record --out FILE [--duration D]`: poll headless and write a recording.

use std::path::Path;
use std::str::FromStr;

use super::{loaded, Failure, GlobalArgs};
use crate::engine_thread::EngineThread;
use crate::record::{Recorder, ScrapeLine};
use crate::safe_fs::Existing;
use crate::source::{Poller, ScrapeOutcome, SourceSpec};

pub async fn run(
    global: &GlobalArgs,
    out: &Path,
    duration: Option<&str>,
    force: bool,
) -> Result<u8, Failure> {
    let limit = match duration {
        Some(d) => Some(
            crate::config::Duration::from_str(d)
                .map_err(|e| Failure::usage(format!("--duration {d}: {e}")))?
                .as_std(),
        ),
        None => None,
    };
    let loaded = loaded::load(global)?;
    let compiled = &loaded.compiled;
    let started_ms = crate::clock::now_ms();
    let mut recorder = create_recording(out, started_ms, &loaded.config.redacted_toml(), force)?;
    // The engine parses on its own thread, so a signal is answered even mid-parse.
    let engine = EngineThread::start(compiled.plan.clone())
        .map_err(|e| Failure::runtime(format!("cannot start the engine thread: {e}")))?;
    let (specs, broken) = split_specs(compiled, started_ms);
    for o in broken {
        if let Some(done) = engine.ingest(o, false).await {
            recorder.write(&ScrapeLine::new(&done.outcome, String::new()))?;
        }
    }
    let (poller, mut rx) = Poller::start(specs, compiled.plan.timing.interval)?;
    let returns = poller.body_returns();
    crate::errln!(
        "recording {} sources to {}{} (Ctrl-C stops)",
        compiled.plan.sources.len(),
        out.display(),
        limit.map(|d| format!(" for {d:?}")).unwrap_or_default()
    );
    let deadline = async {
        match limit {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(deadline);
    let mut stop = StopSignals::new()?;
    let mut scrapes = 0u64;
    // Crit and fail reach the `[[notify]]` targets while recording too, judged once a poll.
    let notifier = super::notify_feed::headless(compiled);
    let mut watch = crate::notify::Watch::new();
    let interval = compiled.plan.timing.interval;
    let mut judged = std::time::Instant::now();
    loop {
        tokio::select! {
            o = rx.recv() => {
                let Some(o) = o else { break };
                let done = tokio::select! {
                    done = engine.ingest(o, true) => done,
                    _ = &mut deadline => break,
                    _ = stop.wait() => break,
                };
                let Some(done) = done else { break };
                let body = done.reduced.unwrap_or_default();
                recorder.write(&ScrapeLine::new(&done.outcome, body))?;
                returns.give_back(done.outcome);
                scrapes += 1;
                if notifier.is_active() && judged.elapsed() >= interval {
                    judged = std::time::Instant::now();
                    if let Some(status) = engine.status(crate::engine::Mode::Live).await {
                        super::notify_feed::observe(&mut watch, &notifier, &status);
                    }
                }
            }
            _ = &mut deadline => break,
            _ = stop.wait() => break,
        }
    }
    poller.stop();
    recorder.finish()?;
    super::notify_feed::finish(&notifier).await;
    let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    let elapsed = (crate::clock::now_ms() - started_ms).max(1) as f64 / 1000.0;
    crate::errln!(
        "wrote {scrapes} scrapes, {:.1} KB in {:.0} s ({:.2} MB per hour)",
        bytes as f64 / 1024.0,
        elapsed,
        bytes as f64 / 1e6 * 3600.0 / elapsed
    );
    Ok(0)
}

/// The recording file of `record --out` and `--record`: new, 0600, never through a link; an
/// existing file is replaced only with `--force`. Refusals are usage errors (exit 2).
pub fn create_recording(
    out: &Path,
    started_ms: i64,
    config: &str,
    force: bool,
) -> Result<Recorder, Failure> {
    let existing = if force {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    Recorder::create_with(out, started_ms, config, existing)
        .map_err(|e| Failure::usage(e.to_string()))
}

/// The specs that can be polled, and an error outcome for each source that could not be set up.
pub fn split_specs(
    compiled: &crate::compile::Compiled,
    at_ms: i64,
) -> (Vec<SourceSpec>, Vec<ScrapeOutcome>) {
    let mut ok = Vec::new();
    let mut broken = Vec::new();
    for (src, spec) in compiled.plan.sources.iter().zip(&compiled.specs) {
        match spec {
            Ok(s) => ok.push(s.clone()),
            Err(why) => broken.push(ScrapeOutcome::without_body(
                src.name.clone(),
                at_ms,
                crate::source::PollError::NotSetUp(why.to_string()),
            )),
        }
    }
    (ok, broken)
}

/// Ctrl-C, SIGTERM and SIGHUP end a headless run cleanly (the recording gets its trailer).
pub struct StopSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
}

impl StopSignals {
    pub fn new() -> Result<StopSignals, Failure> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(StopSignals {
                term: signal(SignalKind::terminate())?,
                hup: signal(SignalKind::hangup())?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    pub async fn wait(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
