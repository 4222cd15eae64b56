//! OpenMetrics exemplars, from the parser to `status --json` and recordings: real HTTP servers
//! answer `application/openmetrics-text` with exemplars on counters and histogram buckets, and
//! the binary keeps the newest of the new path's errors and of its slowest bucket, with the
//! trace link of `[tracing] url`; hostile trace IDs (escapes, overlong, not an ID) are dropped.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::{json, run_ok, ConfigBuilder, HttpServer, Reply, Sandbox};
use cutover::ingest::exposition::{parse, MetricType};
use cutover::ingest::prefilter::FamilyFilter;
use serde_json::Value;

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const SLOW_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const ERROR_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";

/// An exemplar as read: (sample name, labels, value, timestamp).
type Read = (String, Vec<(String, String)>, f64, Option<i64>);

/// Every exemplar a parse hands over.
fn exemplars(body: &str) -> Vec<Read> {
    let mut out = Vec::new();
    parse(body, &FamilyFilter::all(), |s| {
        if let Some(e) = &s.exemplar {
            let labels = e
                .labels
                .iter()
                .map(|l| (l.name.to_string(), l.value.to_string()))
                .collect();
            out.push((s.name.to_string(), labels, e.value, e.timestamp_ms));
        }
    });
    out
}

#[test]
fn exemplars_on_counters_and_buckets_are_read_with_their_labels_value_and_time() {
    let body = "# TYPE a counter\n\
                a_total{code=\"500\"} 3 1700000000.5 # {trace_id=\"0af7651916cd43dd\",span_id=\"b7ad6b7169203331\"} 1 1700000000.25\n\
                a_created 1.7e9 # {trace_id=\"ffffffffffffffff\"} 1\n\
                # TYPE h histogram\n\
                h_bucket{le=\"0.5\",q=\"a # {b}\"} 1 # {trace_id=\"x\\\"y\"} 0.2\n\
                h_bucket{le=\"+Inf\"} 2 # {} 9.5\n\
                h_sum 9.7 # {trace_id=\"1111111111111111\"} 9.7\n\
                h_count 2\n\
                # TYPE g gauge\n\
                g 1 # {trace_id=\"2222222222222222\"} 1\n\
                # EOF\n";
    let got = exemplars(body);
    let names: Vec<&str> = got.iter().map(|e| e.0.as_str()).collect();
    // Not on `_created`, `_sum` or a gauge: OpenMetrics allows them on `_total` and buckets only.
    assert_eq!(names, ["a_total", "h_bucket", "h_bucket"]);
    assert_eq!(
        got[0].1,
        [
            ("trace_id".to_string(), "0af7651916cd43dd".to_string()),
            ("span_id".to_string(), "b7ad6b7169203331".to_string())
        ]
    );
    assert_eq!((got[0].2, got[0].3), (1.0, Some(1_700_000_000_250)));
    assert_eq!(got[1].1[0].1, "x\"y", "escapes undone as in label values");
    assert_eq!((got[2].1.len(), got[2].2, got[2].3), (0, 9.5, None));
}

#[test]
fn a_broken_exemplar_is_dropped_and_its_sample_kept() {
    let long = "a".repeat(200);
    let lines = [
        "# {trace_id=\"abc\"}".to_string(),
        "# {trace_id=\"abc\"} 1 NaN".to_string(),
        "# {trace_id=\"abc\"} 1 2 3".to_string(),
        "# {trace_id=\"abc\" 1".to_string(),
        "# trace_id=\"abc\" 1".to_string(),
        "#".to_string(),
        format!("# {{trace_id=\"{long}\"}} 1"),
    ];
    let mut body = String::from("# TYPE a counter\n");
    for (i, l) in lines.iter().enumerate() {
        body.push_str(&format!("a_total{{n=\"{i}\"}} {i} {l}\n"));
    }
    body.push_str("# EOF\n");
    let mut values = Vec::new();
    let stats = parse(&body, &FamilyFilter::all(), |s| {
        assert!(s.exemplar.is_none(), "line {}", s.line);
        assert_eq!(s.kind, MetricType::Counter);
        values.push(s.value);
    });
    assert_eq!(stats.bad_lines, 0, "{:?}", stats.first_bad);
    assert_eq!(values, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
}

#[test]
fn a_prometheus_text_body_has_no_exemplars() {
    // No `# EOF`: Prometheus text 0.0.4, where exemplars do not exist and the text is ignored.
    let body = "# TYPE a counter\na_total 3 # {trace_id=\"0af7651916cd43dd\"} 1\n";
    assert!(exemplars(body).is_empty());
}

fn now_s() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// An instrumented service's OpenMetrics body after `n` polls: requests of both paths, the
/// new path's 5xx with an exemplar, and its latency histogram with exemplars on three buckets
/// (`slow` on the slowest that has one), timestamped 12 s before the answer. `n == 0` has no
/// new observations yet.
fn service_body(n: usize, slow: &str, fast: &str) -> String {
    let t = now_s() - 12.0;
    let k = n as u64 * 100;
    format!(
        "# TYPE http_requests counter\n\
         http_requests_total{{path=\"monolith\",code=\"200\"}} {m}\n\
         http_requests_total{{path=\"orders_svc\",code=\"200\"}} {k}\n\
         http_requests_total{{path=\"orders_svc\",code=\"500\"}} {e} # {{trace_id=\"{ERROR_TRACE}\"}} 1 {t:.3}\n\
         # TYPE http_request_duration_seconds histogram\n\
         http_request_duration_seconds_bucket{{path=\"orders_svc\",le=\"0.1\"}} {a} # {{trace_id=\"{fast}\"}} 0.042 {t:.3}\n\
         http_request_duration_seconds_bucket{{path=\"orders_svc\",le=\"1.0\"}} {b} # {{trace_id=\"a3ce929d0e0e4736\"}} 0.7 {t:.3}\n\
         http_request_duration_seconds_bucket{{path=\"orders_svc\",le=\"2.5\"}} {c} # {{trace_id=\"{slow}\"}} 2.3 {t:.3}\n\
         http_request_duration_seconds_bucket{{path=\"orders_svc\",le=\"+Inf\"}} {c}\n\
         http_request_duration_seconds_sum{{path=\"orders_svc\"}} {sum}\n\
         http_request_duration_seconds_count{{path=\"orders_svc\"}} {c}\n\
         # EOF\n",
        m = 1000 + k,
        e = 2 + n,
        a = k,
        b = k + 5,
        c = k + 6,
        sum = k as f64 * 0.05 + 3.0,
    )
}

fn service(slow: &'static str, fast: &'static str) -> HttpServer {
    HttpServer::start(move |_, n| Some(Reply::of(200, OPENMETRICS, service_body(n, slow, fast))))
}

fn config(server: &HttpServer, tracing: &str) -> String {
    ConfigBuilder::new()
        .every("1s", "800ms")
        .source("app", &server.url("/metrics"))
        .domain("orders", "canary", "app")
        .signal(
            "legacy",
            "requests",
            r#"http_requests_total{path="monolith"}"#,
        )
        .signal(
            "new",
            "requests",
            r#"http_requests_total{path="orders_svc"}"#,
        )
        .signal(
            "new",
            "errors",
            r#"http_requests_total{path="orders_svc",code=~"5.."}"#,
        )
        .signal(
            "new",
            "latency",
            r#"http_request_duration_seconds{path="orders_svc"}"#,
        )
        .raw(tracing)
        .build()
}

fn status(server: &HttpServer, tracing: &str) -> (Value, String) {
    let sb = Sandbox::new();
    let cfg = sb.config(&config(server, tracing));
    let out = run_ok(
        sb.cutover()
            .arg("--config")
            .arg(&cfg)
            .args(["status", "--over", "1s", "--json"]),
    );
    (
        json(&out),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn status_json_gives_the_new_paths_error_exemplar_and_slowest_recent_request_with_links() {
    let server = service(SLOW_TRACE, "b7ad6b7169203331");
    let (v, _) = status(
        &server,
        "[tracing]\nurl = \"https://tempo.example/trace/{trace_id}\"\n",
    );
    // The server was asked for OpenMetrics.
    let accept = server.requests()[0]
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("accept"))
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(accept.contains("application/openmetrics-text"), "{accept}");

    let new = &v["domains"][0]["traffic"]["new"];
    let slow = &new["slowest_exemplar"];
    assert_eq!(slow["trace_id"], SLOW_TRACE, "{new:#}");
    assert_eq!(slow["value"], 2.3);
    assert_eq!(slow["timestamped"], true);
    assert_eq!(
        slow["url"],
        format!("https://tempo.example/trace/{SLOW_TRACE}")
    );
    let age = slow["age_seconds"].as_f64().unwrap();
    assert!((11.0..20.0).contains(&age), "{age}");
    let err = &new["error_exemplar"];
    assert_eq!(err["trace_id"], ERROR_TRACE, "{new:#}");
    assert_eq!(err["value"], 1.0);
    // The monolith's side has no exemplars: nothing is invented.
    let legacy = &v["domains"][0]["traffic"]["legacy"];
    assert!(legacy.get("slowest_exemplar").is_none(), "{legacy:#}");
    assert!(legacy.get("error_exemplar").is_none(), "{legacy:#}");
}

#[test]
fn hostile_trace_ids_are_dropped_and_the_next_slowest_valid_one_kept() {
    // The slowest bucket's "trace ID" is an OSC 52 clipboard write, the fastest's is too long
    // to be an ID: neither is kept, the 1.0 bucket's valid one is.
    let hostile = "4bf92f35\u{1b}]52;c;cm0gLXJmIH4=\u{7}";
    let overlong: &'static str = "f".repeat(65).leak();
    let server = service(hostile, overlong);
    let (v, text) = status(&server, "");
    let slow = &v["domains"][0]["traffic"]["new"]["slowest_exemplar"];
    assert_eq!(slow["trace_id"], "a3ce929d0e0e4736", "{slow:#}");
    assert_eq!(slow["value"], 0.7);
    assert!(slow.get("url").is_none(), "no [tracing] url, no link");
    assert!(
        !text.contains('\u{1b}') && !text.contains("\\u001b"),
        "{text}"
    );
    assert!(!text.contains("cm0gLXJmIH4"), "{text}");
    assert!(!text.contains(overlong), "{text}");
}

#[test]
fn an_unsafe_tracing_url_is_refused_by_check() {
    let server = service(SLOW_TRACE, "b7ad6b7169203331");
    let sb = Sandbox::new();
    for (url, words) in [
        (
            "https://tempo.example/trace/\\u001b]52;c;x\\u0007/{trace_id}",
            "printable ASCII",
        ),
        ("javascript:alert(1)/{trace_id}", "http:// or https://"),
        ("https://tempo.example/trace/", "{trace_id} exactly once"),
    ] {
        let cfg = sb.config(&config(&server, &format!("[tracing]\nurl = \"{url}\"\n")));
        let out = sb.run(&cfg, ["check"]);
        let all = common::both(&out);
        assert!(!out.status.success(), "{url}: {all}");
        assert!(
            all.contains("tracing.url") && all.contains(words),
            "{url}: {all}"
        );
        assert!(!all.contains('\u{1b}'), "{all}");
    }
}

#[test]
fn a_recording_keeps_the_exemplars_and_replay_shows_them() {
    let server = service(SLOW_TRACE, "b7ad6b7169203331");
    let sb = Sandbox::new();
    let cfg = sb.config(&config(
        &server,
        "[tracing]\nurl = \"https://tempo.example/trace/{trace_id}\"\n",
    ));
    let recording = sb.path().join("exemplars.rec");
    run_ok(
        sb.cutover()
            .arg("--config")
            .arg(&cfg)
            .args(["record", "--duration", "2500ms", "--out"])
            .arg(&recording),
    );
    let out = run_ok(
        sb.cutover()
            .args(["status", "--json", "--replay"])
            .arg(&recording),
    );
    let v = json(&out);
    let new = &v["domains"][0]["traffic"]["new"];
    assert_eq!(new["slowest_exemplar"]["trace_id"], SLOW_TRACE, "{new:#}");
    assert_eq!(new["error_exemplar"]["trace_id"], ERROR_TRACE, "{new:#}");
    assert_eq!(
        new["slowest_exemplar"]["url"],
        format!("https://tempo.example/trace/{SLOW_TRACE}")
    );
}
