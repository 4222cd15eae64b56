//! Trust boundaries: does the new path reject (401/403), throttle (429) or refuse (4xx) more
//! often than the monolith? The classic migration failure is not a 5xx but a new service that
//! rejects valid tokens, which a 5xx-only error ratio never sees. The same one-sided test of
//! two proportions as the errors test (`errors::judge`: confidence, tolerance, noise floor),
//! with reasons that name the status codes ("new path 401/403s 8.1% vs monolith 0.20%").
//!
//! An exporter that counts responses only by class (HAProxy's `code="4xx"`, FastAPI's
//! instrumentator by default) cannot tell a 403 from a 404: then auth failures and rate
//! limiting are unknown, never zero, and the reason says why.

use serde::{Deserialize, Serialize};

use super::errors::{self, Counts, ErrorEvidence, ErrorRules};
use super::outcome::{confidence_words, count_words, percent_words, Outcome};

/// One trust-boundary figure of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum BoundaryKind {
    /// 401 and 403: the new path rejects credentials the monolith accepted.
    AuthFailures,
    /// 429: the new path throttles.
    RateLimited,
    /// Every 4xx.
    ClientErrors,
}

impl BoundaryKind {
    /// The figure's name, as in `status --json`.
    pub fn name(self) -> &'static str {
        match self {
            BoundaryKind::AuthFailures => "auth failures",
            BoundaryKind::RateLimited => "rate limited",
            BoundaryKind::ClientErrors => "client errors",
        }
    }

    /// The status codes it counts, as an engineer says them.
    pub fn codes(self) -> &'static str {
        match self {
            BoundaryKind::AuthFailures => "401/403s",
            BoundaryKind::RateLimited => "429s",
            BoundaryKind::ClientErrors => "4xx",
        }
    }

    /// Whether an exporter that counts only by class can still give it.
    pub fn known_from_class(self) -> bool {
        matches!(self, BoundaryKind::ClientErrors)
    }

    /// Why the figure is unknown when the exporter counts 4xx only as a class.
    pub fn class_only_reason(self) -> String {
        format!(
            "{} unknown: the exporter counts 4xx only as a class",
            self.name()
        )
    }
}

/// A path's figure for the test: counted, or unknown with the reason.
#[derive(Debug, Clone, PartialEq)]
pub enum Known {
    Counts(Counts),
    Unknown(String),
}

/// The evidence of one trust-boundary test, as `status --json` gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoundaryEvidence {
    pub kind: BoundaryKind,
    pub result: Outcome,
    /// The two-proportion test's evidence when both paths were counted.
    pub test: Option<ErrorEvidence>,
    pub reason: String,
}

/// Compare the new path's `kind` ratio with the monolith's. Unknown on either side is
/// inconclusive with that side's reason; otherwise the errors test rules.
pub fn judge(
    kind: BoundaryKind,
    new: &Known,
    legacy: &Known,
    noise: Option<f64>,
    rules: &ErrorRules,
) -> BoundaryEvidence {
    let (new, legacy) = match (new, legacy) {
        (Known::Counts(n), Known::Counts(l)) => (*n, *l),
        (Known::Unknown(why), _) | (_, Known::Unknown(why)) => {
            return BoundaryEvidence {
                kind,
                result: Outcome::Inconclusive,
                test: None,
                reason: why.clone(),
            }
        }
    };
    let ev = errors::judge(new, legacy, noise, rules);
    let codes = kind.codes();
    let reason = match (new.ratio(), legacy.ratio()) {
        (Some(r1), Some(r0)) => {
            let both = format!(
                "new path {codes} {} vs monolith {}",
                percent_words(r1),
                percent_words(r0)
            );
            let sure = ev.confidence.map(confidence_words).unwrap_or_default();
            match ev.result {
                Outcome::Fail => format!(
                    "{both}: worse, confidence {sure} ({})",
                    ev.test.map_or("", |t| t.words())
                ),
                Outcome::Marginal => format!(
                    "{both}: probably worse, confidence {sure} (needs {})",
                    confidence_words(rules.confidence)
                ),
                Outcome::Inconclusive => format!(
                    "{both}: too few requests to pass (at least {} on each path)",
                    count_words(rules.min_requests)
                ),
                Outcome::Pass if ev.p_value.is_some_and(|p| p < 1.0 - rules.confidence) => {
                    format!(
                        "{both}: worse, but within the tolerance ({} allowed)",
                        percent_words(ev.allowed_ratio.unwrap_or(0.0))
                    )
                }
                Outcome::Pass => format!("{both}: not worse"),
            }
        }
        _ => format!(
            "{}: inconclusive, {} requests on the new path and {} on the monolith in the window",
            kind.name(),
            count_words(new.requests),
            count_words(legacy.requests)
        ),
    };
    BoundaryEvidence {
        kind,
        result: ev.result,
        test: Some(ev),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::errors::Tolerance;

    const RULES: ErrorRules = ErrorRules {
        confidence: 0.98,
        tolerance: Tolerance {
            relative: 0.25,
            absolute: 0.001,
        },
        min_requests: 20.0,
    };

    fn c(errors: f64, requests: f64) -> Known {
        Known::Counts(Counts { errors, requests })
    }

    #[test]
    fn new_path_rejecting_tokens_fails_with_the_codes_in_words() {
        let ev = judge(
            BoundaryKind::AuthFailures,
            &c(81.0, 1000.0),
            &c(2.0, 1000.0),
            None,
            &RULES,
        );
        assert_eq!(ev.result, Outcome::Fail);
        assert_eq!(
            ev.reason,
            "new path 401/403s 8.1% vs monolith 0.20%: worse, confidence > 99.9% (two-proportion z test)"
        );
        assert!(ev.test.is_some());
    }

    #[test]
    fn equal_4xx_passes() {
        let ev = judge(
            BoundaryKind::ClientErrors,
            &c(30.0, 1000.0),
            &c(31.0, 1000.0),
            None,
            &RULES,
        );
        assert_eq!(ev.result, Outcome::Pass);
        assert_eq!(ev.reason, "new path 4xx 3.0% vs monolith 3.1%: not worse");
    }

    #[test]
    fn a_class_only_exporter_is_unknown_not_zero() {
        let why = BoundaryKind::AuthFailures.class_only_reason();
        assert_eq!(
            why,
            "auth failures unknown: the exporter counts 4xx only as a class"
        );
        let ev = judge(
            BoundaryKind::AuthFailures,
            &Known::Unknown(why.clone()),
            &c(2.0, 1000.0),
            None,
            &RULES,
        );
        assert_eq!(ev.result, Outcome::Inconclusive);
        assert_eq!(ev.reason, why);
        assert!(ev.test.is_none());
        assert!(BoundaryKind::ClientErrors.known_from_class());
        assert!(!BoundaryKind::RateLimited.known_from_class());
    }

    #[test]
    fn no_requests_is_inconclusive() {
        let ev = judge(
            BoundaryKind::ClientErrors,
            &c(0.0, 0.0),
            &c(2.0, 1000.0),
            None,
            &RULES,
        );
        assert_eq!(ev.result, Outcome::Inconclusive);
        assert!(
            ev.reason.starts_with("client errors: inconclusive"),
            "{}",
            ev.reason
        );
    }
}
