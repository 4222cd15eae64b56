//! The gateway's view of a path: a dead service that still carries traffic is critical.
//!
//! With a path read from its service's own metrics, a killed service only made the domain
//! "stale": no data is not healthy, but it is not the truth either while the gateway counts
//! 5xx for that server and marks it DOWN. This reads the gateway's state of each path (and,
//! for a path read from its service, the gateway's own requests and 5xx for it):
//! - a path the gateway marks down while it is meant to carry traffic is crit;
//! - a path whose own source is down while the gateway still routes it traffic is crit;
//!
//! each with both facts in the reason.

use super::at::At;
use super::counter::{gauge, increase};
use super::source_view::SourceView;
use super::status::{Health, Side, Traffic};
use crate::format::number as num;
use crate::plan::{Plan, PlanDomain, PlanSide};
use crate::stage::Stage;

/// The gateway's figures of one path into its `Side`.
pub fn gateway_figures(at: &At, plan: &PlanSide, s: &mut Side) {
    let history = |id: usize| &at.store.signals[id];
    if let Some(id) = plan.up {
        let up = gauge(history(id), at.now_ms, at.window_ms);
        s.gateway_up = up.map(|v| v > 0.0);
        s.gateway_servers_up = up;
    }
    let counted = |id: Option<usize>| {
        let inc = increase(history(id?), at.now_ms, at.window_ms)?;
        (inc.seconds > 0.0).then_some(inc.increase)
    };
    s.gateway_requests = counted(plan.gateway_requests);
    s.gateway_errors = counted(plan.gateway_errors);
    if s.gateway_errors.is_none() && s.gateway_requests.is_some() && plan.gateway_errors.is_some() {
        // No 5xx series at the gateway yet while it counts requests: none.
        s.gateway_errors = Some(0.0);
    }
}

/// The rule, for both paths of a domain; the reasons are appended, the health returned.
pub fn gateway_health(
    plan: &Plan,
    d: &PlanDomain,
    t: &Traffic,
    sources: &[SourceView],
    reasons: &mut Vec<String>,
) -> Health {
    let Some(p) = &d.traffic else {
        return Health::Ok;
    };
    let mut health = Health::Ok;
    for (path, side, ps, weight_share) in [
        (
            "monolith path",
            &t.legacy,
            &p.legacy,
            t.configured_new_share.map(|s| 1.0 - s),
        ),
        ("new path", &t.new, &p.new, t.configured_new_share),
    ] {
        let own_source = ps.requests.map(|id| &sources[plan.signals[id].source]);
        let own_down = own_source.filter(|s| s.up == Some(false));
        // Traffic the gateway counted for the path: its own count where the path is read from
        // the service, else the path's figures (then they are the gateway's).
        let (routed, errors) = if ps.gateway_requests.is_some() {
            (side.gateway_requests, side.gateway_errors)
        } else if own_down.is_none() {
            (side.requests, side.errors)
        } else {
            (None, None)
        };
        let traffic_words = match (routed, errors) {
            (Some(r), Some(e)) => format!(
                "the gateway counted {} requests ({} 5xx) for it in the window",
                num(r),
                num(e)
            ),
            (Some(r), None) => format!(
                "the gateway counted {} requests for it in the window",
                num(r)
            ),
            _ => String::new(),
        };
        let meant = meant_to_carry(d.stage, path == "new path", weight_share);
        match (side.gateway_up, own_down) {
            (Some(false), _) if meant => {
                health = Health::Crit;
                let mut facts = vec![format!("{path} is down at the gateway")];
                if let Some(s) = own_down {
                    facts.push(format!(
                        "its source {} is down: {}",
                        s.name,
                        s.error.unwrap_or("no answer")
                    ));
                }
                if !traffic_words.is_empty() {
                    facts.push(traffic_words);
                }
                reasons.push(facts.join("; "));
            }
            (gw_up, Some(s)) if gw_up == Some(true) || routed.is_some_and(|r| r > 0.0) => {
                health = Health::Crit;
                let mut facts = vec![format!(
                    "{path}'s source {} is down ({}) while the gateway still routes it traffic",
                    s.name,
                    s.error.unwrap_or("no answer")
                )];
                if gw_up == Some(true) {
                    facts.push("the gateway marks it up".into());
                }
                if !traffic_words.is_empty() {
                    facts.push(traffic_words);
                }
                reasons.push(facts.join("; "));
            }
            _ => {}
        }
    }
    health
}

/// Whether the path should be getting traffic: its configured share says so, or (without
/// weights) the declared stage does.
fn meant_to_carry(stage: Stage, new: bool, weight_share: Option<f64>) -> bool {
    match weight_share {
        Some(share) => share > 0.0,
        None if new => matches!(stage, Stage::Canary | Stage::Ramp | Stage::Migrated),
        None => !matches!(stage, Stage::Migrated),
    }
}
