//! Presets: selectors written for users who name a known exporter instead of writing them.
//!
//! One file per exporter, each saying which metric names and labels it reads and why; the exact
//! names come from each exporter's own source (docs/presets.md has the table). Presets expand at
//! compile time into plain selectors, so everything downstream, `cutover check` included, sees
//! exactly what a hand-written config would have said.
//!
//! The tables below (`GATEWAYS`, `SERVICES`, `QUEUES`, `SAGAS`) are what the config validation
//! checks keys against, so that a missing `backend` is reported at its line in the file.

pub mod django;
pub mod envoy;
pub mod fastapi;
pub mod flask;
pub mod haproxy;
pub mod ingress_nginx;
pub mod istio;
pub mod kafka;
pub mod kong;
pub mod rabbitmq;
pub mod redis_stream;
pub mod saga;
pub mod temporal;
pub mod traefik;

use std::collections::BTreeMap;

use crate::config::{LatencyUnit, Queue, Saga, ServiceSide, Side, SideSignals, Signal, Traffic};

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
    pub depth: fn(&Queue) -> Signal,
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

/// "a, b or c", for messages listing the known presets.
pub fn names<T>(table: &[T], name: impl Fn(&T) -> &'static str) -> String {
    let all: Vec<&str> = table.iter().map(name).collect();
    match all.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.to_string(),
        None => String::new(),
    }
}

/// One path after expansion: its signals, and the preset that wrote them (none when written
/// by hand).
#[derive(Debug, Clone, PartialEq)]
pub struct ExpandedSide {
    pub signals: SideSignals,
    pub preset: Option<String>,
    /// Fields of `signals` written by hand beside the preset (a service side's `weight`):
    /// the preset is not credited with them.
    pub by_hand: Vec<&'static str>,
}

impl ExpandedSide {
    /// The preset that wrote `field` (`requests`, `errors`, `weight`, `latency`), if one did.
    pub fn preset_of(&self, field: &str) -> Option<&str> {
        if self.by_hand.contains(&field) {
            None
        } else {
            self.preset.as_deref()
        }
    }
}

/// A traffic section with every side as plain signals.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpandedTraffic {
    pub legacy: Option<ExpandedSide>,
    pub new: Option<ExpandedSide>,
}

/// A saga's signals; `failed` always, the others when the preset (or the config) has them.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpandedSaga {
    pub failed: Signal,
    pub compensated: Option<Signal>,
    pub started: Option<Signal>,
    pub in_progress: Option<Signal>,
}

/// Expands the section's presets; plain signals pass through.
pub fn traffic(t: &Traffic) -> Result<ExpandedTraffic, String> {
    let side = |s: &Option<Side>, path: Path| -> Result<Option<ExpandedSide>, String> {
        let which = match path {
            Path::Legacy => "legacy",
            Path::New => "new",
        };
        match s {
            None => Ok(None),
            Some(Side::Signals(signals)) => Ok(Some(ExpandedSide {
                signals: signals.clone(),
                preset: None,
                by_hand: Vec::new(),
            })),
            Some(Side::Server(server)) => {
                let name = t.preset.as_deref().ok_or_else(|| {
                    format!("traffic.{which} = {server:?} names a server, which needs a `preset`")
                })?;
                let preset = gateway(name).ok_or_else(|| {
                    format!(
                        "unknown traffic preset {name:?}; known: {}",
                        names(GATEWAYS, |p| p.name)
                    )
                })?;
                let ctx = Gateway {
                    backend: t.backend.as_deref(),
                    by: t.by.as_deref(),
                };
                if preset.backend.0 == KeyUse::Required && ctx.backend.is_none() {
                    return Err(format!(
                        "preset {name} needs `backend` ({})",
                        preset.backend.1
                    ));
                }
                let mut signals = (preset.side)(&ctx, path, server);
                narrow(&mut signals, &t.labels);
                Ok(Some(ExpandedSide {
                    signals,
                    preset: Some(name.to_string()),
                    by_hand: Vec::new(),
                }))
            }
            Some(Side::Service(svc)) => {
                let preset = service(&svc.preset).ok_or_else(|| {
                    format!(
                        "unknown service preset {:?}; known: {}",
                        svc.preset,
                        names(SERVICES, |p| p.name)
                    )
                })?;
                let mut signals = (preset.side)(svc);
                narrow(&mut signals, &svc.labels);
                signals.weight = svc.weight.clone().map(|mut w| {
                    // A weight written in the side's table reads the side's source by default.
                    w.source = w.source.or_else(|| svc.source.clone());
                    w
                });
                let by_hand = if svc.weight.is_some() {
                    vec!["weight"]
                } else {
                    Vec::new()
                };
                if let Some(server) = &svc.gateway {
                    gateway_view(t, path, which, server, &mut signals)?;
                }
                Ok(Some(ExpandedSide {
                    signals,
                    preset: Some(svc.preset.clone()),
                    by_hand,
                }))
            }
        }
    };
    Ok(ExpandedTraffic {
        legacy: side(&t.legacy, Path::Legacy)?,
        new: side(&t.new, Path::New)?,
    })
}

/// A service side's view from the section's gateway preset (`gateway = "orders_svc"`): the
/// gateway's state, requests and 5xx for that server, and its weight unless one was given.
fn gateway_view(
    t: &Traffic,
    path: Path,
    which: &str,
    server: &str,
    signals: &mut SideSignals,
) -> Result<(), String> {
    let name = t.preset.as_deref().ok_or_else(|| {
        format!("traffic.{which}.gateway = {server:?} names a server, which needs the section's `preset`")
    })?;
    let preset = gateway(name).ok_or_else(|| {
        format!(
            "unknown traffic preset {name:?}; known: {}",
            names(GATEWAYS, |p| p.name)
        )
    })?;
    let ctx = Gateway {
        backend: t.backend.as_deref(),
        by: t.by.as_deref(),
    };
    let mut gw = (preset.side)(&ctx, path, server);
    narrow(&mut gw, &t.labels);
    signals.up = gw.up;
    signals.gateway_requests = Some(gw.requests);
    signals.gateway_errors = gw.errors;
    if signals.weight.is_none() {
        signals.weight = gw.weight;
    }
    Ok(())
}

/// Adds `labels` as equality matchers to every selector of a preset-built side.
fn narrow(signals: &mut SideSignals, labels: &BTreeMap<String, String>) {
    if labels.is_empty() {
        return;
    }
    let extra: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}={}", q(v)))
        .collect();
    let extra = extra.join(",");
    let add = |s: &mut Signal| {
        // Preset selectors are `name` or `name{...}` / `{...}`, never with trailing text.
        s.select = match s.select.strip_suffix('}') {
            Some(open) => format!("{open},{extra}}}"),
            None => format!("{}{{{extra}}}", s.select),
        };
    };
    add(&mut signals.requests);
    signals.errors.iter_mut().for_each(add);
    signals.weight.iter_mut().for_each(add);
    signals.latency.iter_mut().for_each(add);
    signals.up.iter_mut().for_each(add);
}

/// The depth signal of a queue: its own `depth`, or the preset's.
pub fn queue_depth(q: &Queue) -> Result<Signal, String> {
    match (&q.depth, q.preset.as_deref()) {
        (Some(d), None) => Ok(d.clone()),
        (Some(_), Some(p)) => Err(format!("give either `depth` or `preset = {p:?}`, not both")),
        (None, None) => Err("needs `depth` or a `preset`".into()),
        (None, Some(name)) => {
            let preset = queue(name).ok_or_else(|| {
                format!(
                    "unknown queue preset {name:?}; known: {}",
                    names(QUEUES, |p| p.name)
                )
            })?;
            if let Some(key) = preset.required.iter().find(|k| queue_key(q, k).is_none()) {
                return Err(format!("preset {name} needs `{key}`"));
            }
            Ok((preset.depth)(q))
        }
    }
}

/// The value of one of the preset keys of a queue table.
pub fn queue_key<'q>(q: &'q Queue, key: &str) -> Option<&'q str> {
    match key {
        "queue" => q.queue.as_deref(),
        "vhost" => q.vhost.as_deref(),
        "group" => q.group.as_deref(),
        "topic" => q.topic.as_deref(),
        "stream" => q.stream.as_deref(),
        _ => None,
    }
}

/// A saga's signals: the preset's, or the ones written in the table.
pub fn saga_signals(s: &Saga) -> Result<ExpandedSaga, String> {
    match s.preset.as_deref() {
        None => Ok(ExpandedSaga {
            failed: s
                .failed
                .clone()
                .ok_or("needs `failed = '<selector>'` or a preset")?,
            compensated: s.compensated.clone(),
            started: s.started.clone(),
            in_progress: s.in_progress.clone(),
        }),
        Some(name) => {
            let preset = saga(name).ok_or_else(|| {
                format!(
                    "unknown saga preset {name:?}; known: {}",
                    names(SAGAS, |p| p.name)
                )
            })?;
            let value = match preset.key {
                "saga" => s.saga.as_deref(),
                _ => s.workflow_type.as_deref(),
            }
            .ok_or_else(|| format!("preset {name} needs `{}`", preset.key))?;
            Ok((preset.signals)(value))
        }
    }
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
    pub fn new() -> Matchers {
        Matchers::default()
    }
    pub fn eq(mut self, label: &str, value: &str) -> Matchers {
        self.0.push(format!("{label}={}", q(value)));
        self
    }
    pub fn ne(mut self, label: &str, value: &str) -> Matchers {
        self.0.push(format!("{label}!={}", q(value)));
        self
    }
    /// A regex matcher; `re` is written by the preset, never taken from the config.
    pub fn re(mut self, label: &str, re: &str) -> Matchers {
        self.0.push(format!("{label}=~{}", q(re)));
        self
    }
    pub fn eq_opt(self, label: &str, value: Option<&str>) -> Matchers {
        match value {
            Some(v) => self.eq(label, v),
            None => self,
        }
    }
    /// `name{matchers}`, or the bare name without matchers.
    pub fn on(&self, name: &str) -> String {
        if self.0.is_empty() {
            name.to_string()
        } else {
            format!("{name}{{{}}}", self.0.join(","))
        }
    }
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
        gateway_requests: None,
        gateway_errors: None,
    }
}
