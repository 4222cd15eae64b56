//! The figures' shapes: exactly the `status --json` document of the contract (version 1).
//! Unknown numbers are `None` and serialise as `null`, never 0.

use serde::{Deserialize, Serialize};

use super::latency::Latency;
use crate::mode::Mode;
use crate::queue_meaning::QueueMeaning;
use crate::stage::Stage;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Ok,
    Unknown,
    Warn,
    Crit,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Ok => "ok",
            Health::Unknown => "unknown",
            Health::Warn => "warn",
            Health::Crit => "crit",
        }
    }
    /// The text marker that reads without colour.
    pub fn marker(self) -> &'static str {
        match self {
            Health::Ok => "[OK]",
            Health::Unknown => "[?]",
            Health::Warn => "[WARN]",
            Health::Crit => "[CRIT]",
        }
    }
    /// Severity for "worst of": crit > warn > unknown > ok.
    pub fn worst(self, other: Health) -> Health {
        self.max(other)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Side {
    pub requests_total: Option<f64>,
    pub requests: Option<f64>,
    pub rps: Option<f64>,
    pub errors_total: Option<f64>,
    pub errors: Option<f64>,
    pub error_ratio: Option<f64>,
    pub p50_seconds: Option<f64>,
    pub p95_seconds: Option<f64>,
    pub p99_seconds: Option<f64>,
    /// A latency gauge shown as is (HAProxy's average response time), when there is no histogram.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_gauge_seconds: Option<f64>,
    /// The latency figure shown and judged against `slo.p95`: its kind, a number or a bound,
    /// and whose (the gateway's where finer than the path's own histogram). The `*_seconds`
    /// fields above stay PromQL's interpolation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<Latency>,
    /// p50, p95 and p99 of the path's own histogram, each a number or a bound.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quantiles: Vec<Latency>,
    /// The gateway's latency of a path read from its service, where it exports one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_latency: Option<Latency>,
    pub weight: Option<f64>,
    /// Whether the gateway routes to this path (`false`: it marks it down), where it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_up: Option<bool>,
    /// How many of this path's servers the gateway routes to (the sum of its state gauge), for
    /// rollback readiness; not part of the JSON.
    #[serde(skip)]
    pub gateway_servers_up: Option<f64>,
    /// The gateway's own count of this path's requests and 5xx in the window, for a path read
    /// from its service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_requests: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_errors: Option<f64>,
    /// Trust boundaries: 401+403, 429 and all 4xx in the window; `null` when the path has no
    /// such signal.
    pub auth_failures: Option<super::boundary::BoundaryFigure>,
    pub rate_limited: Option<super::boundary::BoundaryFigure>,
    pub client_errors: Option<super::boundary::BoundaryFigure>,
    /// The requests and errors of the last poll alone, beside the window's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_poll: Option<super::last_poll::LastPoll>,
    /// The newest exemplar of this path's errors within the window, when its exporter writes
    /// exemplars (`figures::exemplar`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_exemplar: Option<super::exemplar::ExemplarStatus>,
    /// The newest exemplar of this path's slowest latency bucket that has one in the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slowest_exemplar: Option<super::exemplar::ExemplarStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Traffic {
    pub legacy: Side,
    pub new: Side,
    pub new_share: Option<f64>,
    pub configured_new_share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueStatus {
    pub name: String,
    /// What `depth` counts: `lag`, `ready`, or `depth` for a hand-written selector.
    #[serde(default)]
    pub meaning: QueueMeaning,
    pub depth: Option<f64>,
    /// Why `depth` is `null` when the cause is known ("this exporter version exports no lag
    /// (needs redis_exporter ≥ 1.52.0)").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth_unknown: Option<String>,
    pub trend_per_second: Option<f64>,
    /// Time to empty at the current trend: `null` for an empty or not-shrinking queue.
    pub drain_seconds: Option<f64>,
    /// Delivered and not yet acknowledged, beside the depth (`pending`, `unacked`): shown,
    /// not judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_flight: Option<InFlight>,
    pub health: Health,
}

/// A queue's in-flight figure with its meaning.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct InFlight {
    pub meaning: QueueMeaning,
    pub value: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SagaStatus {
    pub name: String,
    pub failed: Option<f64>,
    pub failed_per_minute: Option<f64>,
    pub compensated: Option<f64>,
    pub failure_ratio: Option<f64>,
    pub in_progress: Option<f64>,
    pub health: Health,
}

/// One `[[domain.data]]` entry as `status --json` gives it: `kind` and its figures, the unit
/// of the main figure, health and reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataStatus {
    pub name: String,
    #[serde(flatten)]
    pub figures: DataFigures,
    /// `seconds` or `bytes` (lag), `rows` (monolith writes), `ratio` (reconcile, shadow).
    pub unit: String,
    pub health: Health,
    pub reasons: Vec<String>,
}

/// The figures of one entry, by kind. Unknown numbers are `null`, never 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DataFigures {
    Lag {
        /// The lag now, in `unit`.
        lag: Option<f64>,
        /// Its slope over the window, in `unit` per second.
        trend_per_second: Option<f64>,
        /// Whether the sync runs (every `running` gauge above 0), where it is read.
        running: Option<bool>,
        warn: Option<f64>,
        crit: Option<f64>,
    },
    MonolithWrites {
        /// Rows written in the window (counter increase).
        rows: Option<f64>,
        rows_per_second: Option<f64>,
        /// The counters' sum now.
        rows_total: Option<f64>,
    },
    Reconcile {
        checked: Option<f64>,
        mismatches: Option<f64>,
        mismatch_ratio: Option<f64>,
        limit: f64,
    },
    Shadow {
        comparisons: Option<f64>,
        mismatches: Option<f64>,
        errors: Option<f64>,
        /// Mismatches over the comparisons that gave a result (errors left out).
        mismatch_ratio: Option<f64>,
        error_ratio: Option<f64>,
        limit: f64,
    },
}

impl DataFigures {
    pub fn kind(&self) -> &'static str {
        match self {
            DataFigures::Lag { .. } => "lag",
            DataFigures::MonolithWrites { .. } => "monolith_writes",
            DataFigures::Reconcile { .. } => "reconcile",
            DataFigures::Shadow { .. } => "shadow",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainStatus {
    pub name: String,
    pub stage: Stage,
    pub health: Health,
    pub reasons: Vec<String>,
    /// A source this domain reads is down: its figures are not current.
    pub stale: bool,
    pub traffic: Option<Traffic>,
    pub queues: Vec<QueueStatus>,
    pub sagas: Vec<SagaStatus>,
    /// `[[domain.data]]`: lag, monolith writes, reconciliation, shadow (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<DataStatus>,
    /// The judge's verdict on the new path against the monolith (`judge::verdict`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<crate::judge::verdict::Verdict>,
    /// Burn rates against the availability objective, when one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burn: Option<crate::judge::burn::Burn>,
    /// Whether the rollback could run now (`action::readiness`); absent where not asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_ready: Option<super::rollback_ready::RollbackReady>,
    /// The reasons with their rules, before hysteresis (not part of the JSON).
    #[serde(skip)]
    pub findings: Findings,
}

/// Nothing known yet: health unknown, no figures, the stage a domain starts in.
impl Default for DomainStatus {
    fn default() -> Self {
        DomainStatus {
            name: String::new(),
            stage: Stage::Planned,
            health: Health::Unknown,
            reasons: Vec::new(),
            stale: false,
            traffic: None,
            queues: Vec::new(),
            sagas: Vec::new(),
            data: Vec::new(),
            verdict: None,
            burn: None,
            rollback_ready: None,
            findings: Findings::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BadLineReport {
    pub line: u32,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceStatus {
    pub name: String,
    /// `None` until the first scrape finished.
    pub up: Option<bool>,
    /// RFC 3339 time of the last scrape.
    pub last_scrape: Option<String>,
    pub duration_ms: Option<u64>,
    pub bytes: Option<u64>,
    pub series: Option<u64>,
    pub error: Option<String>,
    /// Lines of the last body that could not be parsed (skipped, the rest kept).
    pub parse_errors: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bad_lines: Vec<BadLineReport>,
    /// HTTP status of the last scrape, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Time of the last scrape in unix ms (for ages in the views; not part of the JSON contract).
    #[serde(skip)]
    pub last_scrape_ms: Option<i64>,
    /// Polls that waited for a connection slot, and polls skipped because none was free
    /// within the interval (`source::concurrency`); written only when not zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub queued: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skipped: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub version: u32,
    pub at: String,
    pub mode: Mode,
    pub domains: Vec<DomainStatus>,
    pub sources: Vec<SourceStatus>,
    /// The events view's timeline (`status --json`; with `--replay`, the whole recording's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventJson>,
    /// Data time in unix ms (the newest scrape); not part of the JSON contract.
    #[serde(skip)]
    pub at_ms: i64,
}

/// One event of the timeline as `status --json` gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventJson {
    pub at: String,
    pub kind: String,
    pub domain: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub text: String,
}

/// One reason for a domain's health, tagged with the rule that gave it, so that the judge's
/// hysteresis can hold each rule on its own (`for`, `clear_after`): one rule's finding at one
/// evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Which rule: `source:NAME`, `data`, `traffic`, `slo.p95`, `stage`, `queue:NAME`,
    /// `saga:NAME`, `judge`, `slo.error_ratio`, `burn`, and per `[[domain.data]]` entry
    /// `lag:NAME`, `monolith_writes:NAME`, `reconcile:NAME`, `shadow:NAME`.
    pub rule: String,
    /// What the rule says now; `Ok` for words that inform without judging ("low traffic").
    pub level: Health,
    pub text: String,
    /// Far beyond its limit (≥ 5×, or a failure at very high confidence): skips `for`.
    pub far: bool,
}

/// Findings of one domain in the order they were found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Findings(pub Vec<Finding>);

impl Findings {
    pub fn push(&mut self, rule: impl Into<String>, level: Health, text: impl Into<String>) {
        self.push_far(rule, level, text, false);
    }

    pub fn push_far(
        &mut self,
        rule: impl Into<String>,
        level: Health,
        text: impl Into<String>,
        far: bool,
    ) {
        self.0.push(Finding {
            rule: rule.into(),
            level,
            text: text.into(),
            far,
        });
    }

    /// The worst level found (the health without hysteresis).
    pub fn health(&self) -> Health {
        self.0.iter().fold(Health::Ok, |h, f| h.worst(f.level))
    }

    pub fn texts(&self) -> Vec<String> {
        self.0.iter().map(|f| f.text.clone()).collect()
    }
}
