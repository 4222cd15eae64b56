//! The last poll beside the window: `status --json` against an HAProxy exporter served over
//! HTTP on 127.0.0.1 whose new path starts failing every other request after a few polls.
//! The window's ratio mixes the calm polls in; the last poll's counts are the newest two
//! scrapes' difference alone.
#![allow(clippy::unwrap_used)]

mod common;

use common::figures::close;
use common::{fixture, json, run_ok, ConfigBuilder, HttpServer, Reply, Sandbox};

/// Requests per poll on each path.
const MONOLITH: u64 = 100;
const NEW: u64 = 40;
/// From this scrape on, half the new path's requests fail (before: 2 of 40).
const BURST_FROM: u64 = 3;

/// HAProxy's body at scrape `n`: the counters of `haproxy-svc-down.prom` replaced by ones that
/// grow by a poll's requests per scrape.
fn gateway(n: u64) -> String {
    let new_errors: u64 = (1..=n).map(|i| if i >= BURST_FROM { 20 } else { 2 }).sum();
    let line = |server: &str, code: &str, v: u64| {
        format!(
            "haproxy_server_http_responses_total{{proxy=\"be_orders\",server=\"{server}\",code=\"{code}\"}} {v}"
        )
    };
    fixture("real/haproxy-svc-down.prom")
        .replace(
            &line("monolith", "2xx", 2352),
            &line("monolith", "2xx", (MONOLITH - 1) * n),
        )
        .replace(&line("monolith", "5xx", 48), &line("monolith", "5xx", n))
        .replace(
            &line("orders_svc", "2xx", 180),
            &line("orders_svc", "2xx", NEW * n - new_errors),
        )
        .replace(
            &line("orders_svc", "5xx", 20),
            &line("orders_svc", "5xx", new_errors),
        )
}

#[test]
fn the_last_poll_is_the_newest_two_scrapes_apart_from_the_window() {
    let server = HttpServer::start(|req, n| {
        Some(match req.path.as_str() {
            "/gateway" => Reply::text(gateway(n as u64)),
            _ => Reply::status(404, "not found"),
        })
    });
    let sb = Sandbox::new();
    let cfg = sb.config(
        &ConfigBuilder::new()
            .every("1s", "800ms")
            .gateway(&server.url("/gateway"))
            .orders_haproxy_full()
            .build(),
    );
    let out = run_ok(
        sb.cutover()
            .args(["--config"])
            .arg(&cfg)
            .args(["status", "--json", "--over", "3s"]),
    );
    let v = json(&out);
    let t = &v["domains"][0]["traffic"];
    let (new, legacy) = (&t["new"], &t["legacy"]);
    // The newest two scrapes: 20 of 40 failed on the new path, 1 of 100 on the monolith.
    assert!(close(&new["last_poll"]["requests"], NEW as f64), "{t}");
    assert!(close(&new["last_poll"]["errors"], 20.0), "{t}");
    assert!(
        close(&legacy["last_poll"]["requests"], MONOLITH as f64),
        "{t}"
    );
    assert!(close(&legacy["last_poll"]["errors"], 1.0), "{t}");
    let seconds = new["last_poll"]["seconds"].as_f64().unwrap();
    assert!(seconds > 0.5 && seconds < 2.5, "{t}");
    // The window still holds the calm polls: its ratio is well below the last poll's 50%.
    let window = new["error_ratio"].as_f64().unwrap();
    assert!(window < 0.3, "{t}");
    assert!(new["requests"].as_f64().unwrap() > NEW as f64, "{t}");
}
