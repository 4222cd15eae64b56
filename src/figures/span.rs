//! The health rule on evidence span: figures measured over too short a time give no verdict.
//!
//! Two polls two seconds apart can show one request and call a domain healthy while the same
//! window in the cockpit is critical. So a domain is never `ok` on a span shorter than
//! [`required`]: it is `unknown`, with the reason in words. This is the one place that decides
//! "too little time"; the judge's "too little evidence" (`inconclusive`) is meant to meet it
//! here.

use std::time::Duration;

use super::status::{Health, Status};
use crate::plan::Plan;

/// The longest span a verdict asks for: a window longer than this is judged on this much.
pub const VERDICT_SPAN_CAP: Duration = Duration::from_secs(60);

/// The span a verdict needs: the window, or [`VERDICT_SPAN_CAP`] when the window is longer.
pub fn required(window: Duration) -> Duration {
    window.min(VERDICT_SPAN_CAP)
}

/// How long the figures of each source were measured over (newest minus oldest poll, at most
/// the window), in ms per source in plan order; `None` for a source that was never polled.
pub type SourceSpans = [Option<i64>];

/// The reason a span is too short, when it is.
pub fn too_short(span_ms: i64, required: Duration) -> Option<String> {
    let needed = i64::try_from(required.as_millis()).unwrap_or(i64::MAX);
    (span_ms < needed).then(|| {
        format!(
            "span too short for a verdict: measured over {}, a verdict needs {} (--over {})",
            seconds_words(span_ms),
            seconds_words(needed),
            seconds_words(needed)
        )
    })
}

/// The span the status as a whole was measured over: the shortest of the sources that are up
/// (a down source's figures are stale whatever their span), in seconds.
pub fn overall_seconds(status: &Status, spans: &SourceSpans) -> Option<f64> {
    status
        .sources
        .iter()
        .zip(spans)
        .filter(|(s, _)| s.up == Some(true))
        .filter_map(|(_, span)| *span)
        .min()
        .map(|ms| ms as f64 / 1000.0)
}

/// Applies the rule: every domain that would be `ok` on a span shorter than `required`
/// becomes `unknown` with the reason. A domain's span is the shortest of the sources it reads.
/// Warnings and criticals stand: what was seen, was seen.
pub fn judge(status: &mut Status, plan: &Plan, spans: &SourceSpans, required: Duration) {
    for (d, plan_d) in status.domains.iter_mut().zip(&plan.domains) {
        if d.health != Health::Ok {
            continue;
        }
        let span = plan_d
            .signals()
            .iter()
            .filter_map(|&s| spans.get(plan.signals[s].source).copied().flatten())
            .min();
        let reason = match span {
            Some(ms) => too_short(ms, required),
            None => Some("span too short for a verdict: nothing was measured".to_string()),
        };
        if let Some(r) = reason {
            d.health = Health::Unknown;
            d.reasons.push(r);
        }
    }
}

/// `90s` as "1m30s", `2.5s` as "2.5s": how the operator writes durations.
pub fn seconds_words(ms: i64) -> String {
    let ms = ms.max(0);
    // Tenths below ten seconds, cut, not rounded: 1.96 s is not "2s".
    if ms < 10_000 && ms % 1000 >= 100 {
        return format!("{}.{}s", ms / 1000, ms % 1000 / 100);
    }
    // Cut, not rounded: a span just short of a minute must not read "1m".
    let s = ms / 1000;
    match (s / 60, s % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_span_is_too_short_and_says_what_would_do() {
        let need = required(Duration::from_secs(60));
        assert_eq!(
            too_short(2_000, need).as_deref(),
            Some("span too short for a verdict: measured over 2s, a verdict needs 1m (--over 1m)")
        );
        assert_eq!(too_short(60_000, need), None);
        assert_eq!(required(Duration::from_secs(600)), VERDICT_SPAN_CAP);
        assert_eq!(required(Duration::from_secs(20)), Duration::from_secs(20));
        assert_eq!(seconds_words(90_000), "1m30s");
        assert_eq!(seconds_words(2_500), "2.5s");
        assert_eq!(seconds_words(59_990), "59s");
        assert_eq!(seconds_words(2_004), "2s");
        assert_eq!(seconds_words(1_960), "1.9s");
    }
}
