//! `cutover status`: two polls one interval apart (or a point of a recording), then the figures.

use std::time::Instant;

use super::args::StatusArgs;
use super::{loaded, Failure, GlobalArgs};
use crate::compile::Compiled;
use crate::engine::{Engine, Mode};
use crate::figures::Status;
use crate::source::{poll_once_counted, PressureBoard, ScrapeOutcome, SourceSpec};

/// Polls every source once, concurrently; sources that could not be set up give their error.
pub async fn poll_all(compiled: &Compiled) -> Vec<ScrapeOutcome> {
    poll_all_counted(compiled, &PressureBoard::new(&polled_specs(compiled))).await
}

/// The specs of the sources that could be set up, in plan order.
fn polled_specs(compiled: &Compiled) -> Vec<SourceSpec> {
    compiled
        .specs
        .iter()
        .filter_map(|s| s.as_ref().ok().cloned())
        .collect()
}

/// [`poll_all`], counting the polls that waited for a connection slot in `pressure`.
async fn poll_all_counted(compiled: &Compiled, pressure: &PressureBoard) -> Vec<ScrapeOutcome> {
    let specs = polled_specs(compiled);
    let mut fetched = poll_once_counted(&specs, pressure).await.into_iter();
    let now = crate::clock::now_ms();
    compiled
        .plan
        .sources
        .iter()
        .zip(&compiled.specs)
        .map(|(src, spec)| match spec {
            Ok(_) => fetched.next().expect("one outcome per spec"),
            Err(why) => ScrapeOutcome {
                source: src.name.clone(),
                at_ms: now,
                duration_ms: 0,
                bytes: 0,
                status: None,
                result: Err(why.clone()),
            },
        })
        .collect()
}

/// Two polls one interval apart, through the engine: the figures `status` prints.
pub async fn two_polls(compiled: &Compiled) -> (Engine, Vec<ScrapeOutcome>) {
    let mut engine = Engine::new(compiled.plan.clone());
    let pressure = PressureBoard::new(&polled_specs(compiled));
    let started = Instant::now();
    let first = poll_all_counted(compiled, &pressure).await;
    first.iter().for_each(|o| engine.ingest(o));
    let interval = compiled.plan.timing.interval;
    if let Some(rest) = interval.checked_sub(started.elapsed()) {
        tokio::time::sleep(rest).await;
    }
    let second = poll_all_counted(compiled, &pressure).await;
    second.iter().for_each(|o| engine.ingest(o));
    engine.note_pressure(&pressure);
    (engine, second)
}

pub async fn run(global: &GlobalArgs, args: &StatusArgs) -> Result<u8, Failure> {
    let status = match &args.replay {
        Some(file) => super::replay_status::at(global, file, args.at.as_deref())?,
        None => {
            let loaded = loaded::load(global)?;
            let (engine, _) = two_polls(&loaded.compiled).await;
            // Two polls cannot watch a condition for `for`: the one-shot shows raw health.
            let mut status = engine.status_unheld(Mode::Live);
            let mut timeline = crate::timeline::Timeline::new(loaded.compiled.plan.timing.history);
            timeline.observe(&status);
            status.events = super::status_events::events_json(&timeline);
            status
        }
    };
    print(&status, args.json)?;
    Ok(0)
}

pub fn print(status: &Status, json: bool) -> Result<(), Failure> {
    if json {
        let mut t =
            serde_json::to_string_pretty(status).map_err(|e| Failure::runtime(e.to_string()))?;
        t.push('\n');
        write_json(&t)
    } else {
        write_stdout(&super::status_table::render(status))
    }
}

/// Writes text to stdout through the terminal sanitizer; a closed pipe (`| head`) is not an
/// error worth a panic.
pub fn write_stdout(text: &str) -> Result<(), Failure> {
    crate::term_text::out(text)
        .map_err(|e| Failure::runtime(format!("cannot write to stdout: {e}")))
}

/// Writes a JSON document to stdout, exact, with the characters a terminal would act on
/// written as JSON escapes.
pub fn write_json(json: &str) -> Result<(), Failure> {
    crate::term_text::out_json(json)
        .map_err(|e| Failure::runtime(format!("cannot write to stdout: {e}")))
}
