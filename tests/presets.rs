//! Every preset, through the real engine, on text in its exporter's real format: captures from
//! real software where the project has them (tests/fixtures/real), otherwise short snippets
//! written line for line as the exporter prints them (label order, `_total` or not, units,
//! missing HELP lines and all). Two polls ten seconds apart; the figures must be the counts the
//! text holds, latencies in seconds whatever unit the exporter uses.

mod common;

use cutover::compile::{compile, Compiled};
use cutover::config::parse_str;
use cutover::engine::{Engine, Mode};
use cutover::figures::{Health, Status};
use cutover::queue_meaning::QueueMeaning;
use cutover::source::ScrapeOutcome;
use std::path::Path;

use common::figures::{assert_near, domain};
use common::fixture;

const T0: i64 = 1_795_552_000_000;

/// Loads `config`, feeds each source its bodies (poll i at T0 + 10 s * i), and returns the
/// figures at the last poll with the compiled config (for the expanded selectors).
fn run(config: &str, bodies: &[(&str, Vec<String>)]) -> (Status, Compiled) {
    let config = parse_str(config, Path::new("presets.toml")).unwrap_or_else(|e| panic!("{e}"));
    let compiled = compile(&config).unwrap_or_else(|e| panic!("{e}"));
    let mut engine = Engine::new(compiled.plan.clone());
    let polls = bodies.iter().map(|(_, b)| b.len()).max().unwrap_or(0);
    for i in 0..polls {
        for (source, list) in bodies {
            if let Some(body) = list.get(i) {
                engine.ingest(&ScrapeOutcome {
                    source: source.to_string(),
                    at_ms: T0 + 10_000 * i as i64,
                    duration_ms: 3,
                    bytes: body.len() as u64,
                    status: Some(200),
                    result: Ok(body.clone()),
                });
            }
        }
    }
    EXPANDED.with(|e| {
        e.borrow_mut()
            .extend(compiled.signal_uses.iter().filter_map(|u| u.preset.clone()))
    });
    (engine.status(Mode::Live), compiled)
}

thread_local! {
    /// The presets the compiler expanded in the configs [`run`] fed the engine on this thread.
    static EXPANDED: std::cell::RefCell<std::collections::BTreeSet<String>> =
        std::cell::RefCell::default();
}

/// The selectors the config's presets expanded to, by key, for one domain.
fn selectors(compiled: &Compiled, domain: &str) -> Vec<(String, String, Option<String>)> {
    compiled
        .signal_uses
        .iter()
        .filter(|u| u.domain == domain)
        .map(|u| {
            (
                u.key.clone(),
                compiled.plan.signals[u.signal].text.clone(),
                u.preset.clone(),
            )
        })
        .collect()
}

fn selector(compiled: &Compiled, domain: &str, key: &str) -> String {
    selectors(compiled, domain)
        .into_iter()
        .find(|(k, _, _)| k == key)
        .unwrap_or_else(|| panic!("{domain}: no signal {key}"))
        .1
}

fn settings() -> &'static str {
    "[settings]\ninterval = \"2s\"\ntimeout = \"1s\"\nwindow = \"1m\"\n"
}

// ------------------------------------------------------------------------------- gateways

#[test]
fn haproxy_on_real_captures() {
    let config = format!(
        r#"{}
[[source]]
name = "gateway"
url = "http://127.0.0.1:1/metrics"

[[domain]]
name = "orders"
stage = "canary"
  [domain.traffic]
  source = "gateway"
  preset = "haproxy"
  backend = "be_orders"
  legacy = "monolith"
  new = "orders_svc"
"#,
        settings()
    );
    let (status, compiled) = run(
        &config,
        &[(
            "gateway",
            vec![
                fixture("real/haproxy-idle.prom"),
                fixture("real/haproxy-svc-down.prom"),
            ],
        )],
    );
    let t = domain(&status, "orders").traffic.as_ref().unwrap();
    // fixtures/real/README.md: monolith 2352 2xx + 48 5xx, orders_svc 180 + 20, idle all 0.
    assert_near(t.legacy.requests, 2400.0);
    assert_near(t.legacy.errors, 48.0);
    assert_near(t.new.requests, 200.0);
    assert_near(t.new.errors, 20.0);
    assert_near(t.legacy.weight, 90.0);
    assert_near(t.new.weight, 0.0);
    // The average response time gauges, as the capture has them (HAProxy has no histogram).
    let down = fixture("real/haproxy-svc-down.prom");
    let gauge = |server: &str| -> f64 {
        let prefix = format!(
            "haproxy_server_response_time_average_seconds{{proxy=\"be_orders\",server=\"{server}\"}} "
        );
        down.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_near(t.legacy.latency_gauge_seconds, gauge("monolith"));
    assert_near(t.new.latency_gauge_seconds, gauge("orders_svc"));
    assert_eq!(t.new.p95_seconds, None);
    assert_eq!(
        selector(&compiled, "orders", "traffic.new.errors"),
        r#"haproxy_server_http_responses_total{proxy="be_orders",server="orders_svc",code="5xx"}"#
    );
}

/// Envoy's `/stats/prometheus` as it prints it: TYPE lines without HELP, counters without
/// `_total` (but `upstream_rq_total` has it in the stat name), the class label `"5"`,
/// `name{}` for untagged stats, and a millisecond histogram.
fn envoy_body(mono: [u64; 3], svc: [u64; 3], svc_buckets: [u64; 7]) -> String {
    let [m_total, m_2xx, m_5xx] = mono;
    let [s_total, s_2xx, s_5xx] = svc;
    let bounds = ["0.5", "1", "5", "10", "25", "50", "100"];
    let mut hist = String::new();
    for (le, n) in bounds.iter().zip(svc_buckets) {
        hist.push_str(&format!(
            "envoy_cluster_upstream_rq_time_bucket{{envoy_cluster_name=\"orders_svc\",le=\"{le}\"}} {n}\n"
        ));
    }
    for le in [
        "250", "500", "1000", "2500", "5000", "10000", "30000", "60000", "300000", "600000",
        "1800000", "3600000", "+Inf",
    ] {
        hist.push_str(&format!(
            "envoy_cluster_upstream_rq_time_bucket{{envoy_cluster_name=\"orders_svc\",le=\"{le}\"}} {s_total}\n"
        ));
    }
    format!(
        r#"# TYPE envoy_cluster_manager_cluster_added counter
envoy_cluster_manager_cluster_added{{}} 3
# TYPE envoy_cluster_upstream_rq counter
envoy_cluster_upstream_rq{{envoy_response_code="200",envoy_cluster_name="monolith"}} {m_2xx}
envoy_cluster_upstream_rq{{envoy_response_code="503",envoy_cluster_name="monolith"}} {m_5xx}
envoy_cluster_upstream_rq{{envoy_response_code="200",envoy_cluster_name="orders_svc"}} {s_2xx}
envoy_cluster_upstream_rq{{envoy_response_code="500",envoy_cluster_name="orders_svc"}} {s_5xx}
# TYPE envoy_cluster_upstream_rq_completed counter
envoy_cluster_upstream_rq_completed{{envoy_cluster_name="monolith"}} {m_total}
envoy_cluster_upstream_rq_completed{{envoy_cluster_name="orders_svc"}} {s_total}
# TYPE envoy_cluster_upstream_rq_total counter
envoy_cluster_upstream_rq_total{{envoy_cluster_name="monolith"}} {m_total}
envoy_cluster_upstream_rq_total{{envoy_cluster_name="orders_svc"}} {s_total}
# TYPE envoy_cluster_upstream_rq_xx counter
envoy_cluster_upstream_rq_xx{{envoy_response_code_class="2",envoy_cluster_name="monolith"}} {m_2xx}
envoy_cluster_upstream_rq_xx{{envoy_response_code_class="5",envoy_cluster_name="monolith"}} {m_5xx}
envoy_cluster_upstream_rq_xx{{envoy_response_code_class="2",envoy_cluster_name="orders_svc"}} {s_2xx}
envoy_cluster_upstream_rq_xx{{envoy_response_code_class="5",envoy_cluster_name="orders_svc"}} {s_5xx}
# TYPE envoy_cluster_membership_healthy gauge
envoy_cluster_membership_healthy{{envoy_cluster_name="monolith"}} 1
envoy_cluster_membership_healthy{{envoy_cluster_name="orders_svc"}} 1
# TYPE envoy_server_uptime gauge
envoy_server_uptime{{}} 5012
# TYPE envoy_cluster_upstream_rq_time histogram
{hist}envoy_cluster_upstream_rq_time_sum{{envoy_cluster_name="orders_svc"}} 2101.5
envoy_cluster_upstream_rq_time_count{{envoy_cluster_name="orders_svc"}} {s_total}
"#
    )
}

#[test]
fn envoy_clusters_class_5_and_millisecond_histogram() {
    let config = format!(
        r#"{}
[[source]]
name = "envoy"
url = "http://127.0.0.1:1/stats/prometheus"

[[domain]]
name = "orders"
stage = "canary"
  [domain.traffic]
  source = "envoy"
  preset = "envoy"
  legacy = "monolith"
  new = "orders_svc"
"#,
        settings()
    );
    let (status, compiled) = run(
        &config,
        &[(
            "envoy",
            vec![
                envoy_body([1000, 990, 10], [100, 99, 1], [0, 0, 0, 0, 0, 0, 0]),
                // +900 (18 5xx) and +100 (10 5xx); the new cluster's 100 requests: 20 within
                // 10 ms, 60 within 25, 90 within 50, all within 100 ms.
                envoy_body([1900, 1872, 28], [200, 189, 11], [0, 0, 0, 20, 60, 90, 100]),
            ],
        )],
    );
    let t = domain(&status, "orders").traffic.as_ref().unwrap();
    assert_near(t.legacy.requests, 900.0);
    assert_near(t.legacy.errors, 18.0);
    assert_near(t.new.requests, 100.0);
    assert_near(t.new.errors, 10.0);
    assert_near(t.new.error_ratio, 0.1);
    // p50: rank 50 in (10, 25] ms holding 40 with 20 below: 10 + 15 * 30/40 = 21.25 ms.
    assert_near(t.new.p50_seconds, 0.02125);
    // p95: rank 95 in (50, 100] ms holding 10 with 90 below: 50 + 50 * 5/10 = 75 ms.
    assert_near(t.new.p95_seconds, 0.075);
    assert_eq!(t.new.weight, None, "Envoy's weights are not in its metrics");
    assert_eq!(
        selector(&compiled, "orders", "traffic.new.errors"),
        r#"envoy_cluster_upstream_rq_xx{envoy_cluster_name="orders_svc",envoy_response_code_class="5"}"#
    );
    let latency = compiled
        .plan
        .signals
        .iter()
        .find(|s| s.text.starts_with("envoy_cluster_upstream_rq_time{"))
        .unwrap();
    assert_eq!(latency.latency_unit_seconds, 0.001);
}

#[test]
fn traefik_services_by_code() {
    let body = |m200: u64, m503: u64, s200: u64, s500: u64, s_fast: u64| {
        let s_total = s200 + s500;
        format!(
            r#"# HELP traefik_service_requests_total How many HTTP requests processed on a service, partitioned by status code, protocol, and method.
# TYPE traefik_service_requests_total counter
traefik_service_requests_total{{code="200",method="GET",protocol="http",service="orders-monolith@file"}} {m200}
traefik_service_requests_total{{code="503",method="GET",protocol="http",service="orders-monolith@file"}} {m503}
traefik_service_requests_total{{code="200",method="GET",protocol="http",service="orders-svc@file"}} {s200}
traefik_service_requests_total{{code="500",method="GET",protocol="http",service="orders-svc@file"}} {s500}
traefik_service_requests_total{{code="200",method="GET",protocol="http",service="orders@file"}} {all}
# HELP traefik_service_request_duration_seconds How long it took to process the request on a service, partitioned by status code, protocol, and method.
# TYPE traefik_service_request_duration_seconds histogram
traefik_service_request_duration_seconds_bucket{{code="200",method="GET",protocol="http",service="orders-svc@file",le="0.1"}} {s_fast}
traefik_service_request_duration_seconds_bucket{{code="200",method="GET",protocol="http",service="orders-svc@file",le="0.3"}} {s200}
traefik_service_request_duration_seconds_bucket{{code="200",method="GET",protocol="http",service="orders-svc@file",le="1.2"}} {s200}
traefik_service_request_duration_seconds_bucket{{code="200",method="GET",protocol="http",service="orders-svc@file",le="5"}} {s200}
traefik_service_request_duration_seconds_bucket{{code="200",method="GET",protocol="http",service="orders-svc@file",le="+Inf"}} {s200}
traefik_service_request_duration_seconds_sum{{code="200",method="GET",protocol="http",service="orders-svc@file"}} 4.2
traefik_service_request_duration_seconds_count{{code="200",method="GET",protocol="http",service="orders-svc@file"}} {s200}
traefik_service_request_duration_seconds_bucket{{code="500",method="GET",protocol="http",service="orders-svc@file",le="0.1"}} {s500}
traefik_service_request_duration_seconds_bucket{{code="500",method="GET",protocol="http",service="orders-svc@file",le="0.3"}} {s500}
traefik_service_request_duration_seconds_bucket{{code="500",method="GET",protocol="http",service="orders-svc@file",le="1.2"}} {s500}
traefik_service_request_duration_seconds_bucket{{code="500",method="GET",protocol="http",service="orders-svc@file",le="5"}} {s500}
traefik_service_request_duration_seconds_bucket{{code="500",method="GET",protocol="http",service="orders-svc@file",le="+Inf"}} {s500}
traefik_service_request_duration_seconds_sum{{code="500",method="GET",protocol="http",service="orders-svc@file"}} 0.1
traefik_service_request_duration_seconds_count{{code="500",method="GET",protocol="http",service="orders-svc@file"}} {s500}
# HELP traefik_service_server_up service server is up, described by gauge value of 0 or 1.
# TYPE traefik_service_server_up gauge
traefik_service_server_up{{service="orders-svc@file",url="http://10.0.0.7:8000"}} 1
"#,
            all = m200 + m503 + s_total
        )
    };
    let config = format!(
        r#"{}
[[source]]
name = "traefik"
url = "http://127.0.0.1:1/metrics"

[[domain]]
name = "orders"
stage = "ramp"
  [domain.traffic]
  source = "traefik"
  preset = "traefik"
  legacy = "orders-monolith@file"
  new = "orders-svc@file"
"#,
        settings()
    );
    let (status, _) = run(
        &config,
        &[(
            "traefik",
            vec![body(500, 5, 50, 0, 50), body(1300, 13, 230, 20, 130)],
        )],
    );
    let t = domain(&status, "orders").traffic.as_ref().unwrap();
    assert_near(t.legacy.requests, 808.0);
    assert_near(t.legacy.errors, 8.0);
    assert_near(t.new.requests, 200.0);
    assert_near(t.new.errors, 20.0);
    // Bucket increases summed over codes: 100 within 0.1 s (80 ok + 20 errors), 200 within 0.3.
    // p95: rank 190 in (0.1, 0.3] holding 100 with 100 below: 0.1 + 0.2 * 90/100 = 0.28 s.
    assert_near(t.new.p95_seconds, 0.28);
    assert_near(t.new_share, 200.0 / 1008.0);
}

#[test]
fn ingress_nginx_primary_and_canary_upstream() {
    let consts = r#"controller_class="k8s.io/ingress-nginx",controller_namespace="ingress-nginx",controller_pod="ingress-nginx-controller-7d9f7c6b5-x2kqz""#;
    let line = |canary: &str, service: &str, status: &str, n: u64| {
        format!(
            "nginx_ingress_controller_requests{{canary=\"{canary}\",{consts},host=\"shop.example.com\",ingress=\"orders\",method=\"GET\",namespace=\"shop\",path=\"/orders\",service=\"{service}\",status=\"{status}\"}} {n}\n"
        )
    };
    let hist = |canary: &str, counts: [u64; 3], total: u64| {
        let mut out = String::new();
        for (le, n) in ["0.005", "0.01", "0.025"].iter().zip(counts) {
            out.push_str(&format!("nginx_ingress_controller_request_duration_seconds_bucket{{canary=\"{canary}\",{consts},host=\"shop.example.com\",ingress=\"orders\",method=\"GET\",namespace=\"shop\",path=\"/orders\",service=\"orders-monolith\",status=\"200\",le=\"{le}\"}} {n}\n"));
        }
        for le in ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"] {
            out.push_str(&format!("nginx_ingress_controller_request_duration_seconds_bucket{{canary=\"{canary}\",{consts},host=\"shop.example.com\",ingress=\"orders\",method=\"GET\",namespace=\"shop\",path=\"/orders\",service=\"orders-monolith\",status=\"200\",le=\"{le}\"}} {total}\n"));
        }
        out
    };
    let body = |m: (u64, u64), c: (u64, u64), c_hist: [u64; 3]| {
        format!(
            "# HELP nginx_ingress_controller_requests The total number of client requests\n# TYPE nginx_ingress_controller_requests counter\n{}{}{}{}{}# HELP nginx_ingress_controller_request_duration_seconds The request processing time in milliseconds\n# TYPE nginx_ingress_controller_request_duration_seconds histogram\n{}",
            line("", "orders-monolith", "200", m.0),
            line("", "orders-monolith", "502", m.1),
            line("shop-orders-svc-80", "orders-monolith", "200", c.0),
            line("shop-orders-svc-80", "orders-monolith", "503", c.1),
            line("", "catalog", "200", 999),
            hist("shop-orders-svc-80", c_hist, c.0),
        )
    };
    let config = format!(
        r#"{}
[[source]]
name = "nginx"
url = "http://127.0.0.1:1/metrics"

[[domain]]
name = "orders"
stage = "canary"
  [domain.traffic]
  source = "nginx"
  preset = "ingress-nginx"
  backend = "orders"
  legacy = "orders-monolith"
  new = "shop-orders-svc-80"
"#,
        settings()
    );
    let (status, compiled) = run(
        &config,
        &[(
            "nginx",
            vec![
                body((100, 1), (10, 0), [0, 0, 10]),
                body((1000, 10), (105, 5), [40, 90, 105]),
            ],
        )],
    );
    let t = domain(&status, "orders").traffic.as_ref().unwrap();
    assert_near(t.legacy.requests, 909.0);
    assert_near(t.legacy.errors, 9.0);
    assert_near(t.new.requests, 100.0);
    assert_near(t.new.errors, 5.0);
    // Canary latency increases: 40 within 5 ms, 90 within 10 ms, 95 within 25 ms.
    // p50: rank 47.5 in (0.005, 0.01] holding 50 with 40 below: 0.005 + 0.005 * 7.5/50.
    assert_near(t.new.p50_seconds, 0.005 + 0.005 * 7.5 / 50.0);
    assert_eq!(
        selector(&compiled, "orders", "traffic.legacy.requests"),
        r#"nginx_ingress_controller_requests{ingress="orders",service="orders-monolith",canary=""}"#
    );
}

#[test]
fn kong_services_and_millisecond_upstream_latency() {
    // Kong 3.x: counters by exact code with `source`, histograms in ms with Kong's bucket bounds.
    let body = |m200: u64, m500: u64, s200: u64, s502_kong: u64, s_buckets: [u64; 3]| {
        let s_total = s_buckets[2];
        let mut hist = String::new();
        for (le, n) in ["25", "50", "80"].iter().zip(s_buckets) {
            hist.push_str(&format!("kong_upstream_latency_ms_bucket{{service=\"orders-svc\",route=\"orders-svc.orders\",workspace=\"default\",le=\"{le}\"}} {n}\n"));
        }
        for le in [
            "100", "250", "400", "700", "1000", "2000", "5000", "10000", "30000", "60000", "+Inf",
        ] {
            hist.push_str(&format!("kong_upstream_latency_ms_bucket{{service=\"orders-svc\",route=\"orders-svc.orders\",workspace=\"default\",le=\"{le}\"}} {s_total}\n"));
        }
        format!(
            r#"# HELP kong_datastore_reachable Datastore reachable from Kong, 0 is unreachable
# TYPE kong_datastore_reachable gauge
kong_datastore_reachable 1
# HELP kong_http_requests_total HTTP status codes per consumer/service/route in Kong
# TYPE kong_http_requests_total counter
kong_http_requests_total{{service="orders-monolith",route="orders-monolith.orders",code="200",source="service",workspace="default",consumer=""}} {m200}
kong_http_requests_total{{service="orders-monolith",route="orders-monolith.orders",code="500",source="service",workspace="default",consumer=""}} {m500}
kong_http_requests_total{{service="orders-svc",route="orders-svc.orders",code="200",source="service",workspace="default",consumer=""}} {s200}
kong_http_requests_total{{service="orders-svc",route="orders-svc.orders",code="502",source="kong",workspace="default",consumer=""}} {s502_kong}
# HELP kong_upstream_latency_ms Latency added by upstream response for each service/route in Kong
# TYPE kong_upstream_latency_ms histogram
{hist}kong_upstream_latency_ms_count{{service="orders-svc",route="orders-svc.orders",workspace="default"}} {s_total}
kong_upstream_latency_ms_sum{{service="orders-svc",route="orders-svc.orders",workspace="default"}} 3100
"#
        )
    };
    let config = format!(
        r#"{}
[[source]]
name = "kong"
url = "http://127.0.0.1:1/metrics"

[[domain]]
name = "orders"
stage = "canary"
  [domain.traffic]
  source = "kong"
  preset = "kong"
  legacy = "orders-monolith"
  new = "orders-svc"
"#,
        settings()
    );
    let (status, _) = run(
        &config,
        &[(
            "kong",
            vec![
                body(200, 2, 20, 0, [20, 20, 20]),
                // +60 upstream answers: 10 within 25 ms, 40 within 50, 60 within 80.
                body(1100, 11, 80, 4, [30, 60, 80]),
            ],
        )],
    );
    let t = domain(&status, "orders").traffic.as_ref().unwrap();
    assert_near(t.legacy.requests, 909.0);
    assert_near(t.legacy.errors, 9.0);
    assert_near(t.new.requests, 64.0);
    // The 502s Kong made itself (the upstream was gone) are errors of the new path too.
    assert_near(t.new.errors, 4.0);
    // p50: rank 30 in (25, 50] ms holding 30 with 10 below: 25 + 25 * 20/30 ms.
    assert_near(t.new.p50_seconds, (25.0 + 25.0 * 20.0 / 30.0) / 1000.0);
}

#[test]
fn istio_destination_reporter_by_workload_and_by_version() {
    let line = |reporter: &str, workload: &str, version: &str, code: &str, n: u64| {
        format!("istio_requests_total{{reporter=\"{reporter}\",source_workload=\"istio-ingressgateway\",source_workload_namespace=\"istio-system\",source_principal=\"spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account\",source_app=\"istio-ingressgateway\",source_version=\"unknown\",source_canonical_service=\"istio-ingressgateway\",source_canonical_revision=\"latest\",source_cluster=\"Kubernetes\",destination_workload=\"{workload}\",destination_workload_namespace=\"shop\",destination_principal=\"spiffe://cluster.local/ns/shop/sa/orders\",destination_app=\"orders\",destination_version=\"{version}\",destination_service=\"orders.shop.svc.cluster.local\",destination_service_name=\"orders\",destination_service_namespace=\"shop\",destination_canonical_service=\"orders\",destination_canonical_revision=\"{version}\",destination_cluster=\"Kubernetes\",request_protocol=\"http\",response_code=\"{code}\",grpc_response_status=\"\",response_flags=\"-\",connection_security_policy=\"mutual_tls\"}} {n}\n")
    };
    let hist = |workload: &str, version: &str, counts: [u64; 4]| {
        let mut out = String::new();
        for (le, n) in ["5", "10", "25", "+Inf"].iter().zip(counts) {
            out.push_str(&format!("istio_request_duration_milliseconds_bucket{{reporter=\"destination\",destination_workload=\"{workload}\",destination_version=\"{version}\",destination_service_name=\"orders\",response_code=\"200\",le=\"{le}\"}} {n}\n"));
        }
        out
    };
    let body = |m: (u64, u64), s: (u64, u64), s_hist: [u64; 4]| {
        format!(
            "# TYPE istio_requests_total counter\n{}{}{}{}{}{}# TYPE istio_request_duration_milliseconds histogram\n{}",
            line("destination", "orders-monolith", "v1", "200", m.0),
            line("destination", "orders-monolith", "v1", "503", m.1),
            line("destination", "orders-svc", "v2", "200", s.0),
            line("destination", "orders-svc", "v2", "500", s.1),
            // The same requests seen by the caller's sidecar: must not be counted twice.
            line("source", "orders-monolith", "v1", "200", m.0),
            line("source", "orders-svc", "v2", "200", s.0),
            hist("orders-svc", "v2", s_hist),
        )
    };
    let config = format!(
        r#"{}
[[source]]
name = "mesh"
url = "http://127.0.0.1:1/stats/prometheus"

[[domain]]
name = "orders"
stage = "canary"
  [domain.traffic]
  source = "mesh"
  preset = "istio"
  legacy = "orders-monolith"
  new = "orders-svc"

[[domain]]
name = "orders-by-version"
stage = "canary"
  [domain.traffic]
  source = "mesh"
  preset = "istio"
  backend = "orders"
  by = "destination_version"
  legacy = "v1"
  new = "v2"
"#,
        settings()
    );
    let (status, compiled) = run(
        &config,
        &[(
            "mesh",
            vec![
                body((100, 0), (10, 0), [10, 10, 10, 10]),
                body((1000, 9), (100, 10), [40, 80, 100, 110]),
            ],
        )],
    );
    for name in ["orders", "orders-by-version"] {
        let t = domain(&status, name).traffic.as_ref().unwrap();
        assert_near(t.legacy.requests, 909.0);
        assert_near(t.legacy.errors, 9.0);
        assert_near(t.new.requests, 100.0);
        assert_near(t.new.errors, 10.0);
        // 100 new observations: 30 within 5 ms, 70 within 10 ms, 90 within 25 ms.
        // p50: rank 50 in (5, 10] holding 40 with 30 below: 5 + 5 * 20/40 = 7.5 ms.
        assert_near(t.new.p50_seconds, 0.0075);
    }
    assert_eq!(
        selector(&compiled, "orders-by-version", "traffic.new.requests"),
        r#"istio_requests_total{reporter="destination",destination_service_name="orders",destination_version="v2"}"#
    );
}

// ------------------------------------------------------------------------- service side

/// The monolith's real FastAPI capture after 100 more successful and 4 more failed
/// `/orders/{order_id}` GETs, 80 of the 104 under 0.1 s and the rest under 0.5 s.
fn monolith_later() -> String {
    let mut body = fixture("real/orders-monolith-canary.prom");
    for (from, to) in [
        (
            r#"http_requests_total{handler="/orders/{order_id}",method="GET",status="2xx"} 1764.0"#,
            r#"http_requests_total{handler="/orders/{order_id}",method="GET",status="2xx"} 1864.0"#,
        ),
        (
            r#"http_requests_total{handler="/orders/{order_id}",method="GET",status="5xx"} 36.0"#,
            r#"http_requests_total{handler="/orders/{order_id}",method="GET",status="5xx"} 40.0"#,
        ),
        (
            r#"http_request_duration_seconds_bucket{handler="/orders/{order_id}",le="0.1",method="GET"} 1800.0"#,
            r#"http_request_duration_seconds_bucket{handler="/orders/{order_id}",le="0.1",method="GET"} 1880.0"#,
        ),
        (
            r#"http_request_duration_seconds_bucket{handler="/orders/{order_id}",le="0.5",method="GET"} 1800.0"#,
            r#"http_request_duration_seconds_bucket{handler="/orders/{order_id}",le="0.5",method="GET"} 1904.0"#,
        ),
        (
            r#"http_request_duration_seconds_bucket{handler="/orders/{order_id}",le="1.0",method="GET"} 1800.0"#,
            r#"http_request_duration_seconds_bucket{handler="/orders/{order_id}",le="1.0",method="GET"} 1904.0"#,
        ),
        (
            r#"http_request_duration_seconds_bucket{handler="/orders/{order_id}",le="+Inf",method="GET"} 1800.0"#,
            r#"http_request_duration_seconds_bucket{handler="/orders/{order_id}",le="+Inf",method="GET"} 1904.0"#,
        ),
        // Two more scrapes of /metrics itself in between.
        (
            r#"http_requests_total{handler="/metrics",method="GET",status="2xx"} 22.0"#,
            r#"http_requests_total{handler="/metrics",method="GET",status="2xx"} 24.0"#,
        ),
    ] {
        assert!(body.contains(from), "fixture changed: {from}");
        body = body.replace(from, to);
    }
    body
}

#[test]
fn fastapi_on_the_real_capture() {
    let config = format!(
        r#"{}
[[source]]
name = "monolith"
url = "http://127.0.0.1:1/metrics"

[[domain]]
name = "orders"
stage = "canary"
  [domain.traffic]
  legacy = {{ preset = "fastapi", source = "monolith", handler = "/orders/{{order_id}}" }}

[[domain]]
name = "whole-app"
stage = "canary"
  [domain.traffic]
  source = "monolith"
  legacy = {{ preset = "fastapi", method = "GET" }}
"#,
        settings()
    );
    let (status, compiled) = run(
        &config,
        &[(
            "monolith",
            vec![
                fixture("real/orders-monolith-canary.prom"),
                monolith_later(),
            ],
        )],
    );
    let t = domain(&status, "orders").traffic.as_ref().unwrap();
    assert_near(t.legacy.requests_total, 1904.0);
    assert_near(t.legacy.requests, 104.0);
    assert_near(t.legacy.errors, 4.0);
    // 80 of 104 within 0.1 s: p50 = 0.1 * 52/80; p95 = rank 98.8 in (0.1, 0.5] holding 24.
    assert_near(t.legacy.p50_seconds, 0.1 * 52.0 / 80.0);
    assert_near(t.legacy.p95_seconds, 0.1 + 0.4 * (98.8 - 80.0) / 24.0);
    // Without a handler: every route but the /metrics scrapes (so 104, not 106).
    let whole = domain(&status, "whole-app").traffic.as_ref().unwrap();
    assert_near(whole.legacy.requests, 104.0);
    assert_eq!(
        selectors(&compiled, "orders")
            .iter()
            .map(|(k, s, p)| format!("{k} {s} {}", p.as_deref().unwrap_or("-")))
            .collect::<Vec<_>>(),
        vec![
            r#"traffic.legacy.requests http_requests_total{handler="/orders/{order_id}"} fastapi"#,
            r#"traffic.legacy.errors http_requests_total{handler="/orders/{order_id}",status=~"5.."} fastapi"#,
            r#"traffic.legacy.client_errors http_requests_total{handler="/orders/{order_id}",status=~"4.."} fastapi"#,
            r#"traffic.legacy.latency http_request_duration_seconds{handler="/orders/{order_id}"} fastapi"#,
        ]
    );
}

/// django-prometheus through prometheus_client 0.0.4 text: `_total` appended to names that
/// already say total, exact status codes, `_created` gauges after each family.
fn django_body(ok: u64, failed: u64, buckets: [u64; 3]) -> String {
    let total = ok + failed;
    let mut hist = String::new();
    for (le, n) in ["0.01", "0.025", "0.05"].iter().zip(buckets) {
        hist.push_str(&format!("django_http_requests_latency_seconds_by_view_method_bucket{{le=\"{le}\",method=\"GET\",view=\"orders:detail\"}} {n}.0\n"));
    }
    for le in [
        "0.075", "0.1", "0.25", "0.5", "0.75", "1.0", "2.5", "5.0", "7.5", "10.0", "25.0", "50.0",
        "75.0", "+Inf",
    ] {
        hist.push_str(&format!("django_http_requests_latency_seconds_by_view_method_bucket{{le=\"{le}\",method=\"GET\",view=\"orders:detail\"}} {total}.0\n"));
    }
    format!(
        r#"# HELP django_http_responses_total_by_status_view_method_total Count of responses by status, view, method.
# TYPE django_http_responses_total_by_status_view_method_total counter
django_http_responses_total_by_status_view_method_total{{method="GET",status="200",view="orders:detail"}} {ok}.0
django_http_responses_total_by_status_view_method_total{{method="GET",status="500",view="orders:detail"}} {failed}.0
django_http_responses_total_by_status_view_method_total{{method="GET",status="200",view="prometheus-django-metrics"}} 17.0
# HELP django_http_responses_total_by_status_view_method_created Count of responses by status, view, method.
# TYPE django_http_responses_total_by_status_view_method_created gauge
django_http_responses_total_by_status_view_method_created{{method="GET",status="200",view="orders:detail"}} 1.795551e+09
# HELP django_http_requests_latency_seconds_by_view_method Histogram of request processing time labelled by view.
# TYPE django_http_requests_latency_seconds_by_view_method histogram
{hist}django_http_requests_latency_seconds_by_view_method_count{{method="GET",view="orders:detail"}} {total}.0
django_http_requests_latency_seconds_by_view_method_sum{{method="GET",view="orders:detail"}} 1.25
"#
    )
}

/// prometheus-flask-exporter: the histogram has method, path and status; the counter has no path.
fn flask_body(ok: u64, failed: u64, fast: u64) -> String {
    let total = ok + failed;
    let mut out = String::from("# HELP flask_http_request_duration_seconds Flask HTTP request duration in seconds\n# TYPE flask_http_request_duration_seconds histogram\n");
    for (status, n, fast) in [("200", ok, fast), ("500", failed, failed)] {
        for (le, v) in [("0.005", fast), ("0.01", n), ("+Inf", n)] {
            out.push_str(&format!("flask_http_request_duration_seconds_bucket{{le=\"{le}\",method=\"GET\",path=\"/orders\",status=\"{status}\"}} {v}.0\n"));
        }
        out.push_str(&format!("flask_http_request_duration_seconds_count{{method=\"GET\",path=\"/orders\",status=\"{status}\"}} {n}.0\nflask_http_request_duration_seconds_sum{{method=\"GET\",path=\"/orders\",status=\"{status}\"}} 0.5\n"));
    }
    out.push_str(&format!("# HELP flask_http_request_total Total number of HTTP requests\n# TYPE flask_http_request_total counter\nflask_http_request_total{{method=\"GET\",status=\"200\"}} {ok}.0\nflask_http_request_total{{method=\"GET\",status=\"500\"}} {failed}.0\n# HELP flask_exporter_info Information about the Prometheus Flask exporter\n# TYPE flask_exporter_info gauge\nflask_exporter_info{{version=\"0.23.1\"}} 1.0\n"));
    let _ = total;
    out
}

#[test]
fn django_and_flask_views_and_paths() {
    let config = format!(
        r#"{}
[[source]]
name = "monolith"
url = "http://127.0.0.1:1/metrics"

[[source]]
name = "orders-svc"
url = "http://127.0.0.1:2/metrics"

[[domain]]
name = "orders"
stage = "canary"
  [domain.traffic]
  legacy = {{ preset = "django", source = "monolith", handler = "orders:detail" }}
  new = {{ preset = "flask", source = "orders-svc", handler = "/orders", method = "GET" }}
"#,
        settings()
    );
    let (status, compiled) = run(
        &config,
        &[
            (
                "monolith",
                vec![
                    django_body(1000, 10, [500, 900, 1010]),
                    // +1800 ok, +18 failed; latency increases 1000 / 1700 / 1818 in 10/25/50 ms.
                    django_body(2800, 28, [1500, 2600, 2828]),
                ],
            ),
            (
                "orders-svc",
                vec![flask_body(100, 0, 100), flask_body(280, 20, 160)],
            ),
        ],
    );
    let t = domain(&status, "orders").traffic.as_ref().unwrap();
    assert_near(t.legacy.requests, 1818.0);
    assert_near(t.legacy.errors, 18.0);
    // p50: rank 909 within the first 1000 in (0, 0.01]: 0.01 * 909/1000.
    assert_near(t.legacy.p50_seconds, 0.01 * 909.0 / 1000.0);
    assert_near(t.new.requests, 200.0);
    assert_near(t.new.errors, 20.0);
    assert_near(t.new_share, 200.0 / 2018.0);
    // 60 + 20 = 80 within 5 ms of 200; p50 rank 100 in (0.005, 0.01] holding 120 with 80 below.
    assert_near(t.new.p50_seconds, 0.005 + 0.005 * 20.0 / 120.0);
    assert_eq!(
        selector(&compiled, "orders", "traffic.new.requests"),
        r#"flask_http_request_duration_seconds_count{path="/orders",method="GET"}"#
    );
    // A service side reads its own source, not the section's.
    let new_requests = compiled
        .plan
        .signals
        .iter()
        .find(|s| {
            s.text
                .starts_with("flask_http_request_duration_seconds_count")
        })
        .unwrap();
    assert_eq!(
        compiled.plan.sources[new_requests.source].name,
        "orders-svc"
    );
}

#[test]
fn gateway_split_with_service_side_latency() {
    // HAProxy gives the split, the new service's own FastAPI metrics the figures of its side.
    let config = format!(
        r#"{}
[[source]]
name = "gateway"
url = "http://127.0.0.1:1/metrics"

[[source]]
name = "monolith"
url = "http://127.0.0.1:2/metrics"

[[domain]]
name = "orders"
stage = "canary"
  [domain.traffic]
  source = "gateway"
  preset = "haproxy"
  backend = "be_orders"
  legacy = "monolith"
  new = {{ preset = "fastapi", source = "monolith", handler = "/orders/{{order_id}}", weight = {{ source = "gateway", select = 'haproxy_server_weight{{proxy="be_orders",server="orders_svc"}}' }} }}
"#,
        settings()
    );
    let (status, compiled) = run(
        &config,
        &[
            (
                "gateway",
                vec![
                    fixture("real/haproxy-idle.prom"),
                    fixture("real/haproxy-svc-down.prom"),
                ],
            ),
            (
                "monolith",
                vec![
                    fixture("real/orders-monolith-canary.prom"),
                    monolith_later(),
                ],
            ),
        ],
    );
    let t = domain(&status, "orders").traffic.as_ref().unwrap();
    assert_near(t.legacy.requests, 2400.0);
    assert_near(t.new.requests, 104.0);
    assert_near(t.new.weight, 0.0);
    assert_near(t.configured_new_share, 0.0);
    let presets: Vec<Option<String>> = selectors(&compiled, "orders")
        .into_iter()
        .map(|(_, _, p)| p)
        .collect();
    assert!(presets.contains(&Some("haproxy".into())));
    assert!(presets.contains(&Some("fastapi".into())));
}

// ------------------------------------------------------------------------------- queues

#[test]
fn rabbitmq_per_object_detailed_and_aggregated() {
    let config = format!(
        r#"{}
[[source]]
name = "per-object"
url = "http://127.0.0.1:1/metrics/per-object"

[[source]]
name = "detailed"
url = "http://127.0.0.1:1/metrics/detailed?family=queue_coarse_metrics"

[[source]]
name = "aggregated"
url = "http://127.0.0.1:1/metrics"

[[domain]]
name = "inventory"
stage = "shadow"
  [[domain.queue]]
  name = "reserve"
  source = "per-object"
  preset = "rabbitmq"
  queue = "inventory.reserve"
  [[domain.queue]]
  name = "email"
  source = "per-object"
  preset = "rabbitmq"
  vhost = "/"
  queue = "notifications.email"
  [[domain.queue]]
  name = "audit"
  source = "per-object"
  preset = "rabbitmq"
  queue = "orders.audit"
  [[domain.queue]]
  name = "reserve-detailed"
  source = "detailed"
  preset = "rabbitmq-detailed"
  queue = "inventory.reserve"
  [[domain.queue]]
  name = "reserve-aggregated"
  source = "aggregated"
  preset = "rabbitmq"
  queue = "inventory.reserve"
"#,
        settings()
    );
    let two = |f: &str| vec![fixture(f), fixture(f)];
    let (status, _) = run(
        &config,
        &[
            ("per-object", two("real/rabbitmq-per-object.prom")),
            (
                "detailed",
                two("real/rabbitmq-detailed-queue_coarse_metrics.prom"),
            ),
            ("aggregated", two("real/rabbitmq-aggregated.prom")),
        ],
    );
    let q = &domain(&status, "inventory").queues;
    assert_near(q[0].depth, 1234.0);
    assert_near(q[1].depth, 275.0);
    assert_near(q[2].depth, 0.0);
    assert_near(q[3].depth, 1234.0);
    // Ready messages are the backlog; those delivered and not acked are in flight beside it.
    assert_eq!(q[1].meaning, QueueMeaning::Ready);
    let unacked = |i: usize| q[i].in_flight.and_then(|f| f.value);
    assert_eq!(
        q[1].in_flight.map(|f| f.meaning),
        Some(QueueMeaning::Unacked)
    );
    assert_near(unacked(1), 25.0);
    assert_near(unacked(3), 0.0);
    // The aggregated endpoint has no per-queue series: no data, not 0.
    assert_eq!(q[4].depth, None);
    assert!(
        cutover::presets::rabbitmq::hint("rabbitmq", "http://127.0.0.1:15692/metrics")
            .unwrap()
            .contains("per-object")
    );
    assert_eq!(
        cutover::presets::rabbitmq::hint("rabbitmq", "http://127.0.0.1:15692/metrics/per-object"),
        None
    );
}

#[test]
fn kafka_exporter_lag_sum() {
    let body = |lag: u64| {
        format!(
            r#"# HELP kafka_brokers Number of Brokers in the Kafka Cluster.
# TYPE kafka_brokers gauge
kafka_brokers 3
# HELP kafka_consumergroup_lag Current Approximate Lag of a ConsumerGroup at Topic/Partition
# TYPE kafka_consumergroup_lag gauge
kafka_consumergroup_lag{{consumergroup="inventory",partition="0",topic="order-events"}} {p0}
kafka_consumergroup_lag{{consumergroup="inventory",partition="1",topic="order-events"}} {p1}
kafka_consumergroup_lag{{consumergroup="inventory",partition="2",topic="order-events"}} -1
# HELP kafka_consumergroup_lag_sum Current Approximate Lag of a ConsumerGroup at Topic for all partitions
# TYPE kafka_consumergroup_lag_sum gauge
kafka_consumergroup_lag_sum{{consumergroup="inventory",topic="order-events"}} {lag}
kafka_consumergroup_lag_sum{{consumergroup="billing",topic="order-events"}} 7
"#,
            p0 = lag / 2,
            p1 = lag - lag / 2
        )
    };
    let config = format!(
        r#"{}
[[source]]
name = "kafka"
url = "http://127.0.0.1:1/metrics"

[[domain]]
name = "orders"
stage = "canary"
  [[domain.queue]]
  name = "order-events"
  source = "kafka"
  preset = "kafka"
  group = "inventory"
  topic = "order-events"
"#,
        settings()
    );
    let (status, _) = run(&config, &[("kafka", vec![body(600), body(400)])]);
    let q = &domain(&status, "orders").queues[0];
    assert_eq!(q.meaning, QueueMeaning::Lag);
    assert_eq!(q.in_flight, None);
    assert_near(q.depth, 400.0);
    // Shrinking by 200 in 10 s: 20/s down, drained in 20 s.
    assert_near(q.trend_per_second, -20.0);
    assert_near(q.drain_seconds, 20.0);
}

#[test]
fn redis_stream_lag_unknown_and_pending_on_the_real_capture() {
    let config = format!(
        r#"{}
[[source]]
name = "redis"
url = "http://127.0.0.1:1/metrics"

[[domain]]
name = "orders"
stage = "canary"
  [[domain.queue]]
  name = "inventory"
  source = "redis"
  preset = "redis-stream"
  stream = "orders.events"
  group = "inventory"
  [[domain.queue]]
  name = "notifications"
  source = "redis"
  preset = "redis-stream"
  stream = "orders.events"
  group = "notifications"
"#,
        settings()
    );
    let body = fixture("real/redis-exporter.prom");
    let (status, _) = run(&config, &[("redis", vec![body.clone(), body])]);
    let q = &domain(&status, "orders").queues;
    // redis_exporter 1.45 exports no lag: unknown, with that reason, never the pending list.
    for q in q {
        assert_eq!(q.meaning, QueueMeaning::Lag);
        assert_eq!(q.depth, None);
        assert_eq!(q.drain_seconds, None);
        assert_eq!(q.health, Health::Unknown);
        assert!(
            q.depth_unknown
                .as_deref()
                .is_some_and(|w| w.contains("exports no lag (needs redis_exporter ≥ 1.52.0)")),
            "{q:?}"
        );
        assert_eq!(q.in_flight.map(|f| f.meaning), Some(QueueMeaning::Pending));
    }
    assert_near(q[0].in_flight.and_then(|f| f.value), 20.0);
    // 0 pending, though Redis says 500 entries are not yet delivered.
    assert_near(q[1].in_flight.and_then(|f| f.value), 0.0);
}

// -------------------------------------------------------------------------------- sagas

#[test]
fn saga_convention_as_the_lab_app_exports_it() {
    let body = |started: u64, failed: u64, in_progress: u64| {
        format!(
            r#"# HELP saga_started_total Sagas started
# TYPE saga_started_total counter
saga_started_total{{domain="orders",saga="place_order"}} {started}.0
saga_started_total{{domain="orders",saga="cancel_order"}} 5.0
# HELP saga_started_created Sagas started
# TYPE saga_started_created gauge
saga_started_created{{domain="orders",saga="place_order"}} 1.795552e+09
# HELP saga_completed_total Sagas completed
# TYPE saga_completed_total counter
saga_completed_total{{domain="orders",saga="place_order"}} {completed}.0
# HELP saga_failed_total Sagas failed
# TYPE saga_failed_total counter
saga_failed_total{{domain="orders",reason="declined",saga="place_order",step="charge_payment"}} {failed}.0
saga_failed_total{{domain="orders",reason="timeout",saga="cancel_order",step="refund"}} 1.0
# HELP saga_compensation_total Compensation steps run
# TYPE saga_compensation_total counter
saga_compensation_total{{domain="orders",result="ok",saga="place_order",step="reserve_inventory"}} {failed}.0
# HELP saga_in_progress Sagas in flight
# TYPE saga_in_progress gauge
saga_in_progress{{domain="orders",saga="place_order"}} {in_progress}.0
"#,
            completed = started - failed - in_progress
        )
    };
    let config = format!(
        r#"{}
[[source]]
name = "orders-svc"
url = "http://127.0.0.1:1/metrics"

[[domain]]
name = "orders"
stage = "canary"
  [[domain.saga]]
  name = "place-order"
  source = "orders-svc"
  preset = "saga"
  saga = "place_order"
"#,
        settings()
    );
    let (status, _) = run(
        &config,
        &[("orders-svc", vec![body(100, 2, 0), body(200, 12, 3)])],
    );
    let s = &domain(&status, "orders").sagas[0];
    assert_near(s.failed, 10.0);
    assert_near(s.failed_per_minute, 60.0);
    assert_near(s.compensated, 10.0);
    assert_near(s.failure_ratio, 0.1);
    assert_near(s.in_progress, 3.0);
}

#[test]
fn temporal_core_sdk_counters_without_total() {
    // The Python SDK's Prometheus exporter (Rust Core): no `_total`, a global service_name label.
    let body = |completed: u64, failed: u64| {
        format!(
            r#"# HELP temporal_workflow_completed Number of workflows completed
# TYPE temporal_workflow_completed counter
temporal_workflow_completed{{namespace="default",service_name="temporal-core-sdk",task_queue="orders",workflow_type="PlaceOrder"}} {completed}
# HELP temporal_workflow_failed Number of workflows failed
# TYPE temporal_workflow_failed counter
temporal_workflow_failed{{namespace="default",service_name="temporal-core-sdk",task_queue="orders",workflow_type="PlaceOrder"}} {failed}
temporal_workflow_failed{{namespace="default",service_name="temporal-core-sdk",task_queue="orders",workflow_type="CancelOrder"}} 9
# HELP temporal_workflow_task_execution_failed Count of workflow task execution failures
# TYPE temporal_workflow_task_execution_failed counter
temporal_workflow_task_execution_failed{{failure_reason="NonDeterminismError",namespace="default",service_name="temporal-core-sdk",task_queue="orders",workflow_type="PlaceOrder"}} 1
# HELP temporal_workflow_endtoend_latency Histogram of total workflow execution latencies
# TYPE temporal_workflow_endtoend_latency histogram
temporal_workflow_endtoend_latency_bucket{{namespace="default",service_name="temporal-core-sdk",task_queue="orders",workflow_type="PlaceOrder",le="100"}} 3
temporal_workflow_endtoend_latency_bucket{{namespace="default",service_name="temporal-core-sdk",task_queue="orders",workflow_type="PlaceOrder",le="+Inf"}} 5
"#
        )
    };
    let config = format!(
        r#"{}
[[source]]
name = "worker"
url = "http://127.0.0.1:1/metrics"

[[domain]]
name = "orders"
stage = "canary"
  [[domain.saga]]
  name = "place-order"
  source = "worker"
  preset = "temporal"
  workflow_type = "PlaceOrder"
"#,
        settings()
    );
    let (status, _) = run(&config, &[("worker", vec![body(50, 1), body(86, 5)])]);
    let s = &domain(&status, "orders").sagas[0];
    assert_near(s.failed, 4.0);
    // Failed among finished: 4 of (36 completed + 4 failed).
    assert_near(s.failure_ratio, 0.1);
    assert_eq!(s.compensated, None);
    assert_eq!(s.in_progress, None);
}

/// Every test above that runs a config through the engine and checks the figures.
const ENGINE_TESTS: &[fn()] = &[
    haproxy_on_real_captures,
    envoy_clusters_class_5_and_millisecond_histogram,
    traefik_services_by_code,
    ingress_nginx_primary_and_canary_upstream,
    kong_services_and_millisecond_upstream_latency,
    istio_destination_reporter_by_workload_and_by_version,
    fastapi_on_the_real_capture,
    django_and_flask_views_and_paths,
    gateway_split_with_service_side_latency,
    rabbitmq_per_object_detailed_and_aggregated,
    kafka_exporter_lag_sum,
    redis_stream_lag_unknown_and_pending_on_the_real_capture,
    saga_convention_as_the_lab_app_exports_it,
    temporal_core_sdk_counters_without_total,
];

#[test]
fn every_preset_is_exercised_here() {
    // Runs the table (each test asserts its figures) and asks the compiler which presets those
    // configs expanded: a new preset without a test in the table fails here.
    EXPANDED.with(|e| e.borrow_mut().clear());
    for test in ENGINE_TESTS {
        test();
    }
    let expanded = EXPANDED.with(|e| e.borrow().clone());
    let registry: Vec<&str> = cutover::presets::GATEWAYS
        .iter()
        .map(|p| p.name)
        .chain(cutover::presets::SERVICES.iter().map(|p| p.name))
        .chain(cutover::presets::QUEUES.iter().map(|p| p.name))
        .chain(cutover::presets::SAGAS.iter().map(|p| p.name))
        .collect();
    for name in &registry {
        assert!(
            expanded.contains(*name),
            "no engine test expands preset {name} (expanded: {expanded:?})"
        );
    }
    // And nothing expanded that the registry does not know.
    for name in &expanded {
        assert!(registry.contains(&name.as_str()), "unknown preset {name}");
    }
}

// ---------------------------------------------------------------------------- cutover check

#[test]
fn check_prints_what_each_preset_expanded_to() {
    use common::{HttpServer, Reply, Sandbox};
    let envoy = envoy_body([1000, 990, 10], [100, 99, 1], [0, 0, 0, 20, 60, 90, 100]);
    let server = HttpServer::start(move |req, _| {
        Some(match req.path.as_str() {
            "/gateway" => Reply::text(fixture("real/haproxy-svc-down.prom")),
            "/envoy" => Reply::text(envoy.clone()),
            "/rabbitmq/metrics" => Reply::text(fixture("real/rabbitmq-aggregated.prom")),
            "/monolith" => Reply::text(fixture("real/orders-monolith-canary.prom")),
            _ => Reply::status(404, "not found"),
        })
    });
    let sb = Sandbox::new();
    let cfg = sb.config(&format!(
        r#"
[settings]
interval = "1s"
timeout = "800ms"

[[source]]
name = "gateway"
url = "{gw}"
[[source]]
name = "envoy"
url = "{envoy}"
[[source]]
name = "rabbitmq"
url = "{rmq}"
[[source]]
name = "monolith"
url = "{mono}"

[[domain]]
name = "orders"
stage = "canary"
  [domain.traffic]
  source = "gateway"
  preset = "haproxy"
  backend = "be_orders"
  legacy = "monolith"
  new = {{ preset = "fastapi", source = "monolith", handler = "/orders/{{order_id}}" }}
  [[domain.queue]]
  name = "reserve"
  source = "rabbitmq"
  preset = "rabbitmq"
  queue = "inventory.reserve"

[[domain]]
name = "billing"
stage = "ramp"
  [domain.traffic]
  source = "envoy"
  preset = "envoy"
  legacy = "monolith"
  new = "orders_svc"
"#,
        gw = server.url("/gateway"),
        envoy = server.url("/envoy"),
        rmq = server.url("/rabbitmq/metrics"),
        mono = server.url("/monolith"),
    ));
    let out = sb
        .cutover()
        .arg("--config")
        .arg(&cfg)
        .arg("check")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // The queue on the aggregated endpoint matches nothing: a problem, exit 1, and the why.
    assert_eq!(out.status.code(), Some(1), "{text}");
    for expected in [
        "(preset haproxy)\n      haproxy_server_http_responses_total{proxy=\"be_orders\",server=\"monolith\",code=\"5xx\"}",
        "(preset fastapi)\n      http_requests_total{handler=\"/orders/{order_id}\",status=~\"5..\"}",
        "(preset envoy, values in ms)\n      envoy_cluster_upstream_rq_time{envoy_cluster_name=\"orders_svc\"}",
        "MATCHES NOTHING  (preset rabbitmq)\n      rabbitmq_queue_messages_ready{vhost=\"/\",queue=\"inventory.reserve\"}\n      hint: RabbitMQ's /metrics is aggregated per node",
    ] {
        assert!(text.contains(expected), "missing:\n{expected}\nin:\n{text}");
    }
}

#[test]
fn check_credits_a_preset_only_with_what_it_wrote() {
    // A weight written by hand in a service side's table is the user's selector, not the
    // preset's: `check` must not print it as "(preset fastapi)".
    use common::{HttpServer, Reply, Sandbox};
    let server = HttpServer::start(move |req, _| {
        Some(match req.path.as_str() {
            "/gateway" => Reply::text(fixture("real/haproxy-svc-down.prom")),
            "/monolith" => Reply::text(fixture("real/orders-monolith-canary.prom")),
            _ => Reply::status(404, "not found"),
        })
    });
    let sb = Sandbox::new();
    let cfg = sb.config(&format!(
        r#"
[settings]
interval = "1s"
timeout = "800ms"

[[source]]
name = "gateway"
url = "{gw}"
[[source]]
name = "monolith"
url = "{mono}"

[[domain]]
name = "orders"
stage = "canary"
  [domain.traffic]
  source = "gateway"
  preset = "haproxy"
  backend = "be_orders"
  legacy = "monolith"
  new = {{ preset = "fastapi", source = "monolith", handler = "/orders/{{order_id}}", weight = {{ source = "gateway", select = 'haproxy_server_weight{{proxy="be_orders",server="orders_svc"}}' }} }}
"#,
        gw = server.url("/gateway"),
        mono = server.url("/monolith"),
    ));
    let out = sb
        .cutover()
        .arg("--config")
        .arg(&cfg)
        .arg("check")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line_of = |key: &str| {
        text.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(key))
            .unwrap_or_else(|| panic!("no line for {key} in:\n{text}"))
            .to_string()
    };
    let weight = line_of("traffic.new.weight");
    assert!(!weight.contains("preset"), "{weight}\nin:\n{text}");
    assert!(
        line_of("traffic.new.requests").contains("(preset fastapi)"),
        "{text}"
    );
    assert!(
        line_of("traffic.legacy.weight").contains("(preset haproxy)"),
        "{text}"
    );
}

#[test]
fn a_config_with_every_preset_compiles_and_round_trips() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/valid_configs/all_presets.toml");
    let config = cutover::config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let compiled = compile(&config).unwrap_or_else(|e| panic!("{e}"));
    let mut used: Vec<String> = compiled
        .signal_uses
        .iter()
        .filter_map(|u| u.preset.clone())
        .collect();
    used.sort();
    used.dedup();
    assert_eq!(used.len(), 15, "{used:?}");
    // Recordings keep the config as TOML: presets and units survive the trip.
    let again = parse_str(&config.redacted_toml(), Path::new("again.toml")).unwrap();
    assert_eq!(again, config);
}

#[test]
fn labels_narrow_preset_selectors_for_a_shared_query_api() {
    // Prometheus holds every service's http_requests_total: `labels` picks one.
    let config = format!(
        r#"{}
[[source]]
name = "prometheus"
kind = "prometheus"
url = "http://127.0.0.1:1"

[[domain]]
name = "orders"
stage = "canary"
  [domain.traffic]
  source = "prometheus"
  preset = "haproxy"
  backend = "be_orders"
  labels = {{ job = "haproxy" }}
  legacy = "monolith"
  new = {{ preset = "fastapi", handler = "/orders/{{order_id}}", labels = {{ service = "orders_svc", job = "orders" }} }}
"#,
        settings()
    );
    let config = parse_str(&config, Path::new("labels.toml")).unwrap_or_else(|e| panic!("{e}"));
    let compiled = compile(&config).unwrap_or_else(|e| panic!("{e}"));
    let texts: Vec<(String, String)> = compiled
        .signal_uses
        .iter()
        .map(|u| {
            let s = &compiled.plan.signals[u.signal];
            // Plain selectors: read in batched queries, matched as a scrape's samples are.
            assert!(s.query.is_none() && s.selector.is_some(), "{}", s.text);
            (u.key.clone(), s.text.clone())
        })
        .collect();
    let get = |key: &str| texts.iter().find(|(k, _)| k == key).unwrap().1.as_str();
    assert_eq!(
        get("traffic.legacy.requests"),
        r#"haproxy_server_http_responses_total{proxy="be_orders",server="monolith",job="haproxy"}"#
    );
    assert_eq!(
        get("traffic.new.errors"),
        r#"http_requests_total{handler="/orders/{order_id}",status=~"5..",job="orders",service="orders_svc"}"#
    );
    // A latency is read by name and as buckets: a gauge (HAProxy) or a histogram (FastAPI).
    let spec = compiled.specs[0].as_ref().unwrap();
    assert!(spec.queries.is_empty(), "{:?}", spec.queries);
    // Errors (`code`, `status`) fold into the requests' query: the same names, one query fewer.
    assert_eq!(
        spec.batch,
        [
            r#"{__name__=~"http_request_duration_seconds|http_request_duration_seconds_bucket|http_requests_total", handler="/orders/{order_id}", job="orders", service="orders_svc"}"#,
            r#"{__name__=~"haproxy_server_http_responses_total|haproxy_server_response_time_average_seconds|haproxy_server_response_time_average_seconds_bucket|haproxy_server_weight", job="haproxy", proxy="be_orders", server="monolith"}"#,
            r#"haproxy_server_status{job="haproxy", proxy="be_orders", server="monolith", state=~"UP|DRAIN|NOLB"}"#,
        ],
        "{:#?}",
        spec.batch
    );
}

#[test]
fn the_lab_config_loads_and_compiles() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("lab/cutover.toml");
    let config = cutover::config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let compiled = compile(&config).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(compiled.steps["orders"].len(), 1);
}
