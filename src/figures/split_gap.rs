//! Configured split against observed split: a gateway that does not send a path its weight.
//!
//! After `disable server be_orders/orders_svc` the weights still say 10% while the new path
//! gets nothing; the row read "observed 0%, configured 10%, ok". A gap wider than
//! [`TOLERANCE`] that held for the whole span looked at is a warning in every stage.

use super::at::At;
use super::status::Traffic;
use crate::plan::{PlanTraffic, Slo};

/// How far the observed new share may stray from the configured one (5 percentage points).
pub const TOLERANCE: f64 = 0.05;

/// The longest a gap must hold to count: the window, or this when the window is longer.
pub const SUSTAINED_CAP_MS: i64 = 120_000;

/// The warning's words, when the observed share strays from the configured one by more than
/// [`TOLERANCE`] while the weights held still for the window (or 2 minutes), over at least
/// `min_requests` requests.
pub fn split_gap(at: &At, plan: &PlanTraffic, t: &Traffic, slo: &Slo) -> Option<String> {
    let configured = t.configured_new_share?;
    let observed = t.new_share?;
    let total = t.legacy.requests.unwrap_or(0.0) + t.new.requests.unwrap_or(0.0);
    if (observed - configured).abs() <= TOLERANCE || total < slo.min_requests {
        return None;
    }
    let (held_ms, poll_ms) = weights_held_ms(at, plan, configured)?;
    let needed = at.window_ms.min(SUSTAINED_CAP_MS);
    // Frames land on the poll grid, not on the window's edge: the oldest one in the window
    // may be up to a poll (and the scheduling jitter) after it.
    if held_ms + poll_ms + poll_ms / 2 < needed {
        return None;
    }
    let what = if observed < configured {
        "the gateway is not sending the new path its weight"
    } else {
        "the gateway sends the new path more than its weight"
    };
    Some(format!(
        "configured {}, observed {} for {}: {what}",
        points(configured),
        points(observed),
        super::span::seconds_words(held_ms)
    ))
}

/// How long the configured share has read `configured` without a change, from the oldest
/// weight frame in the window to the newest, and the mean time between those frames (one
/// poll). `None` when the weights are not both known.
fn weights_held_ms(at: &At, plan: &PlanTraffic, configured: f64) -> Option<(i64, i64)> {
    let new = &at.store.signals[plan.new.weight?];
    let legacy = plan.legacy.weight.map(|id| &at.store.signals[id]);
    let from = at.now_ms - at.window_ms;
    let mut oldest: Option<i64> = None;
    let mut newest: Option<i64> = None;
    let mut frames: i64 = 0;
    for f in new.since(from) {
        let lw = match legacy.map(|h| h.since(from).find(|l| l.at_ms == f.at_ms)) {
            Some(Some(l)) => l.sum(),
            Some(None) => continue,
            None => 0.0,
        };
        let (nw, total) = (f.sum(), f.sum() + lw);
        if total <= 0.0 || ((nw / total) - configured).abs() > 1e-9 {
            // The weights changed inside the window: the gap is measured from the change on.
            oldest = None;
            newest = None;
            frames = 0;
            continue;
        }
        oldest.get_or_insert(f.at_ms);
        newest = Some(f.at_ms);
        frames += 1;
    }
    let held = newest? - oldest?;
    (frames >= 2).then(|| (held, held / (frames - 1)))
}

/// A share in whole percentage points, as the operator reads a weight: "10%".
fn points(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}
