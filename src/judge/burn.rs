//! Burn rates against an availability objective, multiwindow and multi-burn-rate as the SRE
//! Workbook (ch. 5) alerts: page when 2% of a 30-day budget burns in an hour (14.4× over 1h
//! and over 5m), ticket when 10% burns in six hours (6× over 6h and over 30m). Each long window
//! is clipped to the history kept, and the figures say so.

use serde::{Deserialize, Serialize};

use super::history::CountHistory;
use super::hysteresis::span_words;

/// One window's burn rates: error ratio over it divided by the budget (1 − objective).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BurnWindow {
    /// The window the rule asks for ("1h").
    pub window: String,
    /// Seconds of data it really covers (less when clipped to the history kept).
    pub seconds: f64,
    pub clipped: bool,
    /// Both paths together: what the domain's users saw.
    pub rate: Option<f64>,
    pub legacy: Option<f64>,
    pub new: Option<f64>,
}

/// The burn rates of a domain and the alerts they raise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Burn {
    pub objective: f64,
    pub windows: Vec<BurnWindow>,
    /// 14.4× over 1h and 5m.
    pub page: bool,
    /// 6× over 6h and 30m.
    pub ticket: bool,
    /// Of the errors in the longest window, the part the new path made (0–1).
    pub new_share_of_spent: Option<f64>,
    /// Words for what was clipped, when something was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

const WINDOWS: [(&str, i64); 4] = [
    ("5m", 300_000),
    ("30m", 1_800_000),
    ("1h", 3_600_000),
    ("6h", 21_600_000),
];
pub const PAGE: f64 = 14.4;
pub const TICKET: f64 = 6.0;

/// Burn rates at `now_ms` from the accumulated counts.
pub fn burn(history: &CountHistory, now_ms: i64, objective: f64) -> Burn {
    let budget = 1.0 - objective;
    let oldest = history.oldest_ms().unwrap_or(now_ms);
    let mut clipped_words = Vec::new();
    let windows: Vec<BurnWindow> = WINDOWS
        .iter()
        .map(|(name, ms)| {
            let from = now_ms - ms;
            let clipped = from < oldest;
            let got = history.between(from.max(oldest), now_ms);
            let seconds = got.as_ref().map_or(0.0, |g| g.2);
            if clipped {
                clipped_words.push(format!(
                    "{name} covers {}",
                    span_words((seconds * 1000.0) as i64)
                ));
            }
            let rate = |e: f64, r: f64| (r > 0.0 && budget > 0.0).then(|| e / r / budget);
            let (legacy, new, both) = match &got {
                Some((l, n, _)) => (
                    rate(l.errors, l.requests),
                    rate(n.errors, n.requests),
                    rate(l.errors + n.errors, l.requests + n.requests),
                ),
                None => (None, None, None),
            };
            BurnWindow {
                window: (*name).to_string(),
                seconds,
                clipped,
                rate: both,
                legacy,
                new,
            }
        })
        .collect();
    let over = |i: usize, limit: f64| windows[i].rate.is_some_and(|r| r >= limit);
    let new_share_of_spent =
        history
            .between(now_ms - WINDOWS[3].1, now_ms)
            .and_then(|(l, n, _)| {
                let spent = l.errors + n.errors;
                (spent > 0.0).then(|| n.errors / spent)
            });
    Burn {
        objective,
        page: over(2, PAGE) && over(0, PAGE),
        ticket: over(3, TICKET) && over(1, TICKET),
        windows,
        new_share_of_spent,
        note: (!clipped_words.is_empty()).then(|| {
            format!(
                "windows clipped to the history kept: {}",
                clipped_words.join(", ")
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::{Side, Traffic};

    #[test]
    fn pages_when_both_windows_burn_fast_and_says_what_was_clipped() {
        let mut h = CountHistory::default();
        for s in 0..=600 {
            let t = Traffic {
                new: Side {
                    requests_total: Some(s as f64 * 100.0),
                    errors_total: Some(s as f64 * 2.0),
                    ..Side::default()
                },
                legacy: Side {
                    requests_total: Some(s as f64 * 100.0),
                    errors_total: Some(0.0),
                    ..Side::default()
                },
                ..Traffic::default()
            };
            h.record(s * 1000, &t, 3_600_000);
        }
        let b = burn(&h, 600_000, 0.999);
        // 1% of all requests fail against a 0.1% budget: 10×, new path 20×.
        assert!((b.windows[0].rate.unwrap() - 10.0).abs() < 1e-9);
        assert!((b.windows[0].new.unwrap() - 20.0).abs() < 1e-9);
        assert!(!b.page && b.ticket, "{b:?}");
        assert_eq!(b.new_share_of_spent, Some(1.0));
        assert!(b.windows[2].clipped);
        assert!(b.note.unwrap().contains("1h covers 10m"));
    }
}
