//! Latency labelled for what it is, through the binary against real exporter output over HTTP:
//! a FastAPI service on the instrumentator's default buckets (0.1, 0.5, 1 s) serving in a few
//! milliseconds shows its p95 as `≤100ms`, not an interpolated 95 ms; a p95 SLO finer than that
//! bucket is not judged (and says why); HAProxy's figure is an average and says so; the
//! gateway's average is shown where the service's own p95 is only a bound the SLO cannot judge
//! (never over one it can: `p95 >1s` against 300 ms stays), and not at all on an idle server
//! (HAProxy reads 0 there); `check` names the coarse buckets.
#![allow(clippy::unwrap_used)]

mod common;

use common::{both, fixture, json, ConfigBuilder, HttpServer, Reply, Sandbox};

/// The FastAPI capture (all 1800 `/orders/{order_id}` requests under 100 ms) after `n` more
/// fast GETs: every bucket and the 2xx counter grow by `n`.
fn fastapi_after(n: u32) -> String {
    let mut body = fixture("real/orders-monolith-canary.prom");
    for le in ["0.1", "0.5", "1.0", "+Inf"] {
        let line = |v: u32| {
            format!(
                "http_request_duration_seconds_bucket{{handler=\"/orders/{{order_id}}\",le=\"{le}\",method=\"GET\"}} {v}.0"
            )
        };
        body = body.replace(&line(1800), &line(1800 + n));
    }
    body.replace(
        "http_requests_total{handler=\"/orders/{order_id}\",method=\"GET\",status=\"2xx\"} 1764.0",
        &format!(
            "http_requests_total{{handler=\"/orders/{{order_id}}\",method=\"GET\",status=\"2xx\"}} {}.0",
            1764 + n
        ),
    )
}

/// HAProxy before and after traffic (its average response times: monolith 4 ms, orders_svc
/// 1 ms), the service before and after 200 fast requests.
fn exporters() -> HttpServer {
    HttpServer::start(|req, n| {
        Some(match req.path.as_str() {
            "/gateway" if n == 0 => Reply::text(fixture("real/haproxy-idle.prom")),
            "/gateway" => Reply::text(fixture("real/haproxy-svc-down.prom")),
            "/svc" if n == 0 => Reply::text(fastapi_after(0)),
            "/svc" => Reply::text(fastapi_after(200)),
            _ => Reply::status(404, "not found"),
        })
    })
}

/// The domain `orders` on HAProxy's `be_orders`: the monolith a server, the new path the
/// FastAPI service's own metrics (with the gateway's view of `orders_svc` when `gateway`), and
/// a p95 SLO of `p95`.
fn config(server: &HttpServer, gateway: bool, p95: &str) -> String {
    let view = if gateway {
        r#", gateway = "orders_svc""#
    } else {
        ""
    };
    ConfigBuilder::new()
        .every("1s", "800ms")
        .gateway(&server.url("/gateway"))
        .source("svc", &server.url("/svc"))
        .domain_without_traffic("orders", "canary")
        .domain_text(&format!(
            r#"  [domain.traffic]
  source = "gateway"
  preset = "haproxy"
  backend = "be_orders"
  legacy = "monolith"
  new = {{ preset = "fastapi", source = "svc", handler = "/orders/{{order_id}}"{view} }}
  [domain.slo]
  p95 = "{p95}"
"#
        ))
        .build()
}

/// `status` (`--json` or the text) over two polls of fresh exporters (the first poll before
/// the traffic, the second after it).
fn status(gateway: bool, p95: &str, json_out: bool) -> std::process::Output {
    let server = exporters();
    let sb = Sandbox::new();
    run_status(&sb, &config(&server, gateway, p95), json_out)
}

fn run_status(sb: &Sandbox, config: &str, json_out: bool) -> std::process::Output {
    let cfg = sb.config(config);
    let json = if json_out { &["--json"][..] } else { &[] };
    sb.run_ok(&cfg, [&["status", "--over", "1s"][..], json].concat())
}

#[test]
fn a_fast_service_on_default_buckets_is_at_most_100ms_and_a_finer_slo_is_not_judged() {
    let v = json(&status(false, "50ms", true));
    let orders = &v["domains"][0];
    let new = &orders["traffic"]["new"];
    assert_eq!(
        new["latency"],
        serde_json::json!({"kind": "p95", "seconds": null, "bound": "at_most",
            "bound_seconds": 0.1, "bucket": [0.0, 0.1], "from": "own"}),
        "{new:#}"
    );
    // p50, p95, p99: each a bound; PromQL's interpolation stays where it was.
    let kinds: Vec<_> = new["quantiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| (q["kind"].as_str().unwrap(), q["bound"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [("p50", "at_most"), ("p95", "at_most"), ("p99", "at_most")]
    );
    assert!((new["p95_seconds"].as_f64().unwrap() - 0.095).abs() < 1e-9);
    // HAProxy's figure for the monolith is its average, and says so.
    let legacy = &orders["traffic"]["legacy"]["latency"];
    assert_eq!(legacy["kind"], "avg", "{legacy}");
    assert!((legacy["seconds"].as_f64().unwrap() - 0.004).abs() < 1e-9);
    // 50 ms lies inside the (0, 100 ms] bucket: not judged, with the reason; no warning.
    let reasons = orders["reasons"].to_string();
    assert!(
        reasons.contains(
            "p95 SLO 50ms not judged: new path p95 ≤100ms lies in the histogram's bucket from \
             0ms to 100ms, coarser than the SLO"
        ),
        "{reasons}"
    );
    assert!(!reasons.contains("> 50ms"), "{reasons}");
    assert_ne!(orders["health"], "warn", "{orders:#}");

    let text = String::from_utf8(status(false, "50ms", false).stdout).unwrap();
    let line = |side: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("  {side} ")))
            .unwrap()
            .to_string()
    };
    // The latency, then HAProxy's 4xx class (its 401/403 and 429 unknown).
    assert!(
        line("legacy").contains("avg 4ms, 4xx 0 (0.00%), 401/403 and 429 unknown (by class only)"),
        "{text}"
    );
    assert!(line("new").contains("p95 ≤100ms"), "{text}");
}

#[test]
fn the_gateways_average_is_shown_where_the_service_knows_only_a_bound() {
    let v = json(&status(true, "50ms", true));
    let orders = &v["domains"][0];
    let new = &orders["traffic"]["new"];
    assert_eq!(new["latency"]["kind"], "avg", "{new:#}");
    assert_eq!(new["latency"]["from"], "gateway");
    assert!((new["latency"]["seconds"].as_f64().unwrap() - 0.001).abs() < 1e-9);
    assert_eq!(new["gateway_latency"], new["latency"]);
    // The service's own p95 is still reported, as the bound it is.
    assert_eq!(new["quantiles"][1]["bound_seconds"], 0.1);
    // 1 ms is within 50 ms: nothing to say about the SLO.
    assert!(
        !orders["reasons"].to_string().contains("SLO"),
        "{}",
        orders["reasons"]
    );

    let text = String::from_utf8(status(true, "50ms", false).stdout).unwrap();
    assert!(
        text.contains("avg 1ms at the gateway (own p95 ≤100ms)"),
        "{text}"
    );
}

/// The FastAPI service after 200 more requests, every one over a second (p95 `>1s`).
fn fastapi_slow() -> String {
    let slow = fastapi_after(200);
    ["0.1", "0.5", "1.0"].iter().fold(slow, |body, le| {
        body.replace(
            &format!("le=\"{le}\",method=\"GET\"}} 2000.0"),
            &format!("le=\"{le}\",method=\"GET\"}} 1800.0"),
        )
    })
}

/// `status --json` of the slow service behind HAProxy (`gateway`: with the gateway's view of
/// `orders_svc`, whose average reads 1 ms) against a 300 ms p95 SLO.
fn slow_status(gateway: bool) -> serde_json::Value {
    let slow = fastapi_slow();
    let server = HttpServer::start(move |req, n| {
        Some(match req.path.as_str() {
            "/gateway" if n == 0 => Reply::text(fixture("real/haproxy-idle.prom")),
            "/gateway" => Reply::text(fixture("real/haproxy-svc-down.prom")),
            "/svc" if n == 0 => Reply::text(fastapi_after(0)),
            "/svc" => Reply::text(slow.clone()),
            _ => Reply::status(404, "not found"),
        })
    });
    let sb = Sandbox::new();
    json(&run_status(&sb, &config(&server, gateway, "300ms"), true))
}

#[test]
fn a_slow_path_above_the_highest_bucket_is_judged_against_a_lower_slo() {
    // p95 >1s, over a 300 ms SLO for sure; with or without the gateway's average beside it,
    // which must not hide the tail.
    for gateway in [false, true] {
        let v = slow_status(gateway);
        let orders = &v["domains"][0];
        let l = &orders["traffic"]["new"]["latency"];
        assert_eq!(
            (l["bound"].as_str(), l["bound_seconds"].as_f64()),
            (Some("above"), Some(1.0)),
            "gateway {gateway}: {l}"
        );
        assert!(
            orders["reasons"]
                .to_string()
                .contains("new path p95 >1s > 300ms"),
            "gateway {gateway}: {}",
            orders["reasons"]
        );
    }
    // The gateway's figure is still reported beside it.
    let v = slow_status(true);
    let gw = &v["domains"][0]["traffic"]["new"]["gateway_latency"];
    assert_eq!(gw["kind"], "avg", "{gw}");
}

#[test]
fn haproxys_average_on_an_idle_server_is_unknown_not_zero() {
    // HAProxy answers 0 for a server that served nothing: two polls without a request.
    let server = HttpServer::start(|req, _| {
        Some(match req.path.as_str() {
            "/gateway" => Reply::text(fixture("real/haproxy-idle.prom")),
            "/svc" => Reply::text(fastapi_after(0)),
            _ => Reply::status(404, "not found"),
        })
    });
    let sb = Sandbox::new();
    let cfg = config(&server, true, "300ms");
    let v = json(&run_status(&sb, &cfg, true));
    let traffic = &v["domains"][0]["traffic"];
    assert_eq!(traffic["legacy"]["requests"], 0.0, "{traffic:#}");
    assert_eq!(
        traffic["legacy"]["latency"],
        serde_json::Value::Null,
        "{traffic:#}"
    );
    assert_eq!(
        traffic["new"]["gateway_latency"],
        serde_json::Value::Null,
        "{traffic:#}"
    );
    let text = String::from_utf8(run_status(&sb, &cfg, false).stdout).unwrap();
    assert!(!text.contains("avg 0ms"), "{text}");
}

#[test]
fn check_names_the_coarse_buckets_and_the_slo_it_cannot_judge() {
    let server = exporters();
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&server, false, "50ms"));
    let text = both(&sb.run(&cfg, ["check"]));
    assert!(
        text.contains(
            "warning: coarse latency buckets 100ms, 500ms, 1s: a quantile under 100ms shows \
             as ≤100ms, one over 1s as >1s; the p95 SLO 50ms is finer than the lowest bucket: \
             not judged while the p95 is under 100ms"
        ),
        "{text}"
    );
    // HAProxy's average has no buckets: nothing to warn about on the monolith's latency.
    assert_eq!(text.matches("coarse latency buckets").count(), 1, "{text}");
}
