//! Owned copies of parsed samples, for the ingest tests to compare what the parser read.

use cutover::ingest::exposition::{parse, MetricType, ParseStats};
use cutover::ingest::prefilter::FamilyFilter;

/// A parsed sample copied out of the parser's borrowed view.
#[derive(Debug, Clone)]
pub struct Owned {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
    pub timestamp_ms: Option<i64>,
    pub line: u32,
    pub kind: MetricType,
}

impl PartialEq for Owned {
    /// NaN equals NaN here: the tests compare what was read, not arithmetic.
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.labels == other.labels
            && (self.value == other.value || (self.value.is_nan() && other.value.is_nan()))
            && self.value.is_sign_negative() == other.value.is_sign_negative()
            && self.timestamp_ms == other.timestamp_ms
            && self.line == other.line
            && self.kind == other.kind
    }
}

/// Build an expected sample.
pub fn sample(
    name: &str,
    labels: &[(&str, &str)],
    value: f64,
    timestamp_ms: Option<i64>,
    line: u32,
    kind: MetricType,
) -> Owned {
    Owned {
        name: name.to_string(),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        value,
        timestamp_ms,
        line,
        kind,
    }
}

/// Parse a body and copy every sample out.
pub fn parse_owned(body: &str, filter: &FamilyFilter) -> (Vec<Owned>, ParseStats) {
    let mut out = Vec::new();
    let stats = parse(body, filter, |s| {
        out.push(Owned {
            name: s.name.to_string(),
            labels: s
                .labels
                .iter()
                .map(|l| (l.name.to_string(), l.value.to_string()))
                .collect(),
            value: s.value,
            timestamp_ms: s.timestamp_ms,
            line: s.line,
            kind: s.kind,
        });
    });
    (out, stats)
}

/// The single value of the sample with this name and exactly these labels (any order).
pub fn value_of(samples: &[Owned], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let found: Vec<f64> = samples
        .iter()
        .filter(|s| {
            s.name == name
                && s.labels.len() == labels.len()
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.iter().any(|(lk, lv)| lk == k && lv == v))
        })
        .map(|s| s.value)
        .collect();
    assert!(
        found.len() <= 1,
        "{name} {labels:?} matched {} samples",
        found.len()
    );
    found.first().copied()
}
