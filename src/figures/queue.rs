//! Queue figures: depth now, its trend over the window, the time to drain when it shrinks.

use super::at::At;
use super::counter::{gauge, slope};
use super::status::{Health, QueueStatus};
use crate::plan::PlanQueue;

pub fn queue(at: &At, plan: &PlanQueue) -> QueueStatus {
    let h = &at.store.signals[plan.depth];
    let depth = gauge(h, at.now_ms, at.window_ms);
    let trend = depth.and_then(|_| slope(h, at.now_ms, at.window_ms));
    let drain_seconds = match (depth, trend) {
        (Some(d), Some(t)) if t < 0.0 && d > 0.0 => Some(d / -t),
        (Some(d), _) if d <= 0.0 => Some(0.0),
        _ => None,
    };
    let health = match depth {
        None => Health::Unknown,
        Some(d) if plan.crit.is_some_and(|c| d >= c) => Health::Crit,
        Some(d) if plan.warn.is_some_and(|w| d >= w) => Health::Warn,
        Some(_) => Health::Ok,
    };
    QueueStatus {
        name: plan.name.clone(),
        depth,
        trend_per_second: trend,
        drain_seconds,
        health,
    }
}
