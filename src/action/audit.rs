//! The audit log: JSON lines, append-only, fsynced per entry, 0600 in a 0700 state dir.
//! The `requested` entry is written before an action runs; if it cannot be written the action
//! does not run. Each entry is one `write` of a whole line, so the log is never half-written.
//! The log is opened without following links and refused (never chmodded) when its owner or
//! mode is wrong, in a state dir that passes `safe_fs::state_dir::check`.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::safe_fs::{self, state_dir, Access, PrivateFileError, StateDirError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditEvent {
    Requested,
    Succeeded,
    Failed,
    TimedOut,
    /// A request to stop (a second SIGTERM or SIGINT) ended the steps between two of them.
    Interrupted,
    Verified,
    NotVerified,
    Refused,
    /// The operator cleared the domain's mark (`action::marks`): the row no longer shows the
    /// last action.
    Cleared,
}

impl AuditEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditEvent::Requested => "requested",
            AuditEvent::Succeeded => "succeeded",
            AuditEvent::Failed => "failed",
            AuditEvent::TimedOut => "timed_out",
            AuditEvent::Interrupted => "interrupted",
            AuditEvent::Verified => "verified",
            AuditEvent::NotVerified => "not_verified",
            AuditEvent::Refused => "refused",
            AuditEvent::Cleared => "cleared",
        }
    }
}

/// Where an action was started, so the next shift knows whether a person at a cockpit, a
/// script or an automatic ramp did it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryPoint {
    Tui,
    Cli,
    Ramp,
}

impl EntryPoint {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryPoint::Tui => "tui",
            EntryPoint::Cli => "cli",
            EntryPoint::Ramp => "ramp",
        }
    }
}

/// The longest note an action takes (a ticket number and a few words).
pub const MAX_NOTE: usize = 200;

/// Why a note cannot go into the audit log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("the note is {0} characters long; at most {MAX_NOTE}")]
    TooLong(usize),
    #[error("the note holds a control character (a line break, an escape): one line of text only")]
    Control,
}

/// A note as the audit log keeps it: one line, bounded, secrets that look like secrets
/// redacted. Empty notes are none.
pub fn audit_note(note: &str) -> Result<Option<String>, NoteError> {
    let note = note.trim();
    if note.is_empty() {
        return Ok(None);
    }
    let count = note.chars().count();
    if count > MAX_NOTE {
        return Err(NoteError::TooLong(count));
    }
    if note
        .chars()
        .any(|c| c.is_control() || crate::term_text::is_unsafe(c))
    {
        return Err(NoteError::Control);
    }
    Ok(Some(crate::redact::body(note)))
}

/// An id shared by the entries of one action: unique on the host (time, process, a counter),
/// short enough to quote in a hand-off.
pub fn new_action_id() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{:x}-{:x}-{n}", crate::clock::now_ms(), std::process::id())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Shared by every entry of one action (request, outcome, verification); empty in entries
    /// written before actions had ids.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub time: String,
    pub operator: String,
    pub domain: String,
    pub action: String,
    /// The steps as they run, secrets redacted.
    pub steps: Vec<String>,
    pub event: AuditEvent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// What happened, in words (step outputs, errors, verification figures).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub result: String,
    /// Where the action was started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<EntryPoint>,
    /// The operator's note (a ticket number), as `audit_note` keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// What the values the steps change read before them, where a probe can read them
    /// (HAProxy `get weight`): on the `requested` entry, one line per value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub before: Vec<String>,
    /// The stage the config declared for the domain when the entry was written: a mark lasts
    /// while it is unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<crate::stage::Stage>,
    /// A promotion's new-path percent before it (the configured weight, else the observed
    /// share, to a tenth of a point).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<f64>,
    /// A promotion's target new-path percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<u8>,
    /// The context the action ran under (`--context`, `$CUTOVER_CONTEXT`, a switch in the
    /// cockpit); absent when no context was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit log {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("audit log: {0}")]
    File(#[from] PrivateFileError),
    #[error("audit log: {0}")]
    StateDir(#[from] StateDirError),
}

#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
}

impl AuditLog {
    pub fn new(path: PathBuf) -> AuditLog {
        AuditLog { path }
    }

    /// `<state dir>/audit.jsonl`.
    pub fn in_state_dir(dir: &Path) -> AuditLog {
        AuditLog::new(dir.join("audit.jsonl"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open(&self) -> Result<File, AuditError> {
        if let Some(dir) = self.path.parent() {
            if !dir.as_os_str().is_empty() {
                state_dir::ensure(dir)?;
            }
        }
        Ok(safe_fs::open_private(&self.path, Access::Append)?)
    }

    /// Whether an entry could be appended now (the file opens for appending), without writing
    /// one: lets a dialog refuse before the operator types anything.
    pub fn check(&self) -> Result<(), AuditError> {
        self.open().map(drop)
    }

    /// Appends one entry and fsyncs it.
    pub fn append(&self, entry: &AuditEntry) -> Result<(), AuditError> {
        let io = |source| AuditError::Io {
            path: self.path.clone(),
            source,
        };
        let mut line = serde_json::to_string(entry).map_err(|e| io(std::io::Error::other(e)))?;
        line.push('\n');
        let mut f = self.open()?;
        // Another cutover may be appending at the same time: the check for a cut-short line
        // below must not see its line half-written, so appends take turns.
        crate::safe_fs::lock_exclusive(&f).map_err(io)?;
        // A line cut short by a crash must not swallow this one.
        if !ends_with_newline(&mut f).map_err(io)? {
            line.insert(0, '\n');
        }
        f.write_all(line.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)
    }

    /// Every entry, oldest first; lines that do not parse are skipped.
    pub fn read_all(&self) -> Result<Vec<AuditEntry>, AuditError> {
        use std::io::Read;
        let Some(mut file) = safe_fs::open_read(&self.path)? else {
            return Ok(Vec::new());
        };
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(|source| AuditError::Io {
                path: self.path.clone(),
                source,
            })?;
        Ok(text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect())
    }
}

/// True for an empty file or one whose last byte is a line end.
fn ends_with_newline(file: &mut File) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    if file.metadata()?.len() == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

pub use crate::safe_fs::state_dir::create_private_dir;

/// `user@host` of whoever runs cutover, for the audit trail.
pub fn operator() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(user_from_uid)
        .unwrap_or_else(|| "unknown".into());
    format!("{user}@{}", host())
}

/// The name of this host, as the audit log and notifications give it.
pub fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}

/// The login name of the real user id from /etc/passwd (containers and cron jobs often run
/// without `$USER`), or `uid N` when it is not listed.
#[allow(unsafe_code)]
fn user_from_uid() -> Option<String> {
    #[cfg(unix)]
    {
        // SAFETY: getuid(2) cannot fail and touches no memory.
        let uid = unsafe { libc::getuid() };
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        let name = passwd.lines().find_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            let id = fields.nth(1)?;
            (id.parse::<u32>().ok()? == uid).then(|| name.to_string())
        });
        Some(name.unwrap_or_else(|| format!("uid {uid}")))
    }
    #[cfg(not(unix))]
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::OpenOptions;

    fn entry(event: AuditEvent) -> AuditEntry {
        AuditEntry {
            time: "2025-03-01T10:00:00.000Z".into(),
            operator: "ops@bastion".into(),
            domain: "orders".into(),
            action: "rollback".into(),
            steps: vec!["haproxy 127.0.0.1:9999: set weight be_orders/orders_svc 0".into()],
            event,
            duration_ms: None,
            id: String::new(),
            result: String::new(),
            via: None,
            note: None,
            before: Vec::new(),
            stage: None,
            from: None,
            to: None,
            context: None,
        }
    }

    /// An entry whose result says who wrote it and which it was; long results (step outputs)
    /// make a line far larger than one pipe buffer.
    fn numbered_entry(writer: usize, n: usize, result_len: usize) -> AuditEntry {
        AuditEntry {
            domain: format!("domain-{writer}"),
            duration_ms: Some(n as u64),
            id: String::new(),
            result: format!("{writer}:{n}:{}", "x".repeat(result_len)),
            via: None,
            note: None,
            before: Vec::new(),
            ..entry(AuditEvent::Requested)
        }
    }

    /// Several writers at once (threads of one process, each with its own handle, as two
    /// cutover processes would have): every line of the log is one whole entry.
    #[test]
    fn concurrent_appends_never_interleave_or_cut_a_line() {
        const WRITERS: usize = 8;
        const ENTRIES: usize = 40;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/audit.jsonl");
        std::thread::scope(|scope| {
            for writer in 0..WRITERS {
                let log = AuditLog::new(path.clone());
                scope.spawn(move || {
                    for n in 0..ENTRIES {
                        let result_len = if n % 5 == 0 { 100_000 } else { n * 37 };
                        log.append(&numbered_entry(writer, n, result_len)).unwrap();
                    }
                });
            }
        });
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.ends_with('\n'));
        let mut seen = vec![Vec::new(); WRITERS];
        for (i, line) in text.lines().enumerate() {
            let e: AuditEntry = serde_json::from_str(line)
                .unwrap_or_else(|err| panic!("line {} does not parse: {err}", i + 1));
            let (writer, rest) = e.result.split_once(':').unwrap();
            let (n, filler) = rest.split_once(':').unwrap();
            assert!(filler.bytes().all(|b| b == b'x'));
            let writer: usize = writer.parse().unwrap();
            assert_eq!(e.domain, format!("domain-{writer}"));
            seen[writer].push(n.parse::<usize>().unwrap());
        }
        // Each writer's entries are all there, in the order it wrote them.
        for ns in seen {
            assert_eq!(ns, (0..ENTRIES).collect::<Vec<_>>());
        }
        assert_eq!(
            AuditLog::new(path).read_all().unwrap().len(),
            WRITERS * ENTRIES
        );
    }

    #[test]
    fn appends_lines_in_a_private_file_in_a_private_dir() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_state_dir(&dir.path().join("state/cutover"));
        log.append(&entry(AuditEvent::Requested)).unwrap();
        log.append(&entry(AuditEvent::Succeeded)).unwrap();
        let all = log.read_all().unwrap();
        assert_eq!(
            all.iter().map(|e| e.event).collect::<Vec<_>>(),
            [AuditEvent::Requested, AuditEvent::Succeeded]
        );
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.contains(r#""event":"requested""#), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(log.path()), 0o600);
            assert_eq!(mode(log.path().parent().unwrap()), 0o700);
        }
    }

    /// A log found readable by others (copied, restored from a backup) is refused with the fix,
    /// never chmodded: the file might not be ours to change.
    #[cfg(unix)]
    #[test]
    fn a_world_readable_log_is_refused_and_left_as_it_is() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_state_dir(dir.path());
        std::fs::write(log.path(), "").unwrap();
        std::fs::set_permissions(log.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = log.append(&entry(AuditEvent::Requested)).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
        assert!(log.check().is_err());
        let mode = std::fs::metadata(log.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
        assert_eq!(std::fs::read_to_string(log.path()).unwrap(), "");
    }

    #[test]
    fn a_directory_in_the_way_makes_the_log_unavailable() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_state_dir(dir.path());
        std::fs::create_dir(log.path()).unwrap();
        assert!(log.check().is_err());
        assert!(log.append(&entry(AuditEvent::Requested)).is_err());
    }

    #[test]
    fn lines_that_do_not_parse_are_skipped_and_a_missing_log_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_state_dir(dir.path());
        assert!(log.read_all().unwrap().is_empty());
        log.append(&entry(AuditEvent::Requested)).unwrap();
        let mut f = OpenOptions::new().append(true).open(log.path()).unwrap();
        f.write_all(b"{\"cut short").unwrap();
        log.append(&entry(AuditEvent::Failed)).unwrap();
        assert_eq!(log.read_all().unwrap().len(), 2);
    }

    #[test]
    fn the_operator_is_user_at_host() {
        let op = operator();
        let (user, host) = op.split_once('@').unwrap();
        assert!(!user.is_empty() && !host.is_empty(), "{op}");
    }
}
