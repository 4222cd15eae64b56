//! Prometheus HTTP range-query answers (`/api/v1/query_range`, a `matrix`).
//!
//! `status` asks a query API for the whole window at once instead of waiting for it to pass:
//! the API has the history. Each step of the answer becomes one exposition body (as
//! `query_api::to_exposition` writes instant answers), so the steps go through the same parser
//! and store as live polls: one pipeline, not two.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::ingest::limits::{LimitBreach, Limits};
use crate::ingest::query_api::{write_exposition, QueryError, QuerySample};
use crate::ingest::query_error::shown_start;

/// One series of a range answer: its labels and its points (unix ms, value).
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSeries {
    pub labels: Vec<(String, String)>,
    pub points: Vec<(i64, f64)>,
}

#[derive(Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    #[serde(default)]
    result: serde_json::Value,
}

#[derive(Deserialize)]
struct MatrixSeries {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, String)>,
}

/// Reads a range answer. More than `limits.series_limit` series is that limit's error, as for
/// instant answers.
pub fn parse_range(body: &[u8], limits: &Limits) -> Result<Vec<RangeSeries>, QueryError> {
    // The instant decoder reads error envelopes, non-JSON bodies and the result type in one
    // pass, cutting what it quotes, whatever their size; only a matrix is read here.
    match crate::ingest::query_api::parse_instant(body) {
        Err(QueryError::UnsupportedResultType(t)) if t == "matrix" => {}
        Err(QueryError::Malformed(_)) => {}
        Err(e) => return Err(e),
        Ok(_) => {
            return Err(QueryError::Malformed(
                "a range query answered with an instant vector, not a matrix".into(),
            ))
        }
    }
    let envelope: Envelope = serde_json::from_slice(body).map_err(|e| {
        if serde_json::from_slice::<serde_json::Value>(body).is_ok() {
            QueryError::Malformed(e.to_string())
        } else {
            QueryError::NotJson {
                start: shown_start(body),
            }
        }
    })?;
    if envelope.status != "success" {
        return Err(QueryError::Api {
            error_type: envelope.error_type.unwrap_or_else(|| "unknown".into()),
            message: envelope.error.unwrap_or_default(),
        });
    }
    let data = envelope
        .data
        .ok_or_else(|| QueryError::Malformed("no `data`".into()))?;
    if data.result_type != "matrix" {
        return Err(QueryError::UnsupportedResultType(data.result_type));
    }
    let series: Vec<MatrixSeries> =
        serde_json::from_value(data.result).map_err(|e| QueryError::Malformed(e.to_string()))?;
    if Limits::exceeds(series.len(), limits.series_limit) {
        return Err(QueryError::Limit(LimitBreach::Series {
            limit: limits.series_limit,
        }));
    }
    Ok(series
        .into_iter()
        .map(|s| RangeSeries {
            labels: s.metric.into_iter().collect(),
            points: s
                .values
                .into_iter()
                .filter_map(|(t, v)| Some(((t * 1000.0).round() as i64, parse_value(&v)?)))
                .collect(),
        })
        .collect())
}

/// Prometheus writes values as strings, `NaN` and `±Inf` included.
fn parse_value(v: &str) -> Option<f64> {
    match v {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        t => t.parse().ok(),
    }
}

/// Adds one query's range answer to `steps` (step time in unix ms → exposition body), each
/// point written as an instant answer of that query at that time would be: tagged with the
/// query when `tag` is given, untagged for a batched selector.
pub fn add_steps(tag: Option<&str>, series: &[RangeSeries], steps: &mut BTreeMap<i64, String>) {
    for s in series {
        for &(at_ms, value) in &s.points {
            let sample = QuerySample {
                labels: s.labels.clone(),
                value,
                timestamp_ms: at_ms,
            };
            write_exposition(tag, &[sample], steps.entry(at_ms).or_default());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANSWER: &str = r#"{"status":"success","data":{"resultType":"matrix","result":[
        {"metric":{"__name__":"req_total","side":"new"},"values":[[1700000000,"1"],[1700000002.5,"3"]]},
        {"metric":{},"values":[[1700000000,"NaN"]]}]}}"#;

    #[test]
    fn a_matrix_becomes_one_body_per_step() {
        let series = parse_range(ANSWER.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(series.len(), 2);
        assert_eq!(
            series[0].points,
            vec![(1_700_000_000_000, 1.0), (1_700_000_002_500, 3.0)]
        );
        let mut steps = BTreeMap::new();
        add_steps(Some("req_total"), &series, &mut steps);
        assert_eq!(steps.len(), 2);
        let first = &steps[&1_700_000_000_000];
        assert!(
            first.contains("req_total{side=\"new\",__query__=\"req_total\"} 1"),
            "{first}"
        );
        assert!(first.contains("query_result{"), "{first}");
    }

    #[test]
    fn errors_are_the_apis_words() {
        let err = parse_range(
            br#"{"status":"error","errorType":"bad_data","error":"parse error"}"#,
            &Limits::default(),
        )
        .unwrap_err();
        assert!(matches!(err, QueryError::Api { .. }), "{err}");
        let html = parse_range(b"<html>login</html>", &Limits::default()).unwrap_err();
        assert!(matches!(html, QueryError::NotJson { .. }), "{html}");
        let vector = parse_range(
            br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
            &Limits::default(),
        )
        .unwrap_err();
        assert!(matches!(vector, QueryError::Malformed(_)), "{vector}");
    }
}
