//! The "demo" scenario's script: what the world holds at the start (five domains behind an
//! HAProxy gateway, a RabbitMQ broker, Redis streams and Kafka) and how its rates and behaviours
//! move over ten minutes. Data and curves only; [`World`](super::scenario::World) plays it.
//!
//! The story (times are from the start):
//! - `orders` (canary 90/10 behind HAProxy `be_orders`, ~50 req/s): at 1m40s the operator
//!   promotes it one step, to 25% (`orders_svc` 25, `monolith` 75); from 2m the new service
//!   degrades (5xx up to ~8 %, p95 up to ~800 ms); at 5m the operator rolls it back (weight 0),
//!   unless the runtime API already received a weight change for `be_orders/orders_svc`.
//! - `inventory` (ramp 50/50, healthy): RabbitMQ queue `inventory.reserve` builds from ~0 to
//!   ~6000 between 1m and 4m, then drains to ~0 by 8m.
//! - `billing` (migrated): saga `charge-payment` fails and compensates a few times a minute from
//!   3m to 7m; billing-svc's metrics endpoint answers 503 from 6m to 6m40s.
//! - `notifications` (shadow): all traffic to the monolith, the new service gets mirrored
//!   requests; a Redis stream group and a Kafka consumer group lag behind, most between 4m and 6m.
//! - `analytics` (planned): all monolith, the new server declared but in maintenance.
//! - The data side (replication lag, monolith writes, shadow comparisons):
//!   [`data_story`](super::data_story).

use super::data_story::{
    INVENTORY_SYNC_PAUSED_S, INVENTORY_SYNC_RESUMED_S, INVOICE_JOB_OFF_S, INVOICE_JOB_ON_S,
    SHADOW_BURST_END_S, SHADOW_BURST_S,
};
use super::model::{
    Backend, Behaviour, Endpoint, EndpointSpec, Framework, KafkaGroup, KafkaTopic, Layout, Profile,
    RabbitQueue, RedisStream, Saga, Server, ServerState, Service, StreamConsumer, StreamGroup,
    Target,
};
use super::rng::{Latency, Rng};

/// How long the demo story lasts; after it the world keeps running in its final state.
pub const DEMO_DURATION_MS: i64 = 10 * 60 * 1000;

/// Seed of the demo's random streams. Changing it changes the bundled recording.
pub(crate) const DEMO_SEED: u64 = 0x5eed_c0de_2026;

// Story timeline, in seconds from the start.
pub(crate) const INVENTORY_SLOWDOWN_S: f64 = 60.0;
pub(crate) const ORDERS_PROMOTE_S: f64 = 100.0;
pub(crate) const ORDERS_DEGRADE_S: f64 = 120.0;
pub(crate) const ORDERS_DEGRADED_S: f64 = 180.0;
pub(crate) const BILLING_SAGA_FAIL_S: f64 = 180.0;
pub(crate) const INVENTORY_RECOVERY_S: f64 = 240.0;
pub(crate) const NOTIFICATIONS_SLOW_S: f64 = 240.0;
pub(crate) const ORDERS_ROLLBACK_S: f64 = 300.0;
pub(crate) const BILLING_METRICS_DOWN_S: f64 = 360.0;
pub(crate) const NOTIFICATIONS_RECOVERED_S: f64 = 360.0;
pub(crate) const BILLING_METRICS_BACK_S: f64 = 400.0;
pub(crate) const BILLING_SAGA_RECOVERED_S: f64 = 420.0;
pub(crate) const INVENTORY_RECOVERED_S: f64 = 480.0;

// How long each process had been running when the scenario starts (its counters' history).
pub(crate) const HAPROXY_UPTIME_S: f64 = 2.0 * 3600.0;
pub(crate) const BROKER_UPTIME_S: f64 = 9.0 * 86400.0;

/// The weights the scenario's operator sets at 1m40s: the promote steps for 25%.
pub(crate) const ORDERS_PROMOTE_WEIGHTS: [(&str, u32); 2] = [("orders_svc", 25), ("monolith", 75)];

/// The command the scenario's operator runs at 5m, and that an earlier operator action pre-empts.
pub const ORDERS_ROLLBACK_COMMAND: &str = "set weight be_orders/orders_svc 0";

/// Scripted notes, logged as events when the virtual clock passes them.
pub(crate) const NOTES: &[(f64, &str)] = &[
    (
        INVENTORY_SLOWDOWN_S,
        "inventory: reserve consumers slow down, inventory.reserve builds up",
    ),
    (
        INVOICE_JOB_ON_S,
        "billing: the monolith's legacy invoice job runs again, writing invoices",
    ),
    (
        ORDERS_DEGRADE_S,
        "orders: orders_svc starts to degrade (5xx and latency rising)",
    ),
    (
        BILLING_SAGA_FAIL_S,
        "billing: charge-payment sagas start failing and compensating",
    ),
    (
        INVENTORY_SYNC_PAUSED_S,
        "inventory: subscription inventory_sub disabled, replication lag builds",
    ),
    (
        INVENTORY_RECOVERY_S,
        "inventory: consumers recover, inventory.reserve drains",
    ),
    (
        NOTIFICATIONS_SLOW_S,
        "notifications: notifications-svc consumers fall behind",
    ),
    (
        INVENTORY_SYNC_RESUMED_S,
        "inventory: inventory_sub enabled again, the copy catches up",
    ),
    (
        SHADOW_BURST_S,
        "notifications: shadow comparisons start to mismatch (a template change)",
    ),
    (
        BILLING_METRICS_DOWN_S,
        "billing: billing-svc /metrics answers 503",
    ),
    (
        NOTIFICATIONS_RECOVERED_S,
        "notifications: notifications-svc consumers catch up",
    ),
    (
        SHADOW_BURST_END_S,
        "notifications: shadow mismatches back to normal",
    ),
    (
        BILLING_METRICS_BACK_S,
        "billing: billing-svc /metrics is back",
    ),
    (
        BILLING_SAGA_RECOVERED_S,
        "billing: charge-payment sagas recover",
    ),
    (
        INVOICE_JOB_OFF_S,
        "billing: the monolith's legacy invoice job switched off, invoices no longer written there",
    ),
    (
        INVENTORY_RECOVERED_S,
        "inventory: inventory.reserve drained",
    ),
];

/// 0 before `start`, ramping to 1 over `ramp_s`, back to 0 after `end` over `ramp_s`.
pub(crate) fn window(t: f64, start: f64, end: f64, ramp_s: f64) -> f64 {
    if t < start || t >= end + ramp_s {
        0.0
    } else if t < start + ramp_s {
        (t - start) / ramp_s
    } else if t < end {
        1.0
    } else {
        1.0 - (t - end) / ramp_s
    }
}

pub(crate) fn ramp(t: f64, t0: f64, t1: f64) -> f64 {
    ((t - t0) / (t1 - t0)).clamp(0.0, 1.0)
}

/// Requests per second arriving at a domain's backend.
pub(crate) fn backend_rate(domain: &str, t: f64) -> f64 {
    use std::f64::consts::TAU;
    match domain {
        "orders" => 50.0 * (1.0 + 0.06 * (TAU * t / 240.0).sin()),
        "inventory" => 30.0 * (1.0 + 0.05 * (TAU * t / 300.0 + 1.0).sin()),
        "billing" => 12.0 * (1.0 + 0.1 * (TAU * t / 200.0 + 2.0).sin()),
        "notifications" => 10.0 * (1.0 + 0.1 * (TAU * t / 180.0 + 0.5).sin()),
        "analytics" => 4.0,
        _ => 0.0,
    }
}

/// How each kind of endpoint behaves at elapsed time `t`.
pub(crate) fn behaviour(profile: Profile, t: f64) -> Behaviour {
    let b = |error_ratio: f64, client_error_ratio: f64, median: f64, p95: f64| Behaviour {
        error_ratio,
        client_error_ratio,
        latency: Latency::new(median, p95),
    };
    match profile {
        Profile::OrdersMonolith => b(0.005, 0.01, 0.022, 0.065),
        Profile::OrdersNew => {
            let f = ramp(t, ORDERS_DEGRADE_S, ORDERS_DEGRADED_S);
            let wobble = 1.0 + 0.15 * (t / 17.0).sin();
            Behaviour {
                error_ratio: (0.004 + (0.08 - 0.004) * f) * wobble,
                client_error_ratio: 0.01,
                latency: Latency::blend(Latency::new(0.028, 0.075), Latency::new(0.22, 0.65), f),
            }
        }
        Profile::InventoryMonolith => b(0.003, 0.005, 0.035, 0.095),
        Profile::InventoryNew => b(0.002, 0.005, 0.03, 0.08),
        Profile::BillingMonolith => b(0.004, 0.012, 0.09, 0.3),
        Profile::BillingNew => b(0.002, 0.012, 0.08, 0.22),
        Profile::NotificationsMonolith => b(0.003, 0.0, 0.03, 0.1),
        Profile::NotificationsShadow => b(0.012, 0.0, 0.05, 0.19),
        Profile::AnalyticsMonolith => b(0.002, 0.0, 0.2, 0.9),
        Profile::Health => b(0.0, 0.0, 0.0015, 0.004),
        Profile::Metrics => b(0.0, 0.0, 0.004, 0.012),
    }
}

/// `(publish rate, consumer capacity)` per second for a RabbitMQ queue.
pub(crate) fn rabbit_rates(queue: &str, t: f64) -> (f64, f64) {
    match queue {
        "inventory.reserve" => {
            let capacity = if t < INVENTORY_SLOWDOWN_S {
                42.0
            } else if t < INVENTORY_RECOVERY_S {
                // 40/s in, ~6.7/s out: +6000 over three minutes.
                6.7
            } else if t < INVENTORY_RECOVERED_S {
                65.0
            } else {
                42.0
            };
            (40.0, capacity)
        }
        "orders.audit" => (5.0, 20.0),
        "billing.invoices" => (2.0, 2.6),
        _ => (0.0, 0.0),
    }
}

/// `(produce rate for the topic, consume capacity of the group)` per second.
pub(crate) fn kafka_rates(topic: &str, group: &str, t: f64) -> (f64, f64) {
    match (topic, group) {
        ("notifications.events", "notifications-svc") => {
            let slow = window(t, NOTIFICATIONS_SLOW_S, NOTIFICATIONS_RECOVERED_S, 20.0);
            (12.0, 20.0 - 16.0 * slow)
        }
        ("notifications.events", _) => (12.0, 30.0),
        ("orders.events", _) => (5.0, 12.0),
        _ => (0.0, 0.0),
    }
}

pub(crate) fn stream_add_rate(stream: &str, _t: f64) -> f64 {
    match stream {
        "notifications.email" => 8.0,
        "notifications.dlq" => 0.002,
        _ => 0.0,
    }
}

/// `(read capacity per second, mean seconds from delivery to ack)` for a stream group.
pub(crate) fn stream_group_rates(stream: &str, group: &str, t: f64) -> (f64, f64) {
    match (stream, group) {
        ("notifications.email", "notifications-svc") => {
            let slow = window(t, NOTIFICATIONS_SLOW_S, NOTIFICATIONS_RECOVERED_S, 20.0);
            (10.0, 15.0 + 85.0 * slow)
        }
        ("notifications.email", _) => (12.0, 2.0),
        _ => (0.0, 1.0),
    }
}

pub(crate) fn charge_failures_per_minute(t: f64) -> f64 {
    let baseline = 1.0 / 60.0;
    let incident = window(t, BILLING_SAGA_FAIL_S, BILLING_SAGA_RECOVERED_S, 20.0);
    baseline + incident * 4.0 * (1.0 + 0.4 * (t / 23.0).sin())
}

fn spec(
    route: &'static str,
    method: &'static str,
    view: &'static str,
    profile: Profile,
    request_bytes: u64,
    response_bytes: u64,
) -> EndpointSpec {
    EndpointSpec {
        route,
        method,
        view,
        profile,
        request_bytes,
        response_bytes,
    }
}

fn service(
    seed: u64,
    name: &'static str,
    framework: Framework,
    uptime_s: f64,
    start_s: f64,
    specs: &[EndpointSpec],
) -> Service {
    Service {
        name,
        framework,
        started_s: start_s - uptime_s,
        endpoints: specs
            .iter()
            .map(|s| Endpoint::new(seed, name, *s))
            .collect(),
        sagas: Vec::new(),
        cpu_seconds: 0.0,
        metrics_down: Vec::new(),
    }
}

fn target(services: &[Service], service: &str, method: &str, route: &str) -> Option<Target> {
    let s = services.iter().position(|x| x.name == service)?;
    let e = services[s].endpoint_index(method, route)?;
    Some(Target {
        service: s,
        endpoint: e,
    })
}

/// The demo world at virtual unix time `start_ms`, before its warm start.
pub(crate) fn layout(start_ms: i64) -> Layout {
    let seed = DEMO_SEED;
    let start_s = start_ms as f64 / 1000.0;
    let health = spec("/healthz", "GET", "health", Profile::Health, 0, 3);
    let fastapi_metrics = spec("/metrics", "GET", "", Profile::Metrics, 0, 9100);
    let mut services = vec![
        service(
            seed,
            "monolith",
            Framework::FastApi,
            3.0 * 86400.0,
            start_s,
            &[
                health,
                fastapi_metrics,
                spec(
                    "/orders/{order_id}",
                    "GET",
                    "",
                    Profile::OrdersMonolith,
                    0,
                    57,
                ),
                spec(
                    "/inventory/{sku}/reservations",
                    "POST",
                    "",
                    Profile::InventoryMonolith,
                    120,
                    88,
                ),
                spec(
                    "/billing/charges",
                    "POST",
                    "",
                    Profile::BillingMonolith,
                    240,
                    130,
                ),
                spec(
                    "/notifications",
                    "POST",
                    "",
                    Profile::NotificationsMonolith,
                    310,
                    41,
                ),
                spec(
                    "/analytics/reports/{report_id}",
                    "GET",
                    "",
                    Profile::AnalyticsMonolith,
                    0,
                    2400,
                ),
            ],
        ),
        service(
            seed,
            "orders-svc",
            Framework::FastApi,
            5.0 * 3600.0,
            start_s,
            &[
                health,
                spec("/metrics", "GET", "", Profile::Metrics, 0, 7400),
                spec("/orders/{order_id}", "GET", "", Profile::OrdersNew, 0, 61),
            ],
        ),
        service(
            seed,
            "inventory-svc",
            Framework::FastApi,
            86400.0,
            start_s,
            &[
                health,
                spec("/metrics", "GET", "", Profile::Metrics, 0, 7300),
                spec(
                    "/inventory/{sku}/reservations",
                    "POST",
                    "",
                    Profile::InventoryNew,
                    120,
                    92,
                ),
            ],
        ),
        service(
            seed,
            "billing-svc",
            Framework::Django,
            2.0 * 86400.0,
            start_s,
            &[
                health,
                spec(
                    "/metrics",
                    "GET",
                    "prometheus-django-metrics",
                    Profile::Metrics,
                    0,
                    16_000,
                ),
                spec(
                    "/billing/charges",
                    "POST",
                    "billing:charge-create",
                    Profile::BillingNew,
                    240,
                    136,
                ),
            ],
        ),
        service(
            seed,
            "notifications-svc",
            Framework::FastApi,
            6.0 * 3600.0,
            start_s,
            &[
                health,
                spec("/metrics", "GET", "", Profile::Metrics, 0, 7300),
                spec(
                    "/notifications",
                    "POST",
                    "",
                    Profile::NotificationsShadow,
                    310,
                    44,
                ),
            ],
        ),
    ];
    services[3]
        .metrics_down
        .push((BILLING_METRICS_DOWN_S, BILLING_METRICS_BACK_S));
    services[1].sagas.push(Saga::new("place-order", "orders"));
    services[3]
        .sagas
        .push(Saga::new("charge-payment", "billing"));

    let haproxy_started_s = start_s - HAPROXY_UPTIME_S;
    let up = ServerState::Up;
    let t = |s: &str, m: &str, r: &str| target(&services, s, m, r);
    let server = |name, weight, state, target, mirror| {
        Server::new(name, weight, state, target, mirror, haproxy_started_s)
    };
    let backend = |name: &'static str, domain: &'static str, servers: Vec<Server>| Backend {
        name,
        domain,
        servers,
        no_server: 0,
        carry: 0.0,
        rng: Rng::for_stream(seed, name),
    };
    let backends = vec![
        backend(
            "be_orders",
            "orders",
            vec![
                server(
                    "monolith",
                    90,
                    up,
                    t("monolith", "GET", "/orders/{order_id}"),
                    None,
                ),
                server(
                    "orders_svc",
                    10,
                    up,
                    t("orders-svc", "GET", "/orders/{order_id}"),
                    None,
                ),
            ],
        ),
        backend(
            "be_inventory",
            "inventory",
            vec![
                server(
                    "monolith",
                    50,
                    up,
                    t("monolith", "POST", "/inventory/{sku}/reservations"),
                    None,
                ),
                server(
                    "inventory_svc",
                    50,
                    up,
                    t("inventory-svc", "POST", "/inventory/{sku}/reservations"),
                    None,
                ),
            ],
        ),
        backend(
            "be_billing",
            "billing",
            vec![
                server(
                    "monolith",
                    0,
                    up,
                    t("monolith", "POST", "/billing/charges"),
                    None,
                ),
                server(
                    "billing_svc",
                    100,
                    up,
                    t("billing-svc", "POST", "/billing/charges"),
                    None,
                ),
            ],
        ),
        backend(
            "be_notifications",
            "notifications",
            vec![
                server(
                    "monolith",
                    100,
                    up,
                    t("monolith", "POST", "/notifications"),
                    t("notifications-svc", "POST", "/notifications"),
                ),
                server(
                    "notifications_svc",
                    0,
                    up,
                    t("notifications-svc", "POST", "/notifications"),
                    None,
                ),
            ],
        ),
        backend(
            "be_analytics",
            "analytics",
            vec![
                server(
                    "monolith",
                    100,
                    up,
                    t("monolith", "GET", "/analytics/reports/{report_id}"),
                    None,
                ),
                server("analytics_svc", 0, ServerState::Maint, None, None),
            ],
        ),
    ];

    let queues = vec![
        RabbitQueue::new("billing.invoices", 1, 10, 412, "<0.874.0>"),
        RabbitQueue::new("inventory.reserve", 2, 50, 36, "<0.866.0>"),
        RabbitQueue::new("orders.audit", 1, 50, 212, "<0.871.0>"),
    ];

    let kafka_group = |name, members, partitions: usize, commit_every_s| KafkaGroup {
        name,
        members,
        processed: vec![0; partitions],
        committed: vec![0; partitions],
        carry: vec![0.0; partitions],
        commit_every_s,
        next_commit_s: 0.0,
    };
    let topics = vec![
        KafkaTopic {
            name: "notifications.events",
            newest: vec![0; 3],
            oldest: vec![0; 3],
            leaders: vec![1, 2, 3],
            carry: 0.0,
            groups: vec![
                kafka_group("notifications-legacy", 2, 3, 1.0),
                kafka_group("notifications-svc", 3, 3, 5.0),
            ],
        },
        KafkaTopic {
            name: "orders.events",
            newest: vec![0; 3],
            oldest: vec![0; 3],
            leaders: vec![2, 3, 1],
            carry: 0.0,
            groups: vec![kafka_group("analytics-etl", 1, 3, 10.0)],
        },
    ];

    let consumer = |name| StreamConsumer {
        name,
        pending: 0,
        last_seen_s: start_s,
    };
    let stream_group = |name, consumers| StreamGroup {
        name,
        consumers,
        delivered: 0,
        last_delivered_ms: 0.0,
        carry_read: 0.0,
        carry_ack: 0.0,
    };
    let streams = vec![
        RedisStream {
            key: "notifications.dlq",
            length: 0,
            max_length: 10_000,
            added: 0,
            last_id_ms: 0.0,
            carry: 0.0,
            groups: Vec::new(),
        },
        RedisStream {
            key: "notifications.email",
            length: 0,
            max_length: 10_000,
            added: 0,
            last_id_ms: 0.0,
            carry: 0.0,
            groups: vec![
                stream_group(
                    "email-sender",
                    vec![consumer("email-sender-1"), consumer("email-sender-2")],
                ),
                stream_group("notifications-svc", vec![consumer("notifications-svc-0")]),
            ],
        },
    ];

    Layout {
        seed,
        services,
        backends,
        queues,
        topics,
        streams,
        haproxy_started_s,
        broker_started_s: start_s - BROKER_UPTIME_S,
    }
}
