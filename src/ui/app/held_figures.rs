//! Figures held against jitter on screen. A ratio that reads 0.30%, 0.31%, 0.30% from poll to
//! poll, or a queue that moves between 1380 and 1400, tells the operator nothing new but
//! rewrites its cell every poll, and with fifty rows that is most of what goes over SSH. A
//! figure shown keeps its value while the new one is within its band of it ([`Figure::band`]),
//! and takes the new value at once when it moves further or when the figure's level (ok, warn,
//! crit: the caller's colour) changes, so a change of state always shows with its number.

use std::cell::RefCell;
use std::collections::HashMap;

/// Which figure of a domain's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Figure {
    Share,
    ErrorLegacy,
    ErrorNew,
    ErrorNow,
    LatencyLegacy,
    LatencyNew,
    Queue,
    Sagas,
}

impl Figure {
    /// How far the figure may move, relative to the one shown, before the screen follows: 5%,
    /// below what a person reads into a ratio or a latency; 10% for a queue's depth, which
    /// moves with every message and has its trend arrow (and its thresholds' colour) beside it.
    pub(crate) fn band(self) -> f64 {
        match self {
            Figure::Queue => 0.10,
            _ => 0.05,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct HeldFigures {
    shown: RefCell<HashMap<(String, Figure), (f64, u8)>>,
}

impl HeldFigures {
    /// The value to show for `figure` of `domain`, now `v` at `level`.
    pub(crate) fn value(&self, domain: &str, figure: Figure, level: u8, v: f64) -> f64 {
        let mut shown = self.shown.borrow_mut();
        if let Some(&(s, l)) = shown.get(&(domain.to_string(), figure)) {
            if l == level && close(s, v, figure.band()) {
                return s;
            }
        }
        shown.insert((domain.to_string(), figure), (v, level));
        v
    }
}

/// Within the band of each other; a zero is close only to a zero, so 0 → 0.01% shows.
fn close(shown: f64, v: f64, band: f64) -> bool {
    if !shown.is_finite() || !v.is_finite() {
        return false;
    }
    (shown - v).abs() <= band * shown.abs().max(v.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_is_held_and_a_move_or_a_new_level_shows() {
        let h = HeldFigures::default();
        let f = Figure::ErrorNew;
        assert_eq!(h.value("orders", f, 0, 0.0030), 0.0030);
        assert_eq!(h.value("orders", f, 0, 0.0031), 0.0030, "within 5%: held");
        assert_eq!(h.value("orders", f, 0, 0.0029), 0.0030, "held");
        assert_eq!(h.value("orders", f, 0, 0.0034), 0.0034, "moved 13%: shown");
        assert_eq!(
            h.value("orders", f, 2, 0.0035),
            0.0035,
            "a new level shows at once"
        );
        assert_eq!(
            h.value("billing", f, 0, 0.0036),
            0.0036,
            "each domain its own"
        );
    }

    #[test]
    fn zero_and_unknown_values_are_never_held() {
        let h = HeldFigures::default();
        let f = Figure::Queue;
        assert_eq!(h.value("q", f, 0, 0.0), 0.0);
        assert_eq!(h.value("q", f, 0, 1.0), 1.0);
        assert_eq!(h.value("q", f, 0, 0.0), 0.0);
        assert!(h.value("q", f, 0, f64::NAN).is_nan());
        assert_eq!(h.value("q", f, 0, 1.0), 1.0);
    }

    #[test]
    fn a_queue_depth_is_held_within_ten_percent() {
        let h = HeldFigures::default();
        let f = Figure::Queue;
        assert_eq!(h.value("q", f, 0, 1000.0), 1000.0);
        assert_eq!(h.value("q", f, 0, 1090.0), 1000.0);
        assert_eq!(h.value("q", f, 0, 1120.0), 1120.0);
    }
}
