//! The shadow-traffic convention this project documents (docs/data.md), after GitHub's
//! Scientist and Twitter's Diffy: every request mirrored to the new service is compared with
//! the monolith's answer and counted in `shadow_comparisons_total{domain, result}` with
//! `result` one of `match`, `mismatch`, `error` (the comparison could not be made).

use super::data::{on_source, DataPreset, DataSignals};
use super::Matchers;
use crate::config::{Data, DataKind};

pub const PRESET: DataPreset = DataPreset {
    name: "shadow",
    kinds: &[DataKind::Shadow],
    keys,
    signals,
};

pub const COMPARISONS: &str = "shadow_comparisons_total";

fn keys(_kind: DataKind) -> (&'static [&'static str], &'static [&'static str]) {
    (&[], &[])
}

fn signals(_d: &Data, domain: &str) -> DataSignals {
    let on = Matchers::new().eq("domain", domain);
    let with = |result: &str| Matchers::new().eq("domain", domain).eq("result", result);
    DataSignals {
        comparisons: Some(on_source(on.on(COMPARISONS))),
        mismatches: Some(on_source(with("mismatch").on(COMPARISONS))),
        errors: Some(on_source(with("error").on(COMPARISONS))),
        ..DataSignals::default()
    }
}
