//! Is the new path failing more often than the monolith? A one-sided test of two proportions:
//! Fisher's exact test where counts are small, the pooled two-proportion z test where every
//! expected cell holds at least 10. A difference is a failure only when it is both unlikely
//! to be noise (at the configured confidence) and larger than the tolerance: "worse by 0.01
//! points with great confidence" at high traffic is not a failure.

use serde::{Deserialize, Serialize};

use super::outcome::{confidence_words, count_words, percent_words, Outcome};
use super::special::{binomial_sf, hypergeometric_sf, normal_sf};

/// Failed and total requests of one path in the window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub errors: f64,
    pub requests: f64,
}

impl Counts {
    pub fn ratio(&self) -> Option<f64> {
        (self.requests > 0.0).then(|| self.errors / self.requests)
    }
}

/// How much worse the new path may be before it fails: ratio × (1 + relative) + absolute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    pub relative: f64,
    pub absolute: f64,
}

impl Tolerance {
    pub fn allowed(&self, legacy_ratio: f64) -> f64 {
        legacy_ratio * (1.0 + self.relative) + self.absolute
    }
}

/// Which test gave the p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorTestKind {
    Fisher,
    TwoProportionZ,
}

impl ErrorTestKind {
    pub fn words(self) -> &'static str {
        match self {
            ErrorTestKind::Fisher => "Fisher's exact test",
            ErrorTestKind::TwoProportionZ => "two-proportion z test",
        }
    }
}

/// The errors test's evidence, as `status --json` gives it under `verdict.errors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEvidence {
    pub result: Outcome,
    pub test: Option<ErrorTestKind>,
    pub new: Counts,
    pub legacy: Counts,
    /// One-sided p-value of "the new path fails more often".
    pub p_value: Option<f64>,
    /// 1 - p for a worse path; for a pass, how sure we are the new path is within the tolerance.
    pub confidence: Option<f64>,
    /// The highest new-path ratio the tolerance (and the noise floor) accept.
    pub allowed_ratio: Option<f64>,
    /// How far the monolith moved from its own previous window (the noise floor), when known.
    pub noise: Option<f64>,
    pub reason: String,
}

/// One-sided p-value that `new` fails more often than `legacy`, and the test used.
pub fn p_worse(new: Counts, legacy: Counts) -> (f64, ErrorTestKind) {
    let (e1, n1) = (new.errors.round(), new.requests.round());
    let (e0, n0) = (legacy.errors.round(), legacy.requests.round());
    let n = n1 + n0;
    let k = e1 + e0;
    let expected_min = [n1 * k / n, n1 * (n - k) / n, n0 * k / n, n0 * (n - k) / n]
        .into_iter()
        .fold(f64::INFINITY, f64::min);
    if expected_min >= 10.0 {
        let (p1, p0, pp) = (e1 / n1, e0 / n0, k / n);
        let se = (pp * (1.0 - pp) * (1.0 / n1 + 1.0 / n0)).sqrt();
        let z = if se > 0.0 { (p1 - p0) / se } else { 0.0 };
        (normal_sf(z), ErrorTestKind::TwoProportionZ)
    } else {
        // Given the margins, the new path's failures are hypergeometric under "no difference".
        (hypergeometric_sf(e1, n, k, n1), ErrorTestKind::Fisher)
    }
}

/// What the judge needs to know to rule on errors.
#[derive(Debug, Clone, Copy)]
pub struct ErrorRules {
    pub confidence: f64,
    pub tolerance: Tolerance,
    /// Below this many requests on a path, no pass is given (a failure still is).
    pub min_requests: f64,
}

/// Failed requests on the new path below which no fail is given however small the p-value:
/// one failed request among the first few of a new canary is "significant" against a clean
/// monolith (1 of 1 vs 0 of 3,000: p = 1/3,001), yet no evidence of a pattern.
pub const MIN_FAILURES: f64 = 3.0;

/// The errors verdict. `noise` is how far the monolith moved from its previous window.
pub fn judge(new: Counts, legacy: Counts, noise: Option<f64>, rules: &ErrorRules) -> ErrorEvidence {
    let mut ev = ErrorEvidence {
        result: Outcome::Inconclusive,
        test: None,
        new,
        legacy,
        p_value: None,
        confidence: None,
        allowed_ratio: None,
        noise,
        reason: String::new(),
    };
    let (Some(r1), Some(r0)) = (new.ratio(), legacy.ratio()) else {
        ev.reason = format!(
            "errors: inconclusive, {} requests on the new path and {} on the monolith in the window",
            count_words(new.requests),
            count_words(legacy.requests)
        );
        return ev;
    };
    let alpha = 1.0 - rules.confidence;
    let (p, test) = p_worse(new, legacy);
    let allowed = rules.tolerance.allowed(r0) + noise.unwrap_or(0.0);
    ev.test = Some(test);
    ev.p_value = Some(p);
    ev.allowed_ratio = Some(allowed);
    let counts = format!(
        "new path {}/{} failed vs monolith {}/{}",
        count_words(new.errors),
        count_words(new.requests),
        count_words(legacy.errors),
        count_words(legacy.requests)
    );
    let beyond = r1 > allowed;
    let enough = new.requests >= rules.min_requests && legacy.requests >= rules.min_requests;
    if p < alpha && beyond && new.errors.round() < MIN_FAILURES {
        // Significant, but on one or two failed requests: worth a look, not a page.
        ev.result = Outcome::Marginal;
        ev.confidence = Some(1.0 - p);
        ev.reason = format!(
            "{counts}: worse, confidence {}, but a fail needs {MIN_FAILURES} failed requests",
            confidence_words(1.0 - p)
        );
    } else if p < alpha && beyond {
        ev.result = Outcome::Fail;
        ev.confidence = Some(1.0 - p);
        ev.reason = format!(
            "{counts}: worse, confidence {} ({})",
            confidence_words(1.0 - p),
            test.words()
        );
    } else if beyond && p < alpha * 5.0 {
        ev.result = Outcome::Marginal;
        ev.confidence = Some(1.0 - p);
        ev.reason = format!(
            "{counts}: probably worse, confidence {} (needs {})",
            confidence_words(1.0 - p),
            confidence_words(rules.confidence)
        );
    } else if !enough {
        ev.reason = format!(
            "{counts}: too few requests to pass (at least {} on each path)",
            count_words(rules.min_requests)
        );
    } else {
        // How sure are we that the new path stays within what is allowed?
        let sure = 1.0
            - binomial_sf(
                new.errors.round() + 1.0,
                new.requests.round(),
                allowed.min(1.0),
            );
        ev.confidence = Some(sure.clamp(0.0, 1.0));
        if p < alpha {
            ev.result = Outcome::Pass;
            ev.reason = format!(
                "{counts}: worse, but within the tolerance ({} allowed)",
                percent_words(allowed)
            );
        } else if sure >= rules.confidence {
            ev.result = Outcome::Pass;
            ev.reason = format!("{counts}: not worse, confidence {}", confidence_words(sure));
        } else {
            ev.result = Outcome::Pass;
            ev.reason = format!("{counts}: no evidence it is worse");
        }
    }
    ev
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(errors: f64, requests: f64) -> Counts {
        Counts { errors, requests }
    }

    fn close(a: f64, b: f64, rel: f64) {
        assert!(
            (a - b).abs() <= rel * b.abs(),
            "{a} is not within {rel} of {b}"
        );
    }

    const RULES: ErrorRules = ErrorRules {
        confidence: 0.98,
        tolerance: Tolerance {
            relative: 0.25,
            absolute: 0.001,
        },
        min_requests: 20.0,
    };

    /// Reference values: scipy.stats.fisher_exact([[e1, n1-e1], [e0, n0-e0]],
    /// alternative="greater") (scipy 1.17.1).
    #[test]
    fn fisher_matches_scipy() {
        let cases = [
            (c(6.0, 12.0), c(14.0, 2800.0), 5.1102328824013935e-11),
            (c(3.0, 100.0), c(1.0, 200.0), 0.10961968680089486),
            (c(10.0, 1000.0), c(20.0, 5000.0), 0.019436539704381632),
            (c(0.0, 50.0), c(5.0, 1000.0), 1.0),
            (c(2.0, 20.0), c(1.0, 100.0), 0.07171343113516593),
        ];
        for (new, legacy, want) in cases {
            let (p, kind) = p_worse(new, legacy);
            assert_eq!(kind, ErrorTestKind::Fisher, "{new:?} {legacy:?}");
            close(p, want, 1e-7);
        }
    }

    /// Reference: pooled z by hand, p from scipy.stats.norm.sf (scipy 1.17.1).
    #[test]
    fn z_test_where_counts_allow() {
        let (p, kind) = p_worse(c(60.0, 3000.0), c(100.0, 10000.0));
        assert_eq!(kind, ErrorTestKind::TwoProportionZ);
        close(p, 6.592186673344612e-06, 1e-5);
        let (p, _) = p_worse(c(150.0, 10000.0), c(120.0, 10000.0));
        close(p, 0.033017072773077215, 1e-5);
    }

    #[test]
    fn six_of_twelve_against_half_a_percent_fails_with_the_counts_in_words() {
        let ev = judge(c(6.0, 12.0), c(14.0, 2800.0), None, &RULES);
        assert_eq!(ev.result, Outcome::Fail);
        assert_eq!(
            ev.reason,
            "new path 6/12 failed vs monolith 14/2,800: worse, confidence > 99.9% (Fisher's exact test)"
        );
    }

    #[test]
    fn one_or_two_failed_requests_are_marginal_however_significant() {
        let one = judge(c(1.0, 1.0), c(0.0, 3000.0), None, &RULES);
        assert!(one.p_value.is_some_and(|p| p < 0.001));
        assert_eq!(one.result, Outcome::Marginal, "{}", one.reason);
        assert!(one.reason.contains("a fail needs 3 failed requests"));
        assert_eq!(
            judge(c(3.0, 3.0), c(0.0, 3000.0), None, &RULES).result,
            Outcome::Fail
        );
    }

    #[test]
    fn tiny_worsening_at_high_traffic_is_within_tolerance() {
        // 0.53% against 0.50% on a million requests each: significant, but not a failure.
        let ev = judge(c(5_300.0, 1e6), c(5_000.0, 1e6), None, &RULES);
        assert_eq!(ev.result, Outcome::Pass);
        assert!(ev.reason.contains("within the tolerance"), "{}", ev.reason);
    }

    #[test]
    fn silence_is_inconclusive_and_few_requests_do_not_pass() {
        assert_eq!(
            judge(c(0.0, 0.0), c(5.0, 1000.0), None, &RULES).result,
            Outcome::Inconclusive
        );
        let few = judge(c(0.0, 5.0), c(5.0, 1000.0), None, &RULES);
        assert_eq!(few.result, Outcome::Inconclusive);
        assert!(few.reason.contains("too few requests to pass"));
    }

    #[test]
    fn equal_paths_pass() {
        let ev = judge(c(15.0, 3000.0), c(15.0, 3000.0), None, &RULES);
        assert_eq!(ev.result, Outcome::Pass);
    }

    #[test]
    fn a_noisy_monolith_widens_what_is_allowed() {
        let rules = ErrorRules {
            min_requests: 20.0,
            ..RULES
        };
        let without = judge(c(20.0, 1000.0), c(10.0, 1000.0), None, &rules);
        let with = judge(c(20.0, 1000.0), c(10.0, 1000.0), Some(0.02), &rules);
        assert!(without.result >= Outcome::Marginal, "{without:?}");
        assert_eq!(with.result, Outcome::Pass, "{with:?}");
    }
}
