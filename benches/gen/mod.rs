//! Deterministic exposition bodies and configs for the benchmarks (and the tests that check
//! them), shaped after what real exporters emit at scale:
//!
//! - [`envoy`]: an Envoy gateway, 200 clusters × 60 metric names, 22 histograms with Envoy's 20
//!   default buckets, TYPE lines only, two tagless `name{}` lines and two histograms named
//!   `…_headers_count`, as Envoy writes them (about 16 MB);
//! - [`kafka`]: kafka_exporter, 50 consumer groups × 20 topics × 12 partitions, with HELP and
//!   TYPE lines and a Go runtime summary (about 3.2 MB);
//! - [`Fleet`]: a migration of many domains: an HAProxy gateway, a monolith and a RabbitMQ
//!   broker, plus Python services (one or more pods each), with counters that grow over time,
//!   and the cutover config that watches it.
//!
//! Lives beside the benches rather than in the library so the product carries none of it;
//! tests include it with `#[path]`.
// Helpers shared by test (or bench) crates: `pub` for their users, not for a public API.
#![allow(unreachable_pub)]

use std::fmt::Write as _;

/// The simulator's deterministic generator (SplitMix64), so every run measures the same bytes.
use cutover_sim::Rng;

/// Envoy's default histogram bucket bounds (19 bounds; `+Inf` is added).
const ENVOY_BUCKETS: [&str; 19] = [
    "0.5", "1", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000", "10000",
    "30000", "60000", "300000", "600000", "1800000", "3600000",
];

const ENVOY_HISTOGRAMS: [&str; 22] = [
    "upstream_rq_time",
    "upstream_cx_connect_ms",
    "upstream_cx_length_ms",
    // Named `…_count` by Envoy itself: its series end in `_count_bucket`, `_count_count`.
    "upstream_rq_headers_count",
    "upstream_rs_headers_count",
    "upstream_rq_headers_size",
    "upstream_rs_headers_size",
    "upstream_rq_body_size",
    "upstream_rs_body_size",
    "upstream_rq_per_try_duration",
    "internal_upstream_rq_time",
    "external_upstream_rq_time",
    "canary_upstream_rq_time",
    "upstream_rq_timeout_budget_percent_used",
    "upstream_rq_timeout_budget_per_try_percent_used",
    "upstream_cx_tx_bytes_size",
    "upstream_cx_rx_bytes_size",
    "upstream_rq_per_try_idle_timeout",
    "upstream_cx_pool_wait_ms",
    "lb_subsets_selection_time",
    "upstream_rq_retry_backoff_ms",
    "zone_upstream_rq_time",
];

/// Counters written once per response code class (1 to 5).
const ENVOY_CLASS_COUNTERS: [&str; 12] = [
    "upstream_rq_xx",
    "internal_upstream_rq_xx",
    "external_upstream_rq_xx",
    "canary_upstream_rq_xx",
    "upstream_rq_retry_xx",
    "zone_upstream_rq_xx",
    "upstream_rq_completed_xx",
    "upstream_rq_per_try_xx",
    "upstream_rs_xx",
    "upstream_rq_shadow_xx",
    "upstream_rq_direct_xx",
    "upstream_rq_redirect_xx",
];

const ENVOY_COUNTERS: [&str; 18] = [
    "upstream_rq_total",
    "upstream_cx_total",
    "upstream_cx_destroy",
    "upstream_rq_timeout",
    "upstream_rq_retry",
    "upstream_cx_connect_fail",
    "upstream_rq_pending_total",
    "upstream_rq_cancelled",
    "upstream_rq_rx_reset",
    "upstream_rq_tx_reset",
    "upstream_cx_rx_bytes_total",
    "upstream_cx_tx_bytes_total",
    "upstream_flow_control_paused_reading_total",
    "upstream_flow_control_resumed_reading_total",
    "lb_healthy_panic",
    "retry_or_shadow_abandoned",
    "upstream_cx_protocol_error",
    "upstream_rq_maintenance_mode",
];

const ENVOY_GAUGES: [&str; 8] = [
    "membership_healthy",
    "membership_total",
    "upstream_cx_active",
    "upstream_rq_active",
    "upstream_rq_pending_active",
    "circuit_breakers_default_cx_open",
    "max_host_weight",
    "version",
];

/// The Istio-style name of cluster `i`.
pub fn envoy_cluster(i: usize) -> String {
    format!(
        "outbound|8080|v1|svc-{i:03}.team-{:02}.svc.cluster.local",
        i % 17
    )
}

/// An Envoy gateway's `/stats/prometheus` for `clusters` clusters (200 gives about 16 MB,
/// 114,002 samples).
pub fn envoy(clusters: usize) -> String {
    let mut rng = Rng::new(0xe4_0a11);
    let names: Vec<String> = (0..clusters).map(envoy_cluster).collect();
    let mut out = String::with_capacity(clusters * 80_000 + 4096);
    out.push_str("# TYPE envoy_server_uptime gauge\nenvoy_server_uptime{} 864213\n");
    for h in ENVOY_HISTOGRAMS {
        let _ = writeln!(out, "# TYPE envoy_cluster_{h} histogram");
        for c in &names {
            let mut cumulative = 0u64;
            for le in ENVOY_BUCKETS {
                cumulative += rng.below(5_000);
                let _ = writeln!(
                    out,
                    "envoy_cluster_{h}_bucket{{envoy_cluster_name=\"{c}\",le=\"{le}\"}} {cumulative}"
                );
            }
            cumulative += rng.below(50);
            let _ = writeln!(
                out,
                "envoy_cluster_{h}_bucket{{envoy_cluster_name=\"{c}\",le=\"+Inf\"}} {cumulative}"
            );
            let sum = cumulative as f64 * (20.0 + rng.below(4_000) as f64 / 10.0) + 0.5;
            let _ = writeln!(
                out,
                "envoy_cluster_{h}_sum{{envoy_cluster_name=\"{c}\"}} {sum}"
            );
            let _ = writeln!(
                out,
                "envoy_cluster_{h}_count{{envoy_cluster_name=\"{c}\"}} {cumulative}"
            );
        }
    }
    for k in ENVOY_CLASS_COUNTERS {
        let _ = writeln!(out, "# TYPE envoy_cluster_{k} counter");
        for c in &names {
            for class in 1..=5 {
                let v = rng.below(10_000_000);
                let _ = writeln!(
                    out,
                    "envoy_cluster_{k}{{envoy_response_code_class=\"{class}\",envoy_cluster_name=\"{c}\"}} {v}"
                );
            }
        }
    }
    for k in ENVOY_COUNTERS {
        let _ = writeln!(out, "# TYPE envoy_cluster_{k} counter");
        for c in &names {
            let v = rng.below(100_000_000);
            let _ = writeln!(out, "envoy_cluster_{k}{{envoy_cluster_name=\"{c}\"}} {v}");
        }
    }
    for g in ENVOY_GAUGES {
        let _ = writeln!(out, "# TYPE envoy_cluster_{g} gauge");
        for c in &names {
            let v = rng.below(64);
            let _ = writeln!(out, "envoy_cluster_{g}{{envoy_cluster_name=\"{c}\"}} {v}");
        }
    }
    out.push_str("# TYPE envoy_server_live gauge\nenvoy_server_live{} 1\n");
    out
}

/// A cutover config of six domains on the Envoy gateway: each reads requests and 5xx of two
/// clusters (monolith and new service). Its selectors need two metric names, about 1% of
/// the lines of [`envoy`]`(200)`.
pub fn envoy_config(url: &str) -> String {
    let mut out = format!(
        "[settings]\ninterval = \"2s\"\ntimeout = \"1500ms\"\nwindow = \"1m\"\nhistory = \"1h\"\n\n\
         [[source]]\nname = \"envoy\"\nurl = \"{url}\"\n"
    );
    for d in 0..6 {
        let legacy = envoy_cluster(2 * d);
        let new = envoy_cluster(2 * d + 1);
        let _ = write!(
            out,
            "\n[[domain]]\nname = \"domain-{d}\"\nstage = \"canary\"\n  [domain.traffic]\n  source = \"envoy\"\n"
        );
        for (side, cluster) in [("legacy", &legacy), ("new", &new)] {
            let _ = writeln!(
                out,
                "  {side}.requests = 'envoy_cluster_upstream_rq_total{{envoy_cluster_name=\"{cluster}\"}}'"
            );
            let _ = writeln!(
                out,
                "  {side}.errors = 'envoy_cluster_upstream_rq_xx{{envoy_cluster_name=\"{cluster}\",envoy_response_code_class=\"5\"}}'"
            );
        }
    }
    out
}

fn kafka_group(g: usize) -> String {
    const TEAMS: [&str; 10] = [
        "orders",
        "inventory",
        "billing",
        "notifications",
        "analytics",
        "search",
        "shipping",
        "payments",
        "catalog",
        "accounts",
    ];
    format!("{}-svc-consumer-{g:02}", TEAMS[g % TEAMS.len()])
}

fn kafka_topic(t: usize) -> String {
    format!("migration.events.domain-{t:02}.v1")
}

/// kafka_exporter's `/metrics` for `groups` consumer groups each reading `topics` topics of
/// `partitions` partitions (50 × 20 × 12 gives about 3.2 MB, 27,768 samples).
pub fn kafka(groups: usize, topics: usize, partitions: usize) -> String {
    let mut rng = Rng::new(0x6a_f6a);
    let mut out = String::with_capacity(groups * topics * partitions * 260 + 8192);
    let family = |out: &mut String, name: &str, kind: &str, help: &str| {
        let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n");
    };
    family(
        &mut out,
        "go_gc_duration_seconds",
        "summary",
        "A summary of the pause duration of garbage collection cycles.",
    );
    for (q, v) in [
        ("0", "2.4381e-05"),
        ("0.25", "4.1236e-05"),
        ("0.5", "5.3011e-05"),
        ("0.75", "7.9855e-05"),
        ("1", "0.000934218"),
    ] {
        let _ = writeln!(out, "go_gc_duration_seconds{{quantile=\"{q}\"}} {v}");
    }
    out.push_str("go_gc_duration_seconds_sum 0.318221765\ngo_gc_duration_seconds_count 4521\n");
    family(
        &mut out,
        "go_goroutines",
        "gauge",
        "Number of goroutines that currently exist.",
    );
    out.push_str("go_goroutines 97\n");
    family(
        &mut out,
        "go_info",
        "gauge",
        "Information about the Go environment.",
    );
    out.push_str("go_info{version=\"go1.21.5\"} 1\n");
    family(
        &mut out,
        "go_memstats_alloc_bytes",
        "gauge",
        "Number of bytes allocated and still in use.",
    );
    out.push_str("go_memstats_alloc_bytes 1.4512728e+07\n");
    family(
        &mut out,
        "go_threads",
        "gauge",
        "Number of OS threads created.",
    );
    out.push_str("go_threads 14\n");

    family(
        &mut out,
        "kafka_broker_info",
        "gauge",
        "Information about the Kafka Broker.",
    );
    for b in 0..3 {
        let _ = writeln!(
            out,
            "kafka_broker_info{{address=\"kafka-{b}.kafka-headless.kafka.svc.cluster.local:9092\",id=\"{b}\"}} 1"
        );
    }
    family(
        &mut out,
        "kafka_brokers",
        "gauge",
        "Number of Brokers in the Kafka Cluster.",
    );
    out.push_str("kafka_brokers 3\n");

    let offsets: Vec<u64> = (0..topics * partitions)
        .map(|_| 1_000_000_000 + rng.below(8_000_000_000))
        .collect();
    family(
        &mut out,
        "kafka_consumergroup_current_offset",
        "gauge",
        "Current Offset of a ConsumerGroup at Topic/Partition",
    );
    let mut lags = vec![0u64; groups * topics * partitions];
    for g in 0..groups {
        let group = kafka_group(g);
        for t in 0..topics {
            let topic = kafka_topic(t);
            for p in 0..partitions {
                let i = (g * topics + t) * partitions + p;
                lags[i] = rng.below(5_000);
                let offset = offsets[t * partitions + p] - lags[i];
                let _ = writeln!(
                    out,
                    "kafka_consumergroup_current_offset{{consumergroup=\"{group}\",partition=\"{p}\",topic=\"{topic}\"}} {offset}"
                );
            }
        }
    }
    family(
        &mut out,
        "kafka_consumergroup_current_offset_sum",
        "gauge",
        "Current Offset of a ConsumerGroup at Topic for all partitions",
    );
    for g in 0..groups {
        let group = kafka_group(g);
        for t in 0..topics {
            let topic = kafka_topic(t);
            let sum: u64 = (0..partitions)
                .map(|p| offsets[t * partitions + p] - lags[(g * topics + t) * partitions + p])
                .sum();
            let _ = writeln!(
                out,
                "kafka_consumergroup_current_offset_sum{{consumergroup=\"{group}\",topic=\"{topic}\"}} {sum}"
            );
        }
    }
    family(
        &mut out,
        "kafka_consumergroup_lag",
        "gauge",
        "Current Approximate Lag of a ConsumerGroup at Topic/Partition",
    );
    for g in 0..groups {
        let group = kafka_group(g);
        for t in 0..topics {
            let topic = kafka_topic(t);
            for p in 0..partitions {
                let lag = lags[(g * topics + t) * partitions + p];
                let _ = writeln!(
                    out,
                    "kafka_consumergroup_lag{{consumergroup=\"{group}\",partition=\"{p}\",topic=\"{topic}\"}} {lag}"
                );
            }
        }
    }
    family(
        &mut out,
        "kafka_consumergroup_lag_sum",
        "gauge",
        "Current Approximate Lag of a ConsumerGroup at Topic for all partitions",
    );
    for g in 0..groups {
        let group = kafka_group(g);
        for t in 0..topics {
            let topic = kafka_topic(t);
            let sum: u64 = (0..partitions)
                .map(|p| lags[(g * topics + t) * partitions + p])
                .sum();
            let _ = writeln!(
                out,
                "kafka_consumergroup_lag_sum{{consumergroup=\"{group}\",topic=\"{topic}\"}} {sum}"
            );
        }
    }
    family(
        &mut out,
        "kafka_consumergroup_members",
        "gauge",
        "Amount of members in a consumer group",
    );
    for g in 0..groups {
        let _ = writeln!(
            out,
            "kafka_consumergroup_members{{consumergroup=\"{}\"}} {}",
            kafka_group(g),
            1 + rng.below(12)
        );
    }
    let per_partition: [(&str, &str); 7] = [
        (
            "kafka_topic_partition_current_offset",
            "Current Offset of a Broker at Topic/Partition",
        ),
        (
            "kafka_topic_partition_in_sync_replica",
            "Number of In-Sync Replicas for this Topic/Partition",
        ),
        (
            "kafka_topic_partition_leader",
            "Leader Broker ID of this Topic/Partition",
        ),
        (
            "kafka_topic_partition_leader_is_preferred",
            "1 if Topic/Partition is using the Preferred Broker",
        ),
        (
            "kafka_topic_partition_oldest_offset",
            "Oldest Offset of a Broker at Topic/Partition",
        ),
        (
            "kafka_topic_partition_replicas",
            "Number of Replicas for this Topic/Partition",
        ),
        (
            "kafka_topic_partition_under_replicated_partition",
            "1 if Topic/Partition is under Replicated",
        ),
    ];
    for (name, help) in per_partition {
        family(&mut out, name, "gauge", help);
        for t in 0..topics {
            let topic = kafka_topic(t);
            for p in 0..partitions {
                let v = match name {
                    "kafka_topic_partition_current_offset" => offsets[t * partitions + p],
                    "kafka_topic_partition_oldest_offset" => offsets[t * partitions + p] / 2,
                    "kafka_topic_partition_leader" => (p % 3) as u64,
                    "kafka_topic_partition_in_sync_replica" | "kafka_topic_partition_replicas" => 3,
                    "kafka_topic_partition_leader_is_preferred" => 1,
                    _ => 0,
                };
                let _ = writeln!(out, "{name}{{partition=\"{p}\",topic=\"{topic}\"}} {v}");
            }
        }
    }
    family(
        &mut out,
        "kafka_topic_partitions",
        "gauge",
        "Number of partitions for this Topic",
    );
    for t in 0..topics {
        let _ = writeln!(
            out,
            "kafka_topic_partitions{{topic=\"{}\"}} {partitions}",
            kafka_topic(t)
        );
    }
    family(
        &mut out,
        "process_cpu_seconds_total",
        "counter",
        "Total user and system CPU time spent in seconds.",
    );
    out.push_str("process_cpu_seconds_total 18452.71\n");
    family(
        &mut out,
        "process_open_fds",
        "gauge",
        "Number of open file descriptors.",
    );
    out.push_str("process_open_fds 41\n");
    family(
        &mut out,
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory size in bytes.",
    );
    out.push_str("process_resident_memory_bytes 4.3413504e+07\n");
    out
}

/// A cutover config of six domains on kafka_exporter, each watching the lag of one consumer
/// group on one topic through the `kafka` preset (`kafka_consumergroup_lag_sum`).
pub fn kafka_config(url: &str) -> String {
    let mut out = format!(
        "[settings]\ninterval = \"2s\"\ntimeout = \"1500ms\"\nwindow = \"1m\"\nhistory = \"1h\"\n\n\
         [[source]]\nname = \"kafka\"\nurl = \"{url}\"\n"
    );
    for d in 0..6 {
        let _ = write!(
            out,
            "\n[[domain]]\nname = \"domain-{d}\"\nstage = \"ramp\"\n\n  [[domain.queue]]\n  name = \"lag {d}\"\n  \
             source = \"kafka\"\n  preset = \"kafka\"\n  group = \"{}\"\n  topic = \"{}\"\n",
            kafka_group(d * 7),
            kafka_topic(d * 3)
        );
    }
    out
}

/// How many lines of a body are samples (neither blank nor comments): the denominator of
/// every "samples/s" figure, the same for every parser.
pub fn sample_lines(body: &str) -> usize {
    body.lines()
        .filter(|l| {
            let t = l.trim_start();
            !t.is_empty() && !t.starts_with('#')
        })
        .count()
}

/// prometheus_client's default histogram buckets (14 bounds; `+Inf` is added).
const PY_BUCKETS: [&str; 14] = [
    "0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75", "1.0", "2.5", "5.0",
    "7.5", "10.0",
];

const DOMAIN_WORDS: [&str; 10] = [
    "orders",
    "inventory",
    "billing",
    "notifications",
    "analytics",
    "search",
    "shipping",
    "payments",
    "catalog",
    "accounts",
];

/// A migration of `domains` domains, each with a new service run as `pods` pods, behind one
/// HAProxy gateway, beside one monolith and one RabbitMQ broker. Every source's body is a
/// function of the time, so the figures move as they would live.
#[derive(Debug, Clone, Copy)]
pub struct Fleet {
    pub domains: usize,
    pub pods: usize,
}

impl Fleet {
    pub fn domain_name(d: usize) -> String {
        format!("{}-{:02}", DOMAIN_WORDS[d % DOMAIN_WORDS.len()], d)
    }

    fn backend(d: usize) -> String {
        format!("be_{}", Self::domain_name(d).replace('-', "_"))
    }

    fn handler(d: usize) -> String {
        format!("/api/v1/{}/{{id}}", Self::domain_name(d))
    }

    /// Every source's name, in config order: gateway, monolith, rabbitmq, then the pods.
    pub fn sources(&self) -> Vec<String> {
        let mut out = vec![
            "gateway".to_string(),
            "monolith".to_string(),
            "rabbitmq".to_string(),
        ];
        for d in 0..self.domains {
            for p in 0..self.pods {
                out.push(format!("{}-svc-{p}", Self::domain_name(d)));
            }
        }
        out
    }

    /// The cutover config: every source at `{base}/{name}`, polled every `interval` with
    /// `timeout`; per domain the gateway's split with weights, latency of both paths, one
    /// queue and one saga per pod.
    pub fn config_toml(&self, base: &str, interval: &str, timeout: &str) -> String {
        let mut out = format!(
            "[settings]\ninterval = \"{interval}\"\ntimeout = \"{timeout}\"\nwindow = \"1m\"\nhistory = \"1h\"\n"
        );
        for s in self.sources() {
            let _ = write!(out, "\n[[source]]\nname = \"{s}\"\nurl = \"{base}/{s}\"\n");
        }
        for d in 0..self.domains {
            let name = Self::domain_name(d);
            let backend = Self::backend(d);
            let handler = Self::handler(d);
            let stage = ["canary", "ramp", "shadow", "migrated", "planned"][d % 5];
            let _ = write!(
                out,
                "\n[[domain]]\nname = \"{name}\"\nstage = \"{stage}\"\n\n  [domain.traffic]\n  source = \"gateway\"\n"
            );
            for (side, server, latency_source) in [
                ("legacy", "monolith".to_string(), "monolith".to_string()),
                (
                    "new",
                    format!("{}_svc", name.replace('-', "_")),
                    format!("{name}-svc-0"),
                ),
            ] {
                let _ = writeln!(
                    out,
                    "  {side}.requests = 'haproxy_server_http_responses_total{{proxy=\"{backend}\",server=\"{server}\"}}'"
                );
                let _ = writeln!(
                    out,
                    "  {side}.errors = 'haproxy_server_http_responses_total{{proxy=\"{backend}\",server=\"{server}\",code=\"5xx\"}}'"
                );
                let _ = writeln!(
                    out,
                    "  {side}.weight = 'haproxy_server_weight{{proxy=\"{backend}\",server=\"{server}\"}}'"
                );
                let _ = writeln!(
                    out,
                    "  {side}.latency = {{ source = \"{latency_source}\", select = 'http_request_duration_seconds{{handler=\"{handler}\"}}' }}"
                );
            }
            let _ = write!(
                out,
                "\n  [[domain.queue]]\n  name = \"{name}.events\"\n  source = \"rabbitmq\"\n  \
                 depth = 'rabbitmq_queue_messages_ready{{queue=\"{name}.events\"}}'\n  warn = 1000\n  crit = 10000\n"
            );
            for p in 0..self.pods {
                let saga = format!("{}-saga-{p}", name);
                let _ = write!(
                    out,
                    "\n  [[domain.saga]]\n  name = \"{saga}\"\n  source = \"{name}-svc-{p}\"\n  \
                     failed = 'saga_failed_total{{saga=\"{saga}\"}}'\n  \
                     compensated = 'saga_compensation_total{{saga=\"{saga}\"}}'\n  \
                     started = 'saga_started_total{{saga=\"{saga}\"}}'\n  \
                     in_progress = 'saga_in_progress{{saga=\"{saga}\"}}'\n"
                );
            }
            let _ = write!(
                out,
                "\n  [domain.slo]\n  error_ratio = 0.01\n  error_ratio_delta = 0.005\n  p95 = \"300ms\"\n"
            );
        }
        out
    }

    /// The body of source `index` (in [`Fleet::sources`] order) at `t_s` seconds into the run.
    pub fn body(&self, index: usize, t_s: u64) -> String {
        match index {
            0 => self.gateway(t_s),
            1 => self.monolith(t_s),
            2 => self.rabbitmq(t_s),
            i => {
                let pod = i - 3;
                self.service(pod / self.pods, pod % self.pods, t_s)
            }
        }
    }

    /// HAProxy's built-in exporter: per backend, per server, responses by code class, weight
    /// and a few dozen other per-server series the config does not read.
    fn gateway(&self, t_s: u64) -> String {
        let mut out = String::with_capacity(self.domains * 6_000);
        let servers = |d: usize| {
            [
                ("monolith".to_string(), 70 - (d % 7) as u64 * 10),
                (
                    format!("{}_svc", Self::domain_name(d).replace('-', "_")),
                    30 + (d % 7) as u64 * 10,
                ),
            ]
        };
        out.push_str("# HELP haproxy_server_http_responses_total Total number of HTTP responses.\n# TYPE haproxy_server_http_responses_total counter\n");
        for d in 0..self.domains {
            let backend = Self::backend(d);
            for (si, (server, weight)) in servers(d).iter().enumerate() {
                let rps = weight * 3 + d as u64;
                for (code, share) in [
                    ("1xx", 0),
                    ("2xx", 950),
                    ("3xx", 20),
                    ("4xx", 25),
                    ("5xx", 3 + (si as u64) * (d as u64 % 3)),
                    ("other", 0),
                ] {
                    let v = t_s * rps * share / 1000 + (d as u64 * 7919 + si as u64) % 1000;
                    let _ = writeln!(
                        out,
                        "haproxy_server_http_responses_total{{proxy=\"{backend}\",server=\"{server}\",code=\"{code}\"}} {v}"
                    );
                }
            }
        }
        out.push_str(
            "# HELP haproxy_server_weight Service weight.\n# TYPE haproxy_server_weight gauge\n",
        );
        for d in 0..self.domains {
            let backend = Self::backend(d);
            for (server, weight) in servers(d) {
                let _ = writeln!(
                    out,
                    "haproxy_server_weight{{proxy=\"{backend}\",server=\"{server}\"}} {weight}"
                );
            }
        }
        for metric in [
            "bytes_in_total",
            "bytes_out_total",
            "connection_attempts_total",
            "connection_errors_total",
            "current_sessions",
            "max_sessions",
            "limit_sessions",
            "sessions_total",
            "current_queue",
            "max_queue",
            "queue_limit",
            "response_errors_total",
            "retry_warnings_total",
            "redispatch_warnings_total",
            "failed_header_rewriting_total",
            "client_aborts_total",
            "server_aborts_total",
            "status",
            "check_status",
            "check_failures_total",
            "downtime_seconds_total",
            "queue_time_average_seconds",
            "connect_time_average_seconds",
            "response_time_average_seconds",
            "total_time_average_seconds",
        ] {
            let _ = write!(
                out,
                "# HELP haproxy_server_{metric} Per-server {metric}.\n# TYPE haproxy_server_{metric} gauge\n"
            );
            for d in 0..self.domains {
                let backend = Self::backend(d);
                for (server, weight) in servers(d) {
                    let v = t_s * weight + d as u64;
                    let _ = writeln!(
                        out,
                        "haproxy_server_{metric}{{proxy=\"{backend}\",server=\"{server}\"}} {v}"
                    );
                }
            }
        }
        out
    }

    /// A histogram of request durations per handler, as prometheus_client writes it; the
    /// counts grow by `rps` a second with a latency that drifts slowly.
    fn duration_histogram(out: &mut String, handlers: &[(String, u64, f64)], t_s: u64) {
        out.push_str("# HELP http_request_duration_seconds Latency of HTTP requests.\n# TYPE http_request_duration_seconds histogram\n");
        for (handler, rps, median_s) in handlers {
            let n = t_s * rps;
            let mut below = 0u64;
            for le in PY_BUCKETS {
                let bound: f64 = le.parse().unwrap_or(0.0);
                // A crude log-shaped distribution around the median.
                let share = (bound / (bound + median_s)).powf(3.0);
                below = below.max((n as f64 * share) as u64);
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds_bucket{{handler=\"{handler}\",method=\"GET\",le=\"{le}\"}} {below}.0"
                );
            }
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{handler=\"{handler}\",method=\"GET\",le=\"+Inf\"}} {n}.0"
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_count{{handler=\"{handler}\",method=\"GET\"}} {n}.0"
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_sum{{handler=\"{handler}\",method=\"GET\"}} {}",
                n as f64 * median_s
            );
        }
    }

    fn monolith(&self, t_s: u64) -> String {
        let handlers: Vec<(String, u64, f64)> = (0..self.domains)
            .map(|d| (Self::handler(d), 200 + d as u64, 0.12 + 0.002 * d as f64))
            .collect();
        let mut out = String::with_capacity(self.domains * 3_000);
        Self::duration_histogram(&mut out, &handlers, t_s);
        Self::process_metrics(&mut out, t_s);
        out
    }

    fn rabbitmq(&self, t_s: u64) -> String {
        let mut out = String::with_capacity(self.domains * 1_000);
        for metric in [
            "messages_ready",
            "messages_unacked",
            "consumers",
            "messages_published_total",
        ] {
            let _ = write!(
                out,
                "# HELP rabbitmq_queue_{metric} Queue {metric}.\n# TYPE rabbitmq_queue_{metric} gauge\n"
            );
            for d in 0..self.domains {
                let v = match metric {
                    "messages_ready" => (t_s * (d as u64 + 1)) % 2_000,
                    "consumers" => 3,
                    _ => t_s * 40 + d as u64,
                };
                let _ = writeln!(
                    out,
                    "rabbitmq_queue_{metric}{{vhost=\"/\",queue=\"{}.events\"}} {v}",
                    Self::domain_name(d)
                );
            }
        }
        out
    }

    /// A Python service pod: default collectors, request histograms per handler, and the
    /// saga counters of its pod.
    fn service(&self, d: usize, pod: usize, t_s: u64) -> String {
        let name = Self::domain_name(d);
        let handlers: Vec<(String, u64, f64)> = (0..6)
            .map(|h| {
                let handler = if h == 0 {
                    Self::handler(d)
                } else {
                    format!("/api/v1/{name}/extra-{h}")
                };
                (handler, 20 + h as u64, 0.05 + 0.01 * h as f64)
            })
            .collect();
        let mut out = String::with_capacity(24_000);
        Self::process_metrics(&mut out, t_s);
        Self::duration_histogram(&mut out, &handlers, t_s);
        out.push_str(
            "# HELP http_requests_total Total HTTP requests.\n# TYPE http_requests_total counter\n",
        );
        for (handler, rps, _) in &handlers {
            for (status, share) in [("2xx", 97), ("3xx", 1), ("4xx", 1), ("5xx", 1)] {
                let _ = writeln!(
                    out,
                    "http_requests_total{{handler=\"{handler}\",method=\"GET\",status=\"{status}\"}} {}.0",
                    t_s * rps * share / 100
                );
            }
        }
        let saga = format!("{name}-saga-{pod}");
        let started = t_s * 5;
        let failed = t_s / 40;
        for (metric, kind, v) in [
            ("saga_started_total", "counter", started),
            ("saga_failed_total", "counter", failed),
            ("saga_compensation_total", "counter", failed),
            ("saga_in_progress", "gauge", 3 + t_s % 4),
        ] {
            let _ = write!(
                out,
                "# HELP {metric} Sagas.\n# TYPE {metric} {kind}\n{metric}{{saga=\"{saga}\"}} {v}.0\n"
            );
        }
        out
    }

    fn process_metrics(out: &mut String, t_s: u64) {
        let _ = write!(
            out,
            "# HELP python_gc_objects_collected_total Objects collected during gc\n# TYPE python_gc_objects_collected_total counter\n\
             python_gc_objects_collected_total{{generation=\"0\"}} {}.0\n\
             python_gc_objects_collected_total{{generation=\"1\"}} {}.0\n\
             python_gc_objects_collected_total{{generation=\"2\"}} {}.0\n\
             # HELP python_info Python platform information\n# TYPE python_info gauge\n\
             python_info{{implementation=\"CPython\",major=\"3\",minor=\"11\",patchlevel=\"7\",version=\"3.11.7\"}} 1.0\n\
             # HELP process_virtual_memory_bytes Virtual memory size in bytes.\n# TYPE process_virtual_memory_bytes gauge\n\
             process_virtual_memory_bytes 2.9e+08\n\
             # HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\n\
             process_resident_memory_bytes 6.1e+07\n\
             # HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n# TYPE process_cpu_seconds_total counter\n\
             process_cpu_seconds_total {}\n\
             # HELP process_open_fds Number of open file descriptors.\n# TYPE process_open_fds gauge\n\
             process_open_fds 23.0\n",
            t_s * 131,
            t_s * 11,
            t_s,
            t_s as f64 * 0.02
        );
    }
}
