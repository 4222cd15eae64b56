//! Prometheus HTTP query API answers (instant queries).
//!
//! A `kind = "prometheus"` source asks `/api/v1/query` instead of scraping. Its answers are
//! turned into exposition text (`to_exposition`) so that they flow through the same parser,
//! store and recordings as scraped bodies: one pipeline, not two.

use std::borrow::Cow;

use std::collections::HashSet;

use crate::ingest::lexer::{escape_into, is_label_name, is_metric_name};
use crate::ingest::limits::{LimitBreach, Limits};
use crate::ingest::query_decode::{decode, Labels, SeriesSink};
pub use crate::ingest::query_error::QueryError;

/// One series of an instant-query answer.
#[derive(Debug, Clone, PartialEq)]
pub struct QuerySample {
    /// The series' labels, including `__name__` when the answer has one.
    pub labels: Vec<(String, String)>,
    pub value: f64,
    pub timestamp_ms: i64,
}

/// Read an `/api/v1/query` answer into samples. `vector` gives one sample per series,
/// `scalar` one sample without labels. Warnings are ignored. Series carrying a native
/// histogram instead of a value are skipped: they have no single value to show. The answer is
/// read in one pass (see `query_decode`); labels come sorted by name.
pub fn parse_instant(body: &[u8]) -> Result<Vec<QuerySample>, QueryError> {
    struct Collect(Vec<QuerySample>);
    impl SeriesSink for Collect {
        fn series(
            &mut self,
            labels: &Labels<'_>,
            value: f64,
            timestamp_ms: i64,
        ) -> Result<(), QueryError> {
            self.0.push(QuerySample {
                labels: labels
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_string()))
                    .collect(),
                value,
                timestamp_ms,
            });
            Ok(())
        }
    }
    let mut samples = Collect(Vec::new());
    decode(body, &mut samples)?;
    Ok(samples.0)
}

/// Read an answer straight into exposition text (as [`write_exposition`] writes it), holding
/// no more than the text: what a query source's poll turns into. More than `series_limit`
/// series stop the read with that limit's error. On an error, `out` is left as it was.
pub fn answer_to_exposition(
    body: &[u8],
    tag: Option<&str>,
    limits: &Limits,
    out: &mut String,
) -> Result<usize, QueryError> {
    struct Write<'q, 'o> {
        tag: Option<&'q str>,
        series: usize,
        limit: usize,
        out: &'o mut String,
        seen: HashSet<String>,
    }
    impl SeriesSink for Write<'_, '_> {
        fn series(
            &mut self,
            labels: &Labels<'_>,
            value: f64,
            timestamp_ms: i64,
        ) -> Result<(), QueryError> {
            self.series += 1;
            if Limits::exceeds(self.series, self.limit) {
                return Err(QueryError::Limit(LimitBreach::Series { limit: self.limit }));
            }
            write_series(
                self.tag,
                labels,
                value,
                timestamp_ms,
                self.out,
                &mut self.seen,
            );
            Ok(())
        }
    }
    let start = out.len();
    let mut sink = Write {
        tag,
        series: 0,
        limit: limits.series_limit,
        out,
        seen: HashSet::new(),
    };
    match decode(body, &mut sink) {
        Ok(()) => Ok(sink.series),
        Err(e) => {
            sink.out.truncate(start);
            Err(e)
        }
    }
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
    write_exposition(Some(query), samples, out);
}

/// [`to_exposition`] with the `__query__` label only when `tag` is given: a batched selector's
/// series are written untagged, as a scrape body holds them, so that the same selector code
/// picks them out.
pub fn write_exposition(tag: Option<&str>, samples: &[QuerySample], out: &mut String) {
    let mut seen = HashSet::new();
    for sample in samples {
        write_series(
            tag,
            &sample.labels,
            sample.value,
            sample.timestamp_ms,
            out,
            &mut seen,
        );
    }
}

/// One series as one exposition line (see [`to_exposition`]). `seen` is scratch space for
/// finding duplicate names in time linear in the number of labels.
fn write_series<N: AsRef<str>, V: AsRef<str>>(
    tag: Option<&str>,
    labels: &[(N, V)],
    value: f64,
    timestamp_ms: i64,
    out: &mut String,
    seen: &mut HashSet<String>,
) {
    use std::fmt::Write as _;
    {
        let name = labels
            .iter()
            .find(|(label, _)| label.as_ref() == "__name__")
            .map(|(_, value)| writable_name(value.as_ref()))
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
        // Few labels: a scan of those written; many: a set, so the cost stays linear.
        let many = labels.len() > 16;
        seen.clear();
        let mut written: Vec<Cow<'_, str>> = Vec::new();
        for (label, value) in labels {
            let (label, value) = (writable_name(label.as_ref()), value.as_ref());
            if label.is_empty() || label == "__name__" || label == "__query__" {
                continue;
            }
            let taken = if many {
                !seen.insert(label.to_string())
            } else {
                written.contains(&label)
            };
            if taken {
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
            if !many {
                written.push(label);
            }
        }
        match tag {
            Some(query) => {
                out.push_str("__query__=\"");
                escape_into(query, out);
                out.push_str("\"} ");
            }
            None => {
                // No label written: `{}` reads back; `name{,}` would not.
                if out.ends_with(',') {
                    out.pop();
                }
                out.push_str("} ");
            }
        }
        write_value(value, out);
        let _ = writeln!(out, " {timestamp_ms}");
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

    /// A batched selector's series are written untagged, as a scrape holds them: with no
    /// label left, with labels, and under a quoted name, every line reads back.
    #[test]
    fn untagged_series_read_back_as_a_scrape_would_hold_them() {
        use crate::ingest::exposition::parse;
        use crate::ingest::prefilter::FamilyFilter;
        let sample = |pairs: &[(&str, &str)], value: f64| QuerySample {
            labels: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value,
            timestamp_ms: 9,
        };
        let samples = [
            sample(&[("__name__", "up")], 1.0),
            sample(
                &[("__name__", "req_total"), ("job", "a"), ("__query__", "x")],
                2.0,
            ),
            sample(&[("__name__", "service.up"), ("svc", "b")], 3.0),
        ];
        let mut text = String::new();
        write_exposition(None, &samples, &mut text);
        assert_eq!(
            text,
            "up{} 1 9\nreq_total{job=\"a\"} 2 9\n{\"service.up\",svc=\"b\"} 3 9\n"
        );
        let mut back = Vec::new();
        let stats = parse(&text, &FamilyFilter::all(), |s| {
            back.push((s.name.to_string(), s.labels.len(), s.value));
        });
        assert_eq!(stats.bad_lines, 0, "{:?}", stats.first_bad);
        assert_eq!(
            back,
            [
                ("up".into(), 0, 1.0),
                ("req_total".into(), 1, 2.0),
                ("service.up".into(), 1, 3.0)
            ]
        );
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
}
