//! The last poll's requests and errors of one path, beside the window's: a window of a minute
//! that averages 25% errors hides a current rate of 50%. The overview shows the last poll's
//! ratio only where it differs a lot from the window's ([`differs_a_lot`]), so that a steady
//! path adds nothing to the screen and noise at low traffic does not either.

use serde::{Deserialize, Serialize};

use super::at::At;
use super::counter::increase;
use super::finite::newest_usable;
use crate::plan::PlanSide;

/// The increase between the newest two frames of a path's requests signal.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LastPoll {
    pub requests: f64,
    pub errors: f64,
    /// Seconds between the two frames.
    pub seconds: f64,
}

impl LastPoll {
    /// `None` when the poll counted no request.
    pub fn error_ratio(&self) -> Option<f64> {
        (self.requests > 0.0).then(|| self.errors / self.requests)
    }
}

/// The last poll of `plan`'s path; `None` when its requests or errors signal has fewer than two
/// usable frames in the window.
pub fn last_poll(at: &At, plan: &PlanSide) -> Option<LastPoll> {
    let requests_id = plan.requests?;
    let errors_id = plan.errors?;
    let history = at.history(requests_id);
    newest_usable(history, at.now_ms, at.window_ms)?;
    let mut times = history.since(at.now_ms - at.window_ms).map(|f| f.at_ms);
    let mut previous = None;
    let mut newest = times.next()?;
    for t in times {
        previous = Some(newest);
        newest = t;
    }
    let span = at.now_ms - previous?;
    let requests = increase(history, at.now_ms, span)?;
    if requests.seconds <= 0.0 {
        return None;
    }
    // An errors selector that matches nothing in a scraped body is no errors yet.
    let errors = match increase(at.history(errors_id), at.now_ms, span) {
        Some(e) if e.seconds > 0.0 => e.increase,
        Some(_) => return None,
        None if newest_usable(at.history(errors_id), at.now_ms, at.window_ms).is_some() => 0.0,
        None => return None,
    };
    Some(LastPoll {
        requests: requests.increase,
        errors,
        seconds: requests.seconds,
    })
}

/// Requests a poll must count before its ratio is compared at all.
pub const MIN_REQUESTS: f64 = 20.0;
/// The ratios must differ by this factor (either way) ...
pub const FACTOR: f64 = 2.0;
/// ... and by this many points ...
pub const POINTS: f64 = 0.01;
/// ... and by this many standard errors of a poll that size (binomial, at the mean ratio).
pub const STANDARD_ERRORS: f64 = 3.0;

/// Whether the last poll's error ratio differs a lot from the window's: it counted at least
/// [`MIN_REQUESTS`], and the two ratios differ by a factor of [`FACTOR`] or more, by at least
/// [`POINTS`] (one percentage point) and by more than [`STANDARD_ERRORS`] standard errors of
/// a poll that size, so that one error more or less in a small poll is not "a lot".
pub fn differs_a_lot(window_ratio: f64, last: &LastPoll) -> bool {
    let Some(now) = last.error_ratio() else {
        return false;
    };
    if last.requests < MIN_REQUESTS || !window_ratio.is_finite() || !now.is_finite() {
        return false;
    }
    let (low, high) = if now < window_ratio {
        (now, window_ratio)
    } else {
        (window_ratio, now)
    };
    let gap = high - low;
    let mean = (high + low) / 2.0;
    let se = (mean * (1.0 - mean) / last.requests).sqrt();
    high >= FACTOR * low && gap >= POINTS && gap > STANDARD_ERRORS * se
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll(requests: f64, errors: f64) -> LastPoll {
        LastPoll {
            requests,
            errors,
            seconds: 2.0,
        }
    }

    #[test]
    fn a_lot_is_twice_or_half_a_point_or_more_and_beyond_noise() {
        // The lab's case: 25% over the window while the service fails every other request.
        assert!(differs_a_lot(0.25, &poll(100.0, 50.0)));
        // Back to normal after a burst: the window still remembers it.
        assert!(differs_a_lot(0.20, &poll(200.0, 2.0)));
        // Errors start: nothing in the window yet, 10 of 100 now.
        assert!(differs_a_lot(0.0, &poll(100.0, 10.0)));
        // 1.5× is not a lot.
        assert!(!differs_a_lot(0.20, &poll(100.0, 30.0)));
        // Twice, but a fraction of a point: not what an engineer acts on.
        assert!(!differs_a_lot(0.001, &poll(1000.0, 3.0)));
        // Twice and two points, but one error in twenty is noise.
        assert!(!differs_a_lot(0.02, &poll(20.0, 1.0)));
        // Too small a poll to say anything.
        assert!(!differs_a_lot(0.0, &poll(10.0, 5.0)));
        // No requests, no ratio.
        assert!(!differs_a_lot(0.5, &poll(0.0, 0.0)));
        // The same ratio is never a lot.
        assert!(!differs_a_lot(0.3, &poll(1000.0, 300.0)));
    }
}
