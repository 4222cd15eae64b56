//! The exposition-format parser (Prometheus text 0.0.4 and OpenMetrics text).
//!
//! INTERFACE CONTRACT (the rest of the crate codes against exactly this):
//!
//! ```ignore
//! #[derive(Debug, Clone, Copy, PartialEq, Eq)]
//! pub enum MetricType { Counter, Gauge, Histogram, Summary, Untyped, Other }
//! #[derive(Debug, Clone, PartialEq)]
//! pub struct Label<'a> { pub name: &'a str, pub value: std::borrow::Cow<'a, str> }
//! #[derive(Debug)]
//! pub struct Sample<'a, 'b> {
//!     pub name: &'a str,              // full sample name, e.g. "h_bucket"; for quoted names the unquoted name
//!     pub labels: &'b [Label<'a>],     // in source order, unescaped
//!     pub value: f64,
//!     pub timestamp_ms: Option<i64>,
//!     pub line: u32,                   // 1-based line number
//!     pub kind: MetricType,            // from the governing # TYPE line, by suffix (_bucket/_sum/_count/_total/_created); Untyped when none
//! }
//! #[derive(Debug, Clone, PartialEq, Eq)]
//! pub struct BadLine { pub line: u32, pub reason: String }
//! #[derive(Debug, Clone, Default, PartialEq, Eq)]
//! pub struct ParseStats {
//!     pub lines: u32,            // all lines seen
//!     pub sample_lines: u32,     // lines that are neither blank nor comments
//!     pub samples: u32,          // sample lines parsed and handed to the callback
//!     pub filtered: u32,         // sample lines skipped by the pre-filter (valid name, family not needed)
//!     pub bad_lines: u32,        // lines that could not be parsed (skipped, rest kept)
//!     pub first_bad: Vec<BadLine>, // the first 20 bad lines with their line numbers
//! }
//! pub fn parse<'a, F: FnMut(&Sample<'a, '_>)>(body: &'a str, filter: &FamilyFilter, on_sample: F) -> ParseStats;
//! ```
//! `FamilyFilter` lives in `prefilter.rs`.
