//! Rollback readiness through the binary (`status --json`), with a real metrics server and the
//! runtime API fake that records every command: ready, not ready (runtime API refuses the
//! connection; the monolith DOWN at the gateway), only read-only commands received, an http
//! step's `probe_url` probed with GET only and its credential headers only, and `probe_url` checked by the config validation.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use common::config::{exec_step, haproxy_step};
use common::{fixture, Answer, ConfigBuilder, HttpServer, Reply, RuntimeApi, Sandbox, Seen};

const UP: &str = r#"haproxy_server_status{proxy="be_orders",server="monolith",state="UP"} 1"#;

/// The real HAProxy capture with growing counters; the monolith DOWN when `down`. Also answers
/// `/probe` (200) for http steps' probe_url.
fn gateway(down: bool) -> HttpServer {
    let n = Arc::new(AtomicU64::new(1000));
    let template = fixture("real/haproxy-idle.prom");
    HttpServer::start(move |req, _| {
        if req.path == "/probe" {
            return Some(Reply::text("ok"));
        }
        if req.path != "/metrics" {
            return Some(Reply::status(404, "not found"));
        }
        let l = n.fetch_add(40, Ordering::SeqCst) + 40;
        let mut body = template.replace(
            r#"haproxy_server_http_responses_total{proxy="be_orders",server="monolith",code="2xx"} 0"#,
            &format!(r#"haproxy_server_http_responses_total{{proxy="be_orders",server="monolith",code="2xx"}} {l}"#),
        );
        if down {
            body = body.replace(UP, &UP.replace("} 1", "} 0")).replace(
                r#"haproxy_server_status{proxy="be_orders",server="monolith",state="DOWN"} 0"#,
                r#"haproxy_server_status{proxy="be_orders",server="monolith",state="DOWN"} 1"#,
            );
        }
        Some(Reply::text(body))
    })
}

fn config(metrics: &HttpServer, steps: &str) -> String {
    ConfigBuilder::new()
        .every("250ms", "200ms")
        .gateway(&metrics.url("/metrics"))
        .orders_haproxy()
        .signal(
            "legacy",
            "up",
            r#"haproxy_server_status{proxy="be_orders",server="monolith",state=~"UP|DRAIN|NOLB"}"#,
        )
        .rollback("3s", steps)
        .build()
}

/// `status --json`'s `rollback_ready` of the orders domain.
fn readiness(sb: &Sandbox, config: &str) -> serde_json::Value {
    let cfg = sb.config(config);
    let out = sb
        .cutover()
        .arg("--config")
        .arg(&cfg)
        .args(["status", "--json", "--over", "1s"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    v["domains"][0]["rollback_ready"].clone()
}

/// `show servers state` as HAProxy 2.6 writes it (format version, header, one line a server).
const SERVERS_STATE: &str = "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state\n\
    3 be_orders 1 monolith 10.0.0.5 2\n3 be_orders 2 orders_svc 10.0.0.6 2\n\n";

fn weight_answer(command: &str) -> Answer {
    if command.starts_with("get weight ") {
        Answer::Text(fixture("real/haproxy-runtime-rollback-get-weight.txt"))
    } else if command == "show servers state be_orders" {
        Answer::Text(SERVERS_STATE.into())
    } else {
        Answer::Text(fixture("real/haproxy-runtime-error-response.txt"))
    }
}

#[test]
fn ready_when_the_runtime_api_answers_and_the_monolith_is_up_and_only_reads_arrive() {
    let metrics = gateway(false);
    let api = RuntimeApi::start(weight_answer);
    let steps = haproxy_step(&api.address(), "set weight be_orders/orders_svc 0", "2s")
        + &haproxy_step(&api.address(), "set weight be_orders/monolith 100", "2s")
        + &haproxy_step(&api.address(), "disable server be_orders/orders_svc", "2s");
    let sb = Sandbox::new();
    let r = readiness(&sb, &config(&metrics, &steps));
    assert_eq!(r["ready"], true, "{r}");
    assert_eq!(r["reasons"].as_array().unwrap().len(), 0, "{r}");
    let summary = r["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("rollback now: runtime API answers, monolith 1 server up, it carried"),
        "{summary}"
    );
    assert!(
        summary.contains("rps at peak in the history vs"),
        "{summary}"
    );
    let mut got = api.received();
    got.sort();
    assert_eq!(
        got,
        [
            "get weight be_orders/monolith",
            "get weight be_orders/orders_svc",
            "show servers state be_orders"
        ],
        "only the listed read-only commands may arrive"
    );
}

#[test]
fn not_ready_when_the_runtime_api_refuses_the_connection() {
    let metrics = gateway(false);
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let steps = haproxy_step(
        &format!("127.0.0.1:{closed}"),
        "set weight be_orders/orders_svc 0",
        "2s",
    );
    let sb = Sandbox::new();
    let r = readiness(&sb, &config(&metrics, &steps));
    assert_eq!(r["ready"], false, "{r}");
    let reasons = r["reasons"].to_string();
    assert!(
        reasons.contains(&format!("127.0.0.1:{closed}")),
        "{reasons}"
    );
    assert!(
        reasons.contains("get weight be_orders/orders_svc"),
        "{reasons}"
    );
}

#[test]
fn not_ready_when_the_gateway_marks_the_monolith_down() {
    let metrics = gateway(true);
    let api = RuntimeApi::start(weight_answer);
    let steps = haproxy_step(&api.address(), "set weight be_orders/orders_svc 0", "2s");
    let sb = Sandbox::new();
    let r = readiness(&sb, &config(&metrics, &steps));
    assert_eq!(r["ready"], false, "{r}");
    assert!(
        r["reasons"].to_string().contains("monolith marked DOWN"),
        "{r}"
    );
    assert_eq!(api.received(), ["get weight be_orders/orders_svc"]);
}

/// An http step that POSTs to `/rollback/open` with `headers` (a TOML inline table's inside)
/// and is probed at `/probe`.
fn http_step(metrics: &HttpServer, headers: &str) -> String {
    format!(
        r#"  [[domain.rollback.step]]
  kind = "http"
  method = "POST"
  url = "{}"
  headers = {{ {headers} }}
  body = '{{"name":"orders"}}'
  probe_url = "{}"
  timeout = "2s"
"#,
        metrics.url("/rollback/open"),
        metrics.url("/probe")
    )
}

/// What reached the server besides the scrapes: the probe alone, once, or the test fails.
fn the_probe(metrics: &HttpServer) -> Seen {
    let mut seen: Vec<_> = metrics
        .requests()
        .into_iter()
        .filter(|s| s.path != "/metrics")
        .collect();
    assert_eq!(
        seen.len(),
        1,
        "{:?}",
        seen.iter().map(|s| &s.path).collect::<Vec<_>>()
    );
    seen.remove(0)
}

#[test]
fn an_http_step_is_probed_with_a_get_of_its_probe_url_and_exec_is_unknown() {
    let metrics = gateway(false);
    let sb = Sandbox::new();
    let r = readiness(&sb, &config(&metrics, &http_step(&metrics, "")));
    assert_eq!(r["ready"], true, "{r}");
    let probe = the_probe(&metrics);
    assert_eq!(probe.method, "GET");
    assert_eq!(probe.path, "/probe");
    assert!(probe.body.is_empty());

    let r = readiness(&sb, &config(&metrics, &exec_step(&["/bin/true"], "2s")));
    assert_eq!(r["ready"], serde_json::Value::Null, "{r}");
    assert!(r["reasons"].to_string().contains("exec step"), "{r}");
}

#[test]
fn the_probe_carries_the_steps_credentials_and_no_other_header() {
    let metrics = gateway(false);
    let headers = r#""Authorization" = "Basic b3BzOnMzY3JldA==", "X-Auth-Token" = "t0k3n-value", "X-HTTP-Method-Override" = "POST", "Content-Type" = "application/json""#;
    let sb = Sandbox::new();
    let r = readiness(&sb, &config(&metrics, &http_step(&metrics, headers)));
    assert_eq!(r["ready"], true, "{r}");
    let probe = the_probe(&metrics);
    let got = |name: &str| {
        probe
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        got("authorization").as_deref(),
        Some("Basic b3BzOnMzY3JldA==")
    );
    assert_eq!(got("x-auth-token").as_deref(), Some("t0k3n-value"));
    assert_eq!(got("x-http-method-override"), None, "{:?}", probe.headers);
    assert_eq!(got("content-type"), None, "{:?}", probe.headers);
    assert_eq!(probe.method, "GET");
}

#[test]
fn a_bad_probe_url_is_named_by_file_line_and_key() {
    let metrics = gateway(false);
    let step = format!(
        "  [[domain.rollback.step]]\n  kind = \"http\"\n  method = \"POST\"\n  url = \"{}\"\n  probe_url = \"ftp://gateway/x\"\n",
        metrics.url("/rollback/open")
    );
    let sb = Sandbox::new();
    let text = config(&metrics, &step);
    let cfg = sb.config(&text);
    let out = sb
        .cutover()
        .arg("--config")
        .arg(&cfg)
        .arg("check")
        .output()
        .unwrap();
    let stderr =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    let line = text.lines().position(|l| l.contains("probe_url")).unwrap() + 1;
    assert!(stderr.contains("probe_url"), "{stderr}");
    assert!(
        stderr.contains(&format!(":{line}")),
        "line {line}: {stderr}"
    );
    assert!(
        stderr.contains("not an http:// or https:// URL"),
        "{stderr}"
    );
}
