//! Real exporter captures (tests/fixtures/real, see its README): every line reads, and the
//! facts the README states come out of the parser.

mod common;

use common::ingest::{parse_owned, value_of, Owned};
use cutover::ingest::exposition::MetricType;
use cutover::ingest::prefilter::FamilyFilter;

const CAPTURES: [&str; 8] = [
    "haproxy-idle.prom",
    "haproxy-svc-down.prom",
    "orders-monolith-canary.prom",
    "rabbitmq-aggregated.prom",
    "rabbitmq-detailed-no-family.prom",
    "rabbitmq-detailed-queue_coarse_metrics.prom",
    "rabbitmq-per-object.prom",
    "redis-exporter.prom",
];

fn capture(file: &str) -> Vec<Owned> {
    let body = common::fixture(&format!("real/{file}"));
    let (samples, stats) = parse_owned(&body, &FamilyFilter::all());
    assert_eq!(stats.bad_lines, 0, "{file}: {:?}", stats.first_bad);
    samples
}

#[test]
fn every_capture_parses_without_bad_lines() {
    for file in CAPTURES {
        let body = common::fixture(&format!("real/{file}"));
        let (samples, stats) = parse_owned(&body, &FamilyFilter::all());
        assert_eq!(stats.bad_lines, 0, "{file}: {:?}", stats.first_bad);
        // Counted independently: lines that are neither blank nor comments.
        let sample_lines = body
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .count();
        assert!(sample_lines > 0, "{file}");
        assert_eq!(stats.sample_lines as usize, sample_lines, "{file}");
        assert_eq!(stats.samples as usize, sample_lines, "{file}");
        assert_eq!(samples.len(), sample_lines, "{file}");
        assert_eq!(stats.lines as usize, body.lines().count(), "{file}");
    }
}

#[test]
fn haproxy_idle_facts() {
    let s = capture("haproxy-idle.prom");
    for server in ["monolith", "orders_svc"] {
        let up = [("proxy", "be_orders"), ("server", server), ("state", "UP")];
        assert_eq!(
            value_of(&s, "haproxy_server_status", &up),
            Some(1.0),
            "{server}"
        );
    }
    let weight = |server| {
        value_of(
            &s,
            "haproxy_server_weight",
            &[("proxy", "be_orders"), ("server", server)],
        )
    };
    assert_eq!(weight("monolith"), Some(90.0));
    assert_eq!(weight("orders_svc"), Some(10.0));
    let responses: Vec<&Owned> = s
        .iter()
        .filter(|x| {
            x.name == "haproxy_server_http_responses_total"
                && x.labels.contains(&("proxy".into(), "be_orders".into()))
        })
        .collect();
    assert_eq!(responses.len(), 12);
    assert!(responses.iter().all(|x| x.value == 0.0));
    assert!(responses.iter().all(|x| x.kind == MetricType::Counter));
}

#[test]
fn haproxy_svc_down_facts() {
    let s = capture("haproxy-svc-down.prom");
    let responses = |server, code| {
        value_of(
            &s,
            "haproxy_server_http_responses_total",
            &[("proxy", "be_orders"), ("server", server), ("code", code)],
        )
    };
    assert_eq!(responses("monolith", "2xx"), Some(2352.0));
    assert_eq!(responses("monolith", "5xx"), Some(48.0));
    assert_eq!(responses("orders_svc", "2xx"), Some(180.0));
    assert_eq!(responses("orders_svc", "5xx"), Some(20.0));
    let svc = |name, state| {
        value_of(
            &s,
            name,
            &[
                ("proxy", "be_orders"),
                ("server", "orders_svc"),
                ("state", state),
            ],
        )
    };
    assert_eq!(svc("haproxy_server_status", "DOWN"), Some(1.0));
    assert_eq!(svc("haproxy_server_check_status", "L4CON"), Some(1.0));
    assert_eq!(
        value_of(
            &s,
            "haproxy_server_weight",
            &[("proxy", "be_orders"), ("server", "orders_svc")]
        ),
        Some(0.0)
    );
}

#[test]
fn fastapi_monolith_route_with_braces() {
    let s = capture("orders-monolith-canary.prom");
    let requests = |status| {
        value_of(
            &s,
            "http_requests_total",
            &[
                ("handler", "/orders/{order_id}"),
                ("method", "GET"),
                ("status", status),
            ],
        )
    };
    assert_eq!(requests("2xx"), Some(1764.0));
    assert_eq!(requests("5xx"), Some(36.0));
    let kind_of = |name: &str| s.iter().find(|x| x.name == name).map(|x| x.kind);
    assert_eq!(kind_of("http_requests_total"), Some(MetricType::Counter));
    // client_python 0.0.4 writes `_created` as its own gauge family.
    assert_eq!(kind_of("http_requests_created"), Some(MetricType::Gauge));
    assert_eq!(
        kind_of("http_request_duration_seconds_bucket"),
        Some(MetricType::Histogram)
    );
    assert_eq!(
        kind_of("http_request_duration_seconds_count"),
        Some(MetricType::Histogram)
    );
    assert_eq!(
        kind_of("http_request_size_bytes_count"),
        Some(MetricType::Summary)
    );
}

#[test]
fn rabbitmq_aggregated_has_no_per_queue_values() {
    let s = capture("rabbitmq-aggregated.prom");
    assert_eq!(
        value_of(&s, "rabbitmq_queue_messages_ready", &[]),
        Some(1509.0)
    );
    assert!(!s
        .iter()
        .any(|x| x.labels.iter().any(|(name, _)| name == "queue")));
}

#[test]
fn rabbitmq_per_object_queue_depths() {
    for (file, ready, unacked) in [
        (
            "rabbitmq-per-object.prom",
            "rabbitmq_queue_messages_ready",
            "rabbitmq_queue_messages_unacked",
        ),
        (
            "rabbitmq-detailed-queue_coarse_metrics.prom",
            "rabbitmq_detailed_queue_messages_ready",
            "rabbitmq_detailed_queue_messages_unacked",
        ),
    ] {
        let s = capture(file);
        for (queue, want_ready, want_unacked) in [
            ("inventory.reserve", 1234.0, 0.0),
            ("notifications.email", 275.0, 25.0),
            ("orders.audit", 0.0, 0.0),
        ] {
            let labels = [("vhost", "/"), ("queue", queue)];
            assert_eq!(
                value_of(&s, ready, &labels),
                Some(want_ready),
                "{file} {queue}"
            );
            assert_eq!(
                value_of(&s, unacked, &labels),
                Some(want_unacked),
                "{file} {queue}"
            );
        }
    }
}

#[test]
fn rabbitmq_detailed_without_family_has_no_queue_metrics() {
    let s = capture("rabbitmq-detailed-no-family.prom");
    assert!(!s.is_empty());
    assert!(!s.iter().any(|x| x.name.contains("queue")));
}

#[test]
fn redis_streams() {
    let s = capture("redis-exporter.prom");
    assert_eq!(
        value_of(
            &s,
            "redis_stream_length",
            &[("db", "db0"), ("stream", "orders.events")]
        ),
        Some(500.0)
    );
    let pending = |group| {
        value_of(
            &s,
            "redis_stream_group_messages_pending",
            &[("db", "db0"), ("group", group), ("stream", "orders.events")],
        )
    };
    assert_eq!(pending("inventory"), Some(20.0));
    assert_eq!(pending("notifications"), Some(0.0));
}
