//! Preset expansion: a config's preset names turned into the plain selectors the preset
//! writes, so that everything after the compile step sees what a hand-written config would
//! have said. The presets themselves (`crate::presets`) only say which selectors each writes.
//!
//! The config validation has already refused every case that fails here, at its line in the
//! file; these errors guard configs built in code rather than loaded.

use std::collections::BTreeMap;

use crate::config::{Queue, Saga, Side, SideSignals, Signal, Traffic};
use crate::presets::{
    gateway, names, queue, saga, service, ExpandedSaga, Gateway, KeyUse, Path, QueueSignals,
    GATEWAYS, QUEUES, SAGAS, SERVICES,
};

/// Why a section's presets could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresetError {
    #[error("traffic.{which} = {server:?} names a server, which needs a `preset`")]
    ServerWithoutPreset { which: &'static str, server: String },
    #[error(
        "traffic.{which}.gateway = {server:?} names a server, which needs the section's `preset`"
    )]
    GatewayWithoutPreset { which: &'static str, server: String },
    #[error("unknown {kind} preset {name:?}; known: {known}")]
    Unknown {
        kind: &'static str,
        name: String,
        known: String,
    },
    #[error("preset {name} needs `backend` ({what})")]
    NoBackend { name: String, what: &'static str },
    #[error("give either `depth` or `preset = {preset:?}`, not both")]
    DepthAndPreset { preset: String },
    #[error("needs `depth` or a `preset`")]
    NoDepth,
    #[error("preset {name} needs `{key}`")]
    MissingKey { name: String, key: &'static str },
    #[error("needs `failed = '<selector>'` or a preset")]
    NoFailed,
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

/// Expands the section's presets; plain signals pass through.
pub fn traffic(t: &Traffic) -> Result<ExpandedTraffic, PresetError> {
    Ok(ExpandedTraffic {
        legacy: side(t, &t.legacy, Path::Legacy)?,
        new: side(t, &t.new, Path::New)?,
    })
}

fn side(t: &Traffic, s: &Option<Side>, path: Path) -> Result<Option<ExpandedSide>, PresetError> {
    let which = match path {
        Path::Legacy => "legacy",
        Path::New => "new",
    };
    match s {
        None => Ok(None),
        Some(Side::Signals(signals)) => Ok(Some(ExpandedSide {
            signals: (**signals).clone(),
            preset: None,
            by_hand: Vec::new(),
        })),
        Some(Side::Server(server)) => {
            let (name, preset, ctx) =
                section_gateway(t).ok_or_else(|| PresetError::ServerWithoutPreset {
                    which,
                    server: server.clone(),
                })??;
            if preset.backend.0 == KeyUse::Required && ctx.backend.is_none() {
                return Err(PresetError::NoBackend {
                    name: name.to_string(),
                    what: preset.backend.1,
                });
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
            let preset = service(&svc.preset).ok_or_else(|| PresetError::Unknown {
                kind: "service",
                name: svc.preset.clone(),
                known: names(SERVICES, |p| p.name),
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
}

/// The section's gateway preset with the keys it reads: `None` without a `preset`, an error
/// for an unknown one.
fn section_gateway(
    t: &Traffic,
) -> Option<Result<(&str, &'static crate::presets::GatewayPreset, Gateway<'_>), PresetError>> {
    let name = t.preset.as_deref()?;
    let ctx = Gateway {
        backend: t.backend.as_deref(),
        by: t.by.as_deref(),
    };
    Some(match gateway(name) {
        Some(preset) => Ok((name, preset, ctx)),
        None => Err(PresetError::Unknown {
            kind: "traffic",
            name: name.to_string(),
            known: names(GATEWAYS, |p| p.name),
        }),
    })
}

/// A service side's view from the section's gateway preset (`gateway = "orders_svc"`): the
/// gateway's state, requests, 5xx and latency for that server, and its weight unless one was
/// given.
fn gateway_view(
    t: &Traffic,
    path: Path,
    which: &'static str,
    server: &str,
    signals: &mut SideSignals,
) -> Result<(), PresetError> {
    let (_, preset, ctx) =
        section_gateway(t).ok_or_else(|| PresetError::GatewayWithoutPreset {
            which,
            server: server.to_string(),
        })??;
    let mut gw = (preset.side)(&ctx, path, server);
    narrow(&mut gw, &t.labels);
    signals.up = gw.up;
    signals.gateway_requests = Some(gw.requests);
    signals.gateway_errors = gw.errors;
    signals.gateway_latency = gw.latency;
    signals.gateway_latency_unit = gw.latency_unit;
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
        .map(|(k, v)| format!("{k}={}", crate::presets::q(v)))
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
    signals.auth_failures.iter_mut().for_each(add);
    signals.rate_limited.iter_mut().for_each(add);
    signals.client_errors.iter_mut().for_each(add);
}

/// The signals of a queue: its own `depth`, or the preset's with their meanings.
pub fn queue_signals(q: &Queue) -> Result<QueueSignals, PresetError> {
    match (&q.depth, q.preset.as_deref()) {
        (Some(d), None) => Ok(QueueSignals::by_hand(d.clone())),
        (Some(_), Some(p)) => Err(PresetError::DepthAndPreset {
            preset: p.to_string(),
        }),
        (None, None) => Err(PresetError::NoDepth),
        (None, Some(name)) => {
            let preset = queue(name).ok_or_else(|| PresetError::Unknown {
                kind: "queue",
                name: name.to_string(),
                known: names(QUEUES, |p| p.name),
            })?;
            if let Some(key) = preset.required.iter().find(|k| q.preset_key(k).is_none()) {
                return Err(PresetError::MissingKey {
                    name: name.to_string(),
                    key,
                });
            }
            Ok((preset.signals)(q))
        }
    }
}

/// A saga's signals: the preset's, or the ones written in the table.
pub fn saga_signals(s: &Saga) -> Result<ExpandedSaga, PresetError> {
    match s.preset.as_deref() {
        None => Ok(ExpandedSaga {
            failed: s.failed.clone().ok_or(PresetError::NoFailed)?,
            compensated: s.compensated.clone(),
            started: s.started.clone(),
            in_progress: s.in_progress.clone(),
        }),
        Some(name) => {
            let preset = saga(name).ok_or_else(|| PresetError::Unknown {
                kind: "saga",
                name: name.to_string(),
                known: names(SAGAS, |p| p.name),
            })?;
            let value = match preset.key {
                "saga" => s.saga.as_deref(),
                _ => s.workflow_type.as_deref(),
            }
            .ok_or_else(|| PresetError::MissingKey {
                name: name.to_string(),
                key: preset.key,
            })?;
            Ok((preset.signals)(value))
        }
    }
}
