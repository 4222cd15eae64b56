//! Prometheus `/api/v1/query` answers: real captures, error envelopes, non-JSON bodies, and the
//! round trip through exposition text and our parser.

mod common;

use common::ingest::parse_owned;
use cutover::ingest::exposition::MetricType;
use cutover::ingest::prefilter::FamilyFilter;
use cutover::ingest::query_api::{parse_instant, to_exposition, QueryError, QuerySample};

fn answer(file: &str) -> Result<Vec<QuerySample>, QueryError> {
    parse_instant(&common::fixture_bytes(&format!("real/{file}")))
}

fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn vector_answer() {
    let samples = answer("prometheus-query-server-weight.json").unwrap();
    assert_eq!(
        samples,
        [
            QuerySample {
                labels: labels(&[
                    ("__name__", "haproxy_server_weight"),
                    ("instance", "127.0.0.1:19404"),
                    ("job", "haproxy"),
                    ("proxy", "be_orders"),
                    ("server", "monolith"),
                ]),
                value: 90.0,
                timestamp_ms: 1_795_552_258_366,
            },
            QuerySample {
                labels: labels(&[
                    ("__name__", "haproxy_server_weight"),
                    ("instance", "127.0.0.1:19404"),
                    ("job", "haproxy"),
                    ("proxy", "be_orders"),
                    ("server", "orders_svc"),
                ]),
                value: 0.0,
                timestamp_ms: 1_795_552_258_366,
            },
        ]
    );
    let up = answer("prometheus-query-up-svc-down.json").unwrap();
    assert_eq!(up.len(), 6);
    let svc = up
        .iter()
        .find(|s| s.labels.contains(&("service".into(), "orders_svc".into())))
        .unwrap();
    assert_eq!(svc.value, 0.0);
    assert_eq!(svc.timestamp_ms, 1_795_552_265_156);
}

#[test]
fn scalar_answer_is_one_sample_without_labels() {
    assert_eq!(
        answer("prometheus-query-scalar.json").unwrap(),
        [QuerySample {
            labels: vec![],
            value: 1509.0,
            timestamp_ms: 1_795_552_258_366
        }]
    );
}

#[test]
fn empty_answer_is_no_samples() {
    assert_eq!(answer("prometheus-query-empty.json").unwrap(), []);
}

#[test]
fn error_envelopes_are_reported_in_words() {
    let err = answer("prometheus-query-error-bad-promql.json").unwrap_err();
    match &err {
        QueryError::Api {
            error_type,
            message,
        } => {
            assert_eq!(error_type, "bad_data");
            assert!(
                message.starts_with("invalid parameter \"query\": 1:16: parse error"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("bad_data"));
    assert!(err.to_string().contains("parse error"));

    let err = answer("prometheus-query-error-execution.json").unwrap_err();
    assert!(matches!(&err, QueryError::Api { error_type, message }
        if error_type == "execution" && message.contains("many-to-many matching not allowed")));
}

#[test]
fn range_answer_is_refused() {
    let err = answer("prometheus-query_range-rate-by-server.json").unwrap_err();
    assert_eq!(err, QueryError::UnsupportedResultType("matrix".into()));
    assert!(err.to_string().contains("matrix"));
}

#[test]
fn proxy_html_is_not_json() {
    let page = b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n";
    match parse_instant(page).unwrap_err() {
        QueryError::NotJson { start } => {
            assert!(
                start.starts_with("<html><head><title>502 Bad Gateway"),
                "{start}"
            );
            assert!(start.chars().count() <= 81);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse_instant(b"").unwrap_err(),
        QueryError::NotJson { .. }
    ));
    assert!(matches!(
        parse_instant(b"[1,2]").unwrap_err(),
        QueryError::Malformed(_)
    ));
}

#[test]
fn special_values_and_warnings() {
    let body = br#"{"status":"success","warnings":["partial response"],"data":{"resultType":"vector","result":[
        {"metric":{"q":"0.99"},"value":[1700000000.5,"NaN"]},
        {"metric":{"q":"max"},"value":[1700000000.5,"+Inf"]},
        {"metric":{"q":"min"},"value":[1700000000.5,"-Inf"]},
        {"metric":{"q":"h"},"histogram":[1700000000.5,{"count":"3","sum":"1","buckets":[]}]}]}}"#;
    let samples = parse_instant(body).unwrap();
    assert_eq!(samples.len(), 3, "the native histogram has no single value");
    assert!(samples[0].value.is_nan());
    assert_eq!(samples[1].value, f64::INFINITY);
    assert_eq!(samples[2].value, f64::NEG_INFINITY);
    assert_eq!(samples[0].timestamp_ms, 1_700_000_000_500);
}

#[test]
fn exposition_round_trip() {
    let mut samples = answer("prometheus-query-server-weight.json").unwrap();
    samples.push(QuerySample {
        // No __name__ (after rate()), awkward label values, and a stale __query__ label.
        labels: labels(&[
            ("route", "/orders/{id},x=\"y\"\\z\nend"),
            ("__query__", "old"),
            ("city", "Zürich"),
        ]),
        value: f64::NAN,
        timestamp_ms: 1_700_000_000_123,
    });
    samples.push(QuerySample {
        labels: labels(&[("__name__", "my.dotted.metric"), ("a", "b")]),
        value: f64::INFINITY,
        timestamp_ms: 1,
    });
    samples.push(QuerySample {
        labels: vec![],
        value: -1.5e-300,
        timestamp_ms: -5,
    });
    let query = "sum by (server) (rate(haproxy_server_http_responses_total{code=\"5xx\"}[1m]))";
    let mut text = String::new();
    to_exposition(query, &samples, &mut text);

    let (parsed, stats) = parse_owned(&text, &FamilyFilter::all());
    assert_eq!(stats.bad_lines, 0, "{:?}\n{text}", stats.first_bad);
    assert_eq!(parsed.len(), samples.len());
    for (read, original) in parsed.iter().zip(&samples) {
        let name = original
            .labels
            .iter()
            .find(|(k, _)| k == "__name__")
            .map_or("query_result", |(_, v)| v.as_str());
        assert_eq!(read.name, name);
        let mut want: Vec<(String, String)> = original
            .labels
            .iter()
            .filter(|(k, _)| k != "__name__" && k != "__query__")
            .cloned()
            .collect();
        want.push(("__query__".into(), query.into()));
        assert_eq!(read.labels, want);
        assert!(
            read.value == original.value || (read.value.is_nan() && original.value.is_nan()),
            "{} vs {}",
            read.value,
            original.value
        );
        assert_eq!(read.timestamp_ms, Some(original.timestamp_ms));
        assert_eq!(read.kind, MetricType::Untyped);
    }
    assert!(text.starts_with(
        "haproxy_server_weight{instance=\"127.0.0.1:19404\",job=\"haproxy\",proxy=\"be_orders\",server=\"monolith\",__query__=\"sum by (server) (rate(haproxy_server_http_responses_total{code=\\\"5xx\\\"}[1m]))\"} 90 1795552258366\n"
    ), "{text}");
}
