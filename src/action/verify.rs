//! Verification against the metrics: after a rollback, the observed new-path share must fall to
//! `verify_share` or below within `verify_within`; after a promotion it must reach the target
//! ± `verify_tolerance` within its `verify_within` ([`Goal`]).
//!
//! The share is measured between two successive scrapes that both came after the action, from
//! the counters' increases: what the gateway really served since the change, not a rate that
//! still averages in the minute before it. A request that was already in flight on the new path
//! and finished after the change only counts in the first such interval. No traffic in an
//! interval tells nothing: "no traffic yet" is not verified. Time is the data's (scrape
//! timestamps), so a recording verifies the same way as a live session.

pub use super::goal::Goal;
use super::terms::band;
use crate::figures::Status;
use crate::format::{percent, seconds, tally};

/// Why a promotion's share is not measured.
const UNKNOWN_LEGACY: &str = "the monolith's request count is unknown";

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Still watching; what is seen so far, in words.
    Pending(String),
    Verified {
        /// Since the action finished.
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

    pub fn is_verified(&self) -> bool {
        matches!(self, Verdict::Verified { .. })
    }

    /// The verdict in words, as shown and audited.
    pub fn words(&self) -> &str {
        match self {
            Verdict::Pending(w)
            | Verdict::Verified { words: w, .. }
            | Verdict::NotVerified { words: w, .. } => w,
        }
    }
}

/// The domain's request counters at one scrape.
#[derive(Debug, Clone, Copy)]
struct Totals {
    at_ms: i64,
    legacy: f64,
    new: f64,
}

/// The share over the latest interval that had traffic.
#[derive(Debug, Clone, Copy)]
struct Measured {
    share: f64,
    new: f64,
    total: f64,
    span_ms: i64,
}

#[derive(Debug, Clone)]
pub struct Verifier {
    pub domain: String,
    /// When the action finished (unix ms).
    pub acted_ms: i64,
    pub goal: Goal,
    pub within_ms: i64,
    previous: Option<Totals>,
    last: Option<Measured>,
    /// A status after the action showed the domain's data stale (a source down).
    saw_stale: bool,
    /// A promotion's status had no monolith request count: its share cannot be measured.
    legacy_unknown: bool,
    verdict: Option<Verdict>,
}

impl Verifier {
    pub fn new(domain: &str, acted_ms: i64, goal: Goal, within_ms: i64) -> Verifier {
        Verifier {
            domain: domain.to_string(),
            acted_ms,
            goal,
            within_ms,
            previous: None,
            last: None,
            saw_stale: false,
            legacy_unknown: false,
            verdict: None,
        }
    }

    /// The final verdict, once there is one.
    pub fn verdict(&self) -> Option<&Verdict> {
        self.verdict.as_ref()
    }

    /// Looks at a new status; returns the verdict so far. Once final, the verdict stays.
    /// The same status seen twice (a redraw) changes nothing.
    pub fn observe(&mut self, status: &Status) -> Verdict {
        if let Some(v) = &self.verdict {
            return v.clone();
        }
        let elapsed = status.at_ms - self.acted_ms;
        if status.at_ms > self.acted_ms {
            if let Some(v) = self.measure(status, elapsed) {
                self.verdict = Some(v.clone());
                return v;
            }
        }
        if elapsed >= self.within_ms {
            return self.give_up(elapsed);
        }
        Verdict::Pending(self.pending_words())
    }

    /// A verdict from the clock alone, for when data stops coming (every source hangs):
    /// `NotVerified` once `now_ms` is past the deadline.
    pub fn expire(&mut self, now_ms: i64) -> Option<Verdict> {
        if let Some(v) = &self.verdict {
            return Some(v.clone());
        }
        let elapsed = now_ms - self.acted_ms;
        (elapsed >= self.within_ms).then(|| self.give_up(elapsed))
    }

    /// Ends the watch early (cutover quits, the data feed ends): not verified, saying why.
    pub fn abandon(&mut self, now_ms: i64, why: &str) -> Verdict {
        if let Some(v) = &self.verdict {
            return v.clone();
        }
        let elapsed = now_ms - self.acted_ms;
        let v = Verdict::NotVerified {
            after_ms: elapsed,
            words: format!("NOT verified after {}: {why}", seconds(elapsed)),
        };
        self.verdict = Some(v.clone());
        v
    }

    /// Takes this status's counters; `Some` when the share since the previous scrape decides.
    fn measure(&mut self, status: &Status, elapsed: i64) -> Option<Verdict> {
        let domain = status.domains.iter().find(|d| d.name == self.domain)?;
        if domain.stale {
            self.saw_stale = true;
            return None;
        }
        let traffic = domain.traffic.as_ref()?;
        let new = traffic.new.requests_total?;
        let legacy = match (traffic.legacy.requests_total, self.goal) {
            (Some(legacy), _) => legacy,
            // For a rollback, a legacy side that matches nothing counts as no legacy traffic:
            // that can only make the new path's share look larger, never verify a rollback
            // that did not happen.
            (None, Goal::AtMost(_)) => 0.0,
            // For a promotion it would make the share 100% and verify a promotion the data
            // cannot show: an unknown count is no measurement.
            (None, Goal::Near { .. }) => {
                self.legacy_unknown = true;
                return None;
            }
        };
        let now = Totals {
            at_ms: status.at_ms,
            legacy,
            new,
        };
        let Some(before) = self.previous else {
            self.previous = Some(now);
            return None;
        };
        if now.at_ms <= before.at_ms {
            return None;
        }
        self.previous = Some(now);
        let dl = increase(before.legacy, now.legacy);
        let dn = increase(before.new, now.new);
        if dl + dn <= 0.0 {
            return None;
        }
        let m = Measured {
            share: dn / (dl + dn),
            new: dn,
            total: dl + dn,
            span_ms: now.at_ms - before.at_ms,
        };
        self.last = Some(m);
        self.goal.met(m.share).then(|| Verdict::Verified {
            after_ms: elapsed,
            words: format!(
                "verified in {}: new path served {} of {} requests in the last {}{}",
                seconds(rounded(elapsed)),
                percent(m.share),
                tally(m.total),
                seconds(m.span_ms),
                self.target_words()
            ),
        })
    }

    fn give_up(&mut self, elapsed: i64) -> Verdict {
        let after = super::terms::duration(std::time::Duration::from_millis(
            self.within_ms.max(0) as u64
        ));
        let action = self.goal.action();
        let words = match self.last {
            Some(m) => format!(
                "NOT verified after {after}: new path {} {} ({} of {} requests in the last {}){}",
                match self.goal {
                    Goal::AtMost(_) => "still serves",
                    Goal::Near { .. } => "serves",
                },
                percent(m.share),
                tally(m.new),
                tally(m.total),
                seconds(m.span_ms),
                self.target_words()
            ),
            None if self.saw_stale => {
                format!("NOT verified after {after}: no data since {action} (a source is down)")
            }
            None if self.legacy_unknown => format!(
                "NOT verified after {after}: {UNKNOWN_LEGACY} since {action}, so the new \
                 path's share cannot be measured"
            ),
            None => format!("NOT verified after {after}: no traffic observed since {action}"),
        };
        let v = Verdict::NotVerified {
            after_ms: elapsed,
            words,
        };
        self.verdict = Some(v.clone());
        v
    }

    fn pending_words(&self) -> String {
        match self.last {
            Some(m) => format!(
                "verifying: new path served {} of {} requests in the last {}",
                percent(m.share),
                tally(m.total),
                seconds(m.span_ms)
            ),
            None if self.saw_stale => "verifying: no data (a source is down)".into(),
            None if self.legacy_unknown => {
                format!("verifying: {UNKNOWN_LEGACY}, so the new path's share cannot be measured")
            }
            None => format!(
                "verifying: waiting for traffic after {}",
                self.goal.action()
            ),
        }
    }

    /// After a promotion's figures, the band they are held to; nothing for a rollback, whose
    /// words stay as they always were.
    fn target_words(&self) -> String {
        match self.goal {
            Goal::AtMost(_) => String::new(),
            Goal::Near { .. } => format!(", target {}", band(self.goal)),
        }
    }
}

/// A counter's growth; a value below the previous one means it was reset and counted its
/// whole value since, as `rate()` assumes.
fn increase(before: f64, now: f64) -> f64 {
    if now >= before {
        now - before
    } else {
        now
    }
}

/// To a tenth of a second below 10 s, to whole seconds above: "verified in 0.3 s", "in 12 s".
fn rounded(ms: i64) -> i64 {
    let step = if ms < 10_000 { 100 } else { 1000 };
    ((ms + step / 2) / step * step).max(100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::{DomainStatus, Health, Side, Traffic};

    const ACTED: i64 = 1_000_000;

    fn status(at_ms: i64, legacy: Option<f64>, new: Option<f64>, stale: bool) -> Status {
        Status {
            version: 1,
            at: String::new(),
            mode: crate::mode::Mode::Live,
            domains: vec![DomainStatus {
                name: "orders".into(),
                stage: crate::stage::Stage::Canary,
                health: Health::Ok,
                stale,
                traffic: Some(Traffic {
                    legacy: Side {
                        requests_total: legacy,
                        ..Side::default()
                    },
                    new: Side {
                        requests_total: new,
                        ..Side::default()
                    },
                    new_share: None,
                    configured_new_share: None,
                }),
                ..Default::default()
            }],
            sources: Vec::new(),
            at_ms,
            events: Vec::new(),
        }
    }

    fn at(ms: i64, legacy: f64, new: f64) -> Status {
        status(ACTED + ms, Some(legacy), Some(new), false)
    }

    fn verifier() -> Verifier {
        Verifier::new("orders", ACTED, Goal::AtMost(0.0), 60_000)
    }

    #[test]
    fn verified_when_the_new_counter_stops() {
        let mut v = verifier();
        assert!(!v.observe(&at(2_000, 1000.0, 100.0)).is_final());
        let verdict = v.observe(&at(4_000, 1040.0, 100.0));
        assert_eq!(
            verdict,
            Verdict::Verified {
                after_ms: 4_000,
                words: "verified in 4 s: new path served 0% of 40 requests in the last 2 s".into()
            }
        );
        // Final stays final, whatever comes next.
        assert_eq!(v.observe(&at(6_000, 1040.0, 200.0)), verdict);
    }

    #[test]
    fn not_verified_while_the_new_counter_keeps_growing() {
        let mut v = verifier();
        let mut legacy = 1000.0;
        let mut new = 100.0;
        let mut last = Verdict::Pending(String::new());
        for s in (2..=60).step_by(2) {
            legacy += 46.0;
            new += 4.0;
            last = v.observe(&at(s * 1000, legacy, new));
            if last.is_final() {
                break;
            }
        }
        assert_eq!(
            last,
            Verdict::NotVerified {
                after_ms: 60_000,
                words: "NOT verified after 60 s: new path still serves 8% (4 of 50 requests in the last 2 s)".into()
            }
        );
    }

    #[test]
    fn scrapes_before_the_action_do_not_count() {
        let mut v = verifier();
        // The share before the action was 0 (the new path idle): that must not verify.
        assert!(!v
            .observe(&status(ACTED - 4_000, Some(900.0), Some(50.0), false))
            .is_final());
        assert!(!v
            .observe(&status(ACTED - 2_000, Some(950.0), Some(50.0), false))
            .is_final());
        assert!(!v.observe(&at(1_000, 1000.0, 60.0)).is_final());
        assert!(v.observe(&at(3_000, 1010.0, 60.0)).is_verified());
    }

    #[test]
    fn a_straggler_in_the_first_interval_does_not_block_the_verdict() {
        let mut v = verifier();
        v.observe(&at(1_000, 1000.0, 100.0));
        assert!(!v.observe(&at(2_000, 1020.0, 101.0)).is_final());
        assert!(v.observe(&at(3_000, 1040.0, 101.0)).is_verified());
    }

    #[test]
    fn no_traffic_is_not_verified() {
        let mut v = verifier();
        v.observe(&at(1_000, 1000.0, 100.0));
        let p = v.observe(&at(30_000, 1000.0, 100.0));
        assert_eq!(
            p,
            Verdict::Pending("verifying: waiting for traffic after the rollback".into())
        );
        let end = v.observe(&at(61_000, 1000.0, 100.0));
        assert_eq!(
            end.words(),
            "NOT verified after 60 s: no traffic observed since the rollback"
        );
    }

    #[test]
    fn unknown_new_side_and_stale_data_tell_nothing() {
        let mut v = verifier();
        v.observe(&status(ACTED + 1_000, Some(1000.0), None, false));
        v.observe(&status(ACTED + 2_000, Some(1010.0), None, false));
        assert!(!v
            .observe(&status(ACTED + 3_000, Some(1020.0), Some(0.0), true))
            .is_final());
        let end = v.observe(&status(ACTED + 60_000, Some(1020.0), Some(0.0), true));
        assert_eq!(
            end.words(),
            "NOT verified after 60 s: no data since the rollback (a source is down)"
        );
    }

    #[test]
    fn a_reset_counter_counts_its_whole_value() {
        let mut v = Verifier::new("orders", ACTED, Goal::AtMost(0.05), 60_000);
        v.observe(&at(1_000, 5000.0, 500.0));
        // The new service restarted: its counter is back to 30.
        let p = v.observe(&at(2_000, 5070.0, 30.0));
        assert_eq!(
            p,
            Verdict::Pending(
                "verifying: new path served 30% of 100 requests in the last 1 s".into()
            )
        );
    }

    #[test]
    fn the_same_status_twice_changes_nothing() {
        let mut v = verifier();
        let s = at(1_000, 1000.0, 100.0);
        v.observe(&s);
        assert!(!v.observe(&s).is_final());
    }

    #[test]
    fn the_clock_ends_a_watch_whose_data_stopped() {
        let mut v = verifier();
        v.observe(&at(1_000, 1000.0, 100.0));
        assert_eq!(v.expire(ACTED + 59_000), None);
        let end = v.expire(ACTED + 61_500).unwrap();
        assert_eq!(
            end,
            Verdict::NotVerified {
                after_ms: 61_500,
                words: "NOT verified after 60 s: no traffic observed since the rollback".into()
            }
        );
        assert_eq!(v.verdict(), Some(&end));
    }

    #[test]
    fn a_promotion_is_verified_inside_the_band_and_not_below_it() {
        let goal = Goal::Near {
            target: 0.25,
            tolerance: 0.05,
        };
        let mut v = Verifier::new("orders", ACTED, goal, 60_000);
        assert_eq!(
            v.observe(&at(1_000, 1000.0, 100.0)),
            Verdict::Pending("verifying: waiting for traffic after the promotion".into())
        );
        // 10% is the old share: not there yet.
        assert_eq!(
            v.observe(&at(2_000, 1090.0, 110.0)),
            Verdict::Pending(
                "verifying: new path served 10% of 100 requests in the last 1 s".into()
            )
        );
        assert_eq!(
            v.observe(&at(3_000, 1168.0, 132.0)),
            Verdict::Verified {
                after_ms: 3_000,
                words: "verified in 3 s: new path served 22% of 100 requests in the last 1 s, target 25% ± 5 points".into()
            }
        );
        let mut short = Verifier::new("orders", ACTED, goal, 2_000);
        short.observe(&at(1_000, 1000.0, 100.0));
        let end = short.observe(&at(2_000, 1090.0, 110.0));
        assert_eq!(
            end.words(),
            "NOT verified after 2 s: new path serves 10% (10 of 100 requests in the last 1 s), target 25% ± 5 points"
        );
        assert!(!goal.met(0.31) && goal.met(0.30) && goal.met(0.20) && !goal.met(0.19));
    }

    #[test]
    fn a_promotion_is_not_verified_without_the_monolith_count() {
        // Read as 0, the missing count made the share 100%: a promotion to 100% verified.
        let goal = Goal::Near {
            target: 1.0,
            tolerance: 0.02,
        };
        let mut v = Verifier::new("orders", ACTED, goal, 10_000);
        let seen = |ms: i64, new: f64| status(ACTED + ms, None, Some(new), false);
        v.observe(&seen(1_000, 100.0));
        assert_eq!(
            v.observe(&seen(2_000, 200.0)),
            Verdict::Pending(
                "verifying: the monolith's request count is unknown, so the new path's share \
                 cannot be measured"
                    .into()
            )
        );
        assert_eq!(
            v.observe(&seen(10_000, 900.0)).words(),
            "NOT verified after 10 s: the monolith's request count is unknown since the \
             promotion, so the new path's share cannot be measured"
        );
        // A rollback still reads it as no monolith traffic: that can only keep it unverified.
        let mut r = verifier();
        r.observe(&status(ACTED + 1_000, None, Some(100.0), false));
        assert_eq!(
            r.observe(&status(ACTED + 2_000, None, Some(150.0), false)),
            Verdict::Pending(
                "verifying: new path served 100% of 50 requests in the last 1 s".into()
            )
        );
    }

    #[test]
    fn words_for_fractions() {
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(0.08), "8%");
        assert_eq!(percent(0.005), "0.5%");
        assert_eq!(seconds(2_500), "2.5 s");
        assert_eq!(seconds(rounded(260)), "0.3 s");
        assert_eq!(seconds(rounded(12_400)), "12 s");
        assert_eq!(seconds(rounded(4_000)), "4 s");
        assert_eq!(tally(12.0), "12");
    }
}
