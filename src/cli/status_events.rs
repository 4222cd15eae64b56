//! The events of `status --json`: the events view's timeline, with `from` and `to` spelled out.

use crate::clock::rfc3339;
use crate::engine::{Engine, Mode};
use crate::figures::{EventJson, Status};
use crate::record::Recording;
use crate::timeline::{EventKind, Timeline};

/// What a domain's first health event changes from: nothing before it was observed.
pub const FROM_START: &str = "start";

/// The timeline's events as JSON values, oldest first. A health event's `from` is the health
/// the timeline saw before it (`ok` when the domain was first seen healthy, which is no event),
/// or `"start"` for the domain's first observation: never a state made up.
pub fn events_json(timeline: &Timeline) -> Vec<EventJson> {
    timeline
        .events()
        .iter()
        .map(|e| {
            let (from, to) = match &e.kind {
                EventKind::Health(h) => (
                    Some(e.from.map_or(FROM_START, |f| f.as_str()).to_string()),
                    Some(h.as_str().to_string()),
                ),
                EventKind::Source { up } => (
                    Some(if *up { "down" } else { "up" }.to_string()),
                    Some(if *up { "up" } else { "down" }.to_string()),
                ),
                _ => (None, None),
            };
            EventJson {
                at: rfc3339(e.at_ms),
                kind: e.kind.label().to_string(),
                domain: e.domain.clone(),
                from,
                to,
                text: e.text.clone(),
            }
        })
        .collect()
}

/// Feeds a recording up to `until_ms` through an engine, one status per poll interval into a
/// timeline (as the cockpit sees it); the last status with the whole timeline's events.
pub fn replay_with_events(rec: &Recording, engine: &mut Engine, until_ms: i64) -> Status {
    let interval = engine.plan().timing.interval.as_millis() as i64;
    let mut timeline = Timeline::new(engine.plan().timing.history);
    let mut last_sent = i64::MIN;
    for s in rec.scrapes.iter().take_while(|s| s.at_ms <= until_ms) {
        if last_sent != i64::MIN && s.at_ms - last_sent >= interval {
            let st = engine.status(Mode::Replay);
            timeline.observe(&st);
            last_sent = s.at_ms;
        }
        if last_sent == i64::MIN {
            last_sent = s.at_ms;
        }
        engine.ingest(s);
    }
    let mut status = engine.status(Mode::Replay);
    timeline.observe(&status);
    status.events = events_json(&timeline);
    status
}
