//! Per domain, the two paths' request and error counters accumulated over the history kept
//! (resets handled as `rate()` does): the store keeps only one window, the noise floor needs
//! the window before it and the burn rates need hours.

use std::collections::VecDeque;

use super::errors::Counts;
use crate::figures::Traffic;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Point {
    at_ms: i64,
    /// legacy requests, legacy errors, new requests, new errors: grown since the first point.
    grown: [f64; 4],
}

/// Accumulated counts, bounded by `history`.
#[derive(Debug, Clone, Default)]
pub struct CountHistory {
    points: VecDeque<Point>,
    last_totals: [Option<f64>; 4],
}

impl CountHistory {
    /// Takes the counters' totals at a data time; keeps `keep_ms` behind it.
    pub fn record(&mut self, at_ms: i64, t: &Traffic, keep_ms: i64) {
        if self.points.back().is_some_and(|p| p.at_ms >= at_ms) {
            return;
        }
        let totals = [
            t.legacy.requests_total,
            t.legacy.errors_total,
            t.new.requests_total,
            t.new.errors_total,
        ];
        let mut grown = self.points.back().map_or([0.0; 4], |p| p.grown);
        for i in 0..4 {
            if let (Some(now), Some(before)) = (totals[i], self.last_totals[i]) {
                // A counter that went down was reset: it counted `now` since.
                grown[i] += if now >= before { now - before } else { now };
            }
            if totals[i].is_some() {
                self.last_totals[i] = totals[i];
            }
        }
        self.points.push_back(Point { at_ms, grown });
        while self
            .points
            .front()
            .is_some_and(|p| p.at_ms < at_ms.saturating_sub(keep_ms))
        {
            self.points.pop_front();
        }
    }

    /// The oldest data time kept.
    pub fn oldest_ms(&self) -> Option<i64> {
        self.points.front().map(|p| p.at_ms)
    }

    /// Counts grown between the first point at or after `from_ms` and the last at or before
    /// `to_ms`, as (legacy, new, seconds covered); `None` with fewer than two such points.
    pub fn between(&self, from_ms: i64, to_ms: i64) -> Option<(Counts, Counts, f64)> {
        let first = self.points.iter().find(|p| p.at_ms >= from_ms)?;
        let last = self.points.iter().rev().find(|p| p.at_ms <= to_ms)?;
        if last.at_ms <= first.at_ms {
            return None;
        }
        let d = |i: usize| last.grown[i] - first.grown[i];
        Some((
            Counts {
                requests: d(0),
                errors: d(1),
            },
            Counts {
                requests: d(2),
                errors: d(3),
            },
            (last.at_ms - first.at_ms) as f64 / 1000.0,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::Side;

    fn traffic(lr: f64, le: f64) -> Traffic {
        Traffic {
            legacy: Side {
                requests_total: Some(lr),
                errors_total: Some(le),
                ..Side::default()
            },
            ..Traffic::default()
        }
    }

    #[test]
    fn counts_between_handle_resets_and_are_bounded() {
        let mut h = CountHistory::default();
        h.record(0, &traffic(100.0, 1.0), 60_000);
        h.record(10_000, &traffic(200.0, 2.0), 60_000);
        h.record(20_000, &traffic(50.0, 1.0), 60_000); // reset
        let (legacy, _, secs) = h.between(0, 20_000).unwrap();
        assert_eq!(legacy.requests, 150.0);
        assert_eq!(legacy.errors, 2.0);
        assert_eq!(secs, 20.0);
        h.record(100_000, &traffic(60.0, 1.0), 60_000);
        assert_eq!(h.oldest_ms(), Some(100_000));
    }
}
