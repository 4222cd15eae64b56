//! The rules of `[[domain.data]]`: the keys of its kind, a preset that serves that kind with
//! the keys it needs and none it does not use, thresholds that are numbers in order. Each
//! problem names the key it is about, so `load` gives its line.

use super::preset_rules::label_names;
use super::problem::{problem, Checked};
use super::values::{known_source, non_empty, ratio};
use crate::config::data_model::{Data, DataKind, DATA_PRESET_KEYS, DATA_SIGNAL_KEYS};
use crate::config::locate::KeyPath;
use crate::config::model::{Config, SourceKind};
use crate::presets;
use crate::selector::Selector;

pub(super) fn data(config: &Config, domain: &str, d: &Data, at: &KeyPath) -> Checked {
    let kind = d.kind.as_str();
    if let Some(source) = &d.source {
        known_source(config, at.key("source"), source)?;
    }
    if let Some(source) = &d.subscriber_source {
        known_source(config, at.key("subscriber_source"), source)?;
    }
    match &d.preset {
        Some(name) => preset(config, domain, d, name, at)?,
        None => by_hand(d, at)?,
    }
    let lag_only = [("warn", d.warn), ("crit", d.crit)];
    for (key, value) in lag_only {
        let Some(v) = value else { continue };
        if d.kind != DataKind::Lag {
            return problem(
                at.key(key),
                format!("{key} is used only by kind = \"lag\"; a {kind} entry has limit = <ratio>"),
            );
        }
        if !v.is_finite() || v < 0.0 {
            return problem(
                at.key(key),
                format!("{v} is not a lag (0 or more, in seconds or bytes)"),
            );
        }
    }
    if let (Some(warn), Some(crit)) = (d.warn, d.crit) {
        if warn > crit {
            return problem(
                at.key("warn"),
                format!("warn ({warn}) is above crit ({crit})"),
            );
        }
    }
    if let Some(limit) = d.limit {
        if !matches!(d.kind, DataKind::Reconcile | DataKind::Shadow) {
            return problem(
                at.key("limit"),
                format!("limit is a mismatch ratio, used by reconcile and shadow; a {kind} entry has warn and crit"),
            );
        }
        ratio(at.key("limit"), limit)?;
    }
    Ok(())
}

/// An entry whose signals are written in its table.
fn by_hand(d: &Data, at: &KeyPath) -> Checked {
    let kind = d.kind.as_str();
    if let Some(key) = DATA_PRESET_KEYS.iter().find(|k| d.preset_key(k).is_some()) {
        return problem(
            at.key(key),
            format!(
                "{key} is used only with a preset ({})",
                presets::names(presets::DATA, |p| p.name)
            ),
        );
    }
    if !d.labels.is_empty() {
        return problem(
            at.key("labels"),
            "labels narrows the selectors a preset writes: it is used only with a preset",
        );
    }
    let (required, optional) = d.kind.signal_keys();
    if let Some(key) = DATA_SIGNAL_KEYS
        .iter()
        .find(|k| d.signal(k).is_some() && !required.contains(k) && !optional.contains(k))
    {
        let reads: Vec<&str> = required.iter().chain(optional).copied().collect();
        return problem(
            at.key(key),
            format!(
                "kind = \"{kind}\" does not use {key}; it reads {}",
                reads.join(", ")
            ),
        );
    }
    if let Some(key) = required.iter().find(|k| d.signal(k).is_none()) {
        return problem(
            at.clone(),
            format!("a {kind} entry needs {key} = '<selector>' or a preset"),
        );
    }
    match (d.kind, d.unit) {
        (DataKind::Lag, None) => problem(
            at.key("lag"),
            "needs unit = \"s\", \"ms\" or \"bytes\": the unit of the lag's values",
        ),
        (DataKind::Lag, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => problem(
            at.key("unit"),
            format!("unit is the unit of a lag; a {kind} entry counts"),
        ),
    }
}

/// An entry a preset writes.
fn preset(config: &Config, domain: &str, d: &Data, name: &str, at: &KeyPath) -> Checked {
    let kind = d.kind.as_str();
    non_empty(at.key("preset"), name, "preset name")?;
    let Some(p) = presets::data_preset(name) else {
        return problem(
            at.key("preset"),
            format!(
                "unknown data preset \"{name}\"; known: {}",
                presets::names(presets::DATA, |p| p.name)
            ),
        );
    };
    if !p.kinds.contains(&d.kind) {
        let kinds: Vec<&str> = p.kinds.iter().map(|k| k.as_str()).collect();
        return problem(
            at.key("preset"),
            format!(
                "preset = \"{name}\" gives kind {}, not {kind}",
                kinds.join(" or ")
            ),
        );
    }
    if let Some(key) = DATA_SIGNAL_KEYS.iter().find(|k| d.signal(k).is_some()) {
        return problem(
            at.key(key),
            format!("with preset = \"{name}\" the signals come from the preset: remove {key}, or the preset"),
        );
    }
    if d.unit.is_some() {
        return problem(
            at.key("unit"),
            format!("preset = \"{name}\" knows the unit of what it reads: remove unit"),
        );
    }
    let Some(source_name) = &d.source else {
        return problem(
            at.key("preset"),
            format!(
                "preset = \"{name}\" needs source = \"...\": the source of the exporter's metrics"
            ),
        );
    };
    let (required, optional) = (p.keys)(d.kind);
    for key in DATA_PRESET_KEYS {
        match d.preset_key(key) {
            Some(_) if !required.contains(key) && !optional.contains(key) => {
                let reads: Vec<&str> = required.iter().chain(optional).copied().collect();
                let reads = if reads.is_empty() {
                    "no other key".to_string()
                } else {
                    reads.join(", ")
                };
                return problem(
                    at.key(key),
                    format!(
                        "preset = \"{name}\" (kind {kind}) does not use {key}; it reads {reads}"
                    ),
                );
            }
            Some(value) => non_empty(at.key(key), value, key)?,
            None => {}
        }
    }
    if let Some(key) = required.iter().find(|k| d.preset_key(k).is_none()) {
        return problem(
            at.key("preset"),
            format!("preset = \"{name}\" (kind {kind}) needs {key} = \"...\""),
        );
    }
    if d.subscriber_source.is_some() && d.subscription.is_none() {
        return problem(
            at.key("subscriber_source"),
            "subscriber_source is where subscription is read: set subscription too",
        );
    }
    label_names(&d.labels, &at.key("labels"))?;
    // The selectors the preset writes must parse on a scrape source: `tables` is a regex.
    let scrape = config
        .source(source_name)
        .is_some_and(|s| s.kind == SourceKind::Scrape);
    if scrape {
        let signals = (p.signals)(d, domain);
        let texts = signals
            .writes
            .iter()
            .chain(signals.lag.iter())
            .map(|s| &s.select);
        for text in texts {
            if let Err(e) = Selector::parse(text) {
                let key = if d.tables.is_some() {
                    "tables"
                } else {
                    "preset"
                };
                return problem(
                    at.key(key),
                    format!("the selector {text} does not parse: {e}"),
                );
            }
        }
    }
    Ok(())
}
