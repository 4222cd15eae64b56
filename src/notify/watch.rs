//! Notices from successive statuses: a domain's health turning crit and its verdict turning
//! fail, and each clearing again. Pure: data time in, notices out, so the cockpit's bell, the
//! live webhooks and `record` agree, and a test drives it with statuses.
//!
//! `unknown` health and an `inconclusive` (or absent) verdict say nothing either way: a
//! domain that goes crit → unknown → crit is one crit, not two, and crit → unknown → ok clears.

use std::collections::HashMap;

use super::notice::{Notice, NoticeKind};
use crate::figures::{DomainStatus, Health, Status};
use crate::judge::outcome::Outcome;

/// What each domain last said that counts.
#[derive(Debug, Clone, Default)]
pub struct Watch {
    health: HashMap<String, Health>,
    verdict: HashMap<String, Outcome>,
}

impl Watch {
    pub fn new() -> Watch {
        Watch::default()
    }

    /// The notices `status` gives against what came before. A domain first seen crit (or
    /// failing) is news; first seen healthy is not.
    pub fn observe(&mut self, status: &Status) -> Vec<Notice> {
        let mut out = Vec::new();
        for d in &status.domains {
            self.health_of(d, status.at_ms, &mut out);
            self.verdict_of(d, status.at_ms, &mut out);
        }
        out
    }

    fn health_of(&mut self, d: &DomainStatus, at_ms: i64, out: &mut Vec<Notice>) {
        if d.health == Health::Unknown {
            return;
        }
        let before = self.health.insert(d.name.clone(), d.health);
        let was_crit = before == Some(Health::Crit);
        let is_crit = d.health == Health::Crit;
        if was_crit == is_crit {
            return;
        }
        let from = before.map_or("start", Health::as_str);
        out.push(Notice {
            kind: NoticeKind::Crit,
            domain: d.name.clone(),
            from: before.map(|h| h.as_str().to_string()),
            to: Some(d.health.as_str().to_string()),
            text: format!(
                "{}: health {from} -> {}{}",
                d.name,
                d.health.as_str(),
                reasons(&d.reasons)
            ),
            at_ms,
            firing: is_crit,
        });
    }

    fn verdict_of(&mut self, d: &DomainStatus, at_ms: i64, out: &mut Vec<Notice>) {
        let Some(v) = &d.verdict else { return };
        if v.result == Outcome::Inconclusive {
            return;
        }
        let before = self.verdict.insert(d.name.clone(), v.result);
        let was_fail = before == Some(Outcome::Fail);
        let is_fail = v.result == Outcome::Fail;
        if was_fail == is_fail {
            return;
        }
        let from = before.map_or("start", Outcome::as_str);
        out.push(Notice {
            kind: NoticeKind::Fail,
            domain: d.name.clone(),
            from: before.map(|o| o.as_str().to_string()),
            to: Some(v.result.as_str().to_string()),
            text: format!(
                "{}: verdict {from} -> {}{}",
                d.name,
                v.result.as_str(),
                reasons(&v.reasons)
            ),
            at_ms,
            firing: is_fail,
        });
    }
}

fn reasons(r: &[String]) -> String {
    if r.is_empty() {
        String::new()
    } else {
        format!(": {}", r.join("; "))
    }
}
