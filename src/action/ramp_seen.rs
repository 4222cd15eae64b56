//! A ramp run by another cutover process on this host, as the cockpit can see it without
//! asking that process anything: the domain's `<domain>.ramp` file says `kind=ramp`, the pid and since
//! when (`lock::Holder`), and the audit log's tail says the step it is at (the target of the
//! last promotion it requested, `"via":"ramp"`, at or after the lock's time).
//!
//! Both reads are bounded (the lock file's few lines, `marks::TAIL_BYTES` of the log) and
//! blocking: the cockpit makes them off its key thread (`cli::ramp_feed`). What they return is
//! numbers and a fixed word; the domain's name is the config's, sanitized where it is shown.

use std::path::Path;

use super::audit::{AuditEntry, AuditEvent, EntryPoint};
use super::lock::{DomainLock, Holder};

/// Another process's ramp of one domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RampSeen {
    pub pid: Option<u32>,
    /// When it took the domain's lock (unix ms).
    pub since_ms: Option<i64>,
    /// The target of its last promotion (requested; verified or not yet), `None` while it
    /// still holds the step it started at.
    pub step: Option<u8>,
}

impl RampSeen {
    /// `ramp of orders by pid 4121 since 10:02, step 25%` (the name as given: the caller
    /// sanitizes it for the terminal).
    pub fn words(&self, domain: &str, utc_offset_secs: i32) -> String {
        let by = self
            .pid
            .map_or_else(|| "another process".to_string(), |p| format!("pid {p}"));
        let since = self.since_ms.map_or_else(String::new, |ms| {
            format!(
                " since {}",
                crate::format::clock_minutes(ms, utc_offset_secs)
            )
        });
        let step = match self.step {
            Some(s) => format!("step {s}%"),
            None => "still at the step it started from".to_string(),
        };
        format!("ramp of {domain} by {by}{since}, {step}")
    }
}

/// The ramp another process runs on `domain`, if one holds its `.ramp` file: `None` when no
/// ramp runs, the ramp is this process's, or the file cannot be read (the gate will say why when someone acts). The lock files are beside the audit
/// log, as the gate keeps them.
pub fn look(audit: &Path, domain: &str) -> Option<RampSeen> {
    let seen = holder_of(audit, domain)?;
    let entries = super::marks::read_tail(audit).unwrap_or_default();
    Some(RampSeen {
        step: step_of(&entries, domain, seen.since_ms),
        ..seen
    })
}

/// [`look`] without the audit log: who holds the domain, its step not yet known.
pub fn holder_of(audit: &Path, domain: &str) -> Option<RampSeen> {
    let dir = match audit.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    of_holder(&DomainLock::ramp_holder(dir, domain).ok()??)
}

/// A holder that is another process's ramp, its step not yet known.
pub fn of_holder(holder: &Holder) -> Option<RampSeen> {
    if holder.kind.as_deref() != Some("ramp") || holder.pid == Some(std::process::id()) {
        return None;
    }
    Some(RampSeen {
        pid: holder.pid,
        since_ms: holder.since_ms,
        step: None,
    })
}

/// The target of the last promotion of `domain` a ramp requested at or after `since_ms`
/// (entries oldest first). An earlier ramp's steps are not this one's.
pub fn step_of(entries: &[AuditEntry], domain: &str, since_ms: Option<i64>) -> Option<u8> {
    entries
        .iter()
        .rev()
        .filter(|e| {
            e.domain == domain
                && e.action == "promote"
                && e.event == AuditEvent::Requested
                && e.via == Some(EntryPoint::Ramp)
        })
        .take_while(|e| match (since_ms, entry_ms(e)) {
            (Some(since), Some(at)) => at >= since,
            // A time nobody can read is not evidence of this ramp.
            (Some(_), None) => false,
            (None, _) => true,
        })
        .find_map(|e| e.to)
}

fn entry_ms(e: &AuditEntry) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(&e.time)
        .ok()
        .map(|t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(time: &str, via: Option<EntryPoint>, to: Option<u8>) -> AuditEntry {
        AuditEntry {
            id: "a".into(),
            time: time.into(),
            operator: "ana@bastion".into(),
            domain: "orders".into(),
            action: "promote".into(),
            steps: Vec::new(),
            event: AuditEvent::Requested,
            duration_ms: None,
            result: String::new(),
            via,
            note: None,
            before: Vec::new(),
            stage: None,
            from: None,
            to,
            context: None,
        }
    }

    #[test]
    fn the_step_is_the_last_ramp_promotion_since_the_lock_was_taken() {
        let since = chrono::DateTime::parse_from_rfc3339("2026-12-07T10:02:00Z")
            .unwrap()
            .timestamp_millis();
        let mut e = vec![
            // An earlier ramp's step, before this lock.
            entry("2026-12-07T09:00:00Z", Some(EntryPoint::Ramp), Some(50)),
            entry("2026-12-07T10:05:00Z", Some(EntryPoint::Ramp), Some(25)),
            // Typed in the cockpit: not the ramp's step.
            entry("2026-12-07T10:06:00Z", Some(EntryPoint::Tui), Some(50)),
        ];
        assert_eq!(step_of(&e, "orders", Some(since)), Some(25));
        assert_eq!(step_of(&e, "inventory", Some(since)), None);
        e.truncate(1);
        assert_eq!(step_of(&e, "orders", Some(since)), None);
        let seen = RampSeen {
            pid: Some(4121),
            since_ms: Some(since),
            step: Some(25),
        };
        assert_eq!(
            seen.words("orders", 0),
            "ramp of orders by pid 4121 since 10:02, step 25%"
        );
    }

    #[test]
    fn only_another_processs_ramp_is_a_ramp_seen() {
        let h = |kind: &str, pid: u32| Holder {
            kind: Some(kind.into()),
            pid: Some(pid),
            since_ms: Some(0),
        };
        assert!(of_holder(&h("ramp", std::process::id().wrapping_add(1))).is_some());
        assert!(of_holder(&h("promote", std::process::id().wrapping_add(1))).is_none());
        assert!(of_holder(&h("ramp", std::process::id())).is_none());
    }
}
