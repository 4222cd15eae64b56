//! Debezium through the Prometheus JMX exporter, with the rules of Debezium's own example
//! (debezium-examples `monitoring/debezium-jmx-exporter/config.yml`, and the Debezium Server
//! guide): `debezium.<plugin><type=connector-metrics, context=<ctx>, server=<server>>Attr`
//! becomes `debezium_metrics_<Attr>{plugin, name=<server>, context}`, names as written
//! (`lowercaseOutputName: false`).
//!
//! - `lag`: `debezium_metrics_MilliSecondsBehindSource{context="streaming",name=<server>}`, in
//!   ms (the time between the source's commit and the connector's processing of the event;
//!   -1 before the first event, which the figures read as no data).
//! - `running`: `debezium_metrics_Connected` (a boolean, 1 while connected to the database).
//!
//! The connector's internal queue (`QueueTotalCapacity`, `QueueRemainingCapacity`) has the
//! same naming; it is not read (a remaining capacity is not a depth).

use super::data::{on_source, DataPreset, DataSignals};
use super::Matchers;
use crate::config::{Data, DataKind, LagUnit};

pub const PRESET: DataPreset = DataPreset {
    name: "debezium",
    kinds: &[DataKind::Lag],
    keys,
    signals,
};

fn keys(_kind: DataKind) -> (&'static [&'static str], &'static [&'static str]) {
    (&["server"], &[])
}

fn signals(d: &Data, _domain: &str) -> DataSignals {
    let on = Matchers::new()
        .eq("context", "streaming")
        .eq("name", d.server.as_deref().unwrap_or_default());
    DataSignals {
        lag: Some(on_source(
            on.on("debezium_metrics_MilliSecondsBehindSource"),
        )),
        unit: Some(LagUnit::Milliseconds),
        running: vec![(
            "connector connected",
            on_source(on.on("debezium_metrics_Connected")),
        )],
        ..DataSignals::default()
    }
}
