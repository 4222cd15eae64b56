//! Presets: selectors written for users who name a known exporter instead of writing them.
//!
//! One file per exporter, each saying which metric names and labels it reads and why; the exact
//! names come from each exporter's own source (docs/presets.md has the table). Presets expand at
//! compile time (`crate::compile::expand`) into plain selectors, so everything downstream,
//! `cutover check` included, sees exactly what a hand-written config would have said.
//!
//! The tables below (`GATEWAYS`, `SERVICES`, `QUEUES`, `SAGAS`, `DATA`) are what the config validation
//! checks keys against, so that a missing `backend` is reported at its line in the file.

pub mod data;
pub mod debezium;
pub mod django;
pub mod envoy;
pub mod fastapi;
pub mod flask;
pub mod haproxy;
pub mod ingress_nginx;
pub mod istio;
pub mod kafka;
pub mod kong;
pub mod postgres;
pub mod rabbitmq;
pub mod reconcile;
pub mod redis_stream;
pub mod saga;
pub mod shadow;
pub mod temporal;
pub mod traefik;
pub mod versions;

use crate::config::{LatencyUnit, Queue, ServiceSide, SideSignals, Signal};
use crate::queue_meaning::QueueMeaning;

/// Which path of the split a gateway preset is building (ingress-nginx tells them apart by
/// different labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    Legacy,
    New,
}

/// The traffic section's keys a gateway preset reads besides the side names.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gateway<'a> {
    pub backend: Option<&'a str>,
    pub by: Option<&'a str>,
}

/// Whether a preset needs a key, may take it, or has no use for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUse {
    Required,
    Optional,
    Unused,
}

/// A gateway preset: `[domain.traffic] preset = "..."` with `legacy`/`new` naming the paths.
pub struct GatewayPreset {
    pub name: &'static str,
    /// Whether `backend` is used, and what it names (for error messages and docs).
    pub backend: (KeyUse, &'static str),
    /// Whether `by` is used.
    pub by: KeyUse,
    /// What `legacy` and `new` name.
    pub sides: &'static str,
    pub side: fn(&Gateway, Path, &str) -> SideSignals,
}

/// A service-side preset: `legacy = { preset = "...", source = "...", handler = "..." }`.
pub struct ServicePreset {
    pub name: &'static str,
    /// What `handler` is matched against.
    pub handler: &'static str,
    pub side: fn(&ServiceSide) -> SideSignals,
}

/// A queue preset: `[[domain.queue]] preset = "..."` with the keys it needs.
pub struct QueuePreset {
    pub name: &'static str,
    pub required: &'static [&'static str],
    pub optional: &'static [&'static str],
    pub signals: fn(&Queue) -> QueueSignals,
}

/// A queue's signals: what it is judged on (`depth`, with its meaning) and, where the exporter
/// has it, what is in flight beside it (delivered, not acknowledged): shown, never judged.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueSignals {
    pub depth: Signal,
    pub meaning: QueueMeaning,
    pub in_flight: Option<(QueueMeaning, Signal)>,
    /// The exporter version from which `depth` exists: where it matches nothing while
    /// `in_flight` matches, that version limit is the reason the depth is unknown.
    pub limit: Option<&'static versions::VersionLimit>,
}

impl QueueSignals {
    /// A hand-written depth: its meaning unknown, nothing beside it.
    pub fn by_hand(depth: Signal) -> QueueSignals {
        QueueSignals {
            depth,
            meaning: QueueMeaning::Depth,
            in_flight: None,
            limit: None,
        }
    }
}

/// A saga preset: `[[domain.saga]] preset = "..."` with the one key naming the saga.
pub struct SagaPreset {
    pub name: &'static str,
    /// `saga` or `workflow_type`.
    pub key: &'static str,
    pub signals: fn(&str) -> ExpandedSaga,
}

pub const GATEWAYS: &[GatewayPreset] = &[
    haproxy::PRESET,
    envoy::PRESET,
    traefik::PRESET,
    ingress_nginx::PRESET,
    kong::PRESET,
    istio::PRESET,
];
pub const SERVICES: &[ServicePreset] = &[fastapi::PRESET, django::PRESET, flask::PRESET];
pub const QUEUES: &[QueuePreset] = &[
    rabbitmq::PRESET,
    rabbitmq::DETAILED,
    kafka::PRESET,
    redis_stream::PRESET,
];
pub const SAGAS: &[SagaPreset] = &[saga::PRESET, temporal::PRESET];
pub const DATA: &[data::DataPreset] = &[
    postgres::PRESET,
    debezium::PRESET,
    reconcile::PRESET,
    shadow::PRESET,
];

/// The keys of `[[domain.queue]]` that only presets use.
pub const QUEUE_KEYS: &[&str] = &["queue", "vhost", "group", "topic", "stream"];

pub fn gateway(name: &str) -> Option<&'static GatewayPreset> {
    GATEWAYS.iter().find(|p| p.name == name)
}
pub fn service(name: &str) -> Option<&'static ServicePreset> {
    SERVICES.iter().find(|p| p.name == name)
}
pub fn queue(name: &str) -> Option<&'static QueuePreset> {
    QUEUES.iter().find(|p| p.name == name)
}
pub fn saga(name: &str) -> Option<&'static SagaPreset> {
    SAGAS.iter().find(|p| p.name == name)
}
pub fn data_preset(name: &str) -> Option<&'static data::DataPreset> {
    DATA.iter().find(|p| p.name == name)
}

/// "a, b or c", for messages listing the known presets.
pub fn names<T>(table: &[T], name: impl Fn(&T) -> &'static str) -> String {
    let all: Vec<&str> = table.iter().map(name).collect();
    match all.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.to_string(),
        None => String::new(),
    }
}

/// A saga's signals; `failed` always, the others when the preset (or the config) has them.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpandedSaga {
    pub failed: Signal,
    pub compensated: Option<Signal>,
    pub started: Option<Signal>,
    pub in_progress: Option<Signal>,
}

/// A bare selector on the section's source.
pub(crate) fn sel(text: String) -> Signal {
    Signal {
        source: None,
        select: text,
    }
}

/// Quotes a label value for a selector.
pub(crate) fn q(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Label matchers, written in order: `{a="x",b=~"5.."}`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Matchers(Vec<String>);

impl Matchers {
    pub(crate) fn new() -> Matchers {
        Matchers::default()
    }
    pub(crate) fn eq(mut self, label: &str, value: &str) -> Matchers {
        self.0.push(format!("{label}={}", q(value)));
        self
    }
    pub(crate) fn ne(mut self, label: &str, value: &str) -> Matchers {
        self.0.push(format!("{label}!={}", q(value)));
        self
    }
    /// A regex matcher; `re` is written by the preset, never taken from the config.
    pub(crate) fn re(mut self, label: &str, re: &str) -> Matchers {
        self.0.push(format!("{label}=~{}", q(re)));
        self
    }
    pub(crate) fn eq_opt(self, label: &str, value: Option<&str>) -> Matchers {
        match value {
            Some(v) => self.eq(label, v),
            None => self,
        }
    }
    /// `name{matchers}`, or the bare name without matchers.
    pub(crate) fn on(&self, name: &str) -> String {
        if self.0.is_empty() {
            name.to_string()
        } else {
            format!("{name}{{{}}}", self.0.join(","))
        }
    }
}

/// Trust boundaries from an exporter that counts per status code: 401+403, 429 and every 4xx
/// of `family` narrowed by `on` and the code `label`, on the requests' source.
pub(crate) fn status_by_code(s: &mut SideSignals, family: &str, on: &Matchers, label: &str) {
    let source = s.requests.source.clone();
    let sel = |m: Matchers| {
        Some(Signal {
            source: source.clone(),
            select: m.on(family),
        })
    };
    s.auth_failures = sel(on.clone().re(label, "401|403"));
    s.rate_limited = sel(on.clone().eq(label, "429"));
    s.client_errors = sel(on.clone().re(label, "4.."));
}

/// Trust boundaries from an exporter that counts only by class: every 4xx (`select`, the
/// class's series), while auth failures and rate limiting stay unknown, never zero.
pub(crate) fn status_by_class(s: &mut SideSignals, select: String) {
    s.client_errors = Some(Signal {
        source: s.requests.source.clone(),
        select,
    });
    s.status_by_class = true;
}

/// The signals every HTTP preset has: a request counter, its 5xx part (a selector of its own),
/// and a latency histogram (or gauge) in `unit`, all narrowed by `on`.
pub(crate) fn http_side(
    requests: &str,
    on: &Matchers,
    errors: String,
    latency: Option<(&str, LatencyUnit)>,
    source: Option<&str>,
) -> SideSignals {
    let signal = |text: String| Signal {
        source: source.map(str::to_string),
        select: text,
    };
    SideSignals {
        requests: signal(on.on(requests)),
        errors: Some(signal(errors)),
        weight: None,
        latency: latency.map(|(name, _)| signal(on.on(name))),
        latency_unit: latency
            .map(|(_, unit)| unit)
            .filter(|u| *u != LatencyUnit::Seconds),
        up: None,
        auth_failures: None,
        rate_limited: None,
        client_errors: None,
        status_by_class: false,
        gateway_requests: None,
        gateway_errors: None,
        gateway_latency: None,
        gateway_latency_unit: None,
    }
}
