//! Data presets: `[[domain.data]] preset = "..."` writes a data entry's signals from a few keys
//! (a slot, a table regex, a connector's server name). One file per exporter or convention
//! (`postgres`, `debezium`, `reconcile`, `shadow`); their table (`presets::DATA`) is what the
//! validation checks keys against, so a missing `slot` is reported at its line in the file.

use crate::config::{Data, DataKind, LagUnit, Signal};

/// The signals of one data entry, as a preset (or the entry itself) writes them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataSignals {
    /// `lag`: the lag gauge and its unit.
    pub lag: Option<Signal>,
    pub unit: Option<LagUnit>,
    /// `lag`: gauges above 0 while the sync runs (all of them), with what each says.
    pub running: Vec<(&'static str, Signal)>,
    /// `monolith_writes`: row counters, summed.
    pub writes: Vec<Signal>,
    /// `reconcile`: records checked.
    pub checked: Option<Signal>,
    /// `reconcile`, `shadow`: disagreements.
    pub mismatches: Option<Signal>,
    /// `shadow`: all comparisons, and those that could not be made.
    pub comparisons: Option<Signal>,
    pub errors: Option<Signal>,
}

/// One data preset: which kinds it serves, and per kind the keys it needs and may take.
pub struct DataPreset {
    pub name: &'static str,
    pub kinds: &'static [DataKind],
    /// (required, optional) preset keys of an entry of this kind.
    pub keys: fn(DataKind) -> (&'static [&'static str], &'static [&'static str]),
    /// The signals, given the entry and its domain's name.
    pub signals: fn(&Data, &str) -> DataSignals,
}

/// A selector on the entry's source.
pub(crate) fn on_source(text: String) -> Signal {
    super::sel(text)
}

/// A regex matcher whose regex comes from the config (`tables`): the validation parses the
/// selectors the preset writes, so a bad regex is refused at its line in the file.
pub(crate) fn re_from_config(mut on: super::Matchers, label: &str, re: &str) -> super::Matchers {
    on.0.push(format!("{label}=~{}", super::q(re)));
    on
}
