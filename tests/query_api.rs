//! Prometheus `/api/v1/query` answers: real captures, error envelopes, non-JSON bodies, and the
//! round trip through exposition text and our parser; plain selectors read in batched
//! queries against a query API on 127.0.0.1, giving the figures of a scrape.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::config::ConfigBuilder;
use common::figures::{assert_near, close, domain, json_domain};
use common::server::{HttpServer, Reply, Seen};
use common::Sandbox;
use cutover::compile::compile;
use cutover::config::parse_str;
use cutover::engine::{Engine, Mode};
use cutover::selector::Selector;

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

// ------------------------------------------------------------- batched selectors, end to end

/// Domains in the batched tests: enough that the batched query outgrows a GET URL.
const DOMAINS: usize = 120;

fn svc(d: usize) -> String {
    format!("orders-service-{d:03}")
}

/// What every target exposes at poll `phase` (0 or 1): per domain, requests by code on both
/// sides, the new side's weight and latency histogram.
fn exposition(phase: usize) -> String {
    let p = phase as f64;
    let mut out = String::from("# TYPE req_total counter\n");
    for d in 0..DOMAINS {
        let (s, k) = (svc(d), d as f64);
        for side in ["legacy", "new"] {
            out.push_str(&format!(
                "req_total{{svc=\"{s}\",side=\"{side}\",code=\"200\"}} {}\n",
                1000.0 + k + p * (50.0 + k)
            ));
            out.push_str(&format!(
                "req_total{{svc=\"{s}\",side=\"{side}\",code=\"500\"}} {}\n",
                3.0 + p * (k % 7.0)
            ));
        }
    }
    out.push_str("# TYPE weight gauge\n");
    for d in 0..DOMAINS {
        out.push_str(&format!(
            "weight{{svc=\"{}\",side=\"new\"}} {}\n",
            svc(d),
            d % 100
        ));
    }
    out.push_str("# TYPE lat_seconds histogram\n");
    for d in 0..DOMAINS {
        let (s, k) = (svc(d), d as f64);
        for (le, n) in [
            ("0.1", 10.0 + p * k),
            ("0.5", 20.0 + p * 2.0 * k),
            ("+Inf", 21.0 + p * 3.0 * k),
        ] {
            out.push_str(&format!(
                "lat_seconds_bucket{{svc=\"{s}\",side=\"new\",le=\"{le}\"}} {n}\n"
            ));
        }
        out.push_str(&format!(
            "lat_seconds_count{{svc=\"{s}\",side=\"new\"}} {}\n",
            21.0 + p * 3.0 * k
        ));
        out.push_str(&format!(
            "lat_seconds_sum{{svc=\"{s}\",side=\"new\"}} {}\n",
            2.0 + p * k
        ));
    }
    out
}

/// The same domain twice: `s<d>` scraping the exposition (when `scrape` is given), `q<d>`
/// through the query API.
fn batched_config(scrape: Option<&str>, api: &str, every: (&str, &str)) -> String {
    let mut b = ConfigBuilder::new().every(every.0, every.1);
    let mut sources = vec![("q", "prometheus")];
    if let Some(url) = scrape {
        b = b.source("scrape", url);
        sources.insert(0, ("s", "scrape"));
    }
    b = b.source_with("prometheus", api, "kind = \"prometheus\"");
    for d in 0..DOMAINS {
        for &(prefix, source) in &sources {
            let s = svc(d);
            b = b.domain(&format!("{prefix}{d}"), "canary", source);
            for (side, kind, labels) in [
                ("legacy", "requests", ""),
                ("legacy", "errors", r#",code="500""#),
                ("new", "requests", ""),
                ("new", "errors", r#",code="500""#),
            ] {
                let selector = format!(r#"req_total{{svc="{s}",side="{side}"{labels}}}"#);
                b = b.signal(side, kind, &selector);
            }
            b = b
                .signal(
                    "new",
                    "weight",
                    &format!(r#"weight{{svc="{s}",side="new"}}"#),
                )
                .signal(
                    "new",
                    "latency",
                    &format!(r#"lat_seconds{{svc="{s}",side="new"}}"#),
                );
        }
    }
    // One PromQL expression: evaluated by the API, a query of its own.
    b.domain_without_traffic("promql", "canary")
        .domain_text(
            "  [[domain.queue]]\n  name = \"heaviest\"\n  source = \"prometheus\"\n  depth = 'max(weight{side=\"new\"})'\n",
        )
        .build()
}

/// The query of an API request, from the URL (GET) or the form body (POST), decoded.
fn query_of(req: &Seen) -> Option<String> {
    let encoded = if req.method == "POST" {
        req.body.clone()
    } else {
        req.path.split_once('?')?.1.to_string()
    };
    let url = reqwest::Url::parse(&format!("http://x/?{encoded}")).ok()?;
    let query = url.query_pairs().find(|(k, _)| k == "query")?.1;
    Some(query.into_owned())
}

/// A query API over `exposition(phase)`, as Prometheus answers: a selector gives every series
/// it matches, with its name and the target's labels; `max(<selector>)` one series without
/// labels; anything else is refused as Prometheus refuses bad PromQL.
fn evaluate(query: &str, phase: usize, range: Option<(f64, f64, f64)>) -> Reply {
    let (inner, max) = match query.strip_prefix("max(").and_then(|q| q.strip_suffix(')')) {
        Some(inner) => (inner, true),
        None => (query, false),
    };
    let Ok(selector) = Selector::parse(inner) else {
        return Reply::of(
            400,
            "application/json",
            r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#,
        );
    };
    let text = exposition(phase);
    let (samples, _) = parse_owned(&text, &FamilyFilter::all());
    let mut series: Vec<(serde_json::Value, f64)> = samples
        .iter()
        .filter(|s| {
            selector.matches(
                &s.name,
                s.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            )
        })
        .map(|s| {
            let mut metric = serde_json::Map::new();
            metric.insert("__name__".into(), s.name.clone().into());
            metric.insert("job".into(), "app".into());
            metric.insert("instance".into(), "127.0.0.1:9100".into());
            for (k, v) in &s.labels {
                metric.insert(k.clone(), v.clone().into());
            }
            (serde_json::Value::Object(metric), s.value)
        })
        .collect();
    if max {
        let top = series.iter().map(|s| s.1).fold(f64::NEG_INFINITY, f64::max);
        series = vec![(serde_json::json!({}), top)];
    }
    let now = 1_764_016_268.5;
    let result: Vec<serde_json::Value> = match range {
        None => series
            .iter()
            .map(|(m, v)| serde_json::json!({"metric": m, "value": [now, v.to_string()]}))
            .collect(),
        // Every step but the last holds what phase 0 exposes; the last, what phase 1 does.
        Some((start, end, step)) => {
            let before = if phase == 1 {
                evaluate_values(inner, max).unwrap_or_default()
            } else {
                series.iter().map(|s| s.1).collect()
            };
            series
                .iter()
                .zip(before)
                .map(|((m, v), early)| {
                    let mut points = Vec::new();
                    let mut t = start;
                    while t < end - 1e-6 {
                        points.push(serde_json::json!([t, early.to_string()]));
                        t += step;
                    }
                    points.push(serde_json::json!([end, v.to_string()]));
                    serde_json::json!({"metric": m, "values": points})
                })
                .collect()
        }
    };
    let kind = if range.is_some() { "matrix" } else { "vector" };
    Reply::json(
        &serde_json::json!({"status": "success", "data": {"resultType": kind, "result": result}}),
    )
}

/// The phase-0 values of a selector's series, in answer order.
fn evaluate_values(selector: &str, max: bool) -> Option<Vec<f64>> {
    let selector = Selector::parse(selector).ok()?;
    let text = exposition(0);
    let (samples, _) = parse_owned(&text, &FamilyFilter::all());
    let values: Vec<f64> = samples
        .iter()
        .filter(|s| {
            selector.matches(
                &s.name,
                s.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            )
        })
        .map(|s| s.value)
        .collect();
    Some(if max {
        vec![values.iter().copied().fold(f64::NEG_INFINITY, f64::max)]
    } else {
        values
    })
}

fn range_of(req: &Seen) -> Option<(f64, f64, f64)> {
    let encoded = if req.method == "POST" {
        req.body.clone()
    } else {
        req.path.split_once('?')?.1.to_string()
    };
    let url = reqwest::Url::parse(&format!("http://x/?{encoded}")).ok()?;
    let get = |name: &str| -> Option<f64> {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse().ok())
    };
    Some((get("start")?, get("end")?, get("step")?))
}

/// The exporter and the query API over the same exposition; `phase` picks which.
fn batched_servers(phase: Arc<AtomicUsize>) -> (HttpServer, HttpServer) {
    let p = phase.clone();
    let scrape =
        HttpServer::start(move |_, _| Some(Reply::text(exposition(p.load(Ordering::SeqCst)))));
    let api = HttpServer::start(move |req, _| {
        let query = query_of(req)?;
        let phase = phase.load(Ordering::SeqCst);
        if req.path.contains("/api/v1/query_range") {
            Some(evaluate(&query, phase, range_of(req)))
        } else {
            Some(evaluate(&query, phase, None))
        }
    });
    (scrape, api)
}

fn api_requests(api: &HttpServer) -> Vec<Seen> {
    api.requests()
        .into_iter()
        .filter(|r| r.path.contains("/api/v1/query"))
        .collect()
}

#[test]
fn plain_selectors_are_read_in_two_queries_per_poll_and_give_the_figures_of_a_scrape() {
    let phase = Arc::new(AtomicUsize::new(0));
    let (scrape, api) = batched_servers(phase.clone());
    let config = batched_config(Some(&scrape.url("/metrics")), &api.url(""), ("1s", "900ms"));
    let config = parse_str(&config, Path::new("batched.toml")).unwrap_or_else(|e| panic!("{e}"));
    let compiled = compile(&config).unwrap_or_else(|e| panic!("{e}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut engine = Engine::new(compiled.plan.clone());
    let mut per_poll = Vec::new();
    for p in 0..2 {
        phase.store(p, Ordering::SeqCst);
        let before = api_requests(&api).len();
        let outcomes = runtime.block_on(cutover::cli::status::poll_all(&compiled));
        per_poll.push(api_requests(&api).len() - before);
        // Both kinds polled at the same moment, so that rates compare exactly.
        for mut o in outcomes {
            assert!(o.result.is_ok(), "{}: {:?}", o.source, o.result);
            o.at_ms = 1_764_016_000_000 + 1000 * p as i64;
            engine.ingest(&o);
        }
    }
    // One query for the 720 plain selectors (errors fold into the requests' names), one for the
    // PromQL expression: whatever the number of domains.
    assert_eq!(per_poll, [2, 2]);
    let requests = api_requests(&api);
    let batched: Vec<&Seen> = requests
        .iter()
        .filter(|r| query_of(r).is_some_and(|q| q.starts_with("{__name__")))
        .collect();
    assert_eq!(batched.len(), 2);
    // Its regex outgrows a URL: it is sent as a form, as Prometheus allows.
    assert!(
        batched.iter().all(|r| r.method == "POST"),
        "{:?}",
        batched[0].method
    );
    let promql = requests
        .iter()
        .find(|r| query_of(r).as_deref() == Some("max(weight{side=\"new\"})"));
    assert_eq!(promql.map(|r| r.method.as_str()), Some("GET"));

    let status = engine.status(Mode::Live);
    for d in 0..DOMAINS {
        let s = domain(&status, &format!("s{d}")).traffic.as_ref().unwrap();
        let q = domain(&status, &format!("q{d}")).traffic.as_ref().unwrap();
        assert_eq!(
            serde_json::to_value(s).unwrap(),
            serde_json::to_value(q).unwrap(),
            "domain {d}"
        );
        // Not equal by being empty: the figures are the exposition's.
        let k = d as f64;
        assert_near(q.legacy.requests_total, 1053.0 + 2.0 * k + k % 7.0);
        assert_near(q.new.errors, k % 7.0);
        assert_near(q.new.weight, (d % 100) as f64);
        // (Domain 0's histogram does not move: no latency.)
        assert_eq!(q.new.p95_seconds.is_some(), d > 0, "domain {d}: {q:?}");
    }
    let heaviest = &domain(&status, "promql").queues[0];
    assert_near(heaviest.depth, 99.0);
}

#[test]
fn status_reads_the_history_in_the_same_batched_range_queries() {
    let phase = Arc::new(AtomicUsize::new(1));
    let (_scrape, api) = batched_servers(phase);
    // Query sources only: `status` reads their history at once, with no polls to wait for.
    // Steps of 10 s over the minute's window; time enough for a loaded machine.
    let config = batched_config(None, &api.url(""), ("10s", "9s"));
    let sb = Sandbox::new();
    let v = sb.json(sb.config(&config), ["status", "--json"]);
    let ranges: Vec<Seen> = api_requests(&api)
        .into_iter()
        .filter(|r| r.path.contains("query_range"))
        .collect();
    assert_eq!(
        ranges.len(),
        2,
        "one batched range query and the PromQL one"
    );
    assert!(ranges
        .iter()
        .any(|r| r.method == "POST" && query_of(r).is_some_and(|q| q.starts_with("{__name__"))));
    for d in [0, DOMAINS - 1] {
        let q = &json_domain(&v, &format!("q{d}"))["traffic"];
        let k = d as f64;
        // Over the range: phase 0 then phase 1, as two polls would have seen them.
        assert!(close(&q["new"]["errors"], k % 7.0), "{q:#}");
        assert!(close(&q["legacy"]["requests"], 50.0 + k + k % 7.0), "{q:#}");
        assert!(close(&q["new"]["weight"], (d % 100) as f64), "{q:#}");
    }
}

#[test]
fn a_source_keeps_at_most_sixteen_queries_in_flight() {
    // 60 PromQL signals: each its own query, never all at once against the API.
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (now, top) = (in_flight.clone(), most.clone());
    let api = HttpServer::start(move |_, _| {
        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
        top.fetch_max(n, Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(30));
        now.fetch_sub(1, Ordering::SeqCst);
        Some(Reply::json(
            &serde_json::json!({"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1.0, "1"]}]}}),
        ))
    });
    let mut b = ConfigBuilder::new()
        .every("1s", "900ms")
        .source_with("prometheus", &api.url(""), "kind = \"prometheus\"")
        .domain("d", "canary", "prometheus")
        .signal("new", "requests", "sum(x)");
    for i in 0..60 {
        b = b.domain_without_traffic(&format!("q{i}"), "canary").domain_text(&format!(
            "  [[domain.queue]]\n  name = \"q\"\n  source = \"prometheus\"\n  depth = 'sum(depth_{i})'\n"
        ));
    }
    let config = parse_str(&b.build(), Path::new("many.toml")).unwrap_or_else(|e| panic!("{e}"));
    let compiled = compile(&config).unwrap_or_else(|e| panic!("{e}"));
    let outcomes = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(cutover::cli::status::poll_all(&compiled));
    assert!(outcomes[0].result.is_ok(), "{:?}", outcomes[0].result);
    assert_eq!(api_requests(&api).len(), 61);
    let most = most.load(Ordering::SeqCst);
    assert!((2..=16).contains(&most), "{most} in flight at once");
}
