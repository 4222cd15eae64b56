//! Queue figures: depth now with its meaning, its trend over the window, the time to drain
//! when it shrinks, and what is in flight beside it.

use super::at::At;
use super::counter::{gauge, slope};
use super::status::{Health, InFlight, QueueStatus};
use crate::plan::PlanQueue;

/// The time to empty a queue at its current trend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Drain {
    /// Shrinking: empty in this many seconds at the current trend.
    Seconds(f64),
    /// Nothing to drain (a queue at 0 is not "drained in 0 ms").
    Empty,
    /// Growing or steady: it does not drain at this trend.
    NotShrinking,
    /// The depth, or with a backlog the trend, is unknown.
    Unknown,
}

impl Drain {
    pub fn seconds(self) -> Option<f64> {
        match self {
            Drain::Seconds(s) => Some(s),
            _ => None,
        }
    }
}

/// The drain rule: a time only for a queue with a backlog that shrinks.
pub fn drain(depth: Option<f64>, trend_per_second: Option<f64>) -> Drain {
    match (depth, trend_per_second) {
        (None, _) => Drain::Unknown,
        (Some(d), _) if d <= 0.0 => Drain::Empty,
        (Some(d), Some(t)) if t < 0.0 => Drain::Seconds(d / -t),
        (Some(_), Some(_)) => Drain::NotShrinking,
        (Some(_), None) => Drain::Unknown,
    }
}

pub fn queue(at: &At, plan: &PlanQueue) -> QueueStatus {
    let h = &at.store.signals[plan.depth];
    let depth = gauge(h, at.now_ms, at.window_ms);
    let trend = depth.and_then(|_| slope(h, at.now_ms, at.window_ms));
    let in_flight = plan.in_flight.map(|(meaning, id)| InFlight {
        meaning,
        value: gauge(&at.store.signals[id], at.now_ms, at.window_ms),
    });
    let health = match depth {
        None => Health::Unknown,
        Some(d) if plan.crit.is_some_and(|c| d >= c) => Health::Crit,
        Some(d) if plan.warn.is_some_and(|w| d >= w) => Health::Warn,
        Some(_) => Health::Ok,
    };
    QueueStatus {
        name: plan.name.clone(),
        meaning: plan.meaning,
        depth,
        depth_unknown: depth_unknown(plan, depth, in_flight),
        trend_per_second: trend,
        drain_seconds: drain(depth, trend).seconds(),
        in_flight,
        health,
    }
}

/// Why the depth is unknown, when its exporter's version is the reason: the in-flight series
/// of the same exporter and group answer, the depth's does not.
fn depth_unknown(
    plan: &PlanQueue,
    depth: Option<f64>,
    in_flight: Option<InFlight>,
) -> Option<String> {
    let limit = plan.limit?;
    match (depth, in_flight.and_then(|f| f.value)) {
        (None, Some(_)) => Some(format!(
            "this exporter version exports no {} (needs {} ≥ {})",
            plan.meaning,
            limit.exporter,
            limit.needs_text()
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::versions::REDIS_STREAM_LAG;
    use crate::queue_meaning::QueueMeaning;
    use crate::store::Store;

    /// A store of two gauges (depth 0, in flight 1), each with the frames given
    /// (`None`: the selector matched nothing in that scrape).
    fn store(depth: &[Option<f64>], in_flight: &[Option<f64>]) -> Store {
        let mut s = Store::new(2);
        for (i, frames) in [depth, in_flight].iter().enumerate() {
            for (n, v) in frames.iter().enumerate() {
                if let Some(v) = v {
                    s.signals[i].add("g", None, None, *v);
                }
                s.signals[i].commit(n as i64 * 10_000, 3_600_000);
            }
        }
        s
    }

    fn redis_stream() -> PlanQueue {
        PlanQueue {
            name: "orders.events/notifications".into(),
            depth: 0,
            meaning: QueueMeaning::Lag,
            in_flight: Some((QueueMeaning::Pending, 1)),
            limit: Some(&REDIS_STREAM_LAG),
            warn: Some(100.0),
            crit: None,
            hold: None,
        }
    }

    fn at(store: &Store) -> At<'_> {
        At {
            store,
            now_ms: 10_000,
            window_ms: 60_000,
        }
    }

    #[test]
    fn a_lag_the_exporter_does_not_export_is_unknown_with_the_reason_not_the_pending_list() {
        // redis_exporter 1.45: no lag series, the pending list at 0.
        let s = store(&[None, None], &[Some(0.0), Some(0.0)]);
        let q = queue(&at(&s), &redis_stream());
        assert_eq!(q.meaning, QueueMeaning::Lag);
        assert_eq!(q.depth, None);
        assert_eq!(q.health, Health::Unknown);
        assert_eq!(
            q.depth_unknown.as_deref(),
            Some("this exporter version exports no lag (needs redis_exporter ≥ 1.52.0)")
        );
        assert_eq!(q.drain_seconds, None);
        assert_eq!(
            q.in_flight,
            Some(InFlight {
                meaning: QueueMeaning::Pending,
                value: Some(0.0)
            })
        );
    }

    #[test]
    fn an_exported_lag_is_judged_and_the_pending_list_shown_beside_it() {
        let s = store(&[Some(600.0), Some(500.0)], &[Some(3.0), Some(4.0)]);
        let q = queue(&at(&s), &redis_stream());
        assert_eq!(q.depth, Some(500.0));
        assert_eq!(q.depth_unknown, None);
        assert_eq!(q.health, Health::Warn);
        assert_eq!(q.trend_per_second, Some(-10.0));
        assert_eq!(q.drain_seconds, Some(50.0));
        assert_eq!(q.in_flight.and_then(|f| f.value), Some(4.0));
    }

    #[test]
    fn nothing_at_all_is_no_data_without_blaming_the_version() {
        // The group is not there (typo, or the exporter does not check streams): no reason
        // to think the version is at fault.
        let s = store(&[None, None], &[None, None]);
        let q = queue(&at(&s), &redis_stream());
        assert_eq!(q.depth, None);
        assert_eq!(q.depth_unknown, None);
        assert_eq!(q.in_flight.map(|f| f.value), Some(None));
    }

    #[test]
    fn drain_time_only_for_a_shrinking_backlog() {
        assert_eq!(drain(Some(400.0), Some(-20.0)), Drain::Seconds(20.0));
        assert_eq!(drain(Some(400.0), Some(-20.0)).seconds(), Some(20.0));
        // Empty is not "drained in 0 ms", whatever the trend.
        assert_eq!(drain(Some(0.0), Some(-3.0)), Drain::Empty);
        assert_eq!(drain(Some(0.0), None), Drain::Empty);
        assert_eq!(drain(Some(0.0), Some(0.0)).seconds(), None);
        // Growing or steady: it does not drain.
        assert_eq!(drain(Some(12.0), Some(4.7)), Drain::NotShrinking);
        assert_eq!(drain(Some(12.0), Some(0.0)), Drain::NotShrinking);
        // One frame only: no trend yet.
        assert_eq!(drain(Some(12.0), None), Drain::Unknown);
        assert_eq!(drain(None, Some(-1.0)), Drain::Unknown);
    }
}
