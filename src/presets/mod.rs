//! Presets: selectors written for users who name a known exporter instead of writing them.
//! One file per exporter; `cutover check` prints what each preset expanded to.
//! Exact metric names and labels: each exporter's own source (see the README's preset table).

pub mod haproxy;
pub mod queues;

use crate::config::{Queue, Side, SideSignals, Signal, Traffic};

/// A traffic section with every side as plain signals.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpandedTraffic {
    pub legacy: Option<SideSignals>,
    pub new: Option<SideSignals>,
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

/// Expands `preset = "..."` with `backend`, `legacy`, `new`; passes plain signals through.
pub fn traffic(t: &Traffic) -> Result<ExpandedTraffic, String> {
    let side = |s: &Option<Side>, which: &str| -> Result<Option<SideSignals>, String> {
        match s {
            None => Ok(None),
            Some(Side::Signals(sig)) => Ok(Some(sig.clone())),
            Some(Side::Server(server)) => {
                let preset = t.preset.as_deref().ok_or_else(|| {
                    format!("traffic.{which} = {server:?} names a server, which needs a `preset`")
                })?;
                let backend = t.backend.as_deref();
                expand_side(preset, backend, server).map(Some)
            }
        }
    };
    Ok(ExpandedTraffic {
        legacy: side(&t.legacy, "legacy")?,
        new: side(&t.new, "new")?,
    })
}

/// The gateway presets this build knows.
pub const TRAFFIC_PRESETS: &[&str] = &["haproxy"];
/// The queue presets this build knows.
pub const QUEUE_PRESETS: &[&str] = &["rabbitmq", "rabbitmq-detailed", "kafka", "redis-stream"];

fn expand_side(preset: &str, backend: Option<&str>, server: &str) -> Result<SideSignals, String> {
    match preset {
        "haproxy" => haproxy::side(
            backend.ok_or("preset haproxy needs `backend` (the HAProxy backend name)")?,
            server,
        ),
        other => Err(format!(
            "unknown traffic preset {other:?}; known: {}",
            TRAFFIC_PRESETS.join(", ")
        )),
    }
}

/// The depth signal of a queue: its own `depth`, or the preset's.
pub fn queue_depth(q: &Queue) -> Result<Signal, String> {
    match (&q.depth, q.preset.as_deref()) {
        (Some(d), None) => Ok(d.clone()),
        (Some(_), Some(p)) => Err(format!("give either `depth` or `preset = {p:?}`, not both")),
        (None, None) => Err("needs `depth` or a `preset`".into()),
        (None, Some(p)) => queues::depth(p, q),
    }
}
