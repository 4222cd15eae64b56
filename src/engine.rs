//! The pipeline from scrapes to figures: filter + parse each body, keep what the signals match,
//! and compute the figures at the newest data time. Live polling, `status`, replay and the demo
//! all feed this one engine, so they cannot disagree.

use std::collections::HashMap;
use std::sync::Arc;

use crate::figures::at::At;
use crate::figures::health::{domains, SourceView};
use crate::figures::{BadLineReport, SourceStatus, Status};
use std::ops::ControlFlow;

use crate::clock::rfc3339;
use crate::ingest::exposition::{self, Exemplar, Sample};
use crate::ingest::limits::{LimitBreach, Limits};
use crate::ingest::prefilter::FamilyFilter;
use crate::judge::steady::Steady;
use crate::plan::{Plan, Shape, SignalId};
use crate::source::{PressureBoard, ScrapeOutcome};
use crate::store::Store;

/// Label that ties a query answer's samples to the query that produced them.
pub const QUERY_LABEL: &str = "__query__";

pub use crate::mode::Mode;

/// How to find the signals a sample may feed, per source.
struct SourceIndex {
    filter: FamilyFilter,
    /// metric name → signals with that fixed name (histograms register `_bucket` too).
    by_name: HashMap<String, Vec<SignalId>>,
    /// Signals without a fixed metric name: every sample is offered to them.
    any_name: Vec<SignalId>,
    /// Query sources: query text → signal.
    by_query: HashMap<String, Vec<SignalId>>,
    signals: Vec<SignalId>,
}

pub struct Engine {
    plan: Arc<Plan>,
    store: Store,
    index: Vec<SourceIndex>,
    sources: Vec<SourceStatus>,
    newest_ms: Option<i64>,
    /// The judge's memory: counts for noise floor and burn rates, held rules (hysteresis).
    steady: Steady,
}

impl Engine {
    pub fn new(plan: Arc<Plan>) -> Engine {
        let mut index: Vec<SourceIndex> = plan
            .sources
            .iter()
            .map(|_| SourceIndex {
                filter: FamilyFilter::all(),
                by_name: HashMap::new(),
                any_name: Vec::new(),
                by_query: HashMap::new(),
                signals: Vec::new(),
            })
            .collect();
        for (id, sig) in plan.signals.iter().enumerate() {
            let ix = &mut index[sig.source];
            ix.signals.push(id);
            if let Some(q) = &sig.query {
                ix.by_query.entry(q.clone()).or_default().push(id);
                continue;
            }
            let Some(sel) = &sig.selector else { continue };
            match sel.metric_name() {
                Some(name) => {
                    ix.by_name.entry(name.to_string()).or_default().push(id);
                    if sig.shape == Shape::Latency {
                        ix.by_name
                            .entry(format!("{name}_bucket"))
                            .or_default()
                            .push(id);
                    }
                }
                None => ix.any_name.push(id),
            }
        }
        for ix in &mut index {
            ix.filter = if !ix.any_name.is_empty() || !ix.by_query.is_empty() {
                FamilyFilter::all()
            } else {
                FamilyFilter::names(ix.by_name.keys())
            };
        }
        let sources = plan
            .sources
            .iter()
            .map(|s| SourceStatus {
                name: s.name.clone(),
                up: None,
                last_scrape: None,
                duration_ms: None,
                bytes: None,
                series: None,
                error: None,
                parse_errors: 0,
                bad_lines: Vec::new(),
                http_status: None,
                last_scrape_ms: None,
                queued: 0,
                skipped: 0,
            })
            .collect();
        Engine {
            store: Store::new(plan.signals.len()),
            plan,
            index,
            sources,
            newest_ms: None,
            steady: Steady::default(),
        }
    }

    pub fn plan(&self) -> &Arc<Plan> {
        &self.plan
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The newest data time seen (unix ms).
    pub fn newest_ms(&self) -> Option<i64> {
        self.newest_ms
    }

    /// The family filter of a source: what its body is reduced to in recordings.
    pub fn filter(&self, source: usize) -> &FamilyFilter {
        &self.index[source].filter
    }

    pub fn sources(&self) -> &[SourceStatus] {
        &self.sources
    }

    /// Takes one scrape into the store. Unknown source names are ignored (a recording of an
    /// older config may name sources this plan does not have).
    pub fn ingest(&mut self, outcome: &ScrapeOutcome) {
        self.ingest_scrape(outcome);
        let Some(now_ms) = self.newest_ms else { return };
        let interval = self.plan.timing.interval.as_millis() as i64;
        if self.steady.due(now_ms, interval) {
            let at = At {
                store: &self.store,
                now_ms,
                window_ms: self.plan.timing.window.as_millis() as i64,
            };
            let views: Vec<SourceView> = self
                .sources
                .iter()
                .map(|s| SourceView {
                    name: &s.name,
                    up: s.up,
                    error: s.error.as_deref(),
                })
                .collect();
            let mut raw = domains(&at, &self.plan, &views);
            self.steady.step(&at, &self.plan, &mut raw);
        }
    }

    fn at(&self, now_ms: i64) -> At<'_> {
        At {
            store: &self.store,
            now_ms,
            window_ms: self.plan.timing.window.as_millis() as i64,
        }
    }

    fn source_views(&self) -> Vec<SourceView<'_>> {
        self.sources
            .iter()
            .map(|s| SourceView {
                name: &s.name,
                up: s.up,
                error: s.error.as_deref(),
            })
            .collect()
    }

    fn ingest_scrape(&mut self, outcome: &ScrapeOutcome) {
        let Some(src) = self.plan.source_index(&outcome.source) else {
            return;
        };
        self.newest_ms = Some(
            self.newest_ms
                .map_or(outcome.at_ms, |n| n.max(outcome.at_ms)),
        );
        // The figures never look further back than the window (see `store`).
        let keep_ms = self.plan.timing.window.as_millis() as i64;
        let status = &mut self.sources[src];
        status.last_scrape_ms = Some(outcome.at_ms);
        status.last_scrape = Some(rfc3339(outcome.at_ms));
        status.duration_ms = Some(outcome.duration_ms);
        status.bytes = Some(outcome.bytes);
        status.http_status = outcome.status;
        let body = match &outcome.result {
            Ok(body) => body,
            Err(e) => {
                status.up = Some(false);
                status.error = Some(e.to_string());
                for &id in &self.index[src].signals {
                    self.store.signals[id].stale = true;
                }
                return;
            }
        };
        let ix = &self.index[src];
        let plan = &self.plan;
        let store = &mut self.store;
        let limits = plan.sources[src].limits;
        // Series tracked for this source: `series_limit` bounds them (see `store`).
        let mut tracked: usize = ix
            .signals
            .iter()
            .map(|&id| store.signals[id].tracked())
            .sum();
        let mut over_series = None;
        let (scrape_ms, cutoff_ms) = (outcome.at_ms, outcome.at_ms.saturating_sub(keep_ms));
        // Reused for every matched sample, so matching allocates nothing per sample.
        let mut key = String::new();
        let mut group = String::new();
        let mut stats = exposition::parse_limited(body, &ix.filter, &limits, |s: &Sample| {
            let mut offer = |id: SignalId| {
                let sig = &plan.signals[id];
                let matched = match (&sig.selector, &sig.query) {
                    (_, Some(q)) => s
                        .labels
                        .iter()
                        .any(|l| l.name == QUERY_LABEL && l.value.as_ref() == q.as_str()),
                    (Some(sel), None) => {
                        let labels = s.labels.iter().map(|l| (l.name, l.value.as_ref()));
                        if sig.shape == Shape::Latency && s.name.ends_with("_bucket") {
                            let base = &s.name[..s.name.len() - "_bucket".len()];
                            sel.matches(base, labels.filter(|(n, _)| *n != "le"))
                        } else {
                            sel.matches(s.name, labels)
                        }
                    }
                    (None, None) => false,
                };
                if matched {
                    series_key(&mut key, s);
                    let le = if sig.shape == Shape::Latency {
                        s.labels
                            .iter()
                            .find(|l| l.name == "le")
                            .and_then(|l| parse_le(&l.value))
                    } else {
                        None
                    };
                    let group = le.map(|_| {
                        group_key(&mut group, s);
                        group.as_str()
                    });
                    if store.signals[id].add(&key, le, group, s.value) {
                        tracked += 1;
                    }
                    if let Some(e) = &s.exemplar {
                        offer_exemplar(
                            &mut store.signals[id],
                            sig.shape,
                            s,
                            e,
                            le,
                            scrape_ms,
                            cutoff_ms,
                        );
                    }
                }
            };
            // A query's own series carry its text; everything else (a scrape, a query
            // source's batched selectors) goes by name, through the same selector code.
            let tagged = if ix.by_query.is_empty() {
                None
            } else {
                s.labels.iter().find(|l| l.name == QUERY_LABEL)
            };
            match tagged {
                Some(l) => {
                    if let Some(ids) = ix.by_query.get(l.value.as_ref()) {
                        ids.iter().for_each(|&id| offer(id));
                    }
                }
                None => {
                    if let Some(ids) = ix.by_name.get(s.name) {
                        ids.iter().for_each(|&id| offer(id));
                    }
                    ix.any_name.iter().for_each(|&id| offer(id));
                }
            }
            if Limits::exceeds(tracked, limits.series_limit) {
                over_series = Some(LimitBreach::Series {
                    limit: limits.series_limit,
                });
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        });
        let failed = stats.samples == 0 && stats.filtered == 0 && stats.bad_lines > 0;
        status.parse_errors = stats.bad_lines;
        status.bad_lines = stats
            .first_bad
            .iter()
            .map(|b| BadLineReport {
                line: b.line,
                reason: b.reason.clone(),
            })
            .collect();
        if let Some(breach) = stats.breach.take().or(over_series) {
            // As Prometheus: a scrape over a limit is a failed scrape, and what it brought is
            // dropped (the series it registered too, so a breach cannot grow memory).
            status.up = Some(false);
            status.error = Some(breach.to_string());
            status.series = None;
            for &id in &ix.signals {
                store.signals[id].discard();
                store.signals[id].stale = true;
            }
            return;
        }
        status.series = Some(u64::from(stats.samples) + u64::from(stats.filtered));
        if failed {
            status.up = Some(false);
            status.error = Some(format!(
                "no line of the body parses as metrics ({} bad lines; the first, line {}: {})",
                stats.bad_lines,
                stats.first_bad.first().map_or(0, |b| b.line),
                stats.first_bad.first().map_or("", |b| b.reason.as_str())
            ));
            for &id in &ix.signals {
                store.signals[id].discard();
                store.signals[id].stale = true;
            }
            return;
        }
        status.up = Some(true);
        status.error = None;
        for &id in &ix.signals {
            store.signals[id].stale = false;
            store.signals[id].commit(outcome.at_ms, keep_ms);
        }
    }

    /// Takes the pollers' counts of queued and skipped polls into the sources' status.
    pub fn note_pressure(&mut self, board: &PressureBoard) {
        with_pressure(&mut self.sources, board);
    }

    /// The figures at the newest data time.
    pub fn status(&self, mode: Mode) -> Status {
        self.status_held(mode, false)
    }

    /// The figures with every health rule at its raw level (`for` and `clear_after` not
    /// applied): for a one-shot `status`, which has not watched long enough to hold anything.
    pub fn status_unheld(&self, mode: Mode) -> Status {
        self.status_held(mode, true)
    }

    fn status_held(&self, mode: Mode, unheld: bool) -> Status {
        let now_ms = self.newest_ms.unwrap_or(0);
        let at = self.at(now_ms);
        let mut domains = domains(&at, &self.plan, &self.source_views());
        self.steady.peek(&at, &self.plan, &mut domains, unheld);
        Status {
            version: 1,
            at: rfc3339(now_ms),
            mode,
            domains,
            sources: self.sources.clone(),
            events: Vec::new(),
            at_ms: now_ms,
        }
    }
}

/// Writes the pollers' counts of queued and skipped polls into the sources' status, by name.
pub fn with_pressure(sources: &mut [SourceStatus], board: &PressureBoard) {
    for (name, pressure) in board.snapshot() {
        if let Some(s) = sources.iter_mut().find(|s| s.name == name) {
            s.queued = pressure.queued;
            s.skipped = pressure.skipped;
        }
    }
}

/// Offers a matched sample's exemplar to its signal: a counter's (its `_total`) or a latency
/// histogram's non-empty bucket's, when it names a valid trace ID (`kept_exemplar`).
fn offer_exemplar(
    history: &mut crate::store::SignalHistory,
    shape: Shape,
    s: &Sample,
    e: &Exemplar,
    le: Option<f64>,
    scrape_ms: i64,
    cutoff_ms: i64,
) {
    let bucket = match shape {
        Shape::Counter => None,
        Shape::Latency if le.is_some() && s.value > 0.0 => le,
        Shape::Latency | Shape::Gauge => return,
    };
    let Some(trace) = crate::trace_id::find(e.labels) else {
        return;
    };
    let at_ms = e.timestamp_ms.unwrap_or(scrape_ms);
    history.exemplars.offer(
        trace,
        e.value,
        at_ms,
        e.timestamp_ms.is_some(),
        bucket,
        cutoff_ms,
    );
}

/// `name{a="b",...}` as the source wrote it: the identity of a series across scrapes.
fn series_key(out: &mut String, s: &Sample) {
    out.clear();
    out.push_str(s.name);
    out.push('{');
    for l in s.labels.iter() {
        out.push_str(l.name);
        out.push_str("=\"");
        out.push_str(&l.value);
        out.push_str("\",");
    }
    out.push('}');
}

/// The labels of a histogram bucket without `le`: which histogram the bucket belongs to.
fn group_key(out: &mut String, s: &Sample) {
    out.clear();
    for l in s.labels.iter().filter(|l| l.name != "le") {
        out.push_str(l.name);
        out.push('=');
        out.push_str(&l.value);
        out.push(',');
    }
}

fn parse_le(v: &str) -> Option<f64> {
    match v.trim() {
        "+Inf" | "+inf" | "Inf" | "inf" => Some(f64::INFINITY),
        t => t.parse().ok(),
    }
}
