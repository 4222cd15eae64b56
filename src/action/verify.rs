//! Verification against the metrics: after a rollback, the observed new-path share must fall to
//! `verify_share` or below within `verify_within`. The share counts only traffic after the action
//! (counter increases since the first scrape that followed it); no traffic yet is not verified.

use crate::figures::Status;

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Still watching.
    Pending(String),
    Verified {
        after_ms: i64,
        words: String,
    },
    NotVerified {
        after_ms: i64,
        words: String,
    },
}

impl Verdict {
    pub fn is_final(&self) -> bool {
        !matches!(self, Verdict::Pending(_))
    }
}

#[derive(Debug, Clone)]
pub struct Verifier {
    pub domain: String,
    /// When the action finished (unix ms).
    pub acted_ms: i64,
    pub verify_share: f64,
    pub within_ms: i64,
    base: Option<(f64, f64)>,
    last_share: Option<f64>,
}

impl Verifier {
    pub fn new(domain: &str, acted_ms: i64, verify_share: f64, within_ms: i64) -> Verifier {
        Verifier {
            domain: domain.to_string(),
            acted_ms,
            verify_share,
            within_ms,
            base: None,
            last_share: None,
        }
    }

    /// Looks at a new status; returns the verdict so far.
    pub fn observe(&mut self, status: &Status) -> Verdict {
        let elapsed = status.at_ms - self.acted_ms;
        let totals = status
            .domains
            .iter()
            .find(|d| d.name == self.domain)
            .and_then(|d| d.traffic.as_ref())
            .and_then(|t| {
                Some((
                    t.legacy.requests_total.unwrap_or(0.0),
                    t.new.requests_total?,
                ))
            });
        if status.at_ms > self.acted_ms {
            if let Some((legacy, new)) = totals {
                match self.base {
                    None => self.base = Some((legacy, new)),
                    Some((bl, bn)) => {
                        // A counter below its base was reset: it counted its whole value since.
                        let dl = if legacy >= bl { legacy - bl } else { legacy };
                        let dn = if new >= bn { new - bn } else { new };
                        if dl + dn > 0.0 {
                            let share = dn / (dl + dn);
                            self.last_share = Some(share);
                            if share <= self.verify_share {
                                return Verdict::Verified {
                                    after_ms: elapsed,
                                    words: format!(
                                        "verified in {} s: new path share {:.1}% since the rollback ({} legacy, {} new requests)",
                                        (elapsed + 999) / 1000,
                                        share * 100.0,
                                        dl,
                                        dn
                                    ),
                                };
                            }
                        }
                    }
                }
            }
        }
        if elapsed >= self.within_ms {
            let words = match self.last_share {
                Some(s) => format!(
                    "NOT verified after {} s: new path still serves {:.0}%",
                    self.within_ms / 1000,
                    s * 100.0
                ),
                None => format!(
                    "NOT verified after {} s: no traffic observed since the rollback",
                    self.within_ms / 1000
                ),
            };
            return Verdict::NotVerified {
                after_ms: elapsed,
                words,
            };
        }
        Verdict::Pending(match self.last_share {
            Some(s) => format!(
                "verifying: new path share {:.1}% since the rollback",
                s * 100.0
            ),
            None => "verifying: waiting for traffic after the rollback".into(),
        })
    }
}
