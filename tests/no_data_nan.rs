//! NaN and infinities are no data: an exporter (or a query API) that answers `NaN` or `+Inf` for a
//! count, a depth or a weight makes that figure `null` and the domain `unknown` with the selector
//! named, never OK. Real servers on 127.0.0.1, the real binary, `status --json` and the table.
#![allow(clippy::unwrap_used)]

mod common;

use common::{json, run_ok, ConfigBuilder, HttpServer, Reply, Sandbox};
use serde_json::Value;

fn scrape_config(server: &HttpServer) -> String {
    ConfigBuilder::new()
        .setting("interval", "1s")
        .setting("timeout", "800ms")
        .setting("window", "2s")
        .source("app", &server.url("/metrics"))
        .domain("orders", "canary", "app")
        .signal("legacy", "requests", r#"req_total{side="legacy"}"#)
        .signal("legacy", "errors", r#"err_total{side="legacy"}"#)
        .signal("new", "requests", r#"req_total{side="new"}"#)
        .signal("new", "errors", r#"err_total{side="new"}"#)
        .signal("new", "latency", "latency_seconds")
        .domain_text(
            "  [[domain.queue]]\n  name = \"inventory.reserve\"\n  source = \"app\"\n  depth = 'queue_depth'\n  [[domain.saga]]\n  name = \"place-order\"\n  source = \"app\"\n  failed = 'saga_failed_total'\n  started = 'saga_started_total'\n",
        )
        .build()
}

/// A body with 100 requests per poll on each path; `errors`, `latency`, `depth` and `saga` are the
/// values written for those families (a number, or `NaN`/`+Inf`/`-Inf`).
fn body(n: usize, errors: &str, latency: &str, depth: &str, saga: &str) -> String {
    let req = 1000 + 100 * n;
    let bucket = |fine: usize| {
        if latency == "finite" {
            (fine + 90 * n).to_string()
        } else {
            latency.to_string()
        }
    };
    format!(
        "# TYPE req_total counter\n\
         req_total{{side=\"legacy\"}} {req}\n\
         req_total{{side=\"new\"}} {req}\n\
         # TYPE err_total counter\n\
         err_total{{side=\"legacy\"}} 0\n\
         err_total{{side=\"new\"}} {errors}\n\
         # TYPE latency_seconds histogram\n\
         latency_seconds_bucket{{le=\"0.1\"}} {b1}\n\
         latency_seconds_bucket{{le=\"+Inf\"}} {b2}\n\
         latency_seconds_count {b2}\n\
         latency_seconds_sum 1\n\
         # TYPE queue_depth gauge\n\
         queue_depth {depth}\n\
         # TYPE saga_failed_total counter\n\
         saga_failed_total {saga}\n\
         saga_started_total {req}\n",
        b1 = bucket(900),
        b2 = bucket(1000),
    )
}

fn status(config: &str, json_out: bool) -> std::process::Output {
    let sb = Sandbox::new();
    let cfg = sb.config(config);
    let mut c = sb.cutover();
    c.args(["--config"]).arg(&cfg).arg("status");
    if json_out {
        c.arg("--json");
    }
    run_ok(&mut c)
}

fn reasons(d: &Value) -> Vec<String> {
    d["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect()
}

fn has_reason(d: &Value, text: &str) -> bool {
    reasons(d).iter().any(|r| r == text)
}

/// The table's domain line carries the text marker for unknown.
fn unknown_in_table(table: &str) -> bool {
    table
        .lines()
        .any(|l| l.starts_with("[?] ") && l.contains(" orders "))
}

#[test]
fn finite_values_are_ok_the_baseline_the_other_tests_break() {
    let server = HttpServer::start(|_, n| Some(Reply::text(body(n, "0", "finite", "3", "0"))));
    let v = json(&status(&scrape_config(&server), true));
    let d = &v["domains"][0];
    assert_eq!(d["health"], "ok", "{d:#}");
    assert_eq!(d["traffic"]["new"]["error_ratio"], 0.0);
    assert!(d["traffic"]["new"]["p95_seconds"].is_number(), "{d:#}");
    assert_eq!(d["queues"][0]["depth"], 3.0);
    assert_eq!(d["sagas"][0]["failed"], 0.0);
}

#[test]
fn nan_everywhere_is_unknown_with_every_figure_null_and_each_selector_named() {
    let server = HttpServer::start(|_, _| {
        Some(Reply::text(
            "req_total{side=\"legacy\"} NaN\n\
             req_total{side=\"new\"} NaN\n\
             err_total{side=\"legacy\"} NaN\n\
             err_total{side=\"new\"} NaN\n\
             queue_depth NaN\n\
             saga_failed_total NaN\n\
             saga_started_total NaN\n",
        ))
    });
    let config = scrape_config(&server);
    let v = json(&status(&config, true));
    let d = &v["domains"][0];
    assert_eq!(d["health"], "unknown", "{d:#}");
    for side in ["legacy", "new"] {
        for figure in ["requests_total", "requests", "rps", "errors", "error_ratio"] {
            assert!(
                d["traffic"][side][figure].is_null(),
                "{side}.{figure}: {d:#}"
            );
        }
    }
    assert!(d["queues"][0]["depth"].is_null(), "{d:#}");
    assert_eq!(d["queues"][0]["health"], "unknown");
    assert!(d["sagas"][0]["failed"].is_null(), "{d:#}");
    assert_eq!(d["sagas"][0]["health"], "unknown");
    for reason in [
        "legacy path requests selector returned NaN",
        "new path requests selector returned NaN",
        "new path errors selector returned NaN",
        "queue inventory.reserve depth selector returned NaN",
        "saga place-order failed selector returned NaN",
    ] {
        assert!(has_reason(d, reason), "{reason}: {:?}", reasons(d));
    }

    let table = String::from_utf8(status(&config, false).stdout).unwrap();
    assert!(unknown_in_table(&table), "{table}");
    assert!(!table.contains("[OK]"), "{table}");
    assert!(
        table.contains("  - new path errors selector returned NaN"),
        "{table}"
    );
}

#[test]
fn nan_errors_and_histogram_beside_real_traffic_are_unknown_not_ok() {
    let server = HttpServer::start(|_, n| Some(Reply::text(body(n, "NaN", "NaN", "3", "0"))));
    let config = scrape_config(&server);
    let v = json(&status(&config, true));
    let d = &v["domains"][0];
    let new = &d["traffic"]["new"];
    assert_eq!(new["requests"], 100.0, "{d:#}");
    for figure in [
        "errors_total",
        "errors",
        "error_ratio",
        "p50_seconds",
        "p95_seconds",
        "p99_seconds",
    ] {
        assert!(new[figure].is_null(), "new.{figure}: {d:#}");
    }
    assert_eq!(d["health"], "unknown", "{d:#}");
    assert!(
        has_reason(d, "new path errors selector returned NaN"),
        "{d:#}"
    );
    assert!(
        has_reason(d, "new path latency selector returned NaN"),
        "{d:#}"
    );

    let table = String::from_utf8(status(&config, false).stdout).unwrap();
    assert!(unknown_in_table(&table), "{table}");
    assert!(
        table.contains("100 req (") && table.contains("- err (-)"),
        "{table}"
    );
}

#[test]
fn infinities_where_no_count_can_be_are_no_data_but_an_inf_bucket_label_is_normal() {
    let server =
        HttpServer::start(|_, n| Some(Reply::text(body(n, "+Inf", "finite", "-Inf", "+Inf"))));
    let v = json(&status(&scrape_config(&server), true));
    let d = &v["domains"][0];
    assert_eq!(d["health"], "unknown", "{d:#}");
    assert!(d["traffic"]["new"]["errors"].is_null(), "{d:#}");
    assert!(d["traffic"]["new"]["error_ratio"].is_null(), "{d:#}");
    // The `le="+Inf"` bucket with finite counts still gives quantiles.
    assert!(d["traffic"]["new"]["p95_seconds"].is_number(), "{d:#}");
    assert!(d["queues"][0]["depth"].is_null(), "{d:#}");
    assert!(d["sagas"][0]["failed"].is_null(), "{d:#}");
    for reason in [
        "new path errors selector returned +Inf",
        "queue inventory.reserve depth selector returned -Inf",
        "saga place-order failed selector returned +Inf",
    ] {
        assert!(has_reason(d, reason), "{reason}: {:?}", reasons(d));
    }
    assert!(
        !reasons(d).iter().any(|r| r.contains("latency")),
        "{:?}",
        reasons(d)
    );
}

/// A query API that answers every range query with one series per metric the query names
/// (as Prometheus answers a batched selector): `errors` is what it says for `err_total`, the
/// queue depth is NaN, and the request counter grows 100 over the range.
fn query_api(errors: &'static str) -> HttpServer {
    HttpServer::start(move |req, _| {
        let param = |name: &str| -> f64 {
            req.path
                .split(['?', '&'])
                .find_map(|p| p.strip_prefix(&format!("{name}=")))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0)
        };
        let (start, end, step) = (param("start"), param("end"), param("step").max(0.001));
        let value = |name: &str, t: f64| match name {
            "err_total" => errors.to_string(),
            "queue_depth" => "NaN".to_string(),
            _ => (1000.0 + 100.0 * (t - start) / (end - start).max(0.001)).to_string(),
        };
        let series: Vec<String> = ["req_total", "err_total", "queue_depth"]
            .into_iter()
            .filter(|name| req.path.contains(name))
            .map(|name| {
                let mut points = Vec::new();
                let mut t = start;
                while t <= end + 1e-6 {
                    points.push(format!("[{t:.3},\"{}\"]", value(name, t)));
                    t += step;
                }
                format!(
                    r#"{{"metric":{{"__name__":"{name}","job":"app","side":"new"}},"values":[{}]}}"#,
                    points.join(",")
                )
            })
            .collect();
        Some(Reply::of(
            200,
            "application/json",
            format!(
                r#"{{"status":"success","data":{{"resultType":"matrix","result":[{}]}}}}"#,
                series.join(",")
            ),
        ))
    })
}

fn query_config(server: &HttpServer) -> String {
    ConfigBuilder::new()
        .setting("interval", "1s")
        .setting("timeout", "800ms")
        .setting("window", "2s")
        .source_with("prometheus", &server.url(""), "kind = \"prometheus\"")
        .domain("orders", "canary", "prometheus")
        .signal("new", "requests", r#"req_total{side="new"}"#)
        .signal("new", "errors", r#"err_total{side="new"}"#)
        .domain_text("  [[domain.queue]]\n  name = \"inventory.reserve\"\n  source = \"prometheus\"\n  depth = 'queue_depth'\n")
        .build()
}

#[test]
fn nan_through_the_query_api_is_no_data_too() {
    let server = query_api("NaN");
    let config = query_config(&server);
    let v = json(&status(&config, true));
    let d = &v["domains"][0];
    assert_eq!(v["sources"][0]["up"], true, "{v:#}");
    assert_eq!(d["traffic"]["new"]["requests"], 100.0, "{d:#}");
    assert!(d["traffic"]["new"]["error_ratio"].is_null(), "{d:#}");
    assert!(d["queues"][0]["depth"].is_null(), "{d:#}");
    assert_eq!(d["health"], "unknown", "{d:#}");
    for reason in [
        "new path errors selector returned NaN",
        "queue inventory.reserve depth selector returned NaN",
    ] {
        assert!(has_reason(d, reason), "{reason}: {:?}", reasons(d));
    }
    let table = String::from_utf8(status(&config, false).stdout).unwrap();
    assert!(unknown_in_table(&table), "{table}");
    assert!(!table.contains("[OK]"), "{table}");

    // The same answers with a number for the errors: the errors figure is back.
    let server = query_api("0");
    let v = json(&status(&query_config(&server), true));
    let d = &v["domains"][0];
    assert_eq!(d["traffic"]["new"]["error_ratio"], 0.0, "{d:#}");
}
