//! Lasting marks: what the last action on each domain was and how it ended, read back from the
//! audit log, so that a cockpit started by the next shift still says "ROLLED BACK 12:36 by
//! root@bastion, verified" on the row until the declared stage changes or someone clears it.
//!
//! Only the log's tail is read (the newest [`TAIL_BYTES`]): a mark is about recent actions,
//! and a log that grows for years must not slow a start.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::audit::{AuditEntry, AuditEvent};
use crate::safe_fs;
use crate::stage::Stage;

/// How much of the audit log's end is read for marks.
pub const TAIL_BYTES: u64 = 1024 * 1024;

/// How an action ended, as far as the log says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Requested; no outcome written yet (running, or the process died).
    Running,
    /// The steps ran; no verdict yet.
    Verifying,
    Verified,
    NotVerified,
    Failed,
    Interrupted,
}

impl Outcome {
    pub fn words(self) -> &'static str {
        match self {
            Outcome::Running => "running or cut short (no outcome in the log)",
            Outcome::Verifying => "verifying",
            Outcome::Verified => "verified",
            Outcome::NotVerified => "NOT verified",
            Outcome::Failed => "FAILED",
            Outcome::Interrupted => "INTERRUPTED",
        }
    }

    /// At most five letters, for the narrowest badge.
    pub fn tag(self) -> &'static str {
        match self {
            Outcome::Running => "RUN?",
            Outcome::Verifying => "VRFY",
            Outcome::Verified => "OK",
            Outcome::NotVerified => "NOTOK",
            Outcome::Failed => "FAIL",
            Outcome::Interrupted => "INTR",
        }
    }
}

/// The last action on one domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub id: String,
    /// `rollback` (later `promote`).
    pub action: String,
    /// RFC 3339 time of the request.
    pub at: String,
    pub operator: String,
    pub outcome: Outcome,
    /// The declared stage when it was requested; the mark lasts while it is unchanged.
    pub stage: Option<Stage>,
}

impl Mark {
    fn what(&self) -> String {
        match self.action.as_str() {
            "rollback" => "ROLLED BACK".to_string(),
            "promote" => "PROMOTED".to_string(),
            other => other.to_uppercase(),
        }
    }

    fn hhmm(&self) -> &str {
        self.at.get(11..16).unwrap_or("?")
    }

    /// "ROLLED BACK 12:36 UTC by root@bastion, verified".
    pub fn words(&self) -> String {
        format!(
            "{} {} UTC by {}, {}",
            self.what(),
            self.hhmm(),
            self.operator,
            self.outcome.words()
        )
    }

    /// The badge in forms from the whole words down to eight columns ("RB OK"), for a row to
    /// take the longest that fits. The short forms' letters are in the README's legend.
    pub fn badges(&self) -> [String; 5] {
        let short = match self.action.as_str() {
            "rollback" => "RB".to_string(),
            "promote" => "PR".to_string(),
            other => other.chars().take(2).collect::<String>().to_uppercase(),
        };
        let outcome = match self.outcome {
            Outcome::Running => "no outcome yet",
            o => o.words(),
        };
        [
            self.words(),
            format!("{} {} UTC, {outcome}", self.what(), self.hhmm()),
            format!("{}, {outcome}", self.what()),
            format!("{short} {} {}", self.hhmm(), self.outcome.tag()),
            format!("{short} {}", self.outcome.tag()),
        ]
    }
}

/// The mark of each domain from the log's entries (oldest first): the last action requested
/// on it, unless a later `cleared` entry or a change of the declared stage (`stages`: the
/// stage each domain declares now) ended it.
pub fn marks(entries: &[AuditEntry], stages: &BTreeMap<String, Stage>) -> BTreeMap<String, Mark> {
    let mut out: BTreeMap<String, Mark> = BTreeMap::new();
    for e in entries {
        match e.event {
            AuditEvent::Requested => {
                out.insert(
                    e.domain.clone(),
                    Mark {
                        id: e.id.clone(),
                        action: e.action.clone(),
                        at: e.time.clone(),
                        operator: e.operator.clone(),
                        outcome: Outcome::Running,
                        stage: e.stage,
                    },
                );
            }
            AuditEvent::Cleared => {
                out.remove(&e.domain);
            }
            AuditEvent::Refused => {}
            event => {
                let Some(mark) = out.get_mut(&e.domain) else {
                    continue;
                };
                // Entries of another action (older logs have no ids: the domain decides).
                if !e.id.is_empty() && e.id != mark.id {
                    continue;
                }
                mark.outcome = match event {
                    AuditEvent::Succeeded => Outcome::Verifying,
                    AuditEvent::Verified => Outcome::Verified,
                    AuditEvent::NotVerified => Outcome::NotVerified,
                    AuditEvent::Failed | AuditEvent::TimedOut => Outcome::Failed,
                    AuditEvent::Interrupted => Outcome::Interrupted,
                    _ => mark.outcome,
                };
            }
        }
    }
    out.retain(|domain, mark| match (mark.stage, stages.get(domain)) {
        (Some(then), Some(now)) => then == *now,
        (_, now) => now.is_some(),
    });
    out
}

/// The newest action requested on `domain` among the log's entries (oldest first): whether
/// anyone acted on a domain since a dialog opened or a ramp last looked is whether this
/// entry's id changed. A `cleared` entry is no action and does not count.
pub fn last_request<'a>(entries: &'a [AuditEntry], domain: &str) -> Option<&'a AuditEntry> {
    entries
        .iter()
        .rev()
        .find(|e| e.event == AuditEvent::Requested && e.domain == domain)
}

/// The newest action requested on `domain` in the log at `path` (its tail): its id and its
/// words (`a rollback of orders was requested at … by …`); `None` when there is none or the
/// log cannot be read.
pub fn last_request_at(path: &Path, domain: &str) -> Option<(String, String)> {
    let entries = read_tail(path).ok()?;
    last_request(&entries, domain).map(|e| (e.id.clone(), request_words(e)))
}

/// `a rollback of orders was requested at 2026-…Z by bob@host (via cli)`.
pub fn request_words(e: &AuditEntry) -> String {
    let via = e
        .via
        .map_or_else(String::new, |v| format!(" (via {})", v.as_str()));
    format!(
        "a {} of {} was requested at {} by {}{via}",
        e.action, e.domain, e.time, e.operator
    )
}

/// The entries in the last [`TAIL_BYTES`] of the log at `path` (a cut first line is skipped);
/// none when there is no log yet.
pub fn read_tail(path: &Path) -> Result<Vec<AuditEntry>, safe_fs::PrivateFileError> {
    let Some(mut file) = safe_fs::open_read(path)? else {
        return Ok(Vec::new());
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let from = len.saturating_sub(TAIL_BYTES);
    let mut bytes = Vec::new();
    if file.seek(SeekFrom::Start(from)).is_ok() {
        let _ = file.take(TAIL_BYTES).read_to_end(&mut bytes);
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut lines = text.lines();
    if from > 0 {
        lines.next();
    }
    Ok(lines.filter_map(|l| serde_json::from_str(l).ok()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, domain: &str, event: AuditEvent, stage: Option<Stage>) -> AuditEntry {
        AuditEntry {
            id: id.into(),
            time: "2026-12-07T12:36:05.000Z".into(),
            operator: "root@bastion".into(),
            domain: domain.into(),
            action: "rollback".into(),
            steps: Vec::new(),
            event,
            duration_ms: None,
            result: String::new(),
            via: None,
            note: None,
            before: Vec::new(),
            stage,
            from: None,
            to: None,
            context: None,
        }
    }

    fn canary() -> BTreeMap<String, Stage> {
        [("orders".to_string(), Stage::Canary)].into()
    }

    #[test]
    fn a_verified_rollback_marks_its_domain_until_the_stage_changes_or_it_is_cleared() {
        let mut log = vec![
            entry("a", "orders", AuditEvent::Requested, Some(Stage::Canary)),
            entry("a", "orders", AuditEvent::Succeeded, None),
            entry("a", "orders", AuditEvent::Verified, None),
        ];
        let m = marks(&log, &canary());
        assert_eq!(
            m["orders"].words(),
            "ROLLED BACK 12:36 UTC by root@bastion, verified"
        );
        assert_eq!(
            m["orders"].badges()[1..],
            [
                "ROLLED BACK 12:36 UTC, verified",
                "ROLLED BACK, verified",
                "RB 12:36 OK",
                "RB OK"
            ]
        );

        let rolled_back: BTreeMap<String, Stage> =
            [("orders".to_string(), Stage::RolledBack)].into();
        assert!(marks(&log, &rolled_back).is_empty());

        log.push(entry("", "orders", AuditEvent::Cleared, None));
        assert!(marks(&log, &canary()).is_empty());
    }

    #[test]
    fn refusals_leave_no_mark_and_another_actions_entries_do_not_change_it() {
        let log = vec![
            entry("a", "orders", AuditEvent::Requested, Some(Stage::Canary)),
            entry("b", "orders", AuditEvent::Refused, None),
            entry("z", "orders", AuditEvent::Verified, None),
            entry("a", "orders", AuditEvent::Failed, None),
        ];
        let m = marks(&log, &canary());
        assert_eq!(m["orders"].outcome, Outcome::Failed);
        assert!(marks(
            &[entry("b", "orders", AuditEvent::Refused, None)],
            &canary()
        )
        .is_empty());
    }

    #[test]
    fn a_request_without_an_outcome_says_so_and_unknown_domains_are_dropped() {
        let log = vec![
            entry("a", "orders", AuditEvent::Requested, Some(Stage::Canary)),
            entry("c", "gone", AuditEvent::Requested, None),
        ];
        let m = marks(&log, &canary());
        assert_eq!(m.len(), 1);
        assert!(m["orders"]
            .words()
            .ends_with("running or cut short (no outcome in the log)"));
    }

    #[test]
    fn only_the_tail_of_a_long_log_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let log = super::super::AuditLog::in_state_dir(dir.path());
        let big = "x".repeat(4096);
        for i in 0..400 {
            let mut e = entry(&format!("{i}"), "orders", AuditEvent::Refused, None);
            e.result = big.clone();
            log.append(&e).unwrap();
        }
        log.append(&entry(
            "last",
            "orders",
            AuditEvent::Requested,
            Some(Stage::Canary),
        ))
        .unwrap();
        let tail = read_tail(log.path()).unwrap();
        assert!(tail.len() < 400 && tail.len() > 100, "{}", tail.len());
        assert_eq!(tail.last().unwrap().id, "last");
    }
}
