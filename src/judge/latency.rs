//! Is the new path slower than the monolith? The two paths' histograms over the window are two
//! samples of binned latencies; a rank test made for ties (Mann-Whitney U with the tie
//! correction, as Kayenta's judge uses) says whether the new path is slower, and the
//! Hodges-Lehmann shift (the median of all pairwise differences) says by how much. A slower
//! path fails only when the shift is larger than the tolerance (25% of the monolith's median,
//! Kayenta's default) with the configured confidence.

use serde::{Deserialize, Serialize};

use super::outcome::{confidence_words, count_words, Outcome};
use super::special::normal_sf;

/// Observations per bucket of one path, non-cumulative, over shared bucket bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Binned {
    /// Upper bounds in seconds, ascending; the last may be infinite.
    pub bounds: Vec<f64>,
    pub counts: Vec<f64>,
}

impl Binned {
    /// From cumulative `(le, count)` buckets in seconds (as `bucket_increases` gives them).
    pub fn from_cumulative(buckets: &[(f64, f64)]) -> Option<Binned> {
        let mut b = buckets.to_vec();
        b.sort_by(|x, y| x.0.total_cmp(&y.0));
        let mut counts = Vec::with_capacity(b.len());
        let mut below = 0.0_f64;
        for (_, c) in &b {
            let c = c.max(below);
            counts.push(c - below);
            below = c;
        }
        (below > 0.0).then(|| Binned {
            bounds: b.iter().map(|x| x.0).collect(),
            counts,
        })
    }

    pub fn total(&self) -> f64 {
        self.counts.iter().sum()
    }

    /// The value standing for every observation of bucket `i`: its middle; the lowest bucket
    /// starts at 0, the `+Inf` bucket stands at its lower bound.
    pub fn representative(&self, i: usize) -> f64 {
        let upper = self.bounds[i];
        let lower = if i == 0 {
            0.0_f64.min(upper)
        } else {
            self.bounds[i - 1]
        };
        if upper.is_infinite() {
            lower
        } else {
            (lower + upper) / 2.0
        }
    }

    /// Median from the representatives (for the tolerance's scale).
    pub fn median(&self) -> Option<f64> {
        let half = self.total() / 2.0;
        let mut seen = 0.0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= half && *c > 0.0 {
                return Some(self.representative(i));
            }
        }
        None
    }
}

/// U of the new path and the one-sided p-value that it is stochastically larger (slower),
/// normal approximation with tie correction and continuity correction (as
/// `scipy.stats.mannwhitneyu(method="asymptotic")`). `None` when bounds differ or a side is empty.
pub fn mann_whitney(new: &Binned, legacy: &Binned) -> Option<(f64, f64)> {
    if new.bounds != legacy.bounds {
        return None;
    }
    let (n1, n2) = (new.total(), legacy.total());
    if n1 <= 0.0 || n2 <= 0.0 {
        return None;
    }
    let mut u = 0.0;
    let mut below = 0.0;
    let mut ties = 0.0;
    for (a, b) in new.counts.iter().zip(&legacy.counts) {
        u += a * (below + b / 2.0);
        below += b;
        let t = a + b;
        ties += t * t * t - t;
    }
    let n = n1 + n2;
    let mean = n1 * n2 / 2.0;
    let var = n1 * n2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
    if var <= 0.0 {
        return Some((u, 1.0));
    }
    let z = (u - mean - 0.5) / var.sqrt();
    Some((u, normal_sf(z)))
}

/// The Hodges-Lehmann shift new − legacy from binned data: the weighted median of the
/// differences between bucket representatives, each pair weighted by its count product.
pub fn hodges_lehmann(new: &Binned, legacy: &Binned) -> Option<f64> {
    let mut diffs: Vec<(f64, f64)> = Vec::new();
    for (i, a) in new.counts.iter().enumerate() {
        if *a <= 0.0 {
            continue;
        }
        for (j, b) in legacy.counts.iter().enumerate() {
            if *b > 0.0 {
                diffs.push((new.representative(i) - legacy.representative(j), a * b));
            }
        }
    }
    if diffs.is_empty() {
        return None;
    }
    diffs.sort_by(|x, y| x.0.total_cmp(&y.0));
    let total: f64 = diffs.iter().map(|d| d.1).sum();
    let half = total / 2.0;
    let mut seen = 0.0;
    for (k, (d, w)) in diffs.iter().enumerate() {
        seen += w;
        if seen > half {
            return Some(*d);
        }
        if seen == half {
            // An even split falls between two values, as the median of an even count does.
            return Some(diffs.get(k + 1).map_or(*d, |n| (d + n.0) / 2.0));
        }
    }
    diffs.last().map(|d| d.0)
}

/// The latency test's evidence, as `status --json` gives it under `verdict.latency`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencyEvidence {
    pub result: Outcome,
    pub test: String,
    pub new_count: f64,
    pub legacy_count: f64,
    pub p_value: Option<f64>,
    pub confidence: Option<f64>,
    /// Hodges-Lehmann shift new − monolith, seconds.
    pub shift_seconds: Option<f64>,
    /// The largest shift tolerated, seconds (the tolerance plus the noise floor).
    pub tolerance_seconds: Option<f64>,
    /// How far the monolith's latency moved from its own previous window (the noise floor),
    /// seconds, when that move is beyond noise.
    pub noise_seconds: Option<f64>,
    pub reason: String,
}

/// The latency verdict; `tolerance` is a fraction of the monolith's median, `noise` how far
/// (seconds) the monolith moved from its previous window, added to what is allowed.
pub fn judge(
    new: &Binned,
    legacy: &Binned,
    confidence: f64,
    tolerance: f64,
    min_requests: f64,
    noise: Option<f64>,
) -> LatencyEvidence {
    let mut ev = LatencyEvidence {
        result: Outcome::Inconclusive,
        test: "mann-whitney-u".to_string(),
        new_count: new.total(),
        legacy_count: legacy.total(),
        p_value: None,
        confidence: None,
        shift_seconds: None,
        tolerance_seconds: None,
        noise_seconds: noise,
        reason: String::new(),
    };
    let Some((_, p)) = mann_whitney(new, legacy) else {
        ev.reason = if new.bounds != legacy.bounds {
            "latency: inconclusive, the two histograms have different buckets".into()
        } else {
            "latency: inconclusive, no observations on a path".into()
        };
        return ev;
    };
    let shift = hodges_lehmann(new, legacy).unwrap_or(0.0);
    let allowed = legacy.median().unwrap_or(0.0) * tolerance + noise.unwrap_or(0.0);
    ev.p_value = Some(p);
    ev.shift_seconds = Some(shift);
    ev.tolerance_seconds = Some(allowed);
    let alpha = 1.0 - confidence;
    let beyond = shift > allowed;
    let ms = |s: f64| format!("{:.0}ms", s * 1000.0);
    let head = format!(
        "latency: new path slower by {} (Hodges-Lehmann, {} vs {} observations)",
        ms(shift),
        count_words(new.total()),
        count_words(legacy.total())
    );
    if p < alpha && beyond {
        ev.result = Outcome::Fail;
        ev.confidence = Some(1.0 - p);
        ev.reason = format!(
            "{head}, more than {} allowed: worse, confidence {} (Mann-Whitney U)",
            ms(allowed),
            confidence_words(1.0 - p)
        );
    } else if p < alpha * 5.0 && beyond {
        ev.result = Outcome::Marginal;
        ev.confidence = Some(1.0 - p);
        ev.reason = format!(
            "{head}: probably worse, confidence {} (needs {})",
            confidence_words(1.0 - p),
            confidence_words(confidence)
        );
    } else if new.total() < min_requests || legacy.total() < min_requests {
        ev.reason = format!(
            "latency: too few observations to pass ({} vs {})",
            count_words(new.total()),
            count_words(legacy.total())
        );
    } else {
        ev.result = Outcome::Pass;
        ev.confidence = Some(p);
        ev.reason = if shift > 0.0 {
            format!(
                "latency: shift {} within {} allowed",
                ms(shift),
                ms(allowed)
            )
        } else {
            "latency: new path not slower".into()
        };
    }
    ev
}

/// The monolith against its own previous window: how far its latency shifted (the
/// Hodges-Lehmann estimate, seconds), when the shift either way is beyond noise at
/// `confidence` (Diffy's idea, as the errors' noise floor). A baseline that moves this much by
/// itself is not a difference the new path is failed for.
pub fn noise_floor(now: &Binned, previous: &Binned, confidence: f64) -> Option<f64> {
    let alpha = 1.0 - confidence;
    let (_, slower) = mann_whitney(now, previous)?;
    let (_, faster) = mann_whitney(previous, now)?;
    if slower < alpha || faster < alpha {
        hodges_lehmann(now, previous).map(f64::abs)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDS: [f64; 6] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0];

    fn binned(counts: [f64; 6]) -> Binned {
        Binned {
            bounds: BOUNDS.to_vec(),
            counts: counts.to_vec(),
        }
    }

    fn close(a: f64, b: f64, rel: f64) {
        assert!(
            (a - b).abs() <= rel * b.abs(),
            "{a} is not within {rel} of {b}"
        );
    }

    /// Reference values: scipy.stats.mannwhitneyu(x, y, alternative="greater",
    /// method="asymptotic") on the bucket middles repeated by count, and numpy's median of
    /// all pairwise differences (scipy 1.17.1).
    #[test]
    fn mann_whitney_and_hodges_lehmann_match_scipy() {
        let cases = [
            (
                [10.0, 20.0, 30.0, 25.0, 10.0, 5.0],
                [30.0, 40.0, 20.0, 8.0, 2.0, 0.0],
                7390.0,
                9.448717756803658e-10,
                0.1,
            ),
            (
                [5.0, 10.0, 20.0, 10.0, 5.0, 0.0],
                [5.0, 10.0, 20.0, 10.0, 5.0, 0.0],
                1250.0,
                0.5014351457486859,
                0.0,
            ),
            (
                [0.0, 1.0, 3.0, 5.0, 2.0, 1.0],
                [20.0, 30.0, 10.0, 5.0, 1.0, 0.0],
                709.5,
                2.8837159833933397e-06,
                0.3,
            ),
        ];
        for (a, b, u_want, p_want, hl_want) in cases {
            let (new, legacy) = (binned(a), binned(b));
            let (u, p) = mann_whitney(&new, &legacy).unwrap();
            close(u, u_want, 1e-12);
            close(p, p_want, 1e-5);
            let hl = hodges_lehmann(&new, &legacy).unwrap();
            assert!((hl - hl_want).abs() < 1e-9, "{hl} vs {hl_want}");
        }
    }

    #[test]
    fn slower_beyond_tolerance_fails_and_equal_passes() {
        let slow = judge(
            &binned([10.0, 20.0, 30.0, 25.0, 10.0, 5.0]),
            &binned([30.0, 40.0, 20.0, 8.0, 2.0, 0.0]),
            0.98,
            0.25,
            20.0,
            None,
        );
        assert_eq!(slow.result, Outcome::Fail, "{slow:?}");
        let same = judge(
            &binned([5.0, 10.0, 20.0, 10.0, 5.0, 0.0]),
            &binned([5.0, 10.0, 20.0, 10.0, 5.0, 0.0]),
            0.98,
            0.25,
            20.0,
            None,
        );
        assert_eq!(same.result, Outcome::Pass, "{same:?}");
    }

    /// The monolith slower than its previous window (beyond noise) and the new path slower
    /// than the monolith by about as much: the noise floor lets it pass; without the floor it
    /// fails.
    #[test]
    fn a_shifting_monolith_widens_what_latency_is_allowed() {
        let before = binned([30.0, 40.0, 20.0, 8.0, 2.0, 0.0]);
        let now = binned([10.0, 30.0, 40.0, 15.0, 5.0, 0.0]);
        let noise = noise_floor(&now, &before, 0.98).unwrap();
        // Reference: the median of all pairwise differences of the bucket middles repeated
        // by count (Python's statistics.median): the monolith moved by 50 ms, its
        // Mann-Whitney p against its previous window is 3.9e-6.
        assert!((noise - 0.05).abs() < 1e-9, "{noise}");
        // 50 ms slower than the monolith now (p = 3.4e-5), above the 25% of its 175 ms median
        // (44 ms), within that plus the monolith's own move (94 ms).
        let new = binned([0.0, 15.0, 50.0, 25.0, 10.0, 0.0]);
        let without = judge(&new, &now, 0.98, 0.25, 20.0, None);
        assert_eq!(without.result, Outcome::Fail, "{without:?}");
        let with = judge(&new, &now, 0.98, 0.25, 20.0, Some(noise));
        assert_eq!(with.result, Outcome::Pass, "{with:?}");
        assert_eq!(with.noise_seconds, Some(noise));
        // A monolith that stays put has no noise floor.
        assert_eq!(noise_floor(&before, &before, 0.98), None);
    }

    #[test]
    fn cumulative_buckets_become_bins() {
        let b = Binned::from_cumulative(&[(0.1, 3.0), (f64::INFINITY, 5.0), (0.05, 1.0)]).unwrap();
        assert_eq!(b.bounds, vec![0.05, 0.1, f64::INFINITY]);
        assert_eq!(b.counts, vec![1.0, 2.0, 2.0]);
        assert_eq!(b.representative(2), 0.1);
        assert!(Binned::from_cumulative(&[(f64::INFINITY, 0.0)]).is_none());
    }
}
