//! The `slo.p95` rule on a path's latency figure: a number is judged as it is; a bound
//! (`figures::latency`) only where its whole bucket lies on one side of the limit, and
//! otherwise the reason says why it is not judged. The same rule picks the figure a path
//! shows: its own bound where it decides, the gateway's number where it cannot (`finer`).

use super::latency::{Latency, LatencyFrom, Reading};
use super::status::Health;
use crate::format::{latency_bound, millis};

/// What a p95 SLO says of a path's figure.
#[derive(Debug, Clone, PartialEq)]
pub struct SloFinding {
    pub level: Health,
    pub text: String,
    /// Far beyond the limit (≥ 5×): skips `for`.
    pub far: bool,
}

/// The `slo.p95` rule for `path`'s figure against `limit` seconds: `None` when within it.
/// A bound is judged only where the whole bucket lies on one side of the limit; otherwise the
/// finding says why it is not judged (and does not change the health).
pub fn against_slo(path: &str, l: &Latency, limit: f64) -> Option<SloFinding> {
    let whose = if l.from == LatencyFrom::Gateway {
        " at the gateway"
    } else {
        ""
    };
    let over = |far: bool| {
        Some(SloFinding {
            level: Health::Warn,
            text: format!("{path} {}{whose} > {}", l.figure(), millis(limit)),
            far,
        })
    };
    let not_judged = |why: String| {
        Some(SloFinding {
            level: Health::Ok,
            text: format!(
                "p95 SLO {} not judged: {path} {}{whose} {why}",
                millis(limit),
                l.figure()
            ),
            far: false,
        })
    };
    match l.reading {
        Reading::Value(v) if v > limit => over(v >= 5.0 * limit),
        Reading::Value(_) => None,
        Reading::AtMost(b) if b <= limit => None,
        Reading::AtMost(b) => {
            let lower = l.bucket.map_or(0.0, |(lo, _)| lo);
            if lower >= limit {
                over(lower >= 5.0 * limit)
            } else {
                not_judged(format!(
                    "lies in the histogram's bucket from {} to {}, coarser than the SLO",
                    latency_bound(lower),
                    latency_bound(b)
                ))
            }
        }
        Reading::Above(b) if b >= limit => over(b >= 5.0 * limit),
        Reading::Above(b) => not_judged(format!(
            "lies above the histogram's highest bucket ({}), which the SLO is below",
            latency_bound(b)
        )),
    }
}

/// The figure to show and judge for a path: its own, unless that is a bound the p95 SLO
/// (`slo_p95` seconds, where set) cannot judge and the gateway's view of the path has a number
/// (a gauge, or a quantile in a fine bucket). A bound that decides (`p95 >1s` against a 300 ms
/// SLO, `p95 ≤100ms` against 300 ms) stays: an average beside it would hide a tail. Without an
/// SLO, `≤ bound` is refined by the gateway's number and `> bound` stays, for the same reason.
pub fn finer(
    own: Option<Latency>,
    gateway: Option<Latency>,
    slo_p95: Option<f64>,
) -> Option<Latency> {
    match (own, gateway) {
        (Some(o), Some(g)) if o.is_bound() && !g.is_bound() && !decisive(&o, slo_p95) => Some(g),
        (Some(o), _) => Some(o),
        (None, g) => g,
    }
}

/// Whether a bound says something on its own: the SLO judges it (over or within), or, with no
/// SLO, it is a tail above the histogram's highest bucket.
fn decisive(bound: &Latency, slo_p95: Option<f64>) -> bool {
    match slo_p95 {
        Some(limit) => against_slo("", bound, limit).is_none_or(|f| f.level != Health::Ok),
        None => matches!(bound.reading, Reading::Above(_)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::latency::LatencyKind;

    const OWN: LatencyFrom = LatencyFrom::Own;

    fn fastapi_fast(n: f64) -> Vec<(f64, f64)> {
        vec![(0.1, n), (0.5, n), (1.0, n), (f64::INFINITY, n)]
    }

    #[test]
    fn a_bound_is_not_judged_against_a_finer_slo() {
        let p95 = Latency::quantile(LatencyKind::P95, &fastapi_fast(200.0), 1.0, OWN).unwrap();
        let f = against_slo("new path", &p95, 0.05).unwrap();
        assert_eq!(f.level, Health::Ok);
        assert_eq!(
            f.text,
            "p95 SLO 50ms not judged: new path p95 ≤100ms lies in the histogram's bucket from \
             0ms to 100ms, coarser than the SLO"
        );
        // An SLO at or above the bound is met.
        assert_eq!(against_slo("new path", &p95, 0.1), None);
        assert_eq!(against_slo("new path", &p95, 0.3), None);
        // Above the highest bound: over a lower SLO for sure, not judged against a higher one.
        let slow = [(0.1, 0.0), (0.5, 0.0), (1.0, 0.0), (f64::INFINITY, 100.0)];
        let p95 = Latency::quantile(LatencyKind::P95, &slow, 1.0, OWN).unwrap();
        let f = against_slo("new path", &p95, 0.3).unwrap();
        assert_eq!(
            (f.level, f.text.as_str()),
            (Health::Warn, "new path p95 >1s > 300ms")
        );
        let f = against_slo("new path", &p95, 2.0).unwrap();
        assert_eq!(f.level, Health::Ok);
        assert!(
            f.text.starts_with("p95 SLO 2000ms not judged"),
            "{}",
            f.text
        );
        // Numbers are judged as before, an average by its kind.
        let avg = Latency::average(0.48, LatencyFrom::Gateway);
        let f = against_slo("new path", &avg, 0.3).unwrap();
        assert_eq!(
            (f.level, f.text.as_str()),
            (Health::Warn, "new path avg 480ms at the gateway > 300ms")
        );
    }

    #[test]
    fn the_gateway_is_shown_where_the_service_has_only_a_bound() {
        let own = Latency::quantile(LatencyKind::P95, &fastapi_fast(5.0), 1.0, OWN);
        let gw = Some(Latency::average(0.0012, LatencyFrom::Gateway));
        // ≤100ms against a 50 ms SLO: not judged, the gateway's number is.
        assert_eq!(finer(own, gw, Some(0.05)), gw);
        assert_eq!(finer(own, gw, None), gw);
        let fine = Some(Latency::average(0.2, OWN));
        assert_eq!(finer(fine, gw, Some(0.05)), fine);
        assert_eq!(finer(None, gw, Some(0.05)), gw);
        assert_eq!(finer(own, None, Some(0.05)), own);
    }

    #[test]
    fn a_bound_the_slo_judges_is_not_replaced_by_an_average() {
        let slow = [(0.1, 0.0), (0.5, 0.0), (1.0, 0.0), (f64::INFINITY, 100.0)];
        let above = Latency::quantile(LatencyKind::P95, &slow, 1.0, OWN);
        let gw = Some(Latency::average(0.012, LatencyFrom::Gateway));
        // `p95 >1s` against 300 ms is over for sure: the warning must stay.
        assert_eq!(finer(above, gw, Some(0.3)), above);
        // With no SLO a tail above the highest bucket stays too.
        assert_eq!(finer(above, gw, None), above);
        // Against a 5 s SLO `>1s` cannot be judged: the gateway's number can.
        assert_eq!(finer(above, gw, Some(5.0)), gw);
        // `≤100ms` against 300 ms is within for sure: it stays as it is.
        let fast = Latency::quantile(LatencyKind::P95, &fastapi_fast(5.0), 1.0, OWN);
        assert_eq!(finer(fast, gw, Some(0.3)), fast);
    }
}
