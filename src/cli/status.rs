//! `cutover status`: the figures over a stated span (`--over`; see `status_over`), or at a point
//! of a recording, with the span they rest on and an exit code for pipelines (`--fail-on`).

use std::str::FromStr;
use std::time::{Duration, Instant};

use super::args::{FailOn, StatusArgs};
use super::{loaded, Failure, GlobalArgs};
use crate::compile::Compiled;
use crate::engine::{Engine, Mode};
use crate::figures::{span, Health, Status};
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
            Err(why) => ScrapeOutcome::without_body(
                src.name.clone(),
                now,
                crate::source::PollError::NotSetUp(why.to_string()),
            ),
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
    let (status, span_seconds) = match &args.replay {
        Some(file) => {
            let (mut status, seconds) =
                super::replay_status::at_with_span(global, file, args.at.as_deref())?;
            super::readiness_feed::not_probed(None, &mut status, "a replay is not probed");
            (status, seconds)
        }
        None => {
            let loaded = loaded::load(global)?;
            let compiled = &loaded.compiled;
            let over = over(args.over.as_deref(), compiled)?;
            let measured = super::status_over::measure(compiled, over).await;
            // One evaluation over the span cannot watch a condition for `for`: the one-shot
            // shows raw health over the span (the cockpit and replays keep the hold).
            let mut status = measured.engine.status_unheld(Mode::Live);
            let required = span::required(compiled.plan.timing.window);
            span::judge(&mut status, &compiled.plan, &measured.spans, required);
            let seconds = span::overall_seconds(&status, &measured.spans);
            let mut timeline = crate::timeline::Timeline::new(compiled.plan.timing.history);
            timeline.observe(&status);
            status.events = super::status_events::events_json(&timeline);
            super::readiness_feed::probe_live(
                &loaded.config,
                &compiled.plan,
                measured.engine.store(),
                &mut status,
            )
            .await;
            (status, seconds)
        }
    };
    print_spanned(&status, span_seconds, args.json)?;
    Ok(exit_code(&status, args.fail_on))
}

/// `--over` read and checked: at most the window (the figures look no further back).
fn over(text: Option<&str>, compiled: &Compiled) -> Result<Duration, Failure> {
    let Some(text) = text else {
        return Ok(super::status_over::default_over(compiled));
    };
    let d = crate::config::Duration::from_str(text)
        .map_err(|e| Failure::usage(format!("--over {text}: {e}")))?
        .0;
    let window = compiled.plan.timing.window;
    if d > window {
        return Err(Failure::usage(format!(
            "--over {text} is longer than the window ({}): the figures look no further back; \
             set a longer window in [settings]",
            span::seconds_words(i64::try_from(window.as_millis()).unwrap_or(i64::MAX))
        )));
    }
    Ok(d)
}

/// Exit code 4 when `--fail-on` is given and a domain is at or above it; 0 otherwise.
pub fn exit_code(status: &Status, fail_on: Option<FailOn>) -> u8 {
    let Some(level) = fail_on else { return 0 };
    let limit = match level {
        FailOn::Warn => Health::Warn,
        FailOn::Crit => Health::Crit,
    };
    if status.domains.iter().any(|d| d.health >= limit) {
        EXIT_FAIL_ON
    } else {
        0
    }
}

/// `status --fail-on`: a domain at or above the level.
pub const EXIT_FAIL_ON: u8 = 4;

/// The status document with the span it was measured over (`span_seconds`).
#[derive(serde::Serialize)]
struct Spanned<'a> {
    #[serde(flatten)]
    status: &'a Status,
    span_seconds: Option<f64>,
}

/// [`print`], stating the span the figures were measured over.
pub fn print_spanned(
    status: &Status,
    span_seconds: Option<f64>,
    json: bool,
) -> Result<(), Failure> {
    if json {
        let mut t = serde_json::to_string_pretty(&Spanned {
            status,
            span_seconds,
        })
        .map_err(|e| Failure::runtime(e.to_string()))?;
        t.push('\n');
        write_json(&t)
    } else {
        write_stdout(&super::status_table::render_spanned(status, span_seconds))
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
