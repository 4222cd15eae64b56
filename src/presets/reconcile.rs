//! The reconciliation convention this project documents (docs/data.md), in the style of the
//! `saga_*` one: a job that compares the monolith's records with the service's counts
//! `reconcile_checked_total` and `reconcile_mismatches_total`, labelled `domain` and `entity`.
//! The preset reads the entry's domain (its name as the `domain` label) and, when given, one
//! entity.

use super::data::{on_source, DataPreset, DataSignals};
use super::Matchers;
use crate::config::{Data, DataKind};

pub const PRESET: DataPreset = DataPreset {
    name: "reconcile",
    kinds: &[DataKind::Reconcile],
    keys,
    signals,
};

fn keys(_kind: DataKind) -> (&'static [&'static str], &'static [&'static str]) {
    (&[], &["entity"])
}

fn signals(d: &Data, domain: &str) -> DataSignals {
    let on = Matchers::new()
        .eq("domain", domain)
        .eq_opt("entity", d.entity.as_deref());
    DataSignals {
        checked: Some(on_source(on.on("reconcile_checked_total"))),
        mismatches: Some(on_source(on.on("reconcile_mismatches_total"))),
        ..DataSignals::default()
    }
}
