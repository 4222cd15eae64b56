//! The configuration as the TOML file writes it (DESIGN §2): serde types, nothing else.
//!
//! These types mirror the file one to one, so that every key the file may hold is written down
//! here once and an unknown key is an error (`deny_unknown_fields` everywhere). They hold no
//! runtime state and no secrets: tokens and passwords are named by environment variable or file,
//! and read by the source that needs them. `load` checks the rules that serde cannot (unique
//! names, sources that exist, selectors that parse), so a `Config` obtained from `load` or
//! `parse_str` is consistent.

use super::duration::Duration;
use super::promote_model::Promote;
use super::rollback_model::{Rollback, Step};
pub use super::signal::Signal;
use super::size::ByteSize;
pub use crate::stage::Stage;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// The whole configuration file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub settings: Settings,
    /// `[[source]]` tables: where metrics come from.
    #[serde(default, rename = "source", skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    /// `[[domain]]` tables: what is being migrated.
    #[serde(default, rename = "domain", skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<Domain>,
    /// `[bindings]`: action name → key (`quit = "q"`). The TUI knows the actions; the loader only
    /// refuses one key bound to two actions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub bindings: BTreeMap<String, String>,
    #[serde(default)]
    pub ui: Ui,
    /// `[[notify]]` tables: webhooks told of crit, fail and the end of actions.
    #[serde(default, rename = "notify", skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<super::notify_model::Notify>,
    /// `[tracing]`: where exemplars' trace IDs link to.
    #[serde(default)]
    pub tracing: super::tracing_model::Tracing,
}

/// `[settings]`: polling and retention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Poll interval; at least 250ms.
    pub interval: Duration,
    /// Per request; shorter than `interval`, so that polls never overlap.
    pub timeout: Duration,
    /// Rates, ratios and trends look this far back.
    pub window: Duration,
    /// Kept for charts and replay seeking.
    pub history: Duration,
    /// Refuse every destructive action (rollback).
    pub read_only: bool,
    /// This config acts on production: its name (the context's, else the file's stem) is shown
    /// in the cockpit's header in the alarm style, and every confirmation asks for it as well
    /// as the domain's (`NAME/DOMAIN`); `--yes` alone does not confirm. Written out only when
    /// set, so what recordings keep of other configs stays as it was.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub production: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            interval: Duration::from_secs(2),
            timeout: Duration::from_millis(1500),
            window: Duration::from_secs(60),
            history: Duration::from_secs(3600),
            read_only: false,
            production: false,
        }
    }
}

/// `[[source]]`: one metrics endpoint or one Prometheus query API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub name: String,
    pub url: String,
    #[serde(default)]
    pub kind: SourceKind,
    /// Extra request headers, e.g. `X-Scope-OrgID` for a multi-tenant Mimir.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Environment variable holding a bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token_env: Option<String>,
    /// File holding a bearer token (read at each request, so rotation works).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token_file: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic_auth: Option<BasicAuth>,
    /// Extra CA certificate (PEM) to trust for this source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    #[serde(default)]
    pub insecure_skip_verify: bool,
    /// A larger body is a failed scrape (before or after gzip).
    #[serde(default = "default_max_body")]
    pub max_body: ByteSize,
    /// Labels per series, the metric name included (Prometheus's `label_limit`; `0`: none).
    /// This and the limits below fail a scrape that breaks them, in words; see `ingest::limits`.
    #[serde(
        default = "default_label_limit",
        skip_serializing_if = "is_default_label_limit"
    )]
    pub label_limit: u64,
    /// Bytes per label name.
    #[serde(
        default = "default_length_limit",
        skip_serializing_if = "is_default_length_limit"
    )]
    pub label_name_length_limit: u64,
    /// Bytes per label value.
    #[serde(
        default = "default_length_limit",
        skip_serializing_if = "is_default_length_limit"
    )]
    pub label_value_length_limit: u64,
    /// Samples of the selected families per scrape.
    #[serde(
        default = "default_sample_limit",
        skip_serializing_if = "is_default_sample_limit"
    )]
    pub sample_limit: u64,
    /// Series tracked per source within the window.
    #[serde(
        default = "default_series_limit",
        skip_serializing_if = "is_default_series_limit"
    )]
    pub series_limit: u64,
}

impl Source {
    /// Every limit with its key, in the order `check` prints them.
    pub fn limits(&self) -> [(&'static str, u64); 5] {
        [
            ("label_limit", self.label_limit),
            ("label_name_length_limit", self.label_name_length_limit),
            ("label_value_length_limit", self.label_value_length_limit),
            ("sample_limit", self.sample_limit),
            ("series_limit", self.series_limit),
        ]
    }
}

fn default_max_body() -> ByteSize {
    ByteSize::mib(64)
}

fn default_label_limit() -> u64 {
    crate::ingest::limits::Limits::DEFAULT_LABEL_LIMIT as u64
}
fn default_length_limit() -> u64 {
    crate::ingest::limits::Limits::DEFAULT_LABEL_VALUE_LENGTH_LIMIT as u64
}
fn default_sample_limit() -> u64 {
    crate::ingest::limits::Limits::DEFAULT_SAMPLE_LIMIT as u64
}
fn default_series_limit() -> u64 {
    crate::ingest::limits::Limits::DEFAULT_SERIES_LIMIT as u64
}
fn is_default_label_limit(v: &u64) -> bool {
    *v == default_label_limit()
}
fn is_default_length_limit(v: &u64) -> bool {
    *v == default_length_limit()
}
fn is_default_sample_limit(v: &u64) -> bool {
    *v == default_sample_limit()
}
fn is_default_series_limit(v: &u64) -> bool {
    *v == default_series_limit()
}

/// How a source is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A Prometheus exposition endpoint; signals are selectors and the cockpit does the math.
    #[default]
    Scrape,
    /// A Prometheus-compatible query API base URL; signals are PromQL expressions used as is.
    Prometheus,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Scrape => "scrape",
            SourceKind::Prometheus => "prometheus",
        }
    }
}

/// `basic_auth = { username = "u", password_env = "P" }`; the password never sits in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
}

/// `[[domain]]`: one business domain on its way from the monolith to a new service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    pub name: String,
    /// The declared plan; compared with the split actually observed.
    pub stage: Stage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic: Option<Traffic>,
    #[serde(default, rename = "queue", skip_serializing_if = "Vec::is_empty")]
    pub queues: Vec<Queue>,
    #[serde(default, rename = "saga", skip_serializing_if = "Vec::is_empty")]
    pub sagas: Vec<Saga>,
    /// `[[domain.data]]`: replication lag, monolith writes, reconciliation, shadow comparisons.
    #[serde(default, rename = "data", skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<super::data_model::Data>,
    #[serde(default)]
    pub slo: Slo,
    #[serde(default, skip_serializing_if = "Judge::is_default")]
    pub judge: Judge,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<Rollback>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promote: Option<Promote>,
}

impl Domain {
    /// Every action step of the domain (rollback, then promote), with the table it is in
    /// (`rollback` or `promote`) and its index there: what runs with the operator's rights.
    pub fn action_steps_mut(&mut self) -> impl Iterator<Item = (&'static str, usize, &mut Step)> {
        let rollback = self.rollback.iter_mut().flat_map(|r| {
            r.steps
                .iter_mut()
                .enumerate()
                .map(|(i, s)| ("rollback", i, s))
        });
        let promote = self.promote.iter_mut().flat_map(|p| {
            p.step_templates
                .iter_mut()
                .enumerate()
                .map(|(i, s)| ("promote", i, s))
        });
        rollback.chain(promote)
    }

    /// [`Domain::action_steps_mut`], read only.
    pub fn action_steps(&self) -> impl Iterator<Item = (&'static str, usize, &Step)> {
        let rollback = self
            .rollback
            .iter()
            .flat_map(|r| r.steps.iter().enumerate().map(|(i, s)| ("rollback", i, s)));
        let promote = self.promote.iter().flat_map(|p| {
            p.step_templates
                .iter()
                .enumerate()
                .map(|(i, s)| ("promote", i, s))
        });
        rollback.chain(promote)
    }
}

/// `[domain.traffic]`: the gateway's view of the two paths.
///
/// Either signals per side (`legacy.requests = '...'`), or a gateway preset with server names
/// (`preset = "haproxy", backend = "be_orders", legacy = "monolith", new = "orders_svc"`), or
/// per side a service preset read from the service's own metrics
/// (`new = { preset = "fastapi", source = "orders-svc", handler = "/orders/{order_id}" }`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Traffic {
    /// The source that bare-string signals in this section read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// What the preset narrows to before telling the sides apart: the HAProxy backend, the
    /// ingress-nginx primary Ingress, Istio's destination service name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    /// Istio only: the label whose values `legacy` and `new` name (`destination_workload` by
    /// default, or `destination_version`, `destination_canonical_revision`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Extra label matchers for every selector the gateway preset writes, e.g.
    /// `{ job = "haproxy" }` when a Prometheus query API holds several gateways' series.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// The monolith path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy: Option<Side>,
    /// The new-service path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<Side>,
}

/// One path of the traffic split: a server name for a preset, its own signals, or a service
/// preset.
#[derive(Debug, Clone, PartialEq)]
pub enum Side {
    /// `legacy = "monolith"`: the section's gateway preset builds the signals from this name.
    Server(String),
    /// `legacy.requests = '...'` and friends.
    Signals(Box<SideSignals>),
    /// `new = { preset = "fastapi", source = "orders-svc", handler = "/orders/{order_id}" }`:
    /// the path as the service itself counts it.
    Service(ServiceSide),
}

/// A side read from the service's own instrumentation (prometheus-fastapi-instrumentator,
/// django-prometheus, prometheus-flask-exporter) instead of the gateway's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSide {
    /// `fastapi`, `django` or `flask`.
    pub preset: String,
    /// The service's metrics source; the traffic section's `source` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The route to count: FastAPI's route template (`/orders/{order_id}`), Django's view name
    /// (`orders:detail`), Flask's path. Every route but the metrics endpoint when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// Only this HTTP method (`GET`), when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Extra label matchers for every selector the preset writes, e.g. `{ service = "orders_svc" }`
    /// when a Prometheus query API holds every service's `http_requests_total`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// The configured weight, which only the gateway knows (e.g. HAProxy's `haproxy_server_weight`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Signal>,
    /// This path's name at the section's gateway preset (an HAProxy server): the gateway's
    /// state, requests and 5xx for it are read too, so a dead service that still gets traffic
    /// is seen (and its weight, unless `weight` is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
}

/// The signals of one path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SideSignals {
    /// Request counter.
    pub requests: Signal,
    /// Error counter (a requests selector narrowed to 5xx, typically).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Signal>,
    /// Configured weight gauge: gives the intended split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Signal>,
    /// Latency histogram (by base name) or gauge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<Signal>,
    /// The unit `latency` is in: `"s"` (default) or `"ms"` (Envoy, Istio, Kong histograms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_unit: Option<LatencyUnit>,
    /// The gateway's state of this path: a gauge whose sum is above 0 while the gateway routes
    /// to it and 0 when it marks it down (HAProxy's `haproxy_server_status`, Envoy's healthy
    /// members).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up: Option<Signal>,
    /// Trust boundaries: 401+403, 429 and all 4xx (counters, like `errors`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_failures: Option<Signal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limited: Option<Signal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_errors: Option<Signal>,
    /// The exporter counts statuses only by class (`"4xx"`): auth failures and rate limiting
    /// are unknown, not zero. Set by presets.
    #[serde(skip)]
    pub status_by_class: bool,
    /// The gateway's own requests and 5xx for a path read from its service (`gateway` on a
    /// service side); never written by hand.
    #[serde(skip)]
    pub gateway_requests: Option<Signal>,
    #[serde(skip)]
    pub gateway_errors: Option<Signal>,
    /// The gateway's latency of such a path (histogram or gauge) and its unit: shown where
    /// finer than the service's own histogram.
    #[serde(skip)]
    pub gateway_latency: Option<Signal>,
    #[serde(skip)]
    pub gateway_latency_unit: Option<LatencyUnit>,
}

/// The unit of a latency signal: figures are always in seconds, so millisecond histograms
/// (Envoy, Istio, Kong) are scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LatencyUnit {
    #[serde(rename = "s")]
    Seconds,
    #[serde(rename = "ms")]
    Milliseconds,
}

impl LatencyUnit {
    /// How many seconds one unit is.
    pub fn seconds(self) -> f64 {
        match self {
            LatencyUnit::Seconds => 1.0,
            LatencyUnit::Milliseconds => 0.001,
        }
    }
}

/// `[[domain.queue]]`: a broker queue (or topic, or stream) between the two worlds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Queue {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `rabbitmq`, `kafka` or `redis-stream`: builds `depth` from the fields below.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Messages waiting (or consumer lag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth: Option<Signal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crit: Option<f64>,
    /// RabbitMQ queue name (preset `rabbitmq`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// RabbitMQ virtual host (preset `rabbitmq`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vhost: Option<String>,
    /// Consumer group (presets `kafka` and `redis-stream`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Kafka topic (preset `kafka`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Redis stream key (preset `redis-stream`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// Overrides `[domain.slo] for` for this one.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<Duration>,
    /// Overrides `[domain.slo] clear_after` for this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clear_after: Option<Duration>,
}

/// `[[domain.saga]]`: a distributed transaction spanning the monolith and the new service.
///
/// Either signals (`failed = '...'` and friends) or a preset: `preset = "saga", saga = "place_order"`
/// (the `saga_*` convention of docs/presets.md) or `preset = "temporal", workflow_type = "PlaceOrder"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Saga {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `saga` or `temporal`: builds the signals from `saga` / `workflow_type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// The `saga` label value (preset `saga`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saga: Option<String>,
    /// The Temporal workflow type (preset `temporal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_type: Option<String>,
    /// Failed sagas counter; required without a preset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<Signal>,
    /// Compensations counter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensated: Option<Signal>,
    /// Started sagas counter: gives a failure ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<Signal>,
    /// Sagas in flight gauge: shows stuck ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_progress: Option<Signal>,
    /// Overrides `[domain.slo] for` for this one.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<Duration>,
    /// Overrides `[domain.slo] clear_after` for this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clear_after: Option<Duration>,
}

/// `[domain.slo]`: the thresholds health is judged by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Slo {
    /// New path error ratio above this: crit.
    pub error_ratio: f64,
    /// New minus legacy error ratio above this: warn.
    pub error_ratio_delta: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p95: Option<Duration>,
    pub saga_failures_per_minute: f64,
    /// Fewer requests in the window on a path: the judge gives no pass (a failure it still gives).
    pub min_requests: u64,
    /// A condition holds this long before it worsens health (Prometheus's `for:`).
    #[serde(rename = "for", skip_serializing_if = "is_default_for")]
    pub for_: Duration,
    /// A condition stays clear this long before health improves.
    #[serde(skip_serializing_if = "is_default_clear_after")]
    pub clear_after: Duration,
    /// Availability objective for burn rates (0.999 = 99.9% of requests succeed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objective: Option<f64>,
}

impl Default for Slo {
    fn default() -> Self {
        Slo {
            error_ratio: 0.01,
            error_ratio_delta: 0.005,
            p95: None,
            saga_failures_per_minute: 1.0,
            min_requests: 20,
            for_: Duration::from_secs(20),
            clear_after: Duration::from_secs(60),
            objective: None,
        }
    }
}

fn is_default_for(d: &Duration) -> bool {
    *d == Slo::default().for_
}

fn is_default_clear_after(d: &Duration) -> bool {
    *d == Slo::default().clear_after
}

/// `[domain.judge]`: how the new path is judged against the monolith (docs/judgement.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Judge {
    /// Confidence a verdict of "worse" needs (Kayenta's default, 0.98).
    pub confidence: f64,
    /// How much worse the new path's error ratio may be: monolith × (1 + relative) + absolute.
    pub error_tolerance: ErrorTolerance,
    /// Latency shift tolerated, as a fraction of the monolith's median (Kayenta's 25%).
    pub latency_tolerance: f64,
}

impl Judge {
    fn is_default(&self) -> bool {
        *self == Judge::default()
    }
}

impl Default for Judge {
    fn default() -> Self {
        Judge {
            confidence: 0.98,
            error_tolerance: ErrorTolerance::default(),
            latency_tolerance: 0.25,
        }
    }
}

/// `error_tolerance = { relative = 0.25, absolute = 0.001 }`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ErrorTolerance {
    pub relative: f64,
    pub absolute: f64,
}

impl Default for ErrorTolerance {
    fn default() -> Self {
        ErrorTolerance {
            relative: 0.25,
            absolute: 0.001,
        }
    }
}

/// `[ui]`: look and sound of the TUI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Ui {
    /// A theme name from `themes/` (built in or in `<config dir>/themes/`).
    pub theme: String,
    /// Ring the terminal bell when a domain turns crit, its verdict turns fail, or an
    /// action's verification ends (live cockpit only).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub bell: bool,
    /// Let a key copy a trace link to the clipboard (OSC 52). Off by default: a terminal that
    /// honours OSC 52 lets whatever runs in it write the clipboard.
    pub clipboard: bool,
}

impl Default for Ui {
    fn default() -> Self {
        Ui {
            theme: "default".to_string(),
            bell: false,
            clipboard: false,
        }
    }
}

impl<'de> Deserialize<'de> for Side {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SideVisitor;

        impl<'de> Visitor<'de> for SideVisitor {
            type Value = Side;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a server name (with a preset), a table of signals (requests, errors, weight, latency) or a service preset table (preset, source, handler)")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Side, E> {
                Ok(Side::Server(text.to_string()))
            }

            // Read key by key, so that an unknown key is reported with the keys of the form
            // the table is in (signals, or a service preset), whatever order they come in.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Side, A::Error> {
                let mut fields = SideFields::default();
                let mut unknown = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "requests" => fields.requests = Some(map.next_value()?),
                        "errors" => fields.errors = Some(map.next_value()?),
                        "weight" => fields.weight = Some(map.next_value()?),
                        "latency" => fields.latency = Some(map.next_value()?),
                        "latency_unit" => fields.latency_unit = Some(map.next_value()?),
                        "up" => fields.up = Some(map.next_value()?),
                        "auth_failures" => fields.auth_failures = Some(map.next_value()?),
                        "rate_limited" => fields.rate_limited = Some(map.next_value()?),
                        "client_errors" => fields.client_errors = Some(map.next_value()?),
                        "gateway" => fields.gateway = Some(map.next_value()?),
                        "preset" => fields.preset = Some(map.next_value()?),
                        "source" => fields.source = Some(map.next_value()?),
                        "handler" => fields.handler = Some(map.next_value()?),
                        "method" => fields.method = Some(map.next_value()?),
                        "labels" => fields.labels = Some(map.next_value()?),
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                            unknown.get_or_insert(key);
                        }
                    }
                }
                if let Some(key) = unknown {
                    return Err(de::Error::unknown_field(&key, fields.allowed()));
                }
                fields.into_side()
            }
        }

        deserializer.deserialize_any(SideVisitor)
    }
}

/// Every key a side table may hold, whichever form it is; `into_side` then checks that the keys
/// fit the form (`preset` present: a service preset; else signals).
#[derive(Default)]
struct SideFields {
    requests: Option<Signal>,
    errors: Option<Signal>,
    weight: Option<Signal>,
    latency: Option<Signal>,
    latency_unit: Option<LatencyUnit>,
    preset: Option<String>,
    source: Option<String>,
    handler: Option<String>,
    method: Option<String>,
    labels: Option<BTreeMap<String, String>>,
    up: Option<Signal>,
    auth_failures: Option<Signal>,
    rate_limited: Option<Signal>,
    client_errors: Option<Signal>,
    gateway: Option<String>,
}

const SIGNAL_SIDE_KEYS: &[&str] = &[
    "requests",
    "errors",
    "weight",
    "latency",
    "latency_unit",
    "up",
    "auth_failures",
    "rate_limited",
    "client_errors",
];
const SERVICE_SIDE_KEYS: &[&str] = &[
    "preset", "source", "handler", "method", "labels", "weight", "gateway",
];

impl SideFields {
    /// The keys of the form this table is in.
    fn allowed(&self) -> &'static [&'static str] {
        if self.preset.is_some() {
            SERVICE_SIDE_KEYS
        } else {
            SIGNAL_SIDE_KEYS
        }
    }

    fn into_side<E: de::Error>(self) -> Result<Side, E> {
        let present = [
            ("requests", self.requests.is_some()),
            ("errors", self.errors.is_some()),
            ("weight", self.weight.is_some()),
            ("latency", self.latency.is_some()),
            ("latency_unit", self.latency_unit.is_some()),
            ("preset", self.preset.is_some()),
            ("source", self.source.is_some()),
            ("handler", self.handler.is_some()),
            ("method", self.method.is_some()),
            ("labels", self.labels.is_some()),
            ("up", self.up.is_some()),
            ("auth_failures", self.auth_failures.is_some()),
            ("rate_limited", self.rate_limited.is_some()),
            ("client_errors", self.client_errors.is_some()),
            ("gateway", self.gateway.is_some()),
        ];
        let allowed = self.allowed();
        if let Some((key, _)) = present
            .into_iter()
            .find(|(key, present)| *present && !allowed.contains(key))
        {
            return Err(E::unknown_field(key, allowed));
        }
        Ok(match self.preset {
            Some(preset) => Side::Service(ServiceSide {
                preset,
                source: self.source,
                handler: self.handler,
                method: self.method,
                labels: self.labels.unwrap_or_default(),
                weight: self.weight,
                gateway: self.gateway,
            }),
            None => Side::Signals(Box::new(SideSignals {
                requests: self.requests.ok_or_else(|| E::missing_field("requests"))?,
                errors: self.errors,
                weight: self.weight,
                latency: self.latency,
                latency_unit: self.latency_unit,
                up: self.up,
                auth_failures: self.auth_failures,
                rate_limited: self.rate_limited,
                client_errors: self.client_errors,
                status_by_class: false,
                gateway_requests: None,
                gateway_errors: None,
                gateway_latency: None,
                gateway_latency_unit: None,
            })),
        })
    }
}

impl Serialize for Side {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Side::Server(name) => serializer.serialize_str(name),
            Side::Signals(signals) => signals.serialize(serializer),
            Side::Service(service) => service.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_design() {
        let config: Config = toml::from_str("").unwrap();
        assert_eq!(config.settings.interval, Duration::from_secs(2));
        assert_eq!(config.settings.timeout, Duration::from_millis(1500));
        assert_eq!(config.settings.window, Duration::from_secs(60));
        assert_eq!(config.settings.history, Duration::from_secs(3600));
        assert!(!config.settings.read_only);
        assert_eq!(config.ui.theme, "default");
        let slo = Slo::default();
        assert_eq!(slo.error_ratio, 0.01);
        assert_eq!(slo.error_ratio_delta, 0.005);
        assert_eq!(slo.saga_failures_per_minute, 1.0);
        assert_eq!(slo.min_requests, 20);
        assert_eq!(slo.p95, None);
    }

    #[test]
    fn signal_as_string_or_table() {
        #[derive(Deserialize)]
        struct T {
            a: Signal,
            b: Signal,
        }
        let t: T = toml::from_str("a = 'up'\nb = { source = \"x\", select = 'down' }").unwrap();
        assert_eq!(
            t.a,
            Signal {
                source: None,
                select: "up".into()
            }
        );
        assert_eq!(
            t.b,
            Signal {
                source: Some("x".into()),
                select: "down".into()
            }
        );
        assert_eq!(t.a.source_name(Some("sec")), Some("sec"));
        assert_eq!(t.b.source_name(Some("sec")), Some("x"));
        let e = toml::from_str::<T>("a = 'up'\nb = { sorce = \"x\", select = 'down' }")
            .err()
            .unwrap();
        assert!(e.message().contains("unknown field `sorce`"), "{e}");
    }
}
