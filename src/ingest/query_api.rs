//! Prometheus HTTP query API answers (instant queries).
//!
//! PLACEHOLDER: the smallest version of the agreed interface, so that the source layer builds
//! and can be tested; it is replaced by the real parser.

use std::fmt::Write as _;

/// One series of an instant-vector (or scalar) answer.
#[derive(Debug, Clone, PartialEq)]
pub struct QuerySample {
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

/// Why an answer holds no samples.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    #[error("{error_type}: {message}")]
    Api { error_type: String, message: String },
    #[error("the answer is not Prometheus API JSON")]
    NotJson,
}

/// Reads an instant-query answer (`vector` or `scalar`).
pub fn parse_instant(body: &[u8]) -> Result<Vec<QuerySample>, QueryError> {
    let answer: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| QueryError::NotJson)?;
    let text = |key: &str| answer.get(key).and_then(|v| v.as_str()).unwrap_or("");
    match text("status") {
        "success" => {}
        "error" => {
            return Err(QueryError::Api {
                error_type: text("errorType").to_string(),
                message: text("error").to_string(),
            })
        }
        _ => return Err(QueryError::NotJson),
    }
    let data = answer.get("data").ok_or(QueryError::NotJson)?;
    let value_of =
        |pair: &serde_json::Value| -> Option<f64> { pair.get(1)?.as_str()?.parse().ok() };
    match data.get("resultType").and_then(|t| t.as_str()) {
        Some("vector") => Ok(data
            .get("result")
            .and_then(|r| r.as_array())
            .into_iter()
            .flatten()
            .filter_map(|series| {
                let labels = series
                    .get("metric")?
                    .as_object()?
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect();
                Some(QuerySample {
                    labels,
                    value: value_of(series.get("value")?)?,
                })
            })
            .collect()),
        Some("scalar") => Ok(data
            .get("result")
            .and_then(value_of)
            .map(|value| QuerySample {
                labels: Vec::new(),
                value,
            })
            .into_iter()
            .collect()),
        _ => Err(QueryError::NotJson),
    }
}

/// Writes the samples as exposition lines named after the query's series.
pub fn to_exposition(query: &str, samples: &[QuerySample], out: &mut String) {
    let _ = query;
    for sample in samples {
        let name = sample
            .labels
            .iter()
            .find(|(k, _)| k == "__name__")
            .map(|(_, v)| v.as_str())
            .unwrap_or("query_result");
        out.push_str(name);
        out.push('{');
        for (k, v) in sample.labels.iter().filter(|(k, _)| k != "__name__") {
            let _ = write!(out, "{k}={v:?},");
        }
        let _ = writeln!(out, "}} {}", sample.value);
    }
}
