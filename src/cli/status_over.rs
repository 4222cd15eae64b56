//! What `status` measures over: scrape sources polled every interval for the span (`--over`),
//! query-API sources asked for the span's history in one range query (no waiting: they have
//! it). The spans actually measured go with the figures, so the verdict can say when they are
//! too short.

use std::time::Duration;

use crate::compile::Compiled;
use crate::engine::Engine;
use crate::source::{Fetcher, PollRounds, PressureBoard, ScrapeOutcome, SourceKind};

/// Figures fed, and each source's measured span in ms (plan order).
pub struct Measured {
    pub engine: Engine,
    pub spans: Vec<Option<i64>>,
}

/// The span `status` measures when `--over` is not given: what a verdict needs.
pub fn default_over(compiled: &Compiled) -> Duration {
    crate::figures::span::required(compiled.plan.timing.window)
}

/// Polls the scrape sources for `over` (at least two polls one interval apart), then asks the
/// query sources for `over` of history ending now, and feeds all of it to one engine.
pub async fn measure(compiled: &Compiled, over: Duration) -> Measured {
    let plan = &compiled.plan;
    let interval = plan.timing.interval;
    let mut engine = Engine::new(plan.clone());
    // Each source's poll stamps, for its span; the bodies go to the engine as they come and
    // back to their source for its next round.
    let mut stamps: Vec<Vec<i64>> = vec![Vec::new(); plan.sources.len()];

    let scrape: Vec<(usize, crate::source::SourceSpec)> = compiled
        .specs
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.as_ref().ok().map(|s| (i, s.clone())))
        .filter(|(_, s)| s.kind == SourceKind::Scrape)
        .collect();
    let specs: Vec<_> = scrape.iter().map(|(_, s)| s.clone()).collect();
    let pressure = PressureBoard::new(&specs);
    if !specs.is_empty() {
        let rounds = PollRounds::new(&specs, &pressure);
        let over_ms = i64::try_from(over.as_millis()).unwrap_or(i64::MAX);
        let interval_ms = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX);
        let mut latest_first: Option<i64> = None;
        for round in 1i64.. {
            let outcomes = rounds.poll().await;
            for (k, ((i, _), o)) in scrape.iter().zip(outcomes).enumerate() {
                if round == 1 {
                    latest_first = Some(latest_first.map_or(o.at_ms, |f| f.max(o.at_ms)));
                }
                stamps[*i].push(o.at_ms);
                engine.ingest(&o);
                rounds.recycle(k, o);
            }
            let measured = scrape
                .iter()
                .filter_map(|(i, _)| span_of(stamps[*i].iter().copied(), i64::MAX))
                .min()
                .unwrap_or(0);
            if round >= 2 && measured >= over_ms {
                break;
            }
            // The next poll one interval after the last first poll's stamp, on the grid: each
            // source's next stamp is then at least `round` intervals after its first.
            let target = latest_first
                .unwrap_or(0)
                .saturating_add(interval_ms * round);
            let rest = target - crate::clock::now_ms();
            if rest > 0 {
                tokio::time::sleep(Duration::from_millis(rest.unsigned_abs())).await;
            }
        }
    }

    let end_ms = crate::clock::now_ms();
    let queries = compiled
        .specs
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.as_ref().ok().map(|s| (i, s)))
        .filter(|(_, s)| s.kind == SourceKind::Prometheus)
        .map(|(i, spec)| async move {
            let outcomes = match Fetcher::new(spec) {
                Ok(f) => f.fetch_range(end_ms, over, interval).await,
                Err(e) => vec![failed(spec.name.clone(), end_ms, e.to_string())],
            };
            (i, outcomes)
        });
    for (i, outcomes) in futures_util::future::join_all(queries).await {
        stamps[i] = outcomes.iter().map(|o| o.at_ms).collect();
        outcomes.iter().for_each(|o| engine.ingest(o));
    }
    for (i, spec) in compiled.specs.iter().enumerate() {
        if let Err(why) = spec {
            let outcome = failed(plan.sources[i].name.clone(), end_ms, why.to_string());
            stamps[i] = vec![outcome.at_ms];
            engine.ingest(&outcome);
        }
    }

    let window_ms = i64::try_from(plan.timing.window.as_millis()).unwrap_or(i64::MAX);
    let spans = stamps
        .iter()
        .map(|s| span_of(s.iter().copied(), window_ms))
        .collect();
    engine.note_pressure(&pressure);
    Measured { engine, spans }
}

/// Newest minus oldest, at most the window (the figures look no further back).
pub fn span_of(times: impl Iterator<Item = i64>, window_ms: i64) -> Option<i64> {
    let (lo, hi) = times.fold((i64::MAX, i64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
    (lo <= hi).then(|| (hi - lo).min(window_ms))
}

fn failed(source: String, at_ms: i64, why: String) -> ScrapeOutcome {
    ScrapeOutcome::without_body(source, at_ms, crate::source::PollError::NotSetUp(why))
}
