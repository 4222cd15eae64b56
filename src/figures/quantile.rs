//! Quantiles from histogram bucket increases, interpolated as PromQL's `histogram_quantile`.

use std::collections::BTreeMap;

use super::finite::newest_usable;
use crate::store::SignalHistory;

/// Cumulative buckets (upper bound, count), in any order; returns the `q` quantile.
///
/// Follows Prometheus: no `+Inf` bucket or no observations → `None`; the rank falling into the
/// `+Inf` bucket gives the highest finite bound; linear interpolation inside a bucket, the lowest
/// bucket starting at 0 when its bound is positive.
pub fn histogram_quantile(q: f64, buckets: &[(f64, f64)]) -> Option<f64> {
    locate(q, buckets).map(|l| l.value)
}

/// Where a quantile fell: the interpolated value and the bucket `(lower, upper]` holding its
/// rank (`upper` infinite for the `+Inf` bucket), so that a caller can tell how much of the
/// value the histogram knows (`figures::latency`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Located {
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
}

/// [`histogram_quantile`] with the bucket the rank fell in.
pub fn locate(q: f64, buckets: &[(f64, f64)]) -> Option<Located> {
    if !(0.0..=1.0).contains(&q) || buckets.is_empty() {
        return None;
    }
    let mut b: Vec<(f64, f64)> = buckets.to_vec();
    b.sort_by(|x, y| x.0.total_cmp(&y.0));
    if b.last()?.0 != f64::INFINITY {
        return None;
    }
    // Counts must be monotonic; scrape races can break that (Prometheus fixes it the same way).
    for i in 1..b.len() {
        if b[i].1 < b[i - 1].1 {
            b[i].1 = b[i - 1].1;
        }
    }
    let total = b.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let idx = b.iter().position(|(_, c)| *c >= rank)?;
    if idx == b.len() - 1 {
        if b.len() < 2 {
            return None;
        }
        let highest = b[b.len() - 2].0;
        return Some(Located {
            value: highest,
            lower: highest,
            upper: f64::INFINITY,
        });
    }
    let (upper, count) = b[idx];
    let (lower, below) = if idx == 0 {
        (if upper > 0.0 { 0.0 } else { upper }, 0.0)
    } else {
        b[idx - 1]
    };
    let in_bucket = count - below;
    let value = if in_bucket <= 0.0 {
        upper
    } else {
        lower + (upper - lower) * (rank - below) / in_bucket
    };
    Some(Located {
        value,
        lower,
        upper,
    })
}

/// Bucket increases over the window summed across every histogram the signal matched.
///
/// `None` when the signal matched no bucket in the newest frame, only one frame is in the window,
/// or the newest frame holds a NaN or an infinity (no data, see `finite`).
pub fn bucket_increases(
    history: &SignalHistory,
    now_ms: i64,
    window_ms: i64,
) -> Option<Vec<(f64, f64)>> {
    let newest = newest_usable(history, now_ms, window_ms)?;
    if !newest
        .values
        .iter()
        .any(|(s, _)| history.series[*s as usize].le.is_some())
    {
        return None;
    }
    let mut last: Vec<Option<f64>> = vec![None; history.series.len()];
    let mut by_le: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    let mut frames = 0;
    for (n, frame) in history.since(now_ms - window_ms).enumerate() {
        frames += 1;
        for &(s, v) in &frame.values {
            let Some(le) = history.series[s as usize].le else {
                continue;
            };
            if !v.is_finite() {
                continue;
            }
            let slot = &mut last[s as usize];
            let grown = match *slot {
                Some(prev) if v >= prev => v - prev,
                Some(_) => v,
                None if n > 0 => v,
                None => 0.0,
            };
            *slot = Some(v);
            let e = by_le.entry(le.to_bits()).or_insert((le, 0.0));
            e.1 += grown;
        }
    }
    if frames < 2 {
        return None;
    }
    Some(by_le.into_values().collect())
}

/// The average of the matched gauges in the newest frame, for latency signals that are gauges
/// (HAProxy's `..._response_time_average_seconds`): an average of averages reads right, a sum does not.
/// `None` when the newest frame holds a NaN or an infinity: an average of the others would hide it.
pub fn gauge_mean(history: &SignalHistory, now_ms: i64, window_ms: i64) -> Option<f64> {
    let newest = newest_usable(history, now_ms, window_ms)?;
    let vals: Vec<f64> = newest
        .values
        .iter()
        .filter(|(s, _)| history.series[*s as usize].le.is_none())
        .map(|(_, v)| *v)
        .collect();
    if vals.is_empty() {
        return None;
    }
    Some(vals.iter().sum::<f64>() / vals.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_like_prometheus() {
        // 0.1: 50, 0.5: 90, 1: 99, +Inf: 100
        let b = [
            (0.1, 50.0),
            (0.5, 90.0),
            (1.0, 99.0),
            (f64::INFINITY, 100.0),
        ];
        assert!((histogram_quantile(0.5, &b).unwrap() - 0.1).abs() < 1e-12);
        // rank 95 lies in (0.5,1]: 0.5 + 0.5 * (95-90)/9
        assert!((histogram_quantile(0.95, &b).unwrap() - (0.5 + 0.5 * 5.0 / 9.0)).abs() < 1e-12);
        // rank 99.5 falls in +Inf: highest finite bound
        assert_eq!(histogram_quantile(0.995, &b), Some(1.0));
        // first bucket starts at 0
        assert!((histogram_quantile(0.25, &b).unwrap() - 0.05).abs() < 1e-12);
    }

    #[test]
    fn no_observations_or_no_inf_bucket_is_unknown() {
        assert_eq!(
            histogram_quantile(0.5, &[(0.1, 0.0), (f64::INFINITY, 0.0)]),
            None
        );
        assert_eq!(histogram_quantile(0.5, &[(0.1, 3.0), (1.0, 5.0)]), None);
        assert_eq!(histogram_quantile(0.5, &[]), None);
    }

    #[test]
    fn bucket_increases_sum_over_histograms() {
        let mut h = SignalHistory::default();
        for (at, a, b) in [(0, 10.0, 1.0), (2000, 20.0, 3.0)] {
            h.add("x_bucket{h=\"a\",le=\"0.1\"}", Some(0.1), Some("a"), a);
            h.add(
                "x_bucket{h=\"a\",le=\"+Inf\"}",
                Some(f64::INFINITY),
                Some("a"),
                a + 1.0,
            );
            h.add("x_bucket{h=\"b\",le=\"0.1\"}", Some(0.1), Some("b"), b);
            h.add(
                "x_bucket{h=\"b\",le=\"+Inf\"}",
                Some(f64::INFINITY),
                Some("b"),
                b * 2.0,
            );
            h.commit(at, 3_600_000);
        }
        let got = bucket_increases(&h, 2000, 60_000).unwrap();
        assert_eq!(got, vec![(0.1, 12.0), (f64::INFINITY, 14.0)]);
    }
}
