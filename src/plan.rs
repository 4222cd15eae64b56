//! The compiled configuration: every signal the domains need, numbered, with the source it is
//! read from. The engine, the recorder and the views work from this, not from the TOML types.

use std::time::Duration;

use crate::ingest::limits::Limits;
use crate::judge::errors::Tolerance;
use crate::judge::hysteresis::Hold;
use crate::selector::Selector;
pub use crate::stage::Stage;

/// Index into [`Plan::signals`].
pub type SignalId = usize;

/// How a signal's samples are turned into figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Monotonic counters: totals, increases, rates.
    Counter,
    /// Gauges: the value now (summed over matched series) and its trend.
    Gauge,
    /// A latency: histogram buckets (`<base>_bucket`) when present, else a gauge shown as is.
    Latency,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Scrape,
    Prometheus,
}

#[derive(Debug, Clone)]
pub struct PlanSource {
    pub name: String,
    pub kind: SourceKind,
    /// What one scrape may hold (`label_limit`, `sample_limit`, `series_limit`, ...).
    pub limits: Limits,
}

#[derive(Debug, Clone)]
pub struct Signal {
    pub source: usize,
    /// What the user wrote (shown by `check` and in reasons).
    pub text: String,
    /// Matched against samples: on scrape sources, and on query sources for plain selectors
    /// (read in batched queries). `None` for other PromQL, whose samples are those of `query`
    /// (tagged with a `__query__` label).
    pub selector: Option<Selector>,
    /// For query sources, when the text is not a plain selector: the PromQL expression
    /// evaluated each poll, one query of its own.
    pub query: Option<String>,
    pub shape: Shape,
    /// Latency signals: seconds per unit of the source's values (0.001 for the millisecond
    /// histograms of Envoy, Istio and Kong), so that figures are always in seconds. 1 otherwise.
    pub latency_unit_seconds: f64,
}

#[derive(Debug, Clone, Default)]
pub struct PlanSide {
    pub requests: Option<SignalId>,
    pub errors: Option<SignalId>,
    pub latency: Option<SignalId>,
    pub weight: Option<SignalId>,
    /// The gateway's state of the path (> 0: routes to it).
    pub up: Option<SignalId>,
    /// Trust boundaries: 401+403, 429, all 4xx (counters).
    pub auth_failures: Option<SignalId>,
    pub rate_limited: Option<SignalId>,
    pub client_errors: Option<SignalId>,
    /// The exporter counts statuses only by class: 401/403 and 429 are unknown.
    pub status_by_class: bool,
    /// The gateway's own requests and 5xx for a path read from its service.
    pub gateway_requests: Option<SignalId>,
    pub gateway_errors: Option<SignalId>,
    /// The gateway's latency of a path read from its service, with its unit in seconds.
    pub gateway_latency: Option<(SignalId, f64)>,
}

#[derive(Debug, Clone, Default)]
pub struct PlanTraffic {
    pub legacy: PlanSide,
    pub new: PlanSide,
}

#[derive(Debug, Clone)]
pub struct PlanQueue {
    pub name: String,
    pub depth: SignalId,
    /// What `depth` counts (`lag`, `ready`; `depth` when written by hand).
    pub meaning: crate::queue_meaning::QueueMeaning,
    /// What is in flight beside it (`pending`, `unacked`), where the preset reads it.
    pub in_flight: Option<(crate::queue_meaning::QueueMeaning, SignalId)>,
    /// The exporter version from which `depth` exists (`presets::versions`).
    pub limit: Option<&'static crate::presets::versions::VersionLimit>,
    pub warn: Option<f64>,
    pub crit: Option<f64>,
    /// Its own `for` / `clear_after`, when it overrides the domain's.
    pub hold: Option<Hold>,
}

#[derive(Debug, Clone)]
pub struct PlanSaga {
    pub name: String,
    pub failed: SignalId,
    pub compensated: Option<SignalId>,
    pub started: Option<SignalId>,
    pub in_progress: Option<SignalId>,
    /// Its own `for` / `clear_after`, when it overrides the domain's.
    pub hold: Option<Hold>,
}

/// `[[domain.data]]` as the figures read it (`figures::data`).
#[derive(Debug, Clone)]
pub struct PlanData {
    pub name: String,
    pub what: PlanDataKind,
}

#[derive(Debug, Clone)]
pub enum PlanDataKind {
    Lag {
        lag: SignalId,
        /// `seconds` or `bytes`, and what one value is worth in it (0.001 for ms).
        unit: &'static str,
        scale: f64,
        warn: Option<f64>,
        crit: Option<f64>,
        /// Gauges above 0 while the sync runs, with what each says ("slot in use").
        running: Vec<(&'static str, SignalId)>,
    },
    MonolithWrites {
        /// Row counters, summed.
        writes: Vec<SignalId>,
    },
    Reconcile {
        checked: SignalId,
        mismatches: SignalId,
        limit: f64,
    },
    Shadow {
        comparisons: SignalId,
        mismatches: SignalId,
        errors: Option<SignalId>,
        limit: f64,
    },
}

impl PlanData {
    /// Every signal of the entry, with its role.
    pub fn signals(&self) -> Vec<(&'static str, SignalId)> {
        match &self.what {
            PlanDataKind::Lag { lag, running, .. } => {
                let mut out = vec![("lag", *lag)];
                out.extend(running.iter().map(|(_, id)| ("running", *id)));
                out
            }
            PlanDataKind::MonolithWrites { writes } => {
                writes.iter().map(|id| ("writes", *id)).collect()
            }
            PlanDataKind::Reconcile {
                checked,
                mismatches,
                ..
            } => vec![("checked", *checked), ("mismatches", *mismatches)],
            PlanDataKind::Shadow {
                comparisons,
                mismatches,
                errors,
                ..
            } => {
                let mut out = vec![("comparisons", *comparisons), ("mismatches", *mismatches)];
                out.extend(errors.iter().map(|id| ("errors", *id)));
                out
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Slo {
    pub error_ratio: f64,
    pub error_ratio_delta: f64,
    pub p95: Option<Duration>,
    pub saga_failures_per_minute: f64,
    pub min_requests: f64,
    /// `for` and `clear_after` of the domain's rules.
    pub hold: Hold,
    /// Availability objective for burn rates.
    pub objective: Option<f64>,
}

impl Default for Slo {
    fn default() -> Self {
        Slo {
            error_ratio: 0.01,
            error_ratio_delta: 0.005,
            p95: None,
            saga_failures_per_minute: 1.0,
            min_requests: 20.0,
            hold: Hold {
                for_ms: 20_000,
                clear_ms: 60_000,
            },
            objective: None,
        }
    }
}

/// `[domain.judge]` as the judge uses it.
#[derive(Debug, Clone, Copy)]
pub struct JudgeRules {
    pub confidence: f64,
    pub error_tolerance: Tolerance,
    pub latency_tolerance: f64,
}

impl Default for JudgeRules {
    fn default() -> Self {
        JudgeRules {
            confidence: 0.98,
            error_tolerance: Tolerance {
                relative: 0.25,
                absolute: 0.001,
            },
            latency_tolerance: 0.25,
        }
    }
}

#[derive(Debug, Clone)]
pub struct PlanDomain {
    pub name: String,
    pub stage: Stage,
    pub traffic: Option<PlanTraffic>,
    pub queues: Vec<PlanQueue>,
    pub sagas: Vec<PlanSaga>,
    /// `[[domain.data]]`: lag, monolith writes, reconciliation, shadow comparisons.
    pub data: Vec<PlanData>,
    pub slo: Slo,
    pub judge: JudgeRules,
    /// The rollback steps as they will run, one line each, secrets redacted (for the dialog and detail view).
    pub rollback_steps: Vec<String>,
    /// Verified when the observed new-path share stays at or below this ...
    pub verify_share: f64,
    /// ... within this long after the action.
    pub verify_within: Duration,
}

/// A domain with no signals, planned, with the config's defaults for its rules and
/// verification (`verify_within` 60 s, as `[domain.rollback]` leaves it).
impl Default for PlanDomain {
    fn default() -> Self {
        PlanDomain {
            name: String::new(),
            stage: Stage::Planned,
            traffic: None,
            queues: Vec::new(),
            sagas: Vec::new(),
            data: Vec::new(),
            slo: Slo::default(),
            judge: JudgeRules::default(),
            rollback_steps: Vec::new(),
            verify_share: 0.0,
            verify_within: Duration::from_secs(60),
        }
    }
}

impl PlanDomain {
    /// Every signal the domain reads, for "which sources does this domain depend on".
    pub fn signals(&self) -> Vec<SignalId> {
        let mut out = Vec::new();
        if let Some(t) = &self.traffic {
            for side in [&t.legacy, &t.new] {
                out.extend(
                    [side.requests, side.errors, side.latency, side.weight]
                        .into_iter()
                        .flatten(),
                );
            }
        }
        for q in &self.queues {
            out.push(q.depth);
            out.extend(q.in_flight.map(|(_, id)| id));
        }
        for s in &self.sagas {
            out.push(s.failed);
            out.extend(
                [s.compensated, s.started, s.in_progress]
                    .into_iter()
                    .flatten(),
            );
        }
        for d in &self.data {
            out.extend(d.signals().into_iter().map(|(_, id)| id));
        }
        out
    }
}

#[derive(Debug, Clone)]
pub struct Timing {
    pub interval: Duration,
    pub timeout: Duration,
    pub window: Duration,
    pub history: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            interval: Duration::from_secs(2),
            timeout: Duration::from_millis(1500),
            window: Duration::from_secs(60),
            history: Duration::from_secs(3600),
        }
    }
}

/// Everything the engine needs to turn scrapes into figures.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub timing: Timing,
    pub sources: Vec<PlanSource>,
    pub signals: Vec<Signal>,
    pub domains: Vec<PlanDomain>,
    /// `[tracing] url`, checked: where a kept exemplar's trace ID links to.
    pub trace_url: Option<crate::trace_url::TraceUrl>,
}

impl Plan {
    pub fn source_index(&self, name: &str) -> Option<usize> {
        self.sources.iter().position(|s| s.name == name)
    }

    /// The signals read from one source.
    pub fn signals_of(&self, source: usize) -> impl Iterator<Item = (SignalId, &Signal)> {
        self.signals
            .iter()
            .enumerate()
            .filter(move |(_, s)| s.source == source)
    }
}
