//! `[[domain.data]]`: the data side of a domain's migration, as the TOML file writes it.
//!
//! A domain is not migrated while the monolith still writes its tables, while the copy the
//! new service reads lags behind, or while reconciliation or shadow traffic finds the two sides
//! disagreeing. Each entry is one such signal: signals written by hand (`lag = '...'`) or a
//! preset (`preset = "postgres", slot = "orders_sub"`) that writes them (docs/data.md).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::signal::Signal;

/// What a data entry measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataKind {
    /// How far the service's copy is behind the monolith's data (replication or CDC lag).
    Lag,
    /// Rows the monolith still writes to tables this domain owns.
    MonolithWrites,
    /// Records a reconciliation job checked, and those that disagreed.
    Reconcile,
    /// Shadow-traffic comparisons and their mismatches.
    Shadow,
}

impl DataKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DataKind::Lag => "lag",
            DataKind::MonolithWrites => "monolith_writes",
            DataKind::Reconcile => "reconcile",
            DataKind::Shadow => "shadow",
        }
    }

    /// The signal keys an entry of this kind may write by hand: (required, optional).
    pub fn signal_keys(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            DataKind::Lag => (&["lag"], &["running"]),
            DataKind::MonolithWrites => (&["writes"], &[]),
            DataKind::Reconcile => (&["checked", "mismatches"], &[]),
            DataKind::Shadow => (&["comparisons", "mismatches"], &["errors"]),
        }
    }
}

/// The unit a lag signal's values are in. Figures are in seconds or bytes: milliseconds are
/// scaled to seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LagUnit {
    #[serde(rename = "s")]
    Seconds,
    #[serde(rename = "ms")]
    Milliseconds,
    #[serde(rename = "bytes")]
    Bytes,
}

impl LagUnit {
    /// The unit of the figures: `seconds` or `bytes`.
    pub fn figure_unit(self) -> &'static str {
        match self {
            LagUnit::Seconds | LagUnit::Milliseconds => "seconds",
            LagUnit::Bytes => "bytes",
        }
    }

    /// What one value is worth in the figure's unit.
    pub fn scale(self) -> f64 {
        match self {
            LagUnit::Milliseconds => 0.001,
            LagUnit::Seconds | LagUnit::Bytes => 1.0,
        }
    }
}

/// `[[domain.data]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Data {
    pub name: String,
    pub kind: DataKind,
    /// The source bare-string signals (and a preset's) read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `postgres`, `debezium`, `reconcile` or `shadow`: writes the signals from the keys below.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Extra label matchers for every selector the preset writes (`{ server = "..." }`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,

    /// `lag`: the lag gauge; needs `unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag: Option<Signal>,
    /// `lag`: a gauge above 0 while the sync runs (a slot in use, a connected connector).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running: Option<Signal>,
    /// `lag`: the unit of `lag`'s values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<LagUnit>,
    /// `lag`: thresholds in the figure's unit (seconds, or bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crit: Option<f64>,

    /// `monolith_writes`: a counter of rows written to the owned tables (summed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writes: Option<Signal>,

    /// `reconcile`: records checked (counter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked: Option<Signal>,
    /// `reconcile` and `shadow`: those that disagreed (counter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mismatches: Option<Signal>,
    /// `shadow`: every comparison, whatever its result (counter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparisons: Option<Signal>,
    /// `shadow`: comparisons that could not be made (counter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Signal>,
    /// `reconcile` and `shadow`: the mismatch ratio above which the entry warns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,

    /// Preset `postgres`, `lag`: the publisher's replication slot (`slot_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<String>,
    /// Preset `postgres`, `lag`: the subscription (`subname`) on the subscriber.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<String>,
    /// Preset `postgres`, `lag`: the subscriber's exporter, when `subscription` is read there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscriber_source: Option<String>,
    /// Preset `postgres`: the database (`datname` of table counters, `database` of a slot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// Preset `postgres`, `monolith_writes`: the owned tables, a regex on `relname`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables: Option<String>,
    /// Preset `postgres`, `monolith_writes`: the schema (`schemaname`), when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Preset `debezium`: the connector's logical server name (the JMX `server`, label `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// Preset `reconcile`: the `entity` label, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
}

/// The mismatch ratio limits when the entry gives none: reconciliation should find nothing;
/// shadow comparisons carry some noise (timestamps, ordering) even when both sides agree.
pub const DEFAULT_RECONCILE_LIMIT: f64 = 0.0;
pub const DEFAULT_SHADOW_LIMIT: f64 = 0.01;

impl Data {
    /// A preset key's value by name (for the validation against the presets' tables).
    pub fn preset_key(&self, key: &str) -> Option<&str> {
        match key {
            "slot" => self.slot.as_deref(),
            "subscription" => self.subscription.as_deref(),
            "subscriber_source" => self.subscriber_source.as_deref(),
            "database" => self.database.as_deref(),
            "tables" => self.tables.as_deref(),
            "schema" => self.schema.as_deref(),
            "server" => self.server.as_deref(),
            "entity" => self.entity.as_deref(),
            _ => None,
        }
    }

    /// A hand-written signal by key.
    pub fn signal(&self, key: &str) -> Option<&Signal> {
        match key {
            "lag" => self.lag.as_ref(),
            "running" => self.running.as_ref(),
            "writes" => self.writes.as_ref(),
            "checked" => self.checked.as_ref(),
            "mismatches" => self.mismatches.as_ref(),
            "comparisons" => self.comparisons.as_ref(),
            "errors" => self.errors.as_ref(),
            _ => None,
        }
    }

    /// The limit in force for a ratio kind.
    pub fn ratio_limit(&self) -> f64 {
        self.limit.unwrap_or(match self.kind {
            DataKind::Shadow => DEFAULT_SHADOW_LIMIT,
            _ => DEFAULT_RECONCILE_LIMIT,
        })
    }
}

/// Every signal key a data entry may hold.
pub const DATA_SIGNAL_KEYS: &[&str] = &[
    "lag",
    "running",
    "writes",
    "checked",
    "mismatches",
    "comparisons",
    "errors",
];

/// Every key only presets use.
pub const DATA_PRESET_KEYS: &[&str] = &[
    "slot",
    "subscription",
    "subscriber_source",
    "database",
    "tables",
    "schema",
    "server",
    "entity",
];
