//! NaN and infinities are no data.
//!
//! Every signal the cockpit reads is a count, a depth, a weight or a duration: none of them can
//! be NaN or infinite, so an exporter that writes one (`NaN` from a broken collector, `+Inf` from
//! an overflowed gauge) says "I do not know". A figure computed from such a frame would be NaN,
//! and NaN compares false with every threshold, which used to read as healthy. Here the newest
//! frame is usable only when all of its values are finite; otherwise the figure is `None` and the
//! domain says which selector returned what. The `le="+Inf"` bucket is a label, not a value, and
//! is not concerned.

use crate::store::{Frame, SignalHistory};

/// The newest frame, if it lies in the window and every value in it is a finite number.
pub fn newest_usable(history: &SignalHistory, now_ms: i64, window_ms: i64) -> Option<&Frame> {
    let newest = history.newest()?;
    if newest.at_ms < now_ms - window_ms || newest.values.iter().any(|(_, v)| !v.is_finite()) {
        return None;
    }
    Some(newest)
}

/// The first value of the newest frame in the window that is not a finite number.
pub fn non_finite(history: &SignalHistory, now_ms: i64, window_ms: i64) -> Option<f64> {
    let newest = history.newest()?;
    if newest.at_ms < now_ms - window_ms {
        return None;
    }
    newest
        .values
        .iter()
        .map(|&(_, v)| v)
        .find(|v| !v.is_finite())
}

/// A non-finite value as Prometheus spells it.
pub fn spell(v: f64) -> &'static str {
    if v.is_nan() {
        "NaN"
    } else if v > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(values: &[f64]) -> SignalHistory {
        let mut h = SignalHistory::default();
        for (i, v) in values.iter().enumerate() {
            h.add(&format!("s{i}"), None, None, *v);
        }
        h.commit(1000, 60_000);
        h
    }

    #[test]
    fn a_frame_with_any_non_finite_value_is_not_usable() {
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let h = history(&[1.0, bad]);
            assert!(newest_usable(&h, 1000, 60_000).is_none());
            assert_eq!(
                non_finite(&h, 1000, 60_000).map(spell),
                Some(spell(bad)),
                "{bad}"
            );
        }
        let h = history(&[1.0, 2.0]);
        assert!(newest_usable(&h, 1000, 60_000).is_some());
        assert_eq!(non_finite(&h, 1000, 60_000), None);
    }

    #[test]
    fn spelled_as_prometheus() {
        assert_eq!(
            [f64::NAN, f64::INFINITY, f64::NEG_INFINITY].map(spell),
            ["NaN", "+Inf", "-Inf"]
        );
    }
}
