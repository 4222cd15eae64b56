//! Sources: where bodies come from (HTTP scrape, Prometheus query API, a recording).
//!
//! INTERFACE CONTRACT (the engine, the recorder and replay code against this):
//!
//! ```text
//! /// What one poll of one source produced. Time comes from here (`at_ms`), never from the
//! /// wall clock at figure time, so live and replay are one code path.
//! #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
//! pub struct ScrapeOutcome {
//!     pub source: String,          // the source's configured name
//!     pub at_ms: i64,              // unix ms when the request was sent
//!     pub duration_ms: u64,
//!     pub bytes: u64,              // body bytes as received on the wire (compressed size if gzip)
//!     pub status: Option<u16>,     // HTTP status when there was one
//!     pub result: Result<String, PollError>, // Ok(body text, lossily UTF-8) | Err(why, in words)
//! }
//! ```
//! For `kind = "prometheus"` sources, the body is exposition text synthesised from the
//! instant-query answers (see `ingest::query_api::to_exposition`), so that recording, replay and
//! the figures treat both kinds alike. Plain selectors are read in batched queries whose series
//! are written as a scrape body holds them (see `compile::batch`); other expressions are one
//! query each, their series tagged with the query.
//!
//! One HTTP poll (`scrape::Fetcher`) is put together from: `client` (the client built once:
//! headers, TLS roots, redirects), `body` (a body read within `max_body`, gzip included, into
//! the buffer `buffer` keeps across polls),
//! `words` (every failure in words, as typed errors), `redactor` (the source's secrets out of
//! those words and of bodies) and `progress` (bytes and status seen so far).
mod body;
mod buffer;
mod client;
pub mod concurrency;
pub mod poller;
mod progress;
mod redactor;
mod rounds;
pub mod scrape;
mod secret;
mod words;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

pub use buffer::{BodyReturn, BodyReturns};
pub use concurrency::{PollPressure, PressureBoard};
pub use poller::Poller;
pub use rounds::{poll_once, poll_once_counted, PollRounds};
pub use scrape::Fetcher;
pub use secret::{resolve_secret_env, resolve_secret_file, Secret, SecretFrom};

/// What one poll of one source produced. Time comes from here (`at_ms`), never from the
/// wall clock at figure time, so live and replay are one code path.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScrapeOutcome {
    /// The source's configured name.
    pub source: String,
    /// Unix milliseconds when the request was sent.
    pub at_ms: i64,
    pub duration_ms: u64,
    /// Body bytes as received on the wire (the compressed size if gzip).
    pub bytes: u64,
    /// HTTP status when there was one.
    pub status: Option<u16>,
    /// `Ok(body text, lossily UTF-8)` or `Err(why)`.
    pub result: Result<String, PollError>,
}

impl ScrapeOutcome {
    /// A poll of `source` that did not happen, or gave nothing, stamped `at_ms`: no bytes, no
    /// status, `why` as its error.
    pub fn without_body(source: String, at_ms: i64, why: PollError) -> ScrapeOutcome {
        ScrapeOutcome {
            source,
            at_ms,
            duration_ms: 0,
            bytes: 0,
            status: None,
            result: Err(why),
        }
    }
}

/// Why a poll gave no body. Its words (Display) are what `check`, `status`, the cockpit, logs
/// and recordings show, and they never hold a configured secret. A recording keeps only the
/// words (serialized as a plain string, as before), so failures that read the same are equal
/// and one read back is [`PollError::Failed`].
#[derive(Debug, Clone, thiserror::Error)]
pub enum PollError {
    /// The poll ran and failed (the source's secrets taken out of the words), or a recording
    /// or a simulated exporter says it did.
    #[error("{0}")]
    Failed(String),
    /// The source could not be set up (its spec or its HTTP client), so it was not polled.
    #[error("{0}")]
    NotSetUp(String),
    /// Every poll slot stayed busy for the whole turn.
    #[error("no connection slot became free")]
    NoSlot,
}

impl PartialEq for PollError {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl serde::Serialize for PollError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PollError {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <String as serde::Deserialize>::deserialize(deserializer).map(PollError::Failed)
    }
}

/// How a source proves who is asking. Secrets stay wrapped so they never reach a log.
#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Bearer(Secret),
    Basic { username: String, password: Secret },
}

/// Whether a source is an exposition endpoint or a Prometheus-compatible query API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    Scrape,
    Prometheus,
}

/// Everything needed to poll one source, already resolved (secrets read, durations parsed),
/// so this layer does not depend on how the configuration is written.
#[derive(Clone)]
pub struct SourceSpec {
    pub name: String,
    pub url: String,
    pub kind: SourceKind,
    /// Extra request headers (e.g. `X-Scope-OrgID`); their values are treated as secrets.
    pub headers: Vec<(String, String)>,
    pub auth: Auth,
    /// A PEM file with extra CA certificates trusted for this source.
    pub ca_file: Option<PathBuf>,
    pub insecure_skip_verify: bool,
    /// The most bytes a body may have, on the wire and again after gzip inflation.
    pub max_body: u64,
    /// The bound on one whole poll: connect, request and body.
    pub timeout: Duration,
    /// Prometheus kind: the PromQL expressions to evaluate each poll, their series tagged with
    /// the query (`__query__`).
    pub queries: Vec<String>,
    /// Prometheus kind: batched selectors (`compile::batch`) read each poll, their series
    /// written untagged, as a scrape body would hold them.
    pub batch: Vec<String>,
    /// What one poll may hold; a query answer is cut short at `series_limit`.
    pub limits: crate::ingest::limits::Limits,
}

/// Header values may carry credentials (API keys, tenant tokens), and the URL may carry a
/// password, so Debug shows neither.
impl fmt::Debug for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, _)| (name.as_str(), crate::redact::REDACTED))
            .collect();
        f.debug_struct("SourceSpec")
            .field("name", &self.name)
            .field("url", &crate::redact::url(&self.url))
            .field("kind", &self.kind)
            .field("headers", &headers)
            .field("auth", &self.auth)
            .field("ca_file", &self.ca_file)
            .field("insecure_skip_verify", &self.insecure_skip_verify)
            .field("max_body", &self.max_body)
            .field("timeout", &self.timeout)
            .field("queries", &self.queries)
            .field("batch", &self.batch)
            .field("limits", &self.limits)
            .finish()
    }
}

/// Why a source could not be set up. Messages name the source, variable or file, never a
/// secret value.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("environment variable {var} is not set")]
    SecretEnvMissing { var: String },
    #[error("environment variable {var} does not hold valid UTF-8")]
    SecretEnvNotUnicode { var: String },
    #[error("environment variable {var} is empty")]
    SecretEnvEmpty { var: String },
    #[error("cannot read secret file {}: {source}", path.display())]
    SecretFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("secret file {} is empty", path.display())]
    SecretFileEmpty { path: PathBuf },
    #[error("source {source_name}: invalid url: {reason}")]
    BadUrl { source_name: String, reason: String },
    #[error("source {source_name}: header {header:?} has an invalid name or value")]
    BadHeader { source_name: String, header: String },
    #[error("source {source_name}: cannot read ca_file {}: {source}", path.display())]
    CaFileRead {
        source_name: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("source {source_name}: ca_file {} holds no PEM certificate", path.display())]
    CaFileNoCertificate { source_name: String, path: PathBuf },
    #[error("source {source_name}: ca_file {}: {reason}", path.display())]
    CaFileInvalid {
        source_name: String,
        path: PathBuf,
        reason: String,
    },
    #[error("source {source_name}: cannot build the HTTP client: {reason}")]
    Client { source_name: String, reason: String },
    #[error("pollers need a running Tokio runtime")]
    NoRuntime,
}
