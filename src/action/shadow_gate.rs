//! The shadow → canary gate (issue 16): a domain declared `shadow` is judged by its shadow
//! comparisons (`[[domain.data]] kind = "shadow"`), not by a traffic split, so the move of
//! its first real requests to the new path waits until those comparisons agree. A mismatch
//! ratio above its `limit` blocks it, and so does a ratio nobody can tell (no data, no
//! comparisons in the window): no data is not agreement.
//!
//! Asked by the promotion's standing (`promote::propose`: the key `P`, `cutover promote`, a
//! ramp's promotions, each refusal audited) and by a ramp's hold ([`for_ramp`]), which pauses
//! on it instead of stopping: mismatches are a reason to wait, not to roll back a path that
//! serves nothing. While the new path serves no requests at all, the judge can only say
//! `inconclusive`; there the comparisons that agree are the evidence a ramp holds on.

use crate::figures::data::DataFigures;
use crate::figures::DomainStatus;
use crate::format::{number, percent_fixed};
use crate::stage::Stage;

/// Why the domain may not leave the shadow stage now, in words (`shadow orders-shadow: 12 of
/// 400 comparisons differ (3.00% > 1.00%)`); `None` when it may, or it is not declared
/// `shadow`, or it has no shadow comparisons configured.
pub fn blocks(d: &DomainStatus) -> Option<String> {
    if d.stage != Stage::Shadow {
        return None;
    }
    let why: Vec<String> = d
        .data
        .iter()
        .filter_map(|e| {
            let DataFigures::Shadow {
                comparisons,
                mismatches,
                errors,
                mismatch_ratio,
                limit,
                ..
            } = &e.figures
            else {
                return None;
            };
            match mismatch_ratio.filter(|r| r.is_finite()) {
                Some(r) if r > *limit => {
                    let compared =
                        (comparisons.unwrap_or_default() - errors.unwrap_or_default()).max(0.0);
                    Some(format!(
                        "shadow {}: {} of {} comparisons differ ({} > {})",
                        e.name,
                        number(mismatches.unwrap_or_default()),
                        number(compared),
                        percent_fixed(r),
                        percent_fixed(*limit)
                    ))
                }
                Some(_) => None,
                None => {
                    let cause = if comparisons.is_some() {
                        "no comparisons in the window".to_string()
                    } else {
                        e.reasons
                            .first()
                            .and_then(|r| r.split_once(": ").map(|(_, why)| why.to_string()))
                            .unwrap_or_else(|| "no data".to_string())
                    };
                    Some(format!(
                        "the shadow mismatch ratio of {} is unknown ({cause})",
                        e.name
                    ))
                }
            }
        })
        .collect();
    (!why.is_empty()).then(|| why.join("; "))
}

/// What the shadow comparisons say to a ramp's hold, where they have a say: they block it
/// (`Err`, why), or they stand in for the judge (`Ok`, in words) while the new path serves no
/// requests. `None`: not declared `shadow`, no comparisons configured, the new path already
/// serving (the verdict decides), a `fail` verdict (it stops the ramp whatever they say), or
/// stale figures (comparisons read from a source that is down say nothing about now).
pub fn for_ramp(d: &DomainStatus) -> Option<Result<String, String>> {
    if d.stale
        || d.stage != Stage::Shadow
        || !d
            .data
            .iter()
            .any(|e| matches!(e.figures, DataFigures::Shadow { .. }))
        || d.verdict
            .as_ref()
            .is_some_and(|v| v.result == crate::judge::outcome::Outcome::Fail)
    {
        return None;
    }
    if let Some(why) = blocks(d) {
        return Some(Err(why));
    }
    // Mismatches that cleared a moment ago may still hold the health at crit (its
    // `clear_after`): the gate refuses until it clears, so the ramp waits for it too.
    if d.health == crate::figures::Health::Crit {
        return Some(Err(format!(
            "health crit until it clears: {}",
            d.reasons.join("; ")
        )));
    }
    // The share as `promote::Current` tells it (configured, else observed), read here directly:
    // promote's standing asks this file, so this file does not ask promote.
    let share = d.traffic.as_ref().and_then(|t| {
        t.configured_new_share
            .filter(|v| v.is_finite())
            .or(t.new_share.filter(|v| v.is_finite()))
    });
    let serving_none = share.is_some_and(|s| s <= 0.0);
    serving_none.then(|| {
        Ok("the shadow comparisons agree (the new path serves no requests yet: they are the evidence)".to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::data::DataStatus;
    use crate::figures::Health;

    fn domain(stage: Stage, figures: DataFigures) -> DomainStatus {
        DomainStatus {
            name: "orders".into(),
            stage,
            health: Health::Ok,
            reasons: Vec::new(),
            stale: false,
            traffic: None,
            queues: Vec::new(),
            sagas: Vec::new(),
            data: vec![DataStatus {
                name: "orders-shadow".into(),
                figures,
                unit: "ratio".into(),
                health: Health::Ok,
                reasons: vec!["shadow orders-shadow: no data (source down)".into()],
            }],
            verdict: None,
            burn: None,
            rollback_ready: None,
            findings: Default::default(),
        }
    }

    fn shadow(comparisons: Option<f64>, mismatches: f64, ratio: Option<f64>) -> DataFigures {
        DataFigures::Shadow {
            comparisons,
            mismatches: Some(mismatches),
            errors: Some(0.0),
            mismatch_ratio: ratio,
            error_ratio: None,
            limit: 0.01,
        }
    }

    #[test]
    fn over_the_limit_or_unknown_blocks_only_in_the_shadow_stage() {
        let over = domain(Stage::Shadow, shadow(Some(400.0), 12.0, Some(0.03)));
        assert_eq!(
            blocks(&over).unwrap(),
            "shadow orders-shadow: 12 of 400 comparisons differ (3.00% > 1.00%)"
        );
        let under = domain(Stage::Shadow, shadow(Some(400.0), 2.0, Some(0.005)));
        assert_eq!(blocks(&under), None);
        let idle = domain(Stage::Shadow, shadow(Some(0.0), 0.0, None));
        assert_eq!(
            blocks(&idle).unwrap(),
            "the shadow mismatch ratio of orders-shadow is unknown (no comparisons in the window)"
        );
        let down = domain(Stage::Shadow, shadow(None, 0.0, None));
        assert_eq!(
            blocks(&down).unwrap(),
            "the shadow mismatch ratio of orders-shadow is unknown (no data (source down))"
        );
        let canary = domain(Stage::Canary, shadow(Some(400.0), 12.0, Some(0.03)));
        assert_eq!(blocks(&canary), None);
        assert_eq!(for_ramp(&canary), None);
        assert!(for_ramp(&over).unwrap().is_err());
        // Agreeing, but the share of the new path unknown: the verdict decides.
        assert_eq!(for_ramp(&under), None);
        // Stale figures say nothing about now: the ramp waits on them as on any source down.
        let stale = DomainStatus {
            stale: true,
            ..over
        };
        assert_eq!(for_ramp(&stale), None);
    }
}
