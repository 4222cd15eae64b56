//! The cutover configuration that watches the simulated world (`cutover simulate
//! --print-config`), in the format of DESIGN §2: one `[[source]]` per endpoint, every domain with
//! its traffic, queues, sagas, SLO and (where one makes sense) a rollback through the runtime API.

use std::fmt::Write as _;

use super::SOURCES;

/// Placeholder endpoint of the config that goes with a recording made on a virtual clock
/// ([`super::render_all`]): nothing listens there, a replay never connects.
pub const DEMO_HTTP_BASE: &str = "http://127.0.0.1:9400";
/// Placeholder runtime API address for the same config.
pub const DEMO_RUNTIME_API: &str = "127.0.0.1:9999";

/// The config of the bundled demo recording: [`config_toml`] with the placeholder addresses.
pub fn demo_config_toml() -> String {
    config_toml(DEMO_HTTP_BASE, DEMO_RUNTIME_API)
}

/// Config for the demo world served at `http_base` (`http://127.0.0.1:PORT`, no trailing slash)
/// with its runtime API at `runtime_api` (`127.0.0.1:PORT`).
pub fn config_toml(http_base: &str, runtime_api: &str) -> String {
    let base = http_base.trim_end_matches('/');
    let mut out = String::new();
    out.push_str(
        "# cutover configuration for the simulated \"demo\" world (`cutover simulate`).\n\
         # Ten minutes of a strangler-fig migration: orders canary is promoted to 25%, degrades and is rolled back,\n\
         # inventory's queue builds and drains, billing's saga fails and its metrics go away for a while;\n\
         # inventory's replication lags and recovers, the monolith still writes billing's invoices,\n\
         # notifications' shadow comparisons mismatch for a minute.\n\n\
         [settings]\n\
         interval = \"2s\"\n\
         timeout  = \"1500ms\"\n\
         window   = \"1m\"\n\
         history  = \"1h\"\n\
         read_only = false\n",
    );
    for source in SOURCES {
        let _ = write!(
            out,
            "\n[[source]]\nname = \"{}\"\nurl  = \"{base}{}\"\n",
            source.name, source.path
        );
    }

    // orders: canary 90/10.
    out.push_str(&domain_header("orders", "canary"));
    out.push_str(&haproxy_traffic(
        "be_orders",
        "monolith",
        "orders_svc",
        Some((
            "monolith",
            "http_request_duration_seconds{handler=\"/orders/{order_id}\"}",
        )),
        Some((
            "orders-svc",
            "http_request_duration_seconds{handler=\"/orders/{order_id}\"}",
        )),
    ));
    out.push_str(&queue(
        "orders.audit",
        "rabbitmq",
        "rabbitmq_queue_messages_ready{queue=\"orders.audit\"}",
        1000,
        10000,
    ));
    out.push_str(&saga("place-order", "orders-svc"));
    out.push_str(&slo(0.01, 0.005, "300ms", 1, 20));
    out.push_str(&rollback(
        runtime_api,
        &["set weight be_orders/orders_svc 0"],
    ));
    out.push_str(&promote(
        runtime_api,
        "be_orders",
        ("monolith", "orders_svc"),
        "[10, 25, 50, 100]",
        "2m",
    ));

    // inventory: ramp 50/50.
    out.push_str(&domain_header("inventory", "ramp"));
    out.push_str(&haproxy_traffic(
        "be_inventory",
        "monolith",
        "inventory_svc",
        Some((
            "monolith",
            "http_request_duration_seconds{handler=\"/inventory/{sku}/reservations\"}",
        )),
        Some((
            "inventory-svc",
            "http_request_duration_seconds{handler=\"/inventory/{sku}/reservations\"}",
        )),
    ));
    out.push_str(&queue(
        "inventory.reserve",
        "rabbitmq",
        "rabbitmq_queue_messages_ready{queue=\"inventory.reserve\"}",
        1000,
        5000,
    ));
    // inventory_svc reads its copy of the monolith's inventory tables (logical replication).
    out.push_str(
        "\n  [[domain.data]]\n  name   = \"inventory-copy\"\n  kind   = \"lag\"\n  \
         source = \"monolith-db\"\n  preset = \"postgres\"\n  slot   = \"inventory_sub\"\n  \
         database = \"shop\"\n  warn = 1048576\n  crit = 67108864\n",
    );
    out.push_str(&slo(0.01, 0.005, "300ms", 1, 20));
    out.push_str(&rollback(
        runtime_api,
        &["set weight be_inventory/inventory_svc 0"],
    ));

    // billing: migrated; the monolith keeps a weight-0 server to roll back to.
    out.push_str(&domain_header("billing", "migrated"));
    out.push_str(&haproxy_traffic(
        "be_billing",
        "monolith",
        "billing_svc",
        None,
        Some((
            "billing-svc",
            "django_http_requests_latency_seconds_by_view_method{view=\"billing:charge-create\"}",
        )),
    ));
    out.push_str(&queue(
        "billing.invoices",
        "rabbitmq",
        "rabbitmq_queue_messages_ready{queue=\"billing.invoices\"}",
        500,
        5000,
    ));
    out.push_str(&saga("charge-payment", "billing-svc"));
    // Declared migrated, yet the monolith's old invoice job still writes invoices.
    out.push_str(
        "\n  [[domain.data]]\n  name     = \"billing-tables\"\n  kind     = \"monolith_writes\"\n  \
         source   = \"monolith-db\"\n  preset   = \"postgres\"\n  database = \"shop\"\n  \
         tables   = \"invoices\"\n",
    );
    out.push_str(&slo(0.01, 0.005, "400ms", 1, 20));
    out.push_str(&rollback(
        runtime_api,
        &[
            "set weight be_billing/monolith 100",
            "set weight be_billing/billing_svc 0",
        ],
    ));

    // notifications: shadow; the gateway sends nothing to the new service, which sees mirrored
    // requests (its latency is the one to watch). Nothing to roll back at the gateway.
    out.push_str(&domain_header("notifications", "shadow"));
    out.push_str(&haproxy_traffic(
        "be_notifications",
        "monolith",
        "notifications_svc",
        Some((
            "monolith",
            "http_request_duration_seconds{handler=\"/notifications\"}",
        )),
        Some((
            "notifications-svc",
            "http_request_duration_seconds{handler=\"/notifications\"}",
        )),
    ));
    out.push_str(&queue(
        "notifications.email (notifications-svc)",
        "redis",
        "redis_stream_group_messages_pending{stream=\"notifications.email\",group=\"notifications-svc\"}",
        500,
        5000,
    ));
    out.push_str(&queue(
        "notifications.events (notifications-svc)",
        "kafka",
        "kafka_consumergroup_lag{consumergroup=\"notifications-svc\",topic=\"notifications.events\"}",
        1000,
        10000,
    ));
    // In shadow, the comparison of answers is the main signal.
    out.push_str(
        "\n  [[domain.data]]\n  name   = \"notifications-shadow\"\n  kind   = \"shadow\"\n  \
         source = \"notifications-svc\"\n  preset = \"shadow\"\n  limit  = 0.01\n",
    );
    out.push_str(&slo(0.02, 0.01, "300ms", 1, 20));

    // analytics: planned; the new server is declared and kept in maintenance.
    out.push_str(&domain_header("analytics", "planned"));
    out.push_str(&haproxy_traffic(
        "be_analytics",
        "monolith",
        "analytics_svc",
        Some((
            "monolith",
            "http_request_duration_seconds{handler=\"/analytics/reports/{report_id}\"}",
        )),
        None,
    ));
    out.push_str(&slo(0.01, 0.005, "1500ms", 1, 20));
    // Its plan forward: paused, since a new path that serves nothing cannot be judged.
    out.push_str(&promote(
        runtime_api,
        "be_analytics",
        ("monolith", "analytics_svc"),
        "[10, 50, 100]",
        "5m",
    ));
    out
}

fn domain_header(name: &str, stage: &str) -> String {
    format!("\n[[domain]]\nname  = \"{name}\"\nstage = \"{stage}\"\n")
}

/// The gateway's view of a domain, from HAProxy's per-server counters, plus latency from the
/// services' own histograms (HAProxy has none).
fn haproxy_traffic(
    backend: &str,
    legacy: &str,
    new: &str,
    legacy_latency: Option<(&str, &str)>,
    new_latency: Option<(&str, &str)>,
) -> String {
    let mut out = String::from("\n  [domain.traffic]\n  source = \"haproxy\"\n");
    for (side, server, latency) in [
        ("legacy", legacy, legacy_latency),
        ("new", new, new_latency),
    ] {
        let _ = writeln!(
            out,
            "  {side}.requests = 'haproxy_server_http_responses_total{{proxy=\"{backend}\",server=\"{server}\"}}'"
        );
        let _ = writeln!(
            out,
            "  {side}.errors   = 'haproxy_server_http_responses_total{{proxy=\"{backend}\",server=\"{server}\",code=\"5xx\"}}'"
        );
        let _ = writeln!(
            out,
            "  {side}.weight   = 'haproxy_server_weight{{proxy=\"{backend}\",server=\"{server}\"}}'"
        );
        if let Some((source, select)) = latency {
            let _ = writeln!(
                out,
                "  {side}.latency  = {{ source = \"{source}\", select = '{select}' }}"
            );
        }
    }
    out
}

fn queue(name: &str, source: &str, depth: &str, warn: u64, crit: u64) -> String {
    format!(
        "\n  [[domain.queue]]\n  name   = \"{name}\"\n  source = \"{source}\"\n  depth  = '{depth}'\n  warn = {warn}\n  crit = {crit}\n"
    )
}

fn saga(name: &str, source: &str) -> String {
    format!(
        "\n  [[domain.saga]]\n  name   = \"{name}\"\n  source = \"{source}\"\n  \
         failed      = 'saga_failed_total{{saga=\"{name}\"}}'\n  \
         compensated = 'saga_compensation_total{{saga=\"{name}\"}}'\n  \
         started     = 'saga_started_total{{saga=\"{name}\"}}'\n  \
         in_progress = 'saga_in_progress{{saga=\"{name}\"}}'\n"
    )
}

fn slo(error_ratio: f64, delta: f64, p95: &str, saga_failures: u32, min_requests: u64) -> String {
    format!(
        "\n  [domain.slo]\n  error_ratio = {error_ratio}\n  error_ratio_delta = {delta}\n  p95 = \"{p95}\"\n  \
         saga_failures_per_minute = {saga_failures}\n  min_requests = {min_requests}\n"
    )
}

/// `[domain.promote]`: both servers' weights set on the runtime API, `{weight}` the new one's.
fn promote(
    runtime_api: &str,
    backend: &str,
    (legacy, new): (&str, &str),
    steps: &str,
    hold: &str,
) -> String {
    let mut out = format!(
        "\n  [domain.promote]\n  steps = {steps}\n  hold  = \"{hold}\"\n  verify_within = \"60s\"\n"
    );
    for (server, weight) in [(new, "{weight}"), (legacy, "{legacy_weight}")] {
        let _ = write!(
            out,
            "  [[domain.promote.step]]\n  kind = \"haproxy\"\n  address = \"{runtime_api}\"\n  command = \"set weight {backend}/{server} {weight}\"\n"
        );
    }
    out
}

fn rollback(runtime_api: &str, commands: &[&str]) -> String {
    let mut out =
        String::from("\n  [domain.rollback]\n  verify_share  = 0.0\n  verify_within = \"60s\"\n");
    for command in commands {
        let _ = write!(
            out,
            "  [[domain.rollback.step]]\n  kind = \"haproxy\"\n  address = \"{runtime_api}\"\n  command = \"{command}\"\n"
        );
    }
    out
}
