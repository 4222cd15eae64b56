//! A latency figure labelled for what it is: its kind (`p50`/`p95`/`p99` from a histogram, `avg`
//! from a gauge such as HAProxy's average response time), and a number only where the
//! histogram knows one.
//!
//! Interpolating inside a bucket invents precision: with FastAPI's default buckets (0.1, 0.5,
//! 1 s) a 1 ms service reads "p95 95 ms". The rule here: a quantile whose rank falls in a bucket
//! spanning more than a factor of ten (more than the value's order of magnitude: the lowest
//! bucket, from 0, always does) is the bound `≤ upper`; one in the `+Inf` bucket is `> highest
//! bound`. Such a bound is not judged against an SLO that lies inside its bucket (`slo_p95`).

use serde::{Deserialize, Serialize};

use super::quantile::{locate, Located};
use crate::format::{latency_bound, latency_short, Round};

/// What a latency figure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LatencyKind {
    P50,
    P95,
    P99,
    /// A gauge's value: an average (HAProxy's over its last 1024 requests).
    Avg,
}

impl LatencyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LatencyKind::P50 => "p50",
            LatencyKind::P95 => "p95",
            LatencyKind::P99 => "p99",
            LatencyKind::Avg => "avg",
        }
    }

    /// The quantile a histogram kind stands for.
    pub fn quantile(self) -> Option<f64> {
        match self {
            LatencyKind::P50 => Some(0.5),
            LatencyKind::P95 => Some(0.95),
            LatencyKind::P99 => Some(0.99),
            LatencyKind::Avg => None,
        }
    }
}

/// What is known of the value, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reading {
    /// A number: a gauge, or an interpolation inside a bucket narrower than a factor of ten.
    Value(f64),
    /// At most this: the rank fell in a coarse bucket whose upper bound this is.
    AtMost(f64),
    /// More than this: the rank fell in the `+Inf` bucket above this highest finite bound.
    Above(f64),
}

impl Reading {
    /// A number standing for the reading where one is needed (charts): the value, or the bound.
    pub fn seconds(self) -> f64 {
        match self {
            Reading::Value(v) | Reading::AtMost(v) | Reading::Above(v) => v,
        }
    }
}

/// Whose signal the figure comes from: the path's own (`latency`), or the gateway's view of a
/// path read from its service, shown when finer than the service's histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LatencyFrom {
    Own,
    Gateway,
}

/// One latency figure. In JSON: `{"kind", "seconds", "bound", "bound_seconds", "bucket", "from"}`
/// where `seconds` is `null` for a bound, `bound` is `null`, `"at_most"` or `"above"`, and
/// `bucket` is the `[lower, upper]` bucket (upper `null` for `+Inf`) the quantile fell in.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(into = "LatencyJson", from = "LatencyJson")]
pub struct Latency {
    pub kind: LatencyKind,
    pub reading: Reading,
    /// The bucket `(lower, upper]` of a quantile, in seconds (upper infinite for `+Inf`).
    pub bucket: Option<(f64, f64)>,
    pub from: LatencyFrom,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum BoundJson {
    AtMost,
    Above,
}

#[derive(Serialize, Deserialize)]
struct LatencyJson {
    kind: LatencyKind,
    seconds: Option<f64>,
    bound: Option<BoundJson>,
    bound_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bucket: Option<(f64, Option<f64>)>,
    from: LatencyFrom,
}

impl From<Latency> for LatencyJson {
    fn from(l: Latency) -> Self {
        let (seconds, bound, bound_seconds) = match l.reading {
            Reading::Value(v) => (Some(v), None, None),
            Reading::AtMost(b) => (None, Some(BoundJson::AtMost), Some(b)),
            Reading::Above(b) => (None, Some(BoundJson::Above), Some(b)),
        };
        LatencyJson {
            kind: l.kind,
            seconds,
            bound,
            bound_seconds,
            bucket: l.bucket.map(|(lo, hi)| (lo, hi.is_finite().then_some(hi))),
            from: l.from,
        }
    }
}

impl From<LatencyJson> for Latency {
    fn from(j: LatencyJson) -> Self {
        let b = j.bound_seconds.unwrap_or(f64::NAN);
        let reading = match j.bound {
            Some(BoundJson::AtMost) => Reading::AtMost(b),
            Some(BoundJson::Above) => Reading::Above(b),
            None => Reading::Value(j.seconds.unwrap_or(f64::NAN)),
        };
        Latency {
            kind: j.kind,
            reading,
            bucket: j.bucket.map(|(lo, hi)| (lo, hi.unwrap_or(f64::INFINITY))),
            from: j.from,
        }
    }
}

/// Whether a bucket `(lower, upper]` is too wide to interpolate in: it spans more than a factor
/// of ten (the lowest bucket, from 0, always does), or it is the `+Inf` bucket.
pub fn coarse(lower: f64, upper: f64) -> bool {
    upper.is_infinite() || lower <= 0.0 || upper > 10.0 * lower
}

impl Latency {
    /// The `kind` quantile of cumulative buckets (in the signal's unit; `unit` seconds each).
    pub fn quantile(
        kind: LatencyKind,
        buckets: &[(f64, f64)],
        unit: f64,
        from: LatencyFrom,
    ) -> Option<Latency> {
        let Located {
            value,
            lower,
            upper,
        } = locate(kind.quantile()?, buckets)?;
        let (value, lower, upper) = (value * unit, lower * unit, upper * unit);
        let reading = if upper.is_infinite() {
            Reading::Above(lower)
        } else if coarse(lower, upper) {
            Reading::AtMost(upper)
        } else {
            Reading::Value(value)
        };
        Some(Latency {
            kind,
            reading,
            bucket: Some((lower, upper)),
            from,
        })
    }

    /// A gauge's value, an average.
    pub fn average(seconds: f64, from: LatencyFrom) -> Latency {
        Latency {
            kind: LatencyKind::Avg,
            reading: Reading::Value(seconds),
            bucket: None,
            from,
        }
    }

    pub fn is_bound(&self) -> bool {
        !matches!(self.reading, Reading::Value(_))
    }

    /// With its kind, for `status` and reasons: `p95 480ms`, `avg 1ms`, `p95 ≤100ms`, `p95 >1s`.
    pub fn figure(&self) -> String {
        let (v, at_most, above) = self.parts();
        crate::format::latency_figure(self.kind.as_str(), v, at_most, above)
    }

    /// The figure without its kind, for a table cell under a column that names it: `480ms`,
    /// `≤100ms`, `>1s` (`at_most` is the glyph: `≤`, or `<` in ASCII).
    pub fn reading_text(&self, at_most: &str) -> String {
        match self.reading {
            Reading::Value(v) => crate::format::latency(v),
            Reading::AtMost(b) => format!("{at_most}{}", latency_bound(b)),
            Reading::Above(b) => format!(">{}", latency_bound(b)),
        }
    }

    /// At most 5 characters for the overview: a number as `format::latency`; a bound or (with
    /// `mark_avg`) an average marked, its figure rounded the way that keeps it true:
    /// `≤0.1s`, `>1s`, `~12ms`.
    pub fn cell(&self, at_most: &str, mark_avg: bool) -> String {
        match self.reading {
            Reading::Value(v) if mark_avg && self.kind == LatencyKind::Avg => {
                format!("~{}", latency_short(v, Round::Nearest))
            }
            Reading::Value(v) => crate::format::latency(v),
            Reading::AtMost(b) => format!("{at_most}{}", latency_short(b, Round::Up)),
            Reading::Above(b) => format!(">{}", latency_short(b, Round::Down)),
        }
    }

    fn parts(&self) -> (Option<f64>, Option<f64>, Option<f64>) {
        match self.reading {
            Reading::Value(v) => (Some(v), None, None),
            Reading::AtMost(b) => (None, Some(b), None),
            Reading::Above(b) => (None, None, Some(b)),
        }
    }
}

/// An average gauge (HAProxy's over its last 1024 requests) as a figure of now: only with
/// traffic in the window (`requests`, the path's count there). With none it reads 0 on a server
/// that never served, or the average of requests long gone: idle, not `0ms`. Where the count is
/// unknown, a 0 cannot be told from idle either and is unknown.
pub fn current_average(average: Option<Latency>, requests: Option<f64>) -> Option<Latency> {
    let a = average?;
    if a.kind != LatencyKind::Avg {
        return Some(a);
    }
    match requests {
        Some(r) if r > 0.0 => Some(a),
        Some(_) => None,
        None => (a.reading.seconds() > 0.0).then_some(a),
    }
}

/// Finite bucket bounds (seconds, ascending) that make quantiles bounds rather than numbers:
/// `Some(words)` naming them when a typical service's p95 would show as a bound: the lowest bound
/// is 50 ms or more, a bucket spans more than a factor of ten, or there are fewer than four.
pub fn coarse_buckets(bounds_seconds: &[f64]) -> Option<String> {
    let mut b: Vec<f64> = bounds_seconds
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    b.sort_by(f64::total_cmp);
    b.dedup();
    let (first, last) = (*b.first()?, *b.last()?);
    let wide = b.windows(2).find(|w| coarse(w[0], w[1]));
    if first < 0.05 && wide.is_none() && b.len() >= 4 {
        return None;
    }
    let listed: Vec<String> = b.iter().map(|v| latency_bound(*v)).collect();
    let mut words = format!(
        "coarse latency buckets {}: a quantile under {} shows as ≤{}, one over {} as >{}",
        listed.join(", "),
        latency_bound(first),
        latency_bound(first),
        latency_bound(last),
        latency_bound(last)
    );
    if let Some(w) = wide {
        words.push_str(&format!(
            ", one between {} and {} as ≤{}",
            latency_bound(w[0]),
            latency_bound(w[1]),
            latency_bound(w[1])
        ));
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: LatencyFrom = LatencyFrom::Own;

    /// FastAPI's default buckets after `n` requests of 1 ms each.
    fn fastapi_fast(n: f64) -> Vec<(f64, f64)> {
        vec![(0.1, n), (0.5, n), (1.0, n), (f64::INFINITY, n)]
    }

    #[test]
    fn a_fast_service_on_coarse_buckets_is_at_most_the_lowest_bound() {
        let p95 = Latency::quantile(LatencyKind::P95, &fastapi_fast(200.0), 1.0, OWN).unwrap();
        assert_eq!(p95.reading, Reading::AtMost(0.1));
        assert_eq!(p95.bucket, Some((0.0, 0.1)));
        assert_eq!(p95.figure(), "p95 ≤100ms");
        let p50 = Latency::quantile(LatencyKind::P50, &fastapi_fast(200.0), 1.0, OWN).unwrap();
        assert_eq!(p50.reading, Reading::AtMost(0.1));
    }

    #[test]
    fn fine_buckets_interpolate() {
        // prometheus_client's defaults: 95 of 100 observations at most 25 ms, 60 at most 10 ms.
        let b = [
            (0.005, 10.0),
            (0.01, 60.0),
            (0.025, 95.0),
            (0.05, 100.0),
            (0.1, 100.0),
            (f64::INFINITY, 100.0),
        ];
        let p95 = Latency::quantile(LatencyKind::P95, &b, 1.0, OWN).unwrap();
        assert_eq!(p95.reading, Reading::Value(0.025));
        let p50 = Latency::quantile(LatencyKind::P50, &b, 1.0, OWN).unwrap();
        assert!(matches!(p50.reading, Reading::Value(v) if (v - 0.009).abs() < 1e-12));
        // Milliseconds scale to seconds, bucket and all.
        let ms: Vec<(f64, f64)> = b.iter().map(|(le, c)| (le * 1000.0, *c)).collect();
        let p95 = Latency::quantile(LatencyKind::P95, &ms, 0.001, OWN).unwrap();
        assert!(matches!(p95.reading, Reading::Value(v) if (v - 0.025).abs() < 1e-12));
    }

    #[test]
    fn the_inf_bucket_is_above_the_highest_bound() {
        // 10 of 100 requests took more than a second.
        let b = [
            (0.1, 50.0),
            (0.5, 80.0),
            (1.0, 90.0),
            (f64::INFINITY, 100.0),
        ];
        let p95 = Latency::quantile(LatencyKind::P95, &b, 1.0, OWN).unwrap();
        assert_eq!(p95.reading, Reading::Above(1.0));
        assert_eq!(p95.figure(), "p95 >1s");
        // The median in the lowest bucket is a bound; inside (0.1, 0.5], a factor of five, a number.
        let p50 = Latency::quantile(LatencyKind::P50, &b, 1.0, OWN).unwrap();
        assert!(matches!(p50.reading, Reading::AtMost(_)), "{p50:?}");
        let b = [(0.1, 5.0), (0.5, 80.0), (1.0, 90.0), (f64::INFINITY, 100.0)];
        let p50 = Latency::quantile(LatencyKind::P50, &b, 1.0, OWN).unwrap();
        assert!(matches!(p50.reading, Reading::Value(v) if v > 0.1 && v < 0.5));
        // A bucket over ten times its lower bound is coarse too.
        let b = [(0.01, 0.0), (0.5, 100.0), (f64::INFINITY, 100.0)];
        let p95 = Latency::quantile(LatencyKind::P95, &b, 1.0, OWN).unwrap();
        assert_eq!(p95.reading, Reading::AtMost(0.5));
    }

    #[test]
    fn an_average_without_traffic_is_idle_not_zero() {
        let zero = Some(Latency::average(0.0, LatencyFrom::Gateway));
        let old = Some(Latency::average(0.004, LatencyFrom::Gateway));
        assert_eq!(current_average(zero, Some(0.0)), None);
        assert_eq!(current_average(old, Some(0.0)), None);
        assert_eq!(current_average(zero, None), None);
        assert_eq!(current_average(old, None), old);
        assert_eq!(current_average(zero, Some(12.0)), zero);
        let p95 = Latency::quantile(LatencyKind::P95, &fastapi_fast(5.0), 1.0, OWN);
        assert_eq!(current_average(p95, Some(0.0)), p95);
    }

    #[test]
    fn cells_fit_five_characters_and_stay_true() {
        let p95 = Latency::quantile(LatencyKind::P95, &fastapi_fast(5.0), 1.0, OWN).unwrap();
        assert_eq!(p95.cell("≤", false), "≤0.1s");
        assert_eq!(p95.reading_text("≤"), "≤100ms");
        let slow = [(0.1, 0.0), (0.5, 0.0), (1.0, 0.0), (f64::INFINITY, 100.0)];
        let p95 = Latency::quantile(LatencyKind::P95, &slow, 1.0, OWN).unwrap();
        assert_eq!(p95.cell("≤", false), ">1s");
        let avg = Latency::average(0.0123, LatencyFrom::Gateway);
        assert_eq!(avg.cell("≤", true), "~12ms");
        assert_eq!(avg.cell("≤", false), "12ms");
    }

    #[test]
    fn json_carries_kind_and_bound() {
        let p95 = Latency::quantile(LatencyKind::P95, &fastapi_fast(5.0), 1.0, OWN).unwrap();
        let v = serde_json::to_value(p95).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"kind": "p95", "seconds": null, "bound": "at_most",
                "bound_seconds": 0.1, "bucket": [0.0, 0.1], "from": "own"})
        );
        let back: Latency = serde_json::from_value(v).unwrap();
        assert_eq!(back, p95);
        let avg = serde_json::to_value(Latency::average(0.002, LatencyFrom::Gateway)).unwrap();
        assert_eq!(
            avg,
            serde_json::json!({"kind": "avg", "seconds": 0.002, "bound": null,
                "bound_seconds": null, "from": "gateway"})
        );
    }

    #[test]
    fn check_names_coarse_buckets() {
        assert_eq!(
            coarse_buckets(&[0.1, 0.5, 1.0, f64::INFINITY]).as_deref(),
            Some(
                "coarse latency buckets 100ms, 500ms, 1s: a quantile under 100ms shows as \
                 ≤100ms, one over 1s as >1s"
            )
        );
        let defaults = [
            0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
        ];
        assert_eq!(coarse_buckets(&defaults), None);
        let gap = [0.005, 0.01, 0.025, 0.5, 1.0];
        assert!(coarse_buckets(&gap)
            .unwrap()
            .ends_with("one between 25ms and 500ms as ≤500ms"));
        assert_eq!(coarse_buckets(&[]), None);
    }
}
