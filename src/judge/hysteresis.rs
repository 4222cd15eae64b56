//! Health that holds still, as Prometheus's `for:`: a rule's condition must hold for `for`
//! before it worsens health, and stay clear for `clear_after` before health improves. A breach
//! far beyond its limit skips `for`. One incident is one change, not a series.
//!
//! Pure: time is the data time given to [`Held::step`], so replay and live agree.

use crate::figures::Health;

/// How long a rule waits, in ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hold {
    pub for_ms: i64,
    pub clear_ms: i64,
}

/// One rule's state between evaluations.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    /// The level health shows for this rule.
    pub shown: Health,
    /// Since when the raw level has been above `shown` (waiting for `for`).
    worse_since: Option<i64>,
    /// Since when the raw level has been below `shown` (waiting for `clear_after`).
    clear_since: Option<i64>,
    /// When the condition now shown first held (for "for 40s").
    pub incident_since: Option<i64>,
    /// The words of the last raw breach, kept while it is held after clearing.
    pub last_text: String,
}

impl Default for Held {
    fn default() -> Self {
        Held {
            shown: Health::Ok,
            worse_since: None,
            clear_since: None,
            incident_since: None,
            last_text: String::new(),
        }
    }
}

/// Where a rule stands after a step, for its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Nothing to say.
    Quiet,
    /// The condition holds but not yet for `for`: health unchanged (ms held so far).
    Pending { held_ms: i64 },
    /// The condition is shown (ms since it began).
    Firing { held_ms: i64 },
    /// The condition cleared but not yet for `clear_after` (ms clear so far).
    Clearing { clear_ms: i64 },
}

impl Held {
    /// Takes the raw level at `now`; `skip_for` shows a worse level at once (a breach far
    /// beyond its limit). Returns the phase for the reason.
    pub fn step(&mut self, now: i64, raw: Health, text: &str, hold: Hold, skip_for: bool) -> Phase {
        if raw > Health::Ok {
            self.last_text = text.to_string();
        }
        if raw > self.shown {
            self.clear_since = None;
            let since = *self.worse_since.get_or_insert(now);
            if skip_for || now - since >= hold.for_ms {
                if self.shown <= Health::Ok || self.incident_since.is_none() {
                    self.incident_since = Some(since);
                }
                self.shown = raw;
                self.worse_since = None;
            } else {
                return match self.shown {
                    Health::Ok => Phase::Pending {
                        held_ms: now - since,
                    },
                    _ => Phase::Firing {
                        held_ms: now - self.incident_since.unwrap_or(since),
                    },
                };
            }
        } else if raw == self.shown {
            self.worse_since = None;
            self.clear_since = None;
        } else {
            self.worse_since = None;
            let since = *self.clear_since.get_or_insert(now);
            if now - since >= hold.clear_ms {
                self.shown = raw;
                self.clear_since = None;
                if raw <= Health::Ok {
                    self.incident_since = None;
                }
            } else {
                return Phase::Clearing {
                    clear_ms: now - since,
                };
            }
        }
        match (self.shown, self.incident_since) {
            (Health::Ok, _) => Phase::Quiet,
            (_, Some(since)) => Phase::Firing {
                held_ms: now - since,
            },
            (_, None) => Phase::Firing { held_ms: 0 },
        }
    }
}

/// "40s", "2m10s", "1h5m": how long, as a reason says it.
pub fn span_words(ms: i64) -> String {
    let s = (ms.max(0) + 500) / 1000;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 if s % 60 == 0 => format!("{}m", s / 60),
        60..=3599 => format!("{}m{}s", s / 60, s % 60),
        _ if s % 3600 / 60 == 0 => format!("{}h", s / 3600),
        _ => format!("{}h{}m", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOLD: Hold = Hold {
        for_ms: 20_000,
        clear_ms: 60_000,
    };

    #[test]
    fn worsens_after_for_and_improves_after_clear_after() {
        let mut h = Held::default();
        assert_eq!(
            h.step(0, Health::Crit, "x", HOLD, false),
            Phase::Pending { held_ms: 0 }
        );
        assert_eq!(h.shown, Health::Ok);
        h.step(10_000, Health::Crit, "x", HOLD, false);
        assert_eq!(h.shown, Health::Ok);
        assert_eq!(
            h.step(20_000, Health::Crit, "x", HOLD, false),
            Phase::Firing { held_ms: 20_000 }
        );
        assert_eq!(h.shown, Health::Crit);
        assert_eq!(
            h.step(40_000, Health::Ok, "", HOLD, false),
            Phase::Clearing { clear_ms: 0 }
        );
        h.step(90_000, Health::Ok, "", HOLD, false);
        assert_eq!(h.shown, Health::Crit);
        assert_eq!(h.step(100_000, Health::Ok, "", HOLD, false), Phase::Quiet);
        assert_eq!(h.shown, Health::Ok);
    }

    #[test]
    fn a_breach_that_comes_and_goes_inside_for_never_shows() {
        let mut h = Held::default();
        for t in 0..300 {
            let raw = if (t / 10) % 2 == 0 {
                Health::Warn
            } else {
                Health::Ok
            };
            h.step(t * 1000, raw, "x", HOLD, false);
            assert_eq!(h.shown, Health::Ok, "at {t}s");
        }
    }

    #[test]
    fn a_hovering_breach_stays_one_incident() {
        let mut h = Held::default();
        let mut changes = 0;
        let mut last = h.shown;
        for t in 0..300 {
            // 25 s over, 15 s under: once shown, it never clears for 60 s.
            let raw = if t % 40 < 25 {
                Health::Warn
            } else {
                Health::Ok
            };
            h.step(t * 1000, raw, "x", HOLD, false);
            if h.shown != last {
                changes += 1;
                last = h.shown;
            }
        }
        assert_eq!(changes, 1);
    }

    #[test]
    fn far_beyond_the_limit_skips_for() {
        let mut h = Held::default();
        h.step(0, Health::Crit, "x", HOLD, true);
        assert_eq!(h.shown, Health::Crit);
    }

    #[test]
    fn spans_in_words() {
        assert_eq!(span_words(40_000), "40s");
        assert_eq!(span_words(120_000), "2m");
        assert_eq!(span_words(130_000), "2m10s");
        assert_eq!(span_words(3_900_000), "1h5m");
    }
}
