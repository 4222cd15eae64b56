//! Reading a recording, tolerant of a cut-short tail: it replays up to the last whole line.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use super::format::{Header, ScrapeLine, FORMAT, VERSION};
use crate::source::ScrapeOutcome;

#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("{path}: cannot open the recording: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a cutover recording: {why}")]
    Foreign { path: PathBuf, why: String },
    #[error("{path}: recording format version {found} is newer than this cutover reads ({VERSION}); upgrade cutover")]
    Newer { path: PathBuf, found: u32 },
    #[error("{path}: the recording is empty or cut short before its first scrape")]
    Empty { path: PathBuf },
    #[error("{path}: line {line}: {why}")]
    BadLine {
        path: PathBuf,
        line: usize,
        why: String,
    },
}

/// A whole recording in memory, in time order.
#[derive(Debug, Clone)]
pub struct Recording {
    pub header: Header,
    pub scrapes: Vec<ScrapeOutcome>,
    /// The file ended mid-line or mid-stream (a crash while recording); what came before is kept.
    pub truncated: bool,
}

impl Recording {
    pub fn start_ms(&self) -> i64 {
        self.scrapes
            .first()
            .map_or(self.header.started_at_ms, |s| s.at_ms)
    }
    pub fn end_ms(&self) -> i64 {
        self.scrapes
            .last()
            .map_or(self.header.started_at_ms, |s| s.at_ms)
    }
}

pub fn read_recording(path: &Path) -> Result<Recording, RecordingError> {
    let bytes = std::fs::read(path).map_err(|source| RecordingError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    read_recording_bytes(&bytes, path)
}

/// Reads from memory (the bundled demo); `path` names it in errors.
pub fn read_recording_bytes(bytes: &[u8], path: &Path) -> Result<Recording, RecordingError> {
    let p = || path.to_path_buf();
    if bytes.len() < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b {
        return Err(if bytes.is_empty() {
            RecordingError::Empty { path: p() }
        } else {
            RecordingError::Foreign {
                path: p(),
                why: "it is not gzip-compressed".into(),
            }
        });
    }
    // Decode as much as decodes; a cut-short stream ends with an error we treat as the end.
    let mut text = Vec::new();
    let mut decoder = MultiGzDecoder::new(bytes);
    let mut truncated = false;
    let mut buf = [0u8; 64 * 1024];
    loop {
        match decoder.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => text.extend_from_slice(&buf[..n]),
            Err(_) => {
                truncated = true;
                break;
            }
        }
    }
    if !text.ends_with(b"\n") {
        // The last line was being written when the recording stopped.
        if let Some(pos) = text.iter().rposition(|&b| b == b'\n') {
            text.truncate(pos + 1);
        } else {
            text.clear();
        }
        truncated = true;
    }
    let mut lines = BufReader::new(&text[..]).lines();
    let first = match lines.next() {
        Some(Ok(l)) => l,
        _ => return Err(RecordingError::Empty { path: p() }),
    };
    let header_value: serde_json::Value =
        serde_json::from_str(&first).map_err(|_| RecordingError::Foreign {
            path: p(),
            why: "its first line is not a JSON header".into(),
        })?;
    if header_value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(RecordingError::Foreign {
            path: p(),
            why: format!("its header does not say format \"{FORMAT}\""),
        });
    }
    let found = header_value
        .get("version")
        .and_then(|v| v.as_u64())
        .unwrap_or(0) as u32;
    if found > VERSION {
        return Err(RecordingError::Newer { path: p(), found });
    }
    let header: Header =
        serde_json::from_value(header_value).map_err(|e| RecordingError::BadLine {
            path: p(),
            line: 1,
            why: e.to_string(),
        })?;
    let mut scrapes = Vec::new();
    for (i, line) in lines.enumerate() {
        let line = line.map_err(|e| RecordingError::BadLine {
            path: p(),
            line: i + 2,
            why: e.to_string(),
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let s: ScrapeLine = serde_json::from_str(&line).map_err(|e| RecordingError::BadLine {
            path: p(),
            line: i + 2,
            why: e.to_string(),
        })?;
        scrapes.push(s.into_outcome());
    }
    scrapes.sort_by_key(|s| s.at_ms);
    Ok(Recording {
        header,
        scrapes,
        truncated,
    })
}
