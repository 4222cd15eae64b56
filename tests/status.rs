//! `cutover status --json` against real exporter output served over HTTP on 127.0.0.1.
#![allow(clippy::unwrap_used)]

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
            .args(["status", "--json", "--over", "1s"]),
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
            .args(["status", "--json", "--over", "1s"]),
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
            .args(["status", "--json", "--over", "1s"]),
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
    let out = run_ok(
        sb.cutover()
            .args(["status", "--over", "1s", "--config"])
            .arg(&cfg),
    );
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
            .args(["status", "--json", "--over", "1s", "--config"])
            .arg(&cfg)
            .arg("--read-only"),
    );
    assert_eq!(json(&out)["version"], 1);
}

/// The test config with another window (and interval 1 s).
fn config_window(server: &HttpServer, window: &str) -> String {
    config(server, "").replace("window = \"1m\"", &format!("window = \"{window}\""))
}

fn domain<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap()
}

#[test]
fn a_span_shorter_than_a_verdict_needs_is_stated_and_never_ok() {
    let server = exporters();
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&server, ""));
    let out = run_ok(
        sb.cutover()
            .args(["--config"])
            .arg(&cfg)
            .args(["status", "--json", "--over", "2s"]),
    );
    let v = json(&out);
    let span = v["span_seconds"].as_f64().unwrap();
    assert!((2.0..10.0).contains(&span), "{span}");
    // Two seconds of a one-minute window: the planned app domain (fine otherwise) has no verdict.
    let app = domain(&v, "orders-monolith-app");
    assert_eq!(app["health"], "unknown", "{app}");
    let reasons = app["reasons"].to_string();
    assert!(
        reasons.contains(
            "span too short for a verdict: measured over 2s, a verdict needs 1m (--over 1m)"
        ),
        "{reasons}"
    );
    // What was seen stands: the new path's 10% errors are crit on any span.
    assert_eq!(domain(&v, "orders")["health"], "crit");
    let text = run_ok(
        sb.cutover()
            .args(["--config"])
            .arg(&cfg)
            .args(["status", "--over", "1s"]),
    );
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.lines()
            .next()
            .unwrap()
            .contains("(live), measured over 1s"),
        "{text}"
    );
    assert!(text.contains("[?]     orders-monolith-app"), "{text}");
}

#[test]
fn by_default_status_measures_what_a_verdict_needs() {
    // The monolith app serves 100 more requests between any two polls.
    let server = HttpServer::start(|req, n| {
        Some(match req.path.as_str() {
            "/monolith" => Reply::text(fixture("real/orders-monolith-canary.prom").replace(
                "status=\"2xx\"} 1764.0",
                &format!("status=\"2xx\"}} {}.0", 1764 + 100 * n),
            )),
            "/gateway" => Reply::text(fixture("real/haproxy-svc-down.prom")),
            "/rabbitmq" => Reply::text(fixture("real/rabbitmq-per-object.prom")),
            _ => Reply::text(fixture("real/redis-exporter.prom")),
        })
    });
    let sb = Sandbox::new();
    // A 3 s window: the default span is the window, so the app domain gets its verdict.
    let cfg = sb.config(&config_window(&server, "3s"));
    let started = Instant::now();
    let v = json(&run_ok(
        sb.cutover()
            .args(["--config"])
            .arg(&cfg)
            .args(["status", "--json"]),
    ));
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        v["span_seconds"].as_f64().unwrap() >= 3.0,
        "{}",
        v["span_seconds"]
    );
    let app = domain(&v, "orders-monolith-app");
    assert_eq!(app["health"], "ok", "{app}");
    // --over past the window is refused: the figures look no further back.
    let out = sb
        .cutover()
        .args(["--config"])
        .arg(&cfg)
        .args(["status", "--over", "1m"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--over 1m is longer than the window (3s)"),
        "{err}"
    );
}

#[test]
fn fail_on_exits_4_at_or_above_the_level_and_0_below() {
    let server = exporters();
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&server, ""));
    let code = |level: &str| {
        sb.cutover()
            .args(["--config"])
            .arg(&cfg)
            .args(["status", "--over", "1s", "--fail-on", level])
            .output()
            .unwrap()
            .status
            .code()
    };
    // orders is crit (10% new-path errors).
    assert_eq!(code("crit"), Some(4));
    assert_eq!(code("warn"), Some(4));
    // Only the planned app domain: unknown on a 1 s span, which is below warn.
    let full = config(&server, "");
    let app = full
        .find("[[domain]]\nname = \"orders-monolith-app\"")
        .unwrap();
    let cfg2 = sb.config(&format!(
        "{}{}",
        &full[..full.find("[[domain]]").unwrap()],
        &full[app..]
    ));
    let out = sb
        .cutover()
        .args(["--config"])
        .arg(&cfg2)
        .args(["status", "--json", "--over", "1s", "--fail-on", "warn"])
        .output()
        .unwrap();
    let v = json(&out);
    assert!(
        v["domains"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["health"] != "crit" && d["health"] != "warn"),
        "{v}"
    );
    assert_eq!(out.status.code(), Some(0), "{v}");
}

/// The `name=value` parameter of a request's query string, as a number.
fn param(path: &str, name: &str) -> f64 {
    path.split(['?', '&'])
        .find_map(|p| p.strip_prefix(&format!("{name}=")))
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_query_api_source_answers_the_whole_window_with_one_range_query() {
    // A Prometheus that has the history: requests grow 10/s on each path, the new path fails 1/s.
    let prom = HttpServer::start(|req, _| {
        if !req.path.starts_with("/api/v1/query_range?") {
            return Some(Reply::status(404, "only range queries here"));
        }
        let (start, end, step) = (
            param(&req.path, "start"),
            param(&req.path, "end"),
            param(&req.path, "step"),
        );
        let per_second = if req.path.contains("errors") {
            1.0
        } else {
            10.0
        };
        let mut values = Vec::new();
        let mut t = start;
        while t <= end + 1e-6 {
            values.push(format!(
                "[{t:.3},\"{}\"]",
                ((t - start) * per_second).round()
            ));
            t += step;
        }
        Some(Reply::of(
            200,
            "application/json",
            format!(
                r#"{{"status":"success","data":{{"resultType":"matrix","result":[{{"metric":{{"job":"app"}},"values":[{}]}}]}}}}"#,
                values.join(",")
            ),
        ))
    });
    let sb = Sandbox::new();
    let cfg = sb.config(&format!(
        r#"
[settings]
interval = "2s"
timeout = "1500ms"
window = "1m"

[[source]]
name = "prom"
url = "{url}"
kind = "prometheus"

[[domain]]
name = "orders"
stage = "canary"
  [domain.traffic]
  source = "prom"
  legacy.requests = 'sum(legacy_requests)'
  new.requests    = 'sum(new_requests)'
  new.errors      = 'sum(new_errors)'
"#,
        url = prom.url("")
    ));
    let started = Instant::now();
    let v = json(&run_ok(
        sb.cutover()
            .args(["--config"])
            .arg(&cfg)
            .args(["status", "--json"]),
    ));
    // No waiting for the window to pass: the API has it.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(v["span_seconds"], 60.0, "{v}");
    let orders = domain(&v, "orders");
    assert!(
        close(&orders["traffic"]["new"]["requests"], 600.0),
        "{orders}"
    );
    assert!(close(&orders["traffic"]["new"]["errors"], 60.0), "{orders}");
    assert_eq!(orders["health"], "crit", "{orders}");
    let seen = prom.requests();
    assert_eq!(seen.len(), 3, "one range query per signal: {seen:?}");
    for r in &seen {
        assert_eq!(
            param(&r.path, "end") - param(&r.path, "start"),
            60.0,
            "{}",
            r.path
        );
        assert_eq!(param(&r.path, "step"), 2.0);
        // Else VictoriaMetrics moves start and end onto multiples of the step.
        assert_eq!(param(&r.path, "nocache"), 1.0, "{}", r.path);
    }
}

/// An HAProxy body (the built-in exporter's names) where the backend weights give the new
/// server `new_weight` of 100 while only the monolith's counter grows (100 per poll).
fn haproxy_weights(n: usize, new_weight: u32, new_state_down: bool) -> String {
    let state = |s: &str, server: &str, on: bool| {
        format!(
            "haproxy_server_status{{proxy=\"be_orders\",server=\"{server}\",state=\"{s}\"}} {}\n",
            u8::from(on)
        )
    };
    format!(
        "haproxy_server_http_responses_total{{proxy=\"be_orders\",server=\"monolith\",code=\"2xx\"}} {}\n\
         haproxy_server_http_responses_total{{proxy=\"be_orders\",server=\"monolith\",code=\"5xx\"}} 0\n\
         haproxy_server_http_responses_total{{proxy=\"be_orders\",server=\"orders_svc\",code=\"2xx\"}} 50\n\
         haproxy_server_http_responses_total{{proxy=\"be_orders\",server=\"orders_svc\",code=\"5xx\"}} {}\n\
         haproxy_server_weight{{proxy=\"be_orders\",server=\"monolith\"}} {}\n\
         haproxy_server_weight{{proxy=\"be_orders\",server=\"orders_svc\"}} {new_weight}\n{}{}{}{}",
        1000 + 100 * n,
        if new_state_down { 10 * n } else { 0 },
        100 - new_weight,
        state("UP", "monolith", true),
        state("DOWN", "monolith", false),
        state("UP", "orders_svc", !new_state_down),
        state("DOWN", "orders_svc", new_state_down),
    )
}

fn haproxy_config(url: &str, window: &str, stage: &str) -> String {
    format!(
        r#"
[settings]
interval = "1s"
timeout = "800ms"
window = "{window}"

[[source]]
name = "gateway"
url = "{url}"

[[domain]]
name = "orders"
stage = "{stage}"
  [domain.traffic]
  source = "gateway"
  preset = "haproxy"
  backend = "be_orders"
  legacy = "monolith"
  new = "orders_svc"
"#
    )
}

#[test]
fn a_configured_split_the_gateway_does_not_follow_is_a_warning_in_every_stage() {
    let server = HttpServer::start(|_, n| Some(Reply::text(haproxy_weights(n, 10, false))));
    let sb = Sandbox::new();
    for stage in ["canary", "planned"] {
        let cfg = sb.config(&haproxy_config(&server.url("/metrics"), "3s", stage));
        let v = json(&run_ok(
            sb.cutover()
                .args(["--config"])
                .arg(&cfg)
                .args(["status", "--json"]),
        ));
        let orders = domain(&v, "orders");
        assert_eq!(orders["health"], "warn", "{stage}: {orders}");
        let reasons = orders["reasons"].to_string();
        assert!(
            reasons.contains("configured 10%, observed 0% for ")
                && reasons.contains(": the gateway is not sending the new path its weight"),
            "{stage}: {reasons}"
        );
    }
    // On a span shorter than the window the gap is not yet sustained: no such warning.
    let cfg = sb.config(&haproxy_config(&server.url("/metrics"), "1m", "canary"));
    let v = json(&run_ok(
        sb.cutover()
            .args(["--config"])
            .arg(&cfg)
            .args(["status", "--json", "--over", "2s"]),
    ));
    let reasons = domain(&v, "orders")["reasons"].to_string();
    assert!(!reasons.contains("configured 10%"), "{reasons}");
}

#[test]
fn a_path_the_gateway_marks_down_while_it_has_weight_is_crit() {
    let server = HttpServer::start(|_, n| Some(Reply::text(haproxy_weights(n, 10, true))));
    let sb = Sandbox::new();
    let cfg = sb.config(&haproxy_config(&server.url("/metrics"), "1m", "canary"));
    let v = json(&run_ok(
        sb.cutover()
            .args(["--config"])
            .arg(&cfg)
            .args(["status", "--json", "--over", "1s"]),
    ));
    let orders = domain(&v, "orders");
    assert_eq!(orders["health"], "crit", "{orders}");
    assert_eq!(orders["traffic"]["new"]["gateway_up"], false, "{orders}");
    assert_eq!(orders["traffic"]["legacy"]["gateway_up"], true, "{orders}");
    let reasons = orders["reasons"].to_string();
    assert!(
        reasons.contains(
            "new path is down at the gateway; the gateway counted 10 requests (10 5xx) for it in the window"
        ),
        "{reasons}"
    );
    let text = run_ok(
        sb.cutover()
            .args(["--config"])
            .arg(&cfg)
            .args(["status", "--over", "1s"]),
    );
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("[CRIT]  orders"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("  new ") && l.ends_with(", DOWN at the gateway")),
        "{text}"
    );
}

#[test]
fn a_dead_service_the_gateway_still_routes_to_is_crit_not_just_stale() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    for gateway_down in [false, true] {
        let server =
            HttpServer::start(move |_, n| Some(Reply::text(haproxy_weights(n, 10, gateway_down))));
        let sb = Sandbox::new();
        let cfg = haproxy_config(&server.url("/metrics"), "1m", "canary").replace(
            "new = \"orders_svc\"",
            "new = { preset = \"fastapi\", source = \"orders-svc\", handler = \"/orders/{order_id}\", gateway = \"orders_svc\" }",
        ) + &format!("\n[[source]]\nname = \"orders-svc\"\nurl = \"http://127.0.0.1:{dead_port}/metrics\"\n");
        let cfg = sb.config(&cfg);
        let v = json(&run_ok(
            sb.cutover()
                .args(["--config"])
                .arg(&cfg)
                .args(["status", "--json", "--over", "1s"]),
        ));
        let orders = domain(&v, "orders");
        assert_eq!(orders["health"], "crit", "{orders}");
        assert_eq!(orders["stale"], true, "{orders}");
        let reasons = orders["reasons"].to_string();
        if gateway_down {
            assert!(
                reasons
                    .contains("new path is down at the gateway; its source orders-svc is down: ")
                    && reasons
                        .contains("the gateway counted 10 requests (10 5xx) for it in the window"),
                "{reasons}"
            );
        } else {
            assert!(
                reasons.contains("new path's source orders-svc is down (")
                    && reasons.contains(
                        ") while the gateway still routes it traffic; the gateway marks it up"
                    ),
                "{reasons}"
            );
            assert_eq!(orders["traffic"]["new"]["gateway_up"], true, "{orders}");
            assert_eq!(
                orders["traffic"]["new"]["gateway_requests"], 0.0,
                "{orders}"
            );
        }
    }
}
