//! Queue figures carry their meaning (`lag`, `ready`, with `pending` / `unacked` beside them),
//! a lag the exporter version does not export is `null` with that reason (never the pending
//! list's 0), `check` reads the exporters' build info against the presets' version limits,
//! and a queue that is empty or not shrinking has no drain time. The real binary against the
//! real captures of redis_exporter 1.45 and RabbitMQ 3.10 served on 127.0.0.1.
#![allow(clippy::unwrap_used)]

mod common;

use common::figures::close;
use common::{fixture, json, run_ok, ConfigBuilder, HttpServer, Reply, Sandbox};

/// The 1.45 capture as a redis_exporter from 1.52.0 on serves it: its version, and the
/// groups' lag next to their pending lists (the notifications group has read nothing of the
/// stream's 500 entries), `lag` for the inventory group.
fn redis_exporter_with_lag(inventory_lag: u32) -> String {
    fixture("real/redis-exporter.prom")
        .replace("version=\"1.45.0-2+b4\"", "version=\"v1.62.0\"")
        .replace(
            "# HELP redis_stream_group_messages_pending ",
            &format!(
                "# HELP redis_stream_group_lag The number of messages waiting to be delivered to the stream group's consumers\n\
                 # TYPE redis_stream_group_lag gauge\n\
                 redis_stream_group_lag{{db=\"db0\",group=\"inventory\",stream=\"orders.events\"}} {inventory_lag}\n\
                 redis_stream_group_lag{{db=\"db0\",group=\"notifications\",stream=\"orders.events\"}} 500\n\
                 # HELP redis_stream_group_messages_pending "
            ),
        )
}

fn exporters() -> HttpServer {
    HttpServer::start(|req, n| {
        Some(match req.path.as_str() {
            "/redis-1.45" => Reply::text(fixture("real/redis-exporter.prom")),
            // The inventory group catches up: 300 behind, then 200.
            "/redis-new" if n == 0 => Reply::text(redis_exporter_with_lag(300)),
            "/redis-new" => Reply::text(redis_exporter_with_lag(200)),
            "/rabbitmq" => Reply::text(fixture("real/rabbitmq-per-object.prom")),
            // The path as sent, query included.
            p if p.starts_with("/rabbitmq-detailed?family=queue_coarse_metrics") => {
                Reply::text(fixture("real/rabbitmq-detailed-queue_coarse_metrics.prom"))
            }
            _ => Reply::status(404, "not found"),
        })
    })
}

fn queue(name: &str, source: &str, preset: &str, keys: &str) -> String {
    format!(
        "  [[domain.queue]]\n  name = \"{name}\"\n  source = \"{source}\"\n  preset = \"{preset}\"\n{keys}warn = 100\n"
    )
}

fn config(server: &HttpServer) -> String {
    let stream = |group: &str| format!("  stream = \"orders.events\"\n  group = \"{group}\"\n");
    let rabbit = |q: &str| format!("  queue = \"{q}\"\n");
    ConfigBuilder::new()
        .every("1s", "800ms")
        .source("redis", &server.url("/redis-1.45"))
        .source("redis-new", &server.url("/redis-new"))
        .source("rabbitmq", &server.url("/rabbitmq"))
        .source(
            "rabbitmq-detailed",
            &server.url("/rabbitmq-detailed?family=queue_coarse_metrics"),
        )
        .domain_without_traffic("debian12", "canary")
        .domain_text(&queue(
            "notifications",
            "redis",
            "redis-stream",
            &stream("notifications"),
        ))
        .domain_text(&queue(
            "inventory",
            "redis",
            "redis-stream",
            &stream("inventory"),
        ))
        .domain_without_traffic("newer", "canary")
        .domain_text(&queue(
            "notifications",
            "redis-new",
            "redis-stream",
            &stream("notifications"),
        ))
        .domain_text(&queue(
            "inventory",
            "redis-new",
            "redis-stream",
            &stream("inventory"),
        ))
        .domain_without_traffic("rabbit", "canary")
        .domain_text(&queue(
            "inventory.reserve",
            "rabbitmq",
            "rabbitmq",
            &rabbit("inventory.reserve"),
        ))
        .domain_text(&queue(
            "orders.audit",
            "rabbitmq",
            "rabbitmq",
            &rabbit("orders.audit"),
        ))
        .domain_text(&queue(
            "notifications.email",
            "rabbitmq-detailed",
            "rabbitmq-detailed",
            &rabbit("notifications.email"),
        ))
        .build()
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
fn status_gives_each_queue_figure_its_meaning_and_an_unexported_lag_as_null_with_the_reason() {
    let server = exporters();
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&server));
    let out = run_ok(
        sb.cutover()
            .arg("--config")
            .arg(&cfg)
            .args(["status", "--json", "--over", "2s"]),
    );
    let v = json(&out);

    // redis_exporter 1.45: the notifications group has 0 pending and 500 undelivered. Its lag
    // is unknown with the reason, never 0; the pending list is beside it under its own name.
    let d = domain(&v, "debian12");
    let q = &d["queues"][0];
    assert_eq!(q["meaning"], "lag", "{q}");
    assert!(q["depth"].is_null(), "{q}");
    assert_eq!(
        q["depth_unknown"],
        "this exporter version exports no lag (needs redis_exporter ≥ 1.52.0)"
    );
    assert!(q["drain_seconds"].is_null(), "{q}");
    assert_eq!(q["in_flight"]["meaning"], "pending");
    assert!(close(&q["in_flight"]["value"], 0.0), "{q}");
    assert_eq!(q["health"], "unknown");
    assert!(close(&d["queues"][1]["in_flight"]["value"], 20.0));
    assert_ne!(d["health"], "ok");
    assert!(
        d["reasons"].to_string().contains(
            "queue notifications: lag unknown: this exporter version exports no lag (needs redis_exporter ≥ 1.52.0)"
        ),
        "{}",
        d["reasons"]
    );

    // A newer exporter: the lag itself, judged (warn = 100); pending beside it.
    let d = domain(&v, "newer");
    let q = &d["queues"][0];
    assert_eq!(q["meaning"], "lag");
    assert!(close(&q["depth"], 500.0), "{q}");
    assert!(q.get("depth_unknown").is_none(), "{q}");
    assert!(close(&q["in_flight"]["value"], 0.0));
    assert_eq!(q["health"], "warn");
    // Steady at 500: not shrinking, no drain time.
    assert!(close(&q["trend_per_second"], 0.0), "{q}");
    assert!(q["drain_seconds"].is_null(), "{q}");
    // The inventory group catches up (300, then 200): a drain time.
    let q = &d["queues"][1];
    assert!(close(&q["depth"], 200.0), "{q}");
    assert!(q["trend_per_second"].as_f64().unwrap() < 0.0, "{q}");
    assert!(q["drain_seconds"].as_f64().unwrap() > 0.0, "{q}");
    assert!(
        d["reasons"]
            .to_string()
            .contains("queue notifications lag 500 >= warn 100"),
        "{}",
        d["reasons"]
    );

    // RabbitMQ: ready messages are the backlog, unacked ones are in flight beside them.
    let d = domain(&v, "rabbit");
    let q = &d["queues"];
    assert_eq!(q[0]["meaning"], "ready");
    assert!(close(&q[0]["depth"], 1234.0));
    assert_eq!(q[0]["in_flight"]["meaning"], "unacked");
    assert!(close(&q[0]["in_flight"]["value"], 0.0));
    // Empty: nothing to drain, not "drained in 0 ms".
    assert!(close(&q[1]["depth"], 0.0));
    assert!(q[1]["drain_seconds"].is_null(), "{}", q[1]);
    assert_eq!(q[1]["health"], "ok");
    assert!(close(&q[2]["depth"], 275.0));
    assert!(close(&q[2]["in_flight"]["value"], 25.0));
}

#[test]
fn the_table_says_what_each_queue_figure_counts_and_never_a_zero_drain() {
    let server = exporters();
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&server));
    let out = run_ok(
        sb.cutover()
            .arg("--config")
            .arg(&cfg)
            .args(["status", "--over", "2s"]),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let line = |domain: &str, queue: &str| {
        let block = text.split_once(&format!(" {domain}  [")).unwrap().1;
        block
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("queue    {queue} ")))
            .unwrap()
            .to_string()
    };
    assert_eq!(
        line("debian12", "notifications"),
        "  queue    notifications lag - (pending 0) trend -/s drain -"
    );
    assert!(
        line("newer", "notifications")
            .starts_with("  queue    notifications lag 500 (pending 0) trend +0.0/s drain -"),
        "{text}"
    );
    assert!(
        line("rabbit", "orders.audit").ends_with(" drain -"),
        "{text}"
    );
    assert!(
        line("rabbit", "inventory.reserve")
            .starts_with("  queue    inventory.reserve ready 1234 (unacked 0)"),
        "{text}"
    );
    let drain = line("newer", "inventory");
    assert!(
        !drain.ends_with("drain -") && !drain.ends_with(" 0s"),
        "{drain}"
    );
    assert!(
        text.contains("- queue notifications: lag unknown: this exporter version exports no lag (needs redis_exporter ≥ 1.52.0)"),
        "{text}"
    );
}

#[test]
fn check_reads_the_exporters_build_info_against_the_presets_version_limits() {
    let server = exporters();
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&server));
    let out = sb
        .cutover()
        .arg("--config")
        .arg(&cfg)
        .arg("check")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // The 1.45 exporter's lag selectors match nothing: a problem, explained by its version.
    assert_eq!(out.status.code(), Some(1), "{text}");
    let warn = "redis_exporter 1.45.0-2+b4 exports no stream group lag \
                (redis_stream_group_lag needs ≥ 1.52.0): the lag (entries not yet delivered) \
                is unknown; only the pending list is shown";
    assert!(
        text.contains(&format!("  WARN  redis                {warn}")),
        "{text}"
    );
    assert!(text.contains(&format!("      hint: {warn}")), "{text}");
    assert!(
        text.contains("  ok    redis-new            redis_exporter v1.62.0 (needs redis_exporter ≥ 1.52.0 for preset redis-stream)"),
        "{text}"
    );
    assert!(
        text.contains("  ok    rabbitmq-detailed    RabbitMQ 3.10.8 (needs RabbitMQ ≥ 3.9.7 for preset rabbitmq-detailed)"),
        "{text}"
    );
    assert!(
        text.contains("1 source(s) under an exporter version limit"),
        "{text}"
    );
    // Two lag selectors on the 1.45 exporter, nothing else.
    assert!(text.contains("\n2 problem(s) found"), "{text}");
    // The pending list beside the lag is read, and named for what it is.
    assert!(text.contains("queue[0].pending"), "{text}");
    assert!(text.contains("queue[0].unacked"), "{text}");
}
