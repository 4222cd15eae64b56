//! What a parse hands over: samples borrowed from the body, and what it saw of the body.
//!
//! Apart from the reader so that the parser ([`super::exposition`]), the pre-filter's
//! `reduce` and the line reader they share all speak of the same types without needing each
//! other.

use std::borrow::Cow;

use crate::ingest::limits::LimitBreach;

/// How many bad lines a parse keeps with their reasons; the rest are only counted.
pub const MAX_REPORTED_BAD_LINES: usize = 20;

/// The type a sample belongs to, from the governing `# TYPE` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    Summary,
    /// Declared `untyped` or `unknown`, or no `# TYPE` line governs the sample.
    Untyped,
    /// OpenMetrics `info`, `stateset`, `gaugehistogram`, or a type word we do not know.
    Other,
}

/// One label of a sample, unescaped.
#[derive(Debug, Clone, PartialEq)]
pub struct Label<'a> {
    pub name: &'a str,
    pub value: Cow<'a, str>,
}

/// One sample line, borrowed from the body (and, for labels, from the parser's buffer).
#[derive(Debug)]
pub struct Sample<'a, 'b> {
    /// Full sample name, e.g. `h_bucket`; for a quoted name, the name without quotes.
    pub name: &'a str,
    /// In source order, unescaped.
    pub labels: &'b [Label<'a>],
    pub value: f64,
    pub timestamp_ms: Option<i64>,
    /// 1-based line number.
    pub line: u32,
    /// From the governing `# TYPE` line, by suffix; `Untyped` when none applies.
    pub kind: MetricType,
    /// The OpenMetrics exemplar after the sample, when it has a well-formed one (see
    /// [`super::exemplar`]).
    pub exemplar: Option<Exemplar<'a, 'b>>,
}

/// An OpenMetrics exemplar: one observation behind a counter's or bucket's value, with the
/// labels (usually `trace_id`) that tie it to a trace.
#[derive(Debug, Clone, Copy)]
pub struct Exemplar<'a, 'b> {
    /// In source order, unescaped; borrowed like the sample's.
    pub labels: &'b [Label<'a>],
    /// The observed value (for a latency bucket, the request's duration).
    pub value: f64,
    /// When it was observed, in unix ms, if the exporter said.
    pub timestamp_ms: Option<i64>,
}

/// A line that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: u32,
    pub reason: String,
}

/// What a parse saw; the source layer decides from it whether a scrape is up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParseStats {
    /// All lines seen (up to and including `# EOF`).
    pub lines: u32,
    /// Lines that are neither blank nor comments.
    pub sample_lines: u32,
    /// Sample lines parsed and handed to the callback.
    pub samples: u32,
    /// Sample lines skipped by the pre-filter (valid name, family not needed).
    pub filtered: u32,
    /// Lines that could not be parsed (skipped, rest kept).
    pub bad_lines: u32,
    /// The first [`MAX_REPORTED_BAD_LINES`] bad lines with their line numbers.
    pub first_bad: Vec<BadLine>,
    /// The limit the body broke; the parse stopped there (only [`super::exposition::parse_limited`] sets it).
    pub breach: Option<LimitBreach>,
}
