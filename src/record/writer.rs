//! Writing a recording. Each line is followed by a gzip sync flush, so a recording cut short by
//! a crash or SIGKILL decodes up to its last whole line.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;

use super::format::{Header, ScrapeLine, FORMAT, VERSION};
use crate::safe_fs::{self, Existing, PrivateFileError};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot create the recording: {0}")]
    Create(#[from] PrivateFileError),
    #[error("{path}: cannot write the recording: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub struct Recorder {
    path: PathBuf,
    out: GzEncoder<BufWriter<File>>,
    lines: u64,
}

impl Recorder {
    /// Creates a new file and writes the header line; an existing file is refused.
    pub fn create(path: &Path, started_at_ms: i64, config: &str) -> Result<Recorder, WriteError> {
        Self::create_with(path, started_at_ms, config, Existing::Refuse)
    }

    /// Creates the file, 0600, never through a link (a recording holds the config and the
    /// figures of production), replacing an existing regular file only when `existing` says so.
    pub fn create_with(
        path: &Path,
        started_at_ms: i64,
        config: &str,
        existing: Existing,
    ) -> Result<Recorder, WriteError> {
        let file = safe_fs::create_private(path, existing)?;
        Self::from_file(path, file, started_at_ms, config)
    }

    fn from_file(
        path: &Path,
        file: File,
        started_at_ms: i64,
        config: &str,
    ) -> Result<Recorder, WriteError> {
        let mut r = Recorder {
            path: path.to_path_buf(),
            out: GzEncoder::new(BufWriter::new(file), Compression::new(6)),
            lines: 0,
        };
        let header = Header {
            format: FORMAT.to_string(),
            version: VERSION,
            tool: format!("cutover {}", env!("CARGO_PKG_VERSION")),
            started_at: crate::clock::rfc3339(started_at_ms),
            started_at_ms,
            config: config.to_string(),
        };
        r.write_json(&header)?;
        Ok(r)
    }

    pub fn write(&mut self, line: &ScrapeLine) -> Result<(), WriteError> {
        self.write_json(line)
    }

    fn write_json<T: serde::Serialize>(&mut self, v: &T) -> Result<(), WriteError> {
        let err = |source| WriteError::Write {
            path: self.path.clone(),
            source,
        };
        let mut text = serde_json::to_string(v).map_err(|e| err(std::io::Error::other(e)))?;
        text.push('\n');
        self.out.write_all(text.as_bytes()).map_err(err)?;
        // A sync flush ends every line: whatever is on disk decodes to whole lines.
        self.out.flush().map_err(err)?;
        self.lines += 1;
        Ok(())
    }

    /// Lines written, the header included.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Writes the gzip trailer.
    pub fn finish(self) -> Result<(), WriteError> {
        let path = self.path.clone();
        let mut inner = self.out.finish().map_err(|source| WriteError::Write {
            path: path.clone(),
            source,
        })?;
        inner
            .flush()
            .map_err(|source| WriteError::Write { path, source })
    }
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_recording_is_private_and_never_overwrites_unasked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl.gz");
        Recorder::create(&path, 0, "").unwrap().finish().unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let len = std::fs::metadata(&path).unwrap().len();
        let err = Recorder::create(&path, 0, "x".repeat(10_000).as_str())
            .err()
            .unwrap();
        assert!(err.to_string().contains("already exists"), "{err}");
        assert_eq!(std::fs::metadata(&path).unwrap().len(), len);
        Recorder::create_with(&path, 0, "", Existing::Replace)
            .unwrap()
            .finish()
            .unwrap();
    }
}
