//! Sources: where bodies come from (HTTP scrape, Prometheus query API, a recording).
//!
//! INTERFACE CONTRACT (the engine, the recorder and replay code against this):
//!
//! ```ignore
//! /// What one poll of one source produced. Time comes from here (`at_ms`), never from the
//! /// wall clock at figure time, so live and replay are one code path.
//! #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
//! pub struct ScrapeOutcome {
//!     pub source: String,          // the source's configured name
//!     pub at_ms: i64,              // unix ms when the request was sent
//!     pub duration_ms: u64,
//!     pub bytes: u64,              // body bytes as received on the wire (compressed size if gzip)
//!     pub status: Option<u16>,     // HTTP status when there was one
//!     pub result: Result<String, String>,   // Ok(body text, lossily UTF-8) | Err(error in words)
//! }
//! ```
//! For `kind = "prometheus"` sources, the body is exposition text synthesised from the
//! instant-query answers (see `ingest::query_api::to_exposition`), so that recording, replay and
//! the figures treat both kinds alike.
pub mod poller;
pub mod scrape;
