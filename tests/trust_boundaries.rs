//! Trust boundaries through the binary against real HTTP servers: a new path that answers 403s
//! while its 5xx stay 0 makes the domain unhealthy with the reason in words (Envoy, per code);
//! an exporter that counts statuses only by class (HAProxy) gives the 4xx class and says that
//! auth failures are unknown; `check` lists the new selectors.
#![allow(clippy::unwrap_used)]

mod common;

use common::{json, run_ok, ConfigBuilder, HttpServer, Reply, Sandbox};
use serde_json::Value;

/// Envoy's per-code counters of a cluster after `total` requests of which `forbidden` 403s
/// (the rest 200s; no 5xx, the class series at 0 as Envoy exports it).
fn envoy_cluster(name: &str, total: u64, forbidden: u64) -> String {
    format!(
        "envoy_cluster_upstream_rq_total{{envoy_cluster_name=\"{name}\"}} {total}\n\
         envoy_cluster_upstream_rq_xx{{envoy_response_code_class=\"2\",envoy_cluster_name=\"{name}\"}} {ok}\n\
         envoy_cluster_upstream_rq_xx{{envoy_response_code_class=\"4\",envoy_cluster_name=\"{name}\"}} {forbidden}\n\
         envoy_cluster_upstream_rq_xx{{envoy_response_code_class=\"5\",envoy_cluster_name=\"{name}\"}} 0\n\
         envoy_cluster_upstream_rq{{envoy_response_code=\"200\",envoy_cluster_name=\"{name}\"}} {ok}\n\
         envoy_cluster_upstream_rq{{envoy_response_code=\"403\",envoy_cluster_name=\"{name}\"}} {forbidden}\n\
         envoy_cluster_membership_healthy{{envoy_cluster_name=\"{name}\"}} 1\n",
        ok = total - forbidden
    )
}

/// HAProxy's per-class counters of a server in `be_orders` after `total` requests of which
/// `client` 4xx (the rest 2xx).
fn haproxy_server(name: &str, total: u64, client: u64) -> String {
    let line = |code: &str, v: u64| {
        format!(
            "haproxy_server_http_responses_total{{proxy=\"be_orders\",server=\"{name}\",code=\"{code}\"}} {v}\n"
        )
    };
    format!(
        "{}{}{}haproxy_server_weight{{proxy=\"be_orders\",server=\"{name}\"}} 128\n",
        line("2xx", total - client),
        line("4xx", client),
        line("5xx", 0)
    )
}

/// Before: both paths at 1,000 requests (monolith 2 refusals); after: 1,000 more on each, the
/// monolith refusing 2 of them and the new path 81.
fn exporter(body: fn(&str, u64, u64) -> String) -> HttpServer {
    HttpServer::start(move |_, n| {
        let (more, legacy, new) = if n == 0 { (0, 0, 0) } else { (1000, 2, 81) };
        Some(Reply::text(format!(
            "{}{}",
            body("monolith", 1000 + more, 2 + legacy),
            body("orders_svc", 1000 + more, new)
        )))
    })
}

fn config(server: &HttpServer, preset: &str) -> String {
    let backend = if preset == "haproxy" {
        "  backend = \"be_orders\"\n"
    } else {
        ""
    };
    ConfigBuilder::new()
        .every("1s", "800ms")
        .gateway(&server.url("/metrics"))
        .domain_without_traffic("orders", "canary")
        .domain_text(&format!(
            "  [domain.traffic]\n  source = \"gateway\"\n  preset = \"{preset}\"\n{backend}  \
             legacy = \"monolith\"\n  new = \"orders_svc\"\n"
        ))
        .build()
}

/// `status --json` over two polls of a fresh exporter of `preset`'s shape.
fn status(preset: &str, body: fn(&str, u64, u64) -> String) -> Value {
    let server = exporter(body);
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&server, preset));
    json(&run_ok(
        sb.cutover()
            .args(["--config"])
            .arg(&cfg)
            .args(["status", "--over", "1s", "--json"]),
    ))
}

#[test]
fn a_new_path_answering_403s_is_unhealthy_with_the_reason_while_its_5xx_stay_0() {
    let v = status("envoy", envoy_cluster);
    let orders = &v["domains"][0];
    let new = &orders["traffic"]["new"];
    let legacy = &orders["traffic"]["legacy"];
    assert_eq!(new["errors"], 0.0, "{new:#}");
    assert_eq!(new["auth_failures"]["count"], 81.0, "{new:#}");
    assert!((new["auth_failures"]["ratio"].as_f64().unwrap() - 0.081).abs() < 1e-9);
    assert_eq!(legacy["auth_failures"]["count"], 2.0, "{legacy:#}");
    assert_eq!(new["client_errors"]["count"], 81.0, "{new:#}");
    // No 429 series: with requests and an answering source, 0 rather than unknown.
    assert_eq!(new["rate_limited"]["count"], 0.0, "{new:#}");
    let health = orders["health"].as_str().unwrap();
    assert!(matches!(health, "warn" | "crit"), "{orders:#}");
    let verdict = &orders["verdict"];
    assert_eq!(verdict["result"], "fail", "{verdict:#}");
    assert_eq!(verdict["errors"]["result"], "pass", "{verdict:#}");
    let auth = verdict["boundaries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["kind"] == "auth_failures")
        .unwrap();
    assert_eq!(auth["result"], "fail");
    assert_eq!(
        auth["reason"],
        "new path 401/403s 8.1% vs monolith 0.20%: worse, confidence > 99.9% (two-proportion z test)"
    );
    assert!(
        orders["reasons"]
            .to_string()
            .contains("new path 401/403s 8.1% vs monolith 0.20%: worse"),
        "{:#}",
        orders["reasons"]
    );
}

#[test]
fn a_per_class_exporter_gives_the_class_and_says_auth_failures_are_unknown() {
    let v = status("haproxy", haproxy_server);
    let orders = &v["domains"][0];
    let new = &orders["traffic"]["new"];
    assert_eq!(new["errors"], 0.0, "{new:#}");
    assert_eq!(new["client_errors"]["count"], 81.0, "{new:#}");
    assert_eq!(new["auth_failures"]["count"], Value::Null, "{new:#}");
    assert_eq!(
        new["auth_failures"]["unknown"],
        "auth failures unknown: the exporter counts 4xx only as a class"
    );
    assert_eq!(
        new["rate_limited"]["unknown"],
        "rate limited unknown: the exporter counts 4xx only as a class"
    );
    let boundaries = orders["verdict"]["boundaries"].as_array().unwrap();
    let kind = |k: &str| boundaries.iter().find(|b| b["kind"] == k).unwrap();
    assert_eq!(kind("auth_failures")["result"], "inconclusive");
    assert_eq!(
        kind("auth_failures")["reason"],
        "auth failures unknown: the exporter counts 4xx only as a class"
    );
    assert_eq!(kind("client_errors")["result"], "fail");
    assert!(
        kind("client_errors")["reason"]
            .as_str()
            .unwrap()
            .starts_with("new path 4xx 8.1% vs monolith 0.20%: worse"),
        "{boundaries:#?}"
    );
    assert!(matches!(
        orders["health"].as_str().unwrap(),
        "warn" | "crit"
    ));
}

#[test]
fn check_lists_hand_written_trust_boundary_selectors() {
    let server = exporter(envoy_cluster);
    let sb = Sandbox::new();
    let text = ConfigBuilder::new()
        .gateway(&server.url("/metrics"))
        .domain("orders", "canary", "gateway")
        .signal(
            "legacy",
            "requests",
            r#"envoy_cluster_upstream_rq_total{envoy_cluster_name="monolith"}"#,
        )
        .signal(
            "new",
            "requests",
            r#"envoy_cluster_upstream_rq_total{envoy_cluster_name="orders_svc"}"#,
        )
        .signal(
            "new",
            "auth_failures",
            r#"envoy_cluster_upstream_rq{envoy_cluster_name="orders_svc",envoy_response_code=~"401|403"}"#,
        )
        .signal(
            "new",
            "rate_limited",
            r#"envoy_cluster_upstream_rq{envoy_cluster_name="orders_svc",envoy_response_code="429"}"#,
        )
        .build();
    let cfg = sb.config(&text);
    let out = sb
        .cutover()
        .args(["--config"])
        .arg(&cfg)
        .arg("check")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = |key: &str| {
        text.lines()
            .find(|l| l.contains(key))
            .unwrap_or_else(|| panic!("no {key} in:\n{text}"))
            .to_string()
    };
    assert!(
        !line("traffic.new.auth_failures").contains("MATCHES NOTHING"),
        "{text}"
    );
    // The 429 series does not exist yet: check says so, like any selector matching nothing.
    assert!(
        line("traffic.new.rate_limited").contains("MATCHES NOTHING"),
        "{text}"
    );
}
