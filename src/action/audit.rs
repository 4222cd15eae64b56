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
