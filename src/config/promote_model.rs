//! `[domain.promote]` as the file writes it: the new-path percentages to walk, how a promotion
//! is verified, and the steps that set a weight, with `{weight}` / `{legacy_weight}` where the
//! target goes. The steps are the rollback's kinds ([`Step`]), read the same way.

use super::duration::Duration;
use super::rollback_model::Step;
use serde::{Deserialize, Serialize};

/// `[domain.promote]`: how to move more of the domain's traffic to the new path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Promote {
    /// New-path percentages, ascending (`[10, 25, 50, 100]`). Read as plain integers so that a
    /// value out of range is told by `validate` with its index, not by serde's type words.
    pub steps: Vec<i64>,
    /// The least time at a step with a passing verdict before a ramp moves on.
    #[serde(default = "default_hold")]
    pub hold: Duration,
    /// The observed new share must reach the target within this long after the steps ...
    #[serde(default = "default_verify_within")]
    pub verify_within: Duration,
    /// ... within this many points (a ratio: 0.05 = ±5 points).
    #[serde(default = "default_verify_tolerance")]
    pub verify_tolerance: f64,
    /// A ramp runs the domain's rollback on a failing verdict only when this is true.
    #[serde(default)]
    pub auto_rollback: bool,
    /// `[[domain.promote.step]]`, run in order, placeholders filled with the target.
    #[serde(rename = "step")]
    pub step_templates: Vec<Step>,
}

fn default_hold() -> Duration {
    Duration::from_secs(600)
}

fn default_verify_within() -> Duration {
    Duration::from_secs(60)
}

fn default_verify_tolerance() -> f64 {
    0.05
}

/// The target new-path percent in a promote step's text.
pub const WEIGHT: &str = "{weight}";
/// `100 - {weight}`: the monolith's percent.
pub const LEGACY_WEIGHT: &str = "{legacy_weight}";

/// `text` with the two placeholders filled: numbers only, and nothing else is substituted
/// (no shell, no environment, no other braces: a JSON body's `{` stays as written).
pub fn fill(text: &str, weight: u8) -> String {
    let legacy = 100u8.saturating_sub(weight);
    text.replace(LEGACY_WEIGHT, &legacy.to_string())
        .replace(WEIGHT, &weight.to_string())
}

/// The first `{word}` in `text` (lower-case letters and `_`) that is not a placeholder: a typo
/// such as `{weigth}` would otherwise be sent as written.
pub fn unknown_placeholder(text: &str) -> Option<&str> {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let word_len = after
            .bytes()
            .take_while(|b| b.is_ascii_lowercase() || *b == b'_')
            .count();
        if word_len > 0 && after[word_len..].starts_with('}') {
            let token = &rest[open..open + word_len + 2];
            if token != WEIGHT && token != LEGACY_WEIGHT {
                return Some(token);
            }
        }
        rest = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_two_placeholders_are_filled() {
        assert_eq!(
            fill("set weight be_orders/orders_svc {weight}", 25),
            "set weight be_orders/orders_svc 25"
        );
        assert_eq!(
            fill(
                r#"{"weight":{weight},"monolith":{legacy_weight},"x":"$HOME {w}"}"#,
                10
            ),
            r#"{"weight":10,"monolith":90,"x":"$HOME {w}"}"#
        );
        assert_eq!(fill("{legacy_weight}", 100), "0");
    }

    #[test]
    fn a_misspelt_placeholder_is_found_and_json_braces_are_not() {
        assert_eq!(
            unknown_placeholder("set weight b/s {weigth}"),
            Some("{weigth}")
        );
        assert_eq!(unknown_placeholder(r#"{"weight":{weight}}"#), None);
        assert_eq!(unknown_placeholder("{legacy_weight} {weight} {}"), None);
        assert_eq!(unknown_placeholder("{{legacy}}"), Some("{legacy}"));
    }
}
