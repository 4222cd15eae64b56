//! `cutover status --json` against real exporter output served over HTTP on 127.0.0.1.

mod common;

use std::time::{Duration, Instant};

use common::figures::close;
use common::{fixture, json, run_ok, ConfigBuilder, HttpServer, Reply, Sandbox};

/// The monolith's FastAPI body after 100 more successful and 4 more failed `/orders/{order_id}` GETs.
fn monolith_later() -> String {
    fixture("real/orders-monolith-canary.prom")
        .replace(
            "http_requests_total{handler=\"/orders/{order_id}\",method=\"GET\",status=\"2xx\"} 1764.0",
            "http_requests_total{handler=\"/orders/{order_id}\",method=\"GET\",status=\"2xx\"} 1864.0",
        )
        .replace(
            "http_requests_total{handler=\"/orders/{order_id}\",method=\"GET\",status=\"5xx\"} 36.0",
            "http_requests_total{handler=\"/orders/{order_id}\",method=\"GET\",status=\"5xx\"} 40.0",
        )
}

fn config(server: &HttpServer, extra: &str) -> String {
    ConfigBuilder::new()
        .every("1s", "800ms")
        .gateway(&server.url("/gateway"))
        .source("monolith", &server.url("/monolith"))
        .source("rabbitmq", &server.url("/rabbitmq"))
        .source("redis", &server.url("/redis"))
        .orders_haproxy_full()
        .domain_text(
            r#"  [[domain.queue]]
  name = "inventory.reserve"
  source = "rabbitmq"
  depth = 'rabbitmq_queue_messages_ready{vhost="/",queue="inventory.reserve"}'
  warn = 1000
  crit = 10000
  [[domain.queue]]
  name = "notifications.email"
  source = "rabbitmq"
  depth = 'rabbitmq_queue_messages_ready{queue="notifications.email"}'
  [[domain.queue]]
  name = "orders.events/inventory"
  source = "redis"
  depth = 'redis_stream_group_messages_pending{stream="orders.events",group="inventory"}'
"#,
        )
        .monolith_orders("orders-monolith-app")
        .raw(extra)
        .build()
}

fn exporters() -> HttpServer {
    HttpServer::start(|req, n| {
        Some(match req.path.as_str() {
            // First poll: HAProxy before any traffic; second: after the run (and the rollback).
            "/gateway" if n == 0 => Reply::text(fixture("real/haproxy-idle.prom")),
            "/gateway" => Reply::text(fixture("real/haproxy-svc-down.prom")),
            "/monolith" if n == 0 => Reply::text(fixture("real/orders-monolith-canary.prom")),
            "/monolith" => Reply::text(monolith_later()),
            "/rabbitmq" => Reply::text(fixture("real/rabbitmq-per-object.prom")),
            "/redis" => Reply::text(fixture("real/redis-exporter.prom")),
            "/html" => Reply::html("<!DOCTYPE html>\n<html><body>Sign in</body></html>\n"),
            "/hang" => return None,
            _ => Reply::status(404, "not found"),
        })
    })
}

#[test]
fn status_json_gives_the_counts_the_exporters_recorded() {
    let server = exporters();
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&server, ""));
    let out = run_ok(
        sb.cutover()
            .args(["--config"])
            .arg(&cfg)
            .args(["status", "--json"]),
    );
    let v = json(&out);
    assert_eq!(v["version"], 1);
    assert_eq!(v["mode"], "live");
    let orders = &v["domains"][0];
    assert_eq!(orders["name"], "orders");
    let t = &orders["traffic"];
    // haproxy-svc-down.prom: monolith 2352 2xx + 48 5xx, orders_svc 180 + 20; idle had all 0.
    assert!(close(&t["legacy"]["requests_total"], 2400.0), "{t}");
    assert!(close(&t["legacy"]["requests"], 2400.0));
    assert!(close(&t["legacy"]["errors"], 48.0));
    assert!(close(&t["new"]["requests"], 200.0));
    assert!(close(&t["new"]["errors"], 20.0));
    assert!(close(&t["new"]["error_ratio"], 0.1));
    assert!(close(&t["legacy"]["error_ratio"], 0.02));
    assert!(close(&t["new_share"], 200.0 / 2600.0));
    assert!(close(&t["legacy"]["weight"], 90.0));
    assert!(close(&t["new"]["weight"], 0.0));
    assert!(close(&t["configured_new_share"], 0.0));
    assert!(t["legacy"]["rps"].as_f64().unwrap() > 0.0);
    // The new path's 10% errors are over the 1% SLO.
    assert_eq!(orders["health"], "crit");
    assert!(
        orders["reasons"]
            .to_string()
            .contains("new path error ratio 10.00%"),
        "{}",
        orders["reasons"]
    );
    // rabbitmq-per-object.prom and redis-exporter.prom.
    assert!(close(&orders["queues"][0]["depth"], 1234.0));
    assert_eq!(orders["queues"][0]["health"], "warn");
    assert!(close(&orders["queues"][1]["depth"], 275.0));
    assert!(close(&orders["queues"][2]["depth"], 20.0));
    // FastAPI handler label with braces, and the increase between the two scrapes.
    let app = &v["domains"][1]["traffic"]["legacy"];
    assert!(close(&app["requests_total"], 1864.0 + 40.0), "{app}");
    assert!(close(&app["requests"], 104.0));
    assert!(close(&app["errors"], 4.0));
    let sources = v["sources"].as_array().unwrap();
    assert!(sources.iter().all(|s| s["up"] == true), "{sources:?}");
    assert!(sources[0]["bytes"].as_u64().unwrap() > 10_000);
}

#[test]
fn a_down_source_is_stale_and_null_not_zero_and_the_others_keep_working() {
    let server = exporters();
    let sb = Sandbox::new();
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    let extra = format!(
        r#"
[[source]]
name = "orders-svc"
url = "http://127.0.0.1:{dead_port}/metrics"

[[source]]
name = "login-page"
url = "{html}"

[[domain]]
name = "billing"
stage = "canary"
  [domain.traffic]
  source = "orders-svc"
  new.requests = 'http_requests_total'
  [[domain.queue]]
  name = "behind-a-proxy"
  source = "login-page"
  depth = 'x'
"#,
        html = server.url("/html")
    );
    let cfg = sb.config(&config(&server, &extra));
    let out = run_ok(
        sb.cutover()
            .args(["--config"])
            .arg(&cfg)
            .args(["status", "--json"]),
    );
    let v = json(&out);
    let billing = &v["domains"][2];
    assert_eq!(billing["stale"], true);
    assert_eq!(billing["health"], "unknown");
    assert!(billing["traffic"]["new"]["requests"].is_null());
    assert!(billing["traffic"]["new"]["requests_total"].is_null());
    assert!(billing["queues"][0]["depth"].is_null());
    let reasons = billing["reasons"].to_string();
    assert!(reasons.contains("orders-svc is down"), "{reasons}");
    let src = |name: &str| {
        v["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(src("orders-svc")["up"], false);
    assert!(src("orders-svc")["error"]
        .as_str()
        .unwrap()
        .contains("refused"));
    let html = src("login-page");
    assert_eq!(html["up"], false);
    assert!(
        html["error"]
            .as_str()
            .unwrap()
            .contains("no line of the body parses"),
        "{html}"
    );
    // The rest is unaffected.
    assert!(close(&v["domains"][0]["traffic"]["new"]["requests"], 200.0));
    assert_eq!(v["domains"][0]["stale"], false);
}

#[test]
fn a_hanging_source_does_not_hold_status_beyond_its_timeout() {
    let server = exporters();
    let sb = Sandbox::new();
    let extra = format!(
        r#"
[[source]]
name = "hung"
url = "{}"
[[domain]]
name = "waits"
stage = "planned"
  [[domain.queue]]
  name = "q"
  source = "hung"
  depth = 'x'
"#,
        server.url("/hang")
    );
    let cfg = sb.config(&config(&server, &extra));
    let started = Instant::now();
    let out = run_ok(
        sb.cutover()
            .args(["--config"])
            .arg(&cfg)
            .args(["status", "--json"]),
    );
    // Two polls, each bounded by the 800 ms timeout, one 1 s interval apart.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let v = json(&out);
    let hung = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "hung")
        .unwrap()
        .clone();
    assert_eq!(hung["up"], false);
    assert!(
        hung["error"].as_str().unwrap().contains("timed out"),
        "{hung}"
    );
    assert!(close(&v["domains"][0]["traffic"]["new"]["requests"], 200.0));
}

#[test]
fn the_table_reads_without_colour() {
    let server = exporters();
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&server, ""));
    let out = run_ok(sb.cutover().args(["status", "--config"]).arg(&cfg));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[CRIT]  orders"), "{text}");
    assert!(text.contains("new path error ratio 10.00%"));
    assert!(!text.contains('\u{1b}'));
}

#[test]
fn no_config_names_the_path_and_the_demo_and_exits_2() {
    let sb = Sandbox::new();
    let out = sb.cutover().args(["status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cutover.toml"), "{err}");
    assert!(err.contains("cutover --demo"), "{err}");
}

#[test]
fn a_config_error_names_file_line_and_key_and_exits_2() {
    let sb = Sandbox::new();
    let cfg = sb.config("[settings]\ninterval = \"2s\"\ntimeout = \"1s\"\nwindoww = \"1m\"\n");
    let out = sb
        .cutover()
        .arg("--config")
        .arg(&cfg)
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cutover.toml:4"), "{err}");
    assert!(err.contains("windoww"), "{err}");
}

#[test]
fn global_flags_work_after_the_subcommand() {
    let server = exporters();
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&server, ""));
    let out = run_ok(
        sb.cutover()
            .args(["status", "--json", "--config"])
            .arg(&cfg)
            .arg("--read-only"),
    );
    assert_eq!(json(&out)["version"], 1);
}
