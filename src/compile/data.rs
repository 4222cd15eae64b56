//! `[[domain.data]]` from the config to the plan: a preset's signals written out (the same
//! selectors a hand-written entry would hold), each numbered like every other signal so that
//! `check` lists it and the recorder keeps its families.

use super::expand::PresetError;
use super::{Builder, CompileError};
use crate::config::{self, Data, DataKind, LagUnit};
use crate::plan::{PlanData, PlanDataKind, Shape};
use crate::presets::data::DataSignals;
use crate::presets::{data_preset, names, DATA};

/// A data entry's signals: its preset's, or the ones written in the table.
pub fn data_signals(d: &Data, domain: &str) -> Result<DataSignals, PresetError> {
    let Some(name) = d.preset.as_deref() else {
        return Ok(DataSignals {
            lag: d.lag.clone(),
            unit: d.unit,
            running: d.running.iter().map(|s| ("running", s.clone())).collect(),
            writes: d.writes.iter().cloned().collect(),
            checked: d.checked.clone(),
            mismatches: d.mismatches.clone(),
            comparisons: d.comparisons.clone(),
            errors: d.errors.clone(),
        });
    };
    let preset = data_preset(name)
        .filter(|p| p.kinds.contains(&d.kind))
        .ok_or_else(|| PresetError::Unknown {
            kind: "data",
            name: name.to_string(),
            known: names(DATA, |p| p.name),
        })?;
    let (required, _) = (preset.keys)(d.kind);
    if let Some(key) = required.iter().find(|k| d.preset_key(k).is_none()) {
        return Err(PresetError::MissingKey {
            name: name.to_string(),
            key,
        });
    }
    let mut signals = (preset.signals)(d, domain);
    narrow(&mut signals, d);
    Ok(signals)
}

/// `labels = { .. }`: equality matchers added to every selector the preset wrote.
fn narrow(signals: &mut DataSignals, d: &Data) {
    if d.labels.is_empty() {
        return;
    }
    let extra: Vec<String> = d
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::presets::q(v)))
        .collect();
    let extra = extra.join(",");
    let add = |s: &mut config::Signal| {
        s.select = match s.select.strip_suffix('}') {
            Some(open) => format!("{open},{extra}}}"),
            None => format!("{}{{{extra}}}", s.select),
        };
    };
    signals.lag.iter_mut().for_each(add);
    signals.running.iter_mut().for_each(|(_, s)| add(s));
    signals.writes.iter_mut().for_each(add);
    signals.checked.iter_mut().for_each(add);
    signals.mismatches.iter_mut().for_each(add);
    signals.comparisons.iter_mut().for_each(add);
    signals.errors.iter_mut().for_each(add);
}

/// The plan entry of `d`, the `i`-th data entry of `domain`.
pub(super) fn compile_data(
    b: &mut Builder,
    domain: &str,
    i: usize,
    d: &Data,
) -> Result<PlanData, CompileError> {
    let s = data_signals(d, domain).map_err(|error| CompileError::Preset {
        domain: domain.into(),
        within: format!("data {}: ", d.name),
        error,
    })?;
    let src = d.source.as_deref();
    let preset = d.preset.as_deref();
    let key = |f: &str| format!("data[{i}].{f}");
    let missing = |f: &str| CompileError::Signal {
        domain: domain.into(),
        key: key(f),
        message: format!("a {} entry needs `{f}`", d.kind.as_str()),
    };
    let one = |b: &mut Builder, f: &str, sig: &Option<config::Signal>, shape| {
        let sig = sig.as_ref().ok_or_else(|| missing(f))?;
        b.signal(domain, &key(f), src, sig, shape, preset)
    };
    let what = match d.kind {
        DataKind::Lag => {
            let lag = one(b, "lag", &s.lag, Shape::Gauge)?;
            let unit = s.unit.ok_or_else(|| missing("unit"))?;
            let mut running = Vec::new();
            for (what, sig) in &s.running {
                running.push((
                    *what,
                    b.signal(domain, &key("running"), src, sig, Shape::Gauge, preset)?,
                ));
            }
            PlanDataKind::Lag {
                lag,
                unit: unit.figure_unit(),
                scale: LagUnit::scale(unit),
                warn: d.warn,
                crit: d.crit,
                running,
            }
        }
        DataKind::MonolithWrites => {
            if s.writes.is_empty() {
                return Err(missing("writes"));
            }
            let mut writes = Vec::new();
            for sig in &s.writes {
                writes.push(b.signal(domain, &key("writes"), src, sig, Shape::Counter, preset)?);
            }
            PlanDataKind::MonolithWrites { writes }
        }
        DataKind::Reconcile => PlanDataKind::Reconcile {
            checked: one(b, "checked", &s.checked, Shape::Counter)?,
            mismatches: one(b, "mismatches", &s.mismatches, Shape::Counter)?,
            limit: d.ratio_limit(),
        },
        DataKind::Shadow => PlanDataKind::Shadow {
            comparisons: one(b, "comparisons", &s.comparisons, Shape::Counter)?,
            mismatches: one(b, "mismatches", &s.mismatches, Shape::Counter)?,
            errors: match &s.errors {
                Some(_) => Some(one(b, "errors", &s.errors, Shape::Counter)?),
                None => None,
            },
            limit: d.ratio_limit(),
        },
    };
    Ok(PlanData {
        name: d.name.clone(),
        what,
    })
}
