//! Prometheus HTTP query API answers (instant queries).
//!
//! A `kind = "prometheus"` source asks `/api/v1/query` instead of scraping. Its answers are
//! turned into exposition text (`to_exposition`) so that they flow through the same parser,
//! store and recordings as scraped bodies: one pipeline, not two.

use std::borrow::Cow;

use serde_json::Value;

use crate::ingest::exposition::{escape_into, is_label_name, is_metric_name};

/// One series of an instant-query answer.
#[derive(Debug, Clone, PartialEq)]
pub struct QuerySample {
    /// The series' labels, including `__name__` when the answer has one.
    pub labels: Vec<(String, String)>,
    pub value: f64,
    pub timestamp_ms: i64,
}

/// Why an answer gave no samples.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// A proxy, login page or load balancer answered instead of Prometheus.
    #[error("the answer is not JSON (a proxy or login page?); it starts with: {start}")]
    NotJson { start: String },
    /// Prometheus (or a compatible backend) refused or failed the query.
    #[error("the query failed ({error_type}): {message}")]
    Api { error_type: String, message: String },
    /// Well-formed JSON that is not a query answer as documented.
    #[error("the answer is JSON but not a query answer: {0}")]
    Malformed(String),
    /// `matrix` or `string`: not something an instant query for a selector should return.
    #[error("the query returned a {0} result; expected a vector or a scalar")]
    UnsupportedResultType(String),
}

/// How many characters of a non-JSON answer an error shows.
const SHOWN_CHARS: usize = 80;

/// Read an `/api/v1/query` answer into samples. `vector` gives one sample per series,
/// `scalar` one sample without labels. Warnings are ignored. Series carrying a native
/// histogram instead of a value are skipped: they have no single value to show.
pub fn parse_instant(body: &[u8]) -> Result<Vec<QuerySample>, QueryError> {
    let answer: Value = serde_json::from_slice(body).map_err(|_| QueryError::NotJson {
        start: shown_start(body),
    })?;
    let answer = answer
        .as_object()
        .ok_or_else(|| QueryError::Malformed("not a JSON object".into()))?;
    match answer.get("status").and_then(Value::as_str) {
        Some("success") => {}
        Some("error") => {
            let field = |key: &str| {
                answer
                    .get(key)
                    .and_then(Value::as_str)
                    .unwrap_or("unknown")
                    .to_string()
            };
            return Err(QueryError::Api {
                error_type: field("errorType"),
                message: field("error"),
            });
        }
        Some(other) => return Err(QueryError::Malformed(format!("status is {other:?}"))),
        None => return Err(QueryError::Malformed("no status".into())),
    }
    let data = answer
        .get("data")
        .ok_or_else(|| QueryError::Malformed("no data".into()))?;
    let result_type = data
        .get("resultType")
        .and_then(Value::as_str)
        .ok_or_else(|| QueryError::Malformed("no resultType".into()))?;
    let result = data
        .get("result")
        .ok_or_else(|| QueryError::Malformed("no result".into()))?;
    match result_type {
        "vector" => {
            let series = result
                .as_array()
                .ok_or_else(|| QueryError::Malformed("vector result is not an array".into()))?;
            let mut samples = Vec::with_capacity(series.len());
            for one in series {
                if one.get("value").is_none() && one.get("histogram").is_some() {
                    continue;
                }
                let labels = match one.get("metric") {
                    None => Vec::new(),
                    Some(Value::Object(metric)) => metric
                        .iter()
                        .map(|(name, value)| match value.as_str() {
                            Some(value) => Ok((name.clone(), value.to_string())),
                            None => Err(QueryError::Malformed(format!(
                                "label {name} is not a string"
                            ))),
                        })
                        .collect::<Result<_, _>>()?,
                    Some(_) => return Err(QueryError::Malformed("metric is not an object".into())),
                };
                let point = one
                    .get("value")
                    .ok_or_else(|| QueryError::Malformed("series without a value".into()))?;
                let (timestamp_ms, value) = read_point(point)?;
                samples.push(QuerySample {
                    labels,
                    value,
                    timestamp_ms,
                });
            }
            Ok(samples)
        }
        "scalar" => {
            let (timestamp_ms, value) = read_point(result)?;
            Ok(vec![QuerySample {
                labels: Vec::new(),
                value,
                timestamp_ms,
            }])
        }
        other => Err(QueryError::UnsupportedResultType(other.to_string())),
    }
}

/// A `[<unix seconds>, "<value>"]` pair as (milliseconds, value).
fn read_point(point: &Value) -> Result<(i64, f64), QueryError> {
    let malformed = || QueryError::Malformed(format!("not a [time, \"value\"] pair: {point}"));
    let pair = point
        .as_array()
        .filter(|p| p.len() == 2)
        .ok_or_else(malformed)?;
    let seconds = pair[0].as_f64().ok_or_else(malformed)?;
    // Values are JSON strings ("NaN", "+Inf" included); accept a bare number too.
    let value = match &pair[1] {
        Value::String(text) => text.parse::<f64>().ok(),
        other => other.as_f64(),
    }
    .ok_or_else(malformed)?;
    let ms = (seconds * 1000.0).round();
    if !ms.is_finite() || ms.abs() >= 2f64.powi(63) {
        return Err(malformed());
    }
    Ok((ms as i64, value))
}

/// The first characters of a body, on one line, for an error message.
fn shown_start(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut shown: String = text
        .trim_start()
        .chars()
        .take(SHOWN_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.trim_start().chars().count() > SHOWN_CHARS {
        shown.push('…');
    }
    if shown.is_empty() {
        shown.push_str("(empty body)");
    }
    shown
}

/// Write query samples as exposition lines that our parser reads back:
/// `name{labels...,__query__="<query>"} value timestamp_ms`.
///
/// The name is `__name__`, or `query_result` when the series has none (after `rate()` and
/// the like). The `__query__` label tells apart series of different queries with equal labels;
/// a `__query__` label already on the series is replaced by it. Names that are not valid bare
/// names are written in the quoted form.
///
/// Every series comes back from the parser: a name holding a character a quoted name cannot
/// carry (`"`, `\`, a line break) has it replaced by `_`, as Prometheus's own "underscores"
/// escaping does, and a label whose name is empty, or that becomes a duplicate or a reserved
/// name that way, is left out rather than turning the whole line into a bad one.
pub fn to_exposition(query: &str, samples: &[QuerySample], out: &mut String) {
    use std::fmt::Write as _;
    let mut written: Vec<Cow<'_, str>> = Vec::new();
    for sample in samples {
        let name = sample
            .labels
            .iter()
            .find(|(label, _)| label == "__name__")
            .map(|(_, value)| writable_name(value))
            .filter(|name| !name.is_empty())
            .unwrap_or(Cow::Borrowed("query_result"));
        if is_metric_name(&name) {
            out.push_str(&name);
            out.push('{');
        } else {
            out.push_str("{\"");
            out.push_str(&name);
            out.push_str("\",");
        }
        written.clear();
        for (label, value) in &sample.labels {
            let label = writable_name(label);
            if label.is_empty()
                || label == "__name__"
                || label == "__query__"
                || written.contains(&label)
            {
                continue;
            }
            if is_label_name(&label) {
                out.push_str(&label);
            } else {
                out.push('"');
                out.push_str(&label);
                out.push('"');
            }
            out.push_str("=\"");
            escape_into(value, out);
            out.push_str("\",");
            written.push(label);
        }
        out.push_str("__query__=\"");
        escape_into(query, out);
        out.push_str("\"} ");
        write_value(sample.value, out);
        let _ = writeln!(out, " {}", sample.timestamp_ms);
    }
}

/// A metric or label name as the parser can read it back in quotes, which take no escapes.
fn writable_name(name: &str) -> Cow<'_, str> {
    if name.contains(['"', '\\', '\n', '\r']) {
        Cow::Owned(name.replace(['"', '\\', '\n', '\r'], "_"))
    } else {
        Cow::Borrowed(name)
    }
}

/// A value in a form the parser reads back exactly: shortest round-trip digits, with an
/// exponent for very large or small magnitudes, and `NaN`/`+Inf`/`-Inf` spelled as Prometheus.
fn write_value(value: f64, out: &mut String) {
    use std::fmt::Write as _;
    if value.is_nan() {
        out.push_str("NaN");
    } else if value == f64::INFINITY {
        out.push_str("+Inf");
    } else if value == f64::NEG_INFINITY {
        out.push_str("-Inf");
    } else if value != 0.0 && !(1e-5..1e16).contains(&value.abs()) {
        let _ = write!(out, "{value:e}");
    } else {
        let _ = write!(out, "{value}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_readably() {
        let mut out = String::new();
        for v in [0.0, -0.0, 1764.0, 0.1, 1e300, -2.5e-9, 123456789.125] {
            out.clear();
            write_value(v, &mut out);
            assert_eq!(out.parse::<f64>().unwrap(), v, "{out}");
        }
        out.clear();
        write_value(1e300, &mut out);
        assert_eq!(out, "1e300");
    }

    /// Found by fuzzing: a label name holding `"` was written escaped in a quoted name, which
    /// the parser refuses, so the whole series turned into a bad line.
    #[test]
    fn every_series_reads_back_whatever_its_names_hold() {
        use crate::ingest::exposition::parse;
        use crate::ingest::prefilter::FamilyFilter;
        let labels = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let samples = vec![
            QuerySample {
                labels: labels(&[("__name__", "up"), ("a\"b", "1"), ("a_b", "2"), ("", "3")]),
                value: 1.0,
                timestamp_ms: 5,
            },
            QuerySample {
                labels: labels(&[("__name__", "we\\ird\nname"), ("__name\"_", "x")]),
                value: 2.0,
                timestamp_ms: 6,
            },
            QuerySample {
                labels: labels(&[("__name__", ""), ("job", "j")]),
                value: 3.0,
                timestamp_ms: 7,
            },
        ];
        let mut text = String::new();
        to_exposition("q", &samples, &mut text);
        let mut back = Vec::new();
        let stats = parse(&text, &FamilyFilter::all(), |s| {
            let labels: Vec<String> = s
                .labels
                .iter()
                .map(|l| format!("{}={}", l.name, l.value))
                .collect();
            back.push((s.name.to_string(), labels, s.value));
        });
        assert_eq!(stats.bad_lines, 0, "{text}: {:?}", stats.first_bad);
        assert_eq!(
            back,
            vec![
                ("up".into(), vec!["a_b=1".into(), "__query__=q".into()], 1.0),
                ("we_ird_name".into(), vec!["__query__=q".into()], 2.0),
                (
                    "query_result".into(),
                    vec!["job=j".into(), "__query__=q".into()],
                    3.0
                ),
            ]
        );
    }

    #[test]
    fn shown_start_is_one_short_line() {
        let long = format!("<html>\n<body>{}</body>", "x".repeat(200));
        let shown = shown_start(long.as_bytes());
        assert!(shown.starts_with("<html> <body>"));
        assert_eq!(shown.chars().count(), SHOWN_CHARS + 1);
        assert_eq!(shown_start(b""), "(empty body)");
    }
}
