//! The recording's lines (DESIGN §4).

use serde::{Deserialize, Serialize};

use crate::source::{PollError, ScrapeOutcome};

/// Identifies a cutover recording, so a foreign gzip file gets a clear error.
pub const FORMAT: &str = "cutover-recording";
/// Bumped when a reader of the previous version could not read the new lines.
pub const VERSION: u32 = 1;

/// Line 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    /// The cutover version that wrote it.
    pub tool: String,
    pub started_at: String,
    pub started_at_ms: i64,
    /// The config in force, secrets removed: replay rebuilds the same domains from it.
    pub config: String,
}

/// One scrape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScrapeLine {
    pub at_ms: i64,
    pub source: String,
    /// "ok", or the error in words.
    pub outcome: String,
    pub duration_ms: u64,
    pub bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The exposition body reduced to the lines the config uses (empty on error).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
}

impl ScrapeLine {
    /// A line for a scrape, with the body already reduced by the caller.
    pub fn new(o: &ScrapeOutcome, reduced_body: String) -> ScrapeLine {
        let (outcome, body) = match &o.result {
            Ok(_) => ("ok".to_string(), reduced_body),
            Err(e) => (e.to_string(), String::new()),
        };
        ScrapeLine {
            at_ms: o.at_ms,
            source: o.source.clone(),
            outcome,
            duration_ms: o.duration_ms,
            bytes: o.bytes,
            status: o.status,
            body,
        }
    }

    pub fn into_outcome(self) -> ScrapeOutcome {
        let result = if self.outcome == "ok" {
            Ok(self.body)
        } else {
            Err(PollError::Failed(self.outcome))
        };
        ScrapeOutcome {
            source: self.source,
            at_ms: self.at_ms,
            duration_ms: self.duration_ms,
            bytes: self.bytes,
            status: self.status,
            result,
        }
    }
}
