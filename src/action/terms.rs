//! The terms of an action (rollback, promote) as every face states them: the steps in order and how it is
//! verified. The confirmation dialog, the detail view and `cutover rollback` all take their
//! text from here, so what the operator confirms in one is word for word what the other
//! prints. Thresholds are the operator's own numbers: written exactly, never rounded
//! (a `verify_share` of 0.005 is 0.5%, not 0%; a `verify_within` of 1500ms is 1.5 s, not 1 s).

use std::time::Duration;

use super::goal::Goal;
use super::steps::StepSpec;

/// A share as an exact percentage: `0%`, `0.5%`, `0.04%`, `33.3%`, `100%`. The decimal point
/// of the number's shortest form (the digits the config gave) moves two places: no rounding,
/// and none of the noise of multiplying by 100 in floating point.
pub fn share(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let text = format!("{}", v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let frac = format!("{frac:0<2}");
    let (moved, rest) = frac.split_at(2);
    let int = format!("{int}{moved}");
    let int = int.trim_start_matches('0');
    let rest = rest.trim_end_matches('0');
    let sign = if v < 0.0 { "-" } else { "" };
    let int = if int.is_empty() { "0" } else { int };
    if rest.is_empty() {
        format!("{sign}{int}%")
    } else {
        format!("{sign}{int}.{rest}%")
    }
}

/// A duration as exact seconds: `60 s`, `1.5 s`, `1.234 s`, `0.25 s`.
pub fn duration(d: Duration) -> String {
    let frac = d.subsec_nanos();
    if frac == 0 {
        return format!("{} s", d.as_secs());
    }
    let digits = format!("{frac:09}");
    format!("{}.{} s", d.as_secs(), digits.trim_end_matches('0'))
}

/// How a rollback is verified, in one sentence.
pub fn verify_sentence(verify_share: f64, verify_within: Duration) -> String {
    format!(
        "Verified when the new path serves at most {} of requests within {}.",
        share(verify_share),
        duration(verify_within)
    )
}

/// How an action is verified, in one sentence: a rollback's words as [`verify_sentence`]; a
/// promotion's `Verified when the new path serves 25% ± 5 points of requests within 60 s.`
pub fn goal_sentence(goal: Goal, verify_within: Duration) -> String {
    match goal {
        Goal::AtMost(share) => verify_sentence(share, verify_within),
        Goal::Near { .. } => format!(
            "Verified when the new path serves {} of requests within {}.",
            band(goal),
            duration(verify_within)
        ),
    }
}

/// `at most 0.5%`, `25% ± 5 points`: the goal's numbers exactly as configured.
pub fn band(goal: Goal) -> String {
    match goal {
        Goal::AtMost(at_most) => format!("at most {}", share(at_most)),
        Goal::Near { target, tolerance } => format!(
            "{} ± {} points",
            share(target),
            share(tolerance).trim_end_matches('%')
        ),
    }
}

/// The steps, numbered in the order they run (secrets redacted by the summaries).
pub fn step_lines(steps: &[StepSpec]) -> Vec<String> {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| step_line(i, &s.summary()))
        .collect()
}

/// The steps from their summaries, numbered as [`step_lines`] numbers them.
pub fn step_lines_of(summaries: &[String]) -> Vec<String> {
    summaries
        .iter()
        .enumerate()
        .map(|(i, s)| step_line(i, s))
        .collect()
}

/// One numbered step from its summary: `  1. exec ...`.
pub fn step_line(index: usize, summary: &str) -> String {
    format!("  {}. {summary}", index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_exact() {
        for (v, s) in [
            (0.0, "0%"),
            (0.005, "0.5%"),
            (0.0004, "0.04%"),
            (0.07, "7%"),
            (0.333, "33.3%"),
            (0.12345, "12.345%"),
            (1.0, "100%"),
            (1e-13, "0.00000000001%"),
            (0.1 + 0.2, "30.000000000000004%"),
            (12.5, "1250%"),
        ] {
            assert_eq!(share(v), s, "{v}");
        }
    }

    #[test]
    fn durations_are_exact() {
        for (ms, s) in [
            (60_000, "60 s"),
            (1500, "1.5 s"),
            (1234, "1.234 s"),
            (250, "0.25 s"),
            (90_000, "90 s"),
            (1, "0.001 s"),
        ] {
            assert_eq!(duration(Duration::from_millis(ms)), s, "{ms}");
        }
        assert_eq!(
            duration(Duration::from_nanos(1_000_000_001)),
            "1.000000001 s"
        );
    }
}
