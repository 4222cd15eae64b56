//! Counter increases over a window, resets handled as Prometheus `rate()` does.
//!
//! The cockpit shows counted requests: the increase is what the counters really grew between
//! the oldest and the newest frame in the window, not extrapolated to the window's edges.

use super::finite::newest_usable;
use crate::store::SignalHistory;

/// What a counter signal says about a window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Increase {
    /// Sum of the matched counters in the newest frame.
    pub total: f64,
    /// How much they grew over the window, resets handled.
    pub increase: f64,
    /// Seconds between the oldest and the newest frame used.
    pub seconds: f64,
}

impl Increase {
    pub fn per_second(&self) -> Option<f64> {
        (self.seconds > 0.0).then(|| self.increase / self.seconds)
    }
}

/// The newest total and, when two frames lie in the window, the increase.
///
/// `None` when the newest frame matched nothing or holds a NaN or an infinity (no data).
/// `increase` is `None`-like (`seconds == 0`) when only one frame is in the window. A non-finite
/// sample in an older frame is skipped as if the series had been missing from that scrape.
pub fn increase(history: &SignalHistory, now_ms: i64, window_ms: i64) -> Option<Increase> {
    let newest = newest_usable(history, now_ms, window_ms)?;
    if newest.values.is_empty() {
        return None;
    }
    let total = newest.sum();
    let mut last: Vec<Option<f64>> = vec![None; history.series.len()];
    let mut grown = 0.0;
    let mut first_at = None;
    for (n, frame) in history.since(now_ms - window_ms).enumerate() {
        if first_at.is_none() {
            first_at = Some(frame.at_ms);
        }
        for &(s, v) in &frame.values {
            if !v.is_finite() {
                continue;
            }
            let slot = &mut last[s as usize];
            match *slot {
                Some(prev) if v >= prev => grown += v - prev,
                // A counter that went down was reset: it counted `v` since the reset.
                Some(_) => grown += v,
                // A series that appears after the window's first frame counted from zero
                // (the first 5xx of a FastAPI handler creates its series).
                None if n > 0 => grown += v,
                None => {}
            }
            *slot = Some(v);
        }
    }
    let seconds = (newest.at_ms - first_at.unwrap_or(newest.at_ms)) as f64 / 1000.0;
    Some(Increase {
        total,
        increase: grown,
        seconds,
    })
}

/// The sum of the newest frame, for gauges; `None` when nothing matched, it is older than the
/// window, or it holds a NaN or an infinity.
pub fn gauge(history: &SignalHistory, now_ms: i64, window_ms: i64) -> Option<f64> {
    let newest = newest_usable(history, now_ms, window_ms)?;
    if newest.values.is_empty() {
        return None;
    }
    Some(newest.sum())
}

/// Least-squares slope (per second) of a gauge's sum over the window; `None` with fewer than two
/// frames. Frames holding a NaN or an infinity have no sum and are left out.
pub fn slope(history: &SignalHistory, now_ms: i64, window_ms: i64) -> Option<f64> {
    let points: Vec<(f64, f64)> = history
        .since(now_ms - window_ms)
        .filter(|f| !f.values.is_empty() && f.values.iter().all(|(_, v)| v.is_finite()))
        .map(|f| (f.at_ms as f64 / 1000.0, f.sum()))
        .collect();
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let t0 = points[0].0;
    let mean_t = points.iter().map(|p| p.0 - t0).sum::<f64>() / n;
    let mean_v = points.iter().map(|p| p.1).sum::<f64>() / n;
    let mut num = 0.0;
    let mut den = 0.0;
    for (t, v) in &points {
        let dt = t - t0 - mean_t;
        num += dt * (v - mean_v);
        den += dt * dt;
    }
    (den > 0.0).then(|| num / den)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(frames: &[(i64, &[(&str, f64)])]) -> SignalHistory {
        let mut h = SignalHistory::default();
        for (at, values) in frames {
            for (k, v) in values.iter() {
                h.add(k, None, None, *v);
            }
            h.commit(*at, 3_600_000);
        }
        h
    }

    #[test]
    fn increase_sums_series_and_handles_a_reset() {
        let h = history(&[
            (0, &[("a", 10.0), ("b", 5.0)]),
            (2000, &[("a", 15.0), ("b", 6.0)]),
            (4000, &[("a", 3.0), ("b", 8.0)]), // a was reset and counted 3 since
        ]);
        let inc = increase(&h, 4000, 60_000).unwrap();
        assert_eq!(inc.total, 11.0);
        assert_eq!(inc.increase, 5.0 + 1.0 + 3.0 + 2.0);
        assert_eq!(inc.seconds, 4.0);
        assert_eq!(inc.per_second(), Some(11.0 / 4.0));
    }

    #[test]
    fn window_limits_the_frames_used() {
        let h = history(&[
            (0, &[("a", 0.0)]),
            (50_000, &[("a", 100.0)]),
            (70_000, &[("a", 110.0)]),
        ]);
        let inc = increase(&h, 70_000, 60_000).unwrap();
        assert_eq!(inc.increase, 10.0);
        assert_eq!(inc.seconds, 20.0);
    }

    #[test]
    fn a_series_born_inside_the_window_counts_from_zero() {
        let h = history(&[(0, &[("ok", 10.0)]), (2000, &[("ok", 12.0), ("err", 1.0)])]);
        assert_eq!(increase(&h, 2000, 60_000).unwrap().increase, 3.0);
    }

    #[test]
    fn nothing_matched_is_no_data_not_zero() {
        let h = history(&[(0, &[]), (2000, &[])]);
        assert_eq!(increase(&h, 2000, 60_000), None);
        assert_eq!(gauge(&h, 2000, 60_000), None);
        let h = SignalHistory::default();
        assert_eq!(increase(&h, 2000, 60_000), None);
    }

    #[test]
    fn one_frame_has_a_total_but_no_rate() {
        let h = history(&[(0, &[("a", 7.0)])]);
        let inc = increase(&h, 0, 60_000).unwrap();
        assert_eq!(
            (inc.total, inc.increase, inc.per_second()),
            (7.0, 0.0, None)
        );
    }

    #[test]
    fn non_finite_newest_is_no_data_and_older_ones_are_skipped() {
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let h = history(&[(0, &[("a", 1.0)]), (2000, &[("a", bad), ("b", 3.0)])]);
            assert_eq!(increase(&h, 2000, 60_000), None, "{bad}");
            assert_eq!(gauge(&h, 2000, 60_000), None, "{bad}");
            let h = history(&[
                (0, &[("a", 1.0)]),
                (2000, &[("a", bad)]),
                (4000, &[("a", 5.0)]),
            ]);
            let inc = increase(&h, 4000, 60_000).unwrap();
            assert_eq!((inc.total, inc.increase), (5.0, 4.0), "{bad}");
            assert!((slope(&h, 4000, 60_000).unwrap() - 1.0).abs() < 1e-9);
        }
    }

    #[test]
    fn slope_of_a_growing_gauge() {
        let h = history(&[
            (0, &[("q", 0.0)]),
            (10_000, &[("q", 100.0)]),
            (20_000, &[("q", 200.0)]),
        ]);
        assert!((slope(&h, 20_000, 60_000).unwrap() - 10.0).abs() < 1e-9);
    }
}
