//! Per domain, the monolith's latency histogram over the window as the judge saw it, kept one
//! window longer: the latency noise floor compares the monolith now with itself one window ago,
//! and the store keeps only the current window.

use std::collections::VecDeque;

use super::latency::Binned;

/// Snapshots kept per window at most: one every `window / SNAPSHOTS_PER_WINDOW`, so memory
/// stays bounded whatever the poll interval.
const SNAPSHOTS_PER_WINDOW: i64 = 64;

/// The monolith's binned latencies over the window, by data time.
#[derive(Debug, Clone, Default)]
pub struct LatencyHistory {
    points: VecDeque<(i64, Binned)>,
}

impl LatencyHistory {
    /// Keeps `b`, the window ending at `at_ms`; drops what no later call can ask for.
    pub fn record(&mut self, at_ms: i64, b: Binned, window_ms: i64) {
        let spacing = (window_ms / SNAPSHOTS_PER_WINDOW).max(1);
        if self
            .points
            .back()
            .is_some_and(|(t, _)| at_ms - *t < spacing)
        {
            return;
        }
        self.points.push_back((at_ms, b));
        // Keep the newest snapshot at or before one window back, and everything after it.
        let cutoff = at_ms.saturating_sub(window_ms);
        while self.points.len() >= 2 && self.points[1].0 <= cutoff {
            self.points.pop_front();
        }
    }

    /// The window that ended one window before `now_ms` (within a tenth of a window), if kept.
    pub fn previous(&self, now_ms: i64, window_ms: i64) -> Option<&Binned> {
        let cutoff = now_ms.saturating_sub(window_ms);
        self.points
            .iter()
            .rev()
            .find(|(t, _)| *t <= cutoff)
            .filter(|(t, _)| cutoff - *t <= window_ms / 10)
            .map(|(_, b)| b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(n: f64) -> Binned {
        Binned {
            bounds: vec![0.1, 1.0],
            counts: vec![n, 1.0],
        }
    }

    #[test]
    fn the_previous_window_is_found_and_memory_is_bounded() {
        let mut h = LatencyHistory::default();
        for t in 0..1000 {
            h.record(t * 250, b(t as f64), 60_000);
        }
        // One snapshot a second is kept (the window / 64, rounded up to the polls); at
        // 249.75 s one window back is 189.75 s, and the newest snapshot by then is 189 s's.
        let now = 999 * 250;
        assert_eq!(h.previous(now, 60_000), Some(&b(756.0)));
        assert!(h.points.len() <= 66, "{} kept", h.points.len());
        // Nothing a window back yet: no noise floor from a made-up baseline.
        let mut young = LatencyHistory::default();
        young.record(0, b(1.0), 60_000);
        young.record(30_000, b(2.0), 60_000);
        assert_eq!(young.previous(30_000, 60_000), None);
    }
}
