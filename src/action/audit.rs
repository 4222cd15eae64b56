//! The audit log: JSON lines, append-only, fsynced per entry, 0600 in a 0700 state dir.
//! The `requested` entry is written before an action runs; if it cannot be written the action
//! does not run. Each entry is one `write` of a whole line, so the log is never half-written.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditEvent {
    Requested,
    Succeeded,
    Failed,
    TimedOut,
    Verified,
    NotVerified,
    Refused,
}

impl AuditEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditEvent::Requested => "requested",
            AuditEvent::Succeeded => "succeeded",
            AuditEvent::Failed => "failed",
            AuditEvent::TimedOut => "timed_out",
            AuditEvent::Verified => "verified",
            AuditEvent::NotVerified => "not_verified",
            AuditEvent::Refused => "refused",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
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
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit log {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
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
        let io = |source| AuditError::Io {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            if !dir.as_os_str().is_empty() && !dir.exists() {
                create_private_dir(dir).map_err(io)?;
            }
        }
        let mut opts = OpenOptions::new();
        opts.append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        opts.open(&self.path).map_err(io)
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
        f.write_all(line.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)
    }

    /// Every entry, oldest first; lines that do not parse are skipped.
    pub fn read_all(&self) -> Result<Vec<AuditEntry>, AuditError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(AuditError::Io {
                    path: self.path.clone(),
                    source,
                })
            }
        };
        Ok(text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect())
    }
}

/// Creates a directory (and parents) readable by its owner only.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// `user@host` of whoever runs cutover, for the audit trail.
pub fn operator() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into());
    format!("{user}@{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(writer: usize, n: usize, result_len: usize) -> AuditEntry {
        AuditEntry {
            time: format!("2025-01-01T00:00:{:02}.000Z", n % 60),
            operator: "ops@bastion".into(),
            domain: format!("domain-{writer}"),
            action: "rollback".into(),
            steps: vec![format!(
                "haproxy 127.0.0.1:9999: set weight be_{writer}/svc 0"
            )],
            event: AuditEvent::Requested,
            duration_ms: Some(n as u64),
            // Long results (step outputs) make a line far larger than one pipe buffer.
            result: format!("{writer}:{n}:{}", "x".repeat(result_len)),
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
                        log.append(&entry(writer, n, result_len)).unwrap();
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

    #[cfg(unix)]
    #[test]
    fn the_log_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::in_state_dir(&dir.path().join("cutover"));
        log.append(&entry(0, 0, 10)).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(log.path()), 0o600);
        assert_eq!(mode(&dir.path().join("cutover")), 0o700);
    }
}
