//! The rules of the preset keys: a preset name that exists, written in the section it
//! belongs to, with the keys it needs and none it does not use, against the presets' tables.

use std::collections::BTreeMap;

use super::problem::{problem, Checked};
use super::values::{known_source, non_empty};
use crate::config::locate::KeyPath;
use crate::config::model::{Config, Queue, Saga, ServiceSide, Side, Traffic};
use crate::presets::{self, KeyUse};

pub(super) fn traffic(config: &Config, traffic: &Traffic, at: &KeyPath) -> Checked {
    if let Some(source) = &traffic.source {
        known_source(config, at.key("source"), source)?;
    }
    let sides = [("legacy", &traffic.legacy), ("new", &traffic.new)];
    for (name, side) in sides {
        if let Some(Side::Service(service)) = side {
            service_side(config, traffic, service, &at.key(name))?;
        }
    }
    match &traffic.preset {
        Some(preset_name) => {
            non_empty(at.key("preset"), preset_name, "preset name")?;
            let Some(preset) = presets::gateway(preset_name) else {
                let hint = if presets::service(preset_name).is_some() {
                    format!(
                        ": \"{preset_name}\" reads a service's own metrics and is written per side, \
                         e.g. new = {{ preset = \"{preset_name}\", source = \"orders-svc\" }}"
                    )
                } else {
                    format!("; known: {}", presets::names(presets::GATEWAYS, |p| p.name))
                };
                return problem(
                    at.key("preset"),
                    format!("unknown traffic preset \"{preset_name}\"{hint}"),
                );
            };
            if traffic.source.is_none() {
                return problem(
                    at.key("preset"),
                    format!("preset = \"{preset_name}\" needs source = \"...\": the source of the gateway's metrics"),
                );
            }
            match preset.backend {
                (KeyUse::Required, what) if traffic.backend.is_none() => {
                    return problem(
                        at.key("preset"),
                        format!("preset = \"{preset_name}\" needs backend = \"...\": {what}"),
                    )
                }
                (KeyUse::Unused, _) if traffic.backend.is_some() => {
                    return problem(
                        at.key("backend"),
                        format!(
                        "preset = \"{preset_name}\" does not use backend: legacy and new name {}",
                        preset.sides
                    ),
                    )
                }
                _ => {}
            }
            if let Some(backend) = &traffic.backend {
                non_empty(at.key("backend"), backend, "backend name")?;
            }
            label_names(&traffic.labels, &at.key("labels"))?;
            if let Some(by) = &traffic.by {
                if preset.by == KeyUse::Unused {
                    return problem(at.key("by"), "by is used only with preset = \"istio\"");
                }
                if !presets::istio::BY_LABELS.contains(&by.as_str()) {
                    return problem(
                        at.key("by"),
                        format!(
                            "\"{by}\" is not a label the istio preset splits by; known: {}",
                            presets::istio::BY_LABELS.join(", ")
                        ),
                    );
                }
            }
            for (name, side) in sides {
                match side {
                    Some(Side::Signals(_)) => {
                        return problem(
                            at.key(name),
                            format!(
                                "with preset = \"{preset_name}\", {name} is a server name \
                                 (e.g. {name} = \"{example}\"), not a table of signals",
                                example = if name == "legacy" {
                                    "monolith"
                                } else {
                                    "orders_svc"
                                }
                            ),
                        )
                    }
                    Some(Side::Server(server)) => non_empty(at.key(name), server, "server name")?,
                    Some(Side::Service(_)) | None => {}
                }
            }
        }
        None => {
            for (name, side) in sides {
                if let Some(Side::Server(server)) = side {
                    return problem(
                        at.key(name),
                        format!(
                            "{name} = \"{server}\" names a server for a preset, but there is no preset: \
                             add preset = \"...\", or write {name}.requests = '<selector>'"
                        ),
                    );
                }
            }
            if traffic.backend.is_some() {
                return problem(
                    at.key("backend"),
                    "backend is used only with a preset (preset = \"haproxy\", ...)",
                );
            }
            if traffic.by.is_some() {
                return problem(at.key("by"), "by is used only with preset = \"istio\"");
            }
            if !traffic.labels.is_empty() {
                return problem(
                    at.key("labels"),
                    "labels narrows the selectors a preset writes: it is used only with a preset",
                );
            }
            if traffic.legacy.is_none() && traffic.new.is_none() {
                return problem(
                    at.clone(),
                    "has neither legacy nor new signals (legacy.requests = '...', new.requests = '...') nor a preset",
                );
            }
        }
    }
    Ok(())
}

/// `new = { preset = "fastapi", source = "...", handler = "..." }`.
fn service_side(config: &Config, traffic: &Traffic, side: &ServiceSide, at: &KeyPath) -> Checked {
    non_empty(at.key("preset"), &side.preset, "preset name")?;
    if presets::service(&side.preset).is_none() {
        let hint = if presets::gateway(&side.preset).is_some() {
            format!(
                ": \"{p}\" reads the gateway's metrics and is written in [domain.traffic] \
                 (preset = \"{p}\", legacy = \"...\", new = \"...\")",
                p = side.preset
            )
        } else {
            format!("; known: {}", presets::names(presets::SERVICES, |p| p.name))
        };
        return problem(
            at.key("preset"),
            format!("unknown service preset \"{}\"{hint}", side.preset),
        );
    }
    match (&side.source, &traffic.source) {
        (Some(source), _) => {
            known_source(config, at.key("source"), source)?;
        }
        (None, Some(_)) => {}
        (None, None) => {
            return problem(
                at.key("preset"),
                "reads no source: add source = \"...\" (the service's metrics) here or in [domain.traffic]",
            )
        }
    }
    if let Some(handler) = &side.handler {
        non_empty(at.key("handler"), handler, "handler")?;
    }
    label_names(&side.labels, &at.key("labels"))?;
    if let Some(method) = &side.method {
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
            return problem(
                at.key("method"),
                format!("\"{method}\" is not an HTTP method: expected e.g. \"GET\" (in capitals)"),
            );
        }
    }
    Ok(())
}

/// `labels = { name = "value" }`: names a selector can use.
pub(super) fn label_names(labels: &BTreeMap<String, String>, at: &KeyPath) -> Checked {
    for name in labels.keys() {
        let mut chars = name.chars();
        let valid = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid || name == "__name__" {
            return problem(
                at.key(name),
                format!("\"{name}\" is not a label name (letters, digits and _, not starting with a digit)"),
            );
        }
    }
    Ok(())
}

pub(super) fn queue(config: &Config, queue: &Queue, at: &KeyPath) -> Checked {
    if let Some(source) = &queue.source {
        known_source(config, at.key("source"), source)?;
    }
    match &queue.preset {
        Some(preset_name) => {
            non_empty(at.key("preset"), preset_name, "preset name")?;
            let Some(preset) = presets::queue(preset_name) else {
                return problem(
                    at.key("preset"),
                    format!(
                        "unknown queue preset \"{preset_name}\"; known: {}",
                        presets::names(presets::QUEUES, |p| p.name)
                    ),
                );
            };
            if queue.depth.is_some() {
                return problem(
                    at.key("depth"),
                    format!("depth and preset = \"{preset_name}\" are both set: keep one"),
                );
            }
            if queue.source.is_none() {
                return problem(
                    at.key("preset"),
                    format!("preset = \"{preset_name}\" needs source = \"...\": the source of the broker's metrics"),
                );
            }
            let used: Vec<&str> = preset
                .required
                .iter()
                .chain(preset.optional)
                .copied()
                .collect();
            for key in presets::QUEUE_KEYS {
                match queue.preset_key(key) {
                    Some(_) if !used.contains(key) => {
                        return problem(
                            at.key(key),
                            format!(
                                "preset = \"{preset_name}\" does not use {key}; it reads {}",
                                used.join(", ")
                            ),
                        )
                    }
                    Some(value) => non_empty(at.key(key), value, key)?,
                    None => {}
                }
            }
            if let Some(key) = preset
                .required
                .iter()
                .find(|k| queue.preset_key(k).is_none())
            {
                return problem(
                    at.key("preset"),
                    format!("preset = \"{preset_name}\" needs {key} = \"...\""),
                );
            }
        }
        None => {
            if let Some(name) = presets::QUEUE_KEYS
                .iter()
                .find(|k| queue.preset_key(k).is_some())
            {
                return problem(
                    at.key(name),
                    format!("{name} is used only with a preset (preset = \"rabbitmq\", \"kafka\" or \"redis-stream\")"),
                );
            }
            if queue.depth.is_none() {
                return problem(
                    at.clone(),
                    "needs depth = '<selector>' or a preset (preset = \"rabbitmq\", \"kafka\" or \"redis-stream\")",
                );
            }
        }
    }
    for (name, value) in [("warn", queue.warn), ("crit", queue.crit)] {
        if let Some(v) = value {
            if !v.is_finite() || v < 0.0 {
                return problem(
                    at.key(name),
                    format!("{v} is not a number of messages (0 or more)"),
                );
            }
        }
    }
    if let (Some(warn), Some(crit)) = (queue.warn, queue.crit) {
        if warn > crit {
            return problem(
                at.key("warn"),
                format!("warn ({warn}) is above crit ({crit})"),
            );
        }
    }
    Ok(())
}

pub(super) fn saga(config: &Config, saga: &Saga, at: &KeyPath) -> Checked {
    if let Some(source) = &saga.source {
        known_source(config, at.key("source"), source)?;
    }
    let keys = [
        ("saga", saga.saga.as_deref()),
        ("workflow_type", saga.workflow_type.as_deref()),
    ];
    let Some(preset_name) = &saga.preset else {
        if let Some((key, _)) = keys.iter().find(|(_, v)| v.is_some()) {
            return problem(
                at.key(key),
                format!(
                    "{key} is used only with a preset (preset = \"{}\")",
                    if *key == "saga" { "saga" } else { "temporal" }
                ),
            );
        }
        if saga.failed.is_none() {
            return problem(
                at.clone(),
                "needs failed = '<selector>' or a preset (preset = \"saga\" with saga = \"...\", \
                 or preset = \"temporal\" with workflow_type = \"...\")",
            );
        }
        return Ok(());
    };
    non_empty(at.key("preset"), preset_name, "preset name")?;
    let Some(preset) = presets::saga(preset_name) else {
        return problem(
            at.key("preset"),
            format!(
                "unknown saga preset \"{preset_name}\"; known: {}",
                presets::names(presets::SAGAS, |p| p.name)
            ),
        );
    };
    let written = [
        ("failed", saga.failed.is_some()),
        ("compensated", saga.compensated.is_some()),
        ("started", saga.started.is_some()),
        ("in_progress", saga.in_progress.is_some()),
    ];
    if let Some((key, _)) = written.iter().find(|(_, set)| *set) {
        return problem(
            at.key(key),
            format!("with preset = \"{preset_name}\" the signals come from the preset: remove {key}, or the preset"),
        );
    }
    if saga.source.is_none() {
        return problem(
            at.key("preset"),
            format!("preset = \"{preset_name}\" needs source = \"...\": the source of the service's metrics"),
        );
    }
    for (key, value) in keys {
        match value {
            Some(_) if key != preset.key => {
                return problem(
                    at.key(key),
                    format!(
                        "preset = \"{preset_name}\" does not use {key}; it reads {}",
                        preset.key
                    ),
                )
            }
            Some(v) => non_empty(at.key(key), v, key)?,
            None if key == preset.key => {
                return problem(
                    at.key("preset"),
                    format!("preset = \"{preset_name}\" needs {key} = \"...\""),
                )
            }
            None => {}
        }
    }
    Ok(())
}
