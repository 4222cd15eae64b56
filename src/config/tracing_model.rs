//! `[tracing]`: where a trace ID from an exemplar leads (docs/tracing.md).

use serde::{Deserialize, Serialize};

/// `[tracing]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tracing {
    /// `https://tempo.example/trace/{trace_id}`: checked by [`crate::trace_url::TraceUrl`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Whether the detail view makes the trace a clickable link (OSC 8).
    pub hyperlinks: Hyperlinks,
}

/// `hyperlinks = "auto" | "always" | "never"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hyperlinks {
    /// Where the environment names a terminal known to support OSC 8 (`ui::hyperlink`).
    #[default]
    Auto,
    Always,
    Never,
}
