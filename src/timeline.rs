//! What happened over time, derived from successive statuses: the events an on-call engineer
//! needs to reconstruct an incident (health changes with their reasons, stage contradictions,
//! sources going down and up, rollbacks) and the per-domain trends the detail charts draw.
//!
//! Pure: no clock, no I/O. Time is the data time of each status (`Status::at_ms`), so a replay
//! gives the same timeline as the live session it recorded.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::figures::health::stage_contradiction;
use crate::figures::{DomainStatus, Health, SourceStatus, Status};

/// Events kept at most; older ones are dropped first. Enough for a long incident, bounded so a
/// flapping source cannot grow memory without end.
pub const MAX_EVENTS: usize = 5000;

/// What an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// A domain's health changed; carries the new health.
    Health(Health),
    /// A declared stage started or stopped contradicting the observed split.
    Stage,
    /// A source went down or came back.
    Source { up: bool },
    /// A rollback was requested, ran, or was verified or refused (pushed from outside).
    Rollback,
    /// A promotion was requested, ran, or was verified or refused (pushed from outside).
    Promote,
    /// Anything else pushed from outside, by its kind name.
    Other(String),
}

impl EventKind {
    /// The kind as a short word, for the events view.
    pub fn label(&self) -> &str {
        match self {
            EventKind::Health(_) => "health",
            EventKind::Stage => "stage",
            EventKind::Source { .. } => "source",
            EventKind::Rollback => "rollback",
            EventKind::Promote => "promote",
            EventKind::Other(s) => s,
        }
    }

    /// The kind of an action's events.
    pub fn of(action: crate::action::Kind) -> EventKind {
        match action {
            crate::action::Kind::Rollback => EventKind::Rollback,
            crate::action::Kind::Promote => EventKind::Promote,
        }
    }

    /// Kind from its name (`rollback`, `stage`, `source-down`, `source-up`, or any other word).
    pub fn from_name(name: &str) -> EventKind {
        match name {
            "stage" => EventKind::Stage,
            "rollback" => EventKind::Rollback,
            "promote" => EventKind::Promote,
            "source-down" => EventKind::Source { up: false },
            "source-up" => EventKind::Source { up: true },
            other => EventKind::Other(other.to_string()),
        }
    }
}

impl From<&str> for EventKind {
    fn from(name: &str) -> EventKind {
        EventKind::from_name(name)
    }
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEvent {
    /// Data time in unix ms.
    pub at_ms: i64,
    pub kind: EventKind,
    /// The domain the event is about, when it is about one.
    pub domain: Option<String>,
    pub text: String,
    /// `Some(start)` for an event reloaded from an earlier session's memory
    /// (`event_memory`), with that session's start (unix ms); `None` for this session's.
    pub earlier_session: Option<i64>,
    /// A health event's previous health; `None` when it is the domain's first observation
    /// (there was no health before it to change from) and for the other kinds.
    pub from: Option<Health>,
}

/// One sample of a domain's figures, for the charts. Unknown stays `None`, never 0.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    pub at_ms: i64,
    pub new_share: Option<f64>,
    pub legacy_error_ratio: Option<f64>,
    pub new_error_ratio: Option<f64>,
    pub legacy_p95: Option<f64>,
    pub new_p95: Option<f64>,
    /// Depth per queue, in the order of [`DomainTrend::queue_names`].
    pub queue_depths: Vec<Option<f64>>,
}

/// A domain's figures over the kept history, oldest first.
#[derive(Debug, Clone, Default)]
pub struct DomainTrend {
    queue_names: Vec<String>,
    points: VecDeque<TrendPoint>,
}

impl DomainTrend {
    pub fn points(&self) -> &VecDeque<TrendPoint> {
        &self.points
    }

    pub fn queue_names(&self) -> &[String] {
        &self.queue_names
    }

    /// One queue's depth over time, `None` where it was unknown.
    pub fn queue_depth<'a>(
        &'a self,
        name: &str,
    ) -> Option<impl Iterator<Item = (i64, Option<f64>)> + 'a> {
        let i = self.queue_names.iter().position(|q| q == name)?;
        Some(
            self.points
                .iter()
                .map(move |p| (p.at_ms, p.queue_depths.get(i).copied().flatten())),
        )
    }

    fn push(&mut self, d: &DomainStatus, at_ms: i64) {
        // Queues may be renamed or reordered by a config change between recordings: keep
        // each depth under its own name.
        let mut depths = vec![None; self.queue_names.len()];
        for q in &d.queues {
            match self.queue_names.iter().position(|n| *n == q.name) {
                Some(i) => depths[i] = q.depth,
                None => {
                    self.queue_names.push(q.name.clone());
                    depths.push(q.depth);
                }
            }
        }
        let t = d.traffic.as_ref();
        let point = TrendPoint {
            at_ms,
            new_share: t.and_then(|t| t.new_share),
            legacy_error_ratio: t.and_then(|t| t.legacy.error_ratio),
            new_error_ratio: t.and_then(|t| t.new.error_ratio),
            legacy_p95: t.and_then(|t| t.legacy.latency.map(|l| l.reading.seconds())),
            new_p95: t.and_then(|t| t.new.latency.map(|l| l.reading.seconds())),
            queue_depths: depths,
        };
        match self.points.back_mut() {
            Some(last) if last.at_ms == at_ms => *last = point,
            _ => self.points.push_back(point),
        }
    }

    fn prune(&mut self, oldest_ms: i64) {
        while self.points.front().is_some_and(|p| p.at_ms < oldest_ms) {
            self.points.pop_front();
        }
    }

    fn truncate_after(&mut self, at_ms: i64) {
        while self.points.back().is_some_and(|p| p.at_ms > at_ms) {
            self.points.pop_back();
        }
    }
}

/// What the previous status said, to find what changed.
#[derive(Debug, Clone)]
struct DomainMemory {
    health: Health,
    contradiction: Option<String>,
}

/// Successive statuses turned into events and trends.
#[derive(Debug, Clone)]
pub struct Timeline {
    history_ms: i64,
    events: VecDeque<TimelineEvent>,
    trends: HashMap<String, DomainTrend>,
    domains: HashMap<String, DomainMemory>,
    sources_up: HashMap<String, Option<bool>>,
    /// Last time each source answered with data (unix ms), for data ages.
    source_last_ok: HashMap<String, i64>,
    newest_ms: Option<i64>,
    empty: DomainTrend,
    /// Whether new events are kept in `unsaved` for the session's memory.
    keeping_unsaved: bool,
    unsaved: VecDeque<TimelineEvent>,
}

impl Timeline {
    /// A timeline that keeps trends for `history` behind the newest status.
    pub fn new(history: Duration) -> Timeline {
        Timeline {
            history_ms: i64::try_from(history.as_millis()).unwrap_or(i64::MAX),
            events: VecDeque::new(),
            trends: HashMap::new(),
            domains: HashMap::new(),
            sources_up: HashMap::new(),
            source_last_ok: HashMap::new(),
            newest_ms: None,
            empty: DomainTrend::default(),
            keeping_unsaved: false,
            unsaved: VecDeque::new(),
        }
    }

    /// Takes the next status in data time. A status older than the newest seen (a replay seek
    /// backwards) cuts the timeline back to that time and starts comparing afresh from it.
    pub fn observe(&mut self, status: &Status) {
        let at = status.at_ms;
        if self.newest_ms.is_some_and(|n| at < n) {
            self.rewind(status);
            return;
        }
        self.newest_ms = Some(at);
        for s in &status.sources {
            self.observe_source(at, s);
        }
        for d in &status.domains {
            self.observe_domain(at, d);
        }
        let oldest = at.saturating_sub(self.history_ms);
        for t in self.trends.values_mut() {
            t.prune(oldest);
        }
    }

    fn rewind(&mut self, status: &Status) {
        let at = status.at_ms;
        while self.events.back().is_some_and(|e| e.at_ms > at) {
            self.events.pop_back();
        }
        for t in self.trends.values_mut() {
            t.truncate_after(at);
        }
        self.source_last_ok.retain(|_, ok| *ok <= at);
        self.newest_ms = Some(at);
        // The state at the new time is this status itself: remember it without inventing
        // events for the jump.
        for s in &status.sources {
            self.sources_up.insert(s.name.clone(), s.up);
            if s.up == Some(true) {
                if let Some(ms) = source_time(s, at) {
                    self.source_last_ok.insert(s.name.clone(), ms);
                }
            }
        }
        for d in &status.domains {
            self.domains.insert(
                d.name.clone(),
                DomainMemory {
                    health: d.health,
                    contradiction: contradiction(d),
                },
            );
            self.trends.entry(d.name.clone()).or_default().push(d, at);
        }
    }

    fn observe_source(&mut self, at: i64, s: &SourceStatus) {
        if s.up == Some(true) {
            if let Some(ms) = source_time(s, at) {
                self.source_last_ok.insert(s.name.clone(), ms);
            }
        }
        let before = self.sources_up.insert(s.name.clone(), s.up);
        let was_down = matches!(before, Some(Some(false)));
        match s.up {
            Some(false) if !was_down => {
                let why = s.error.as_deref().unwrap_or("no answer");
                self.push(TimelineEvent {
                    at_ms: at,
                    kind: EventKind::Source { up: false },
                    domain: None,
                    text: format!("source {} down: {why}", s.name),
                    earlier_session: None,
                    from: None,
                });
            }
            Some(true) if was_down => self.push(TimelineEvent {
                at_ms: at,
                kind: EventKind::Source { up: true },
                domain: None,
                text: format!("source {} up again", s.name),
                earlier_session: None,
                from: None,
            }),
            _ => {}
        }
    }

    fn observe_domain(&mut self, at: i64, d: &DomainStatus) {
        self.trends.entry(d.name.clone()).or_default().push(d, at);
        let now = DomainMemory {
            health: d.health,
            contradiction: contradiction(d),
        };
        let before = self.domains.insert(d.name.clone(), now.clone());
        // The first sight of a domain is news only when it is not healthy.
        let (old_health, old_contradiction) = match before {
            Some(b) => (Some(b.health), b.contradiction),
            None => (None, None),
        };
        if old_health != Some(now.health) && !(old_health.is_none() && now.health == Health::Ok) {
            let from = old_health.map_or("start".to_string(), |h| h.marker().to_string());
            let why = if d.reasons.is_empty() {
                String::new()
            } else {
                format!(": {}", d.reasons.join("; "))
            };
            self.push(TimelineEvent {
                at_ms: at,
                kind: EventKind::Health(now.health),
                domain: Some(d.name.clone()),
                text: format!("{}: {from} -> {}{why}", d.name, now.health.marker()),
                earlier_session: None,
                from: old_health,
            });
        }
        match (&old_contradiction, &now.contradiction) {
            (None, Some(text)) => self.push(TimelineEvent {
                at_ms: at,
                kind: EventKind::Stage,
                domain: Some(d.name.clone()),
                text: format!("{}: {text}", d.name),
                earlier_session: None,
                from: None,
            }),
            (Some(_), None) => self.push(TimelineEvent {
                at_ms: at,
                kind: EventKind::Stage,
                domain: Some(d.name.clone()),
                text: format!(
                    "{}: the observed split agrees with the declared stage {} again",
                    d.name, d.stage
                ),
                earlier_session: None,
                from: None,
            }),
            _ => {}
        }
    }

    /// Adds an event from elsewhere (rollbacks, recordings), filed under `domain` when it is
    /// about one.
    pub fn push_event(&mut self, at_ms: i64, kind: EventKind, domain: Option<&str>, text: &str) {
        self.push(TimelineEvent {
            at_ms,
            kind,
            domain: domain.map(str::to_string),
            text: text.to_string(),
            earlier_session: None,
            from: None,
        });
    }

    /// Puts back the events earlier sessions left (`event_memory`), each marked with its
    /// session, in time order among what is there. Only the newest [`MAX_EVENTS`] stay.
    pub fn restore(&mut self, earlier: impl IntoIterator<Item = TimelineEvent>) {
        for e in earlier {
            if e.earlier_session.is_some() {
                self.insert(e);
            }
        }
    }

    /// From now on, keeps every new event of this session until [`Timeline::take_unsaved`]
    /// takes it, for the session's memory. Off by default: replays and the demo keep nothing.
    pub fn keep_unsaved(&mut self) {
        self.keeping_unsaved = true;
    }

    /// This session's events added since the last call, oldest first (empty unless
    /// [`Timeline::keep_unsaved`] was called). At most [`MAX_EVENTS`]: were nobody to take
    /// them, the oldest would go first, as in the timeline.
    pub fn take_unsaved(&mut self) -> Vec<TimelineEvent> {
        std::mem::take(&mut self.unsaved).into()
    }

    fn push(&mut self, e: TimelineEvent) {
        if self.keeping_unsaved {
            self.unsaved.push_back(e.clone());
            if self.unsaved.len() > MAX_EVENTS {
                self.unsaved.pop_front();
            }
        }
        self.insert(e);
    }

    fn insert(&mut self, e: TimelineEvent) {
        // Events pushed from outside may arrive slightly out of order: keep the list sorted.
        let pos = self
            .events
            .iter()
            .rposition(|x| x.at_ms <= e.at_ms)
            .map_or(0, |i| i + 1);
        self.events.insert(pos, e);
        if self.events.len() > MAX_EVENTS {
            self.events.pop_front();
        }
    }

    /// Every event kept, oldest first.
    pub fn events(&self) -> &VecDeque<TimelineEvent> {
        &self.events
    }

    /// A domain's trend; empty for a domain never seen.
    pub fn trend(&self, domain: &str) -> &DomainTrend {
        self.trends.get(domain).unwrap_or(&self.empty)
    }

    /// When a source last answered with data (unix ms), if it ever did.
    pub fn source_last_ok(&self, source: &str) -> Option<i64> {
        self.source_last_ok.get(source).copied()
    }

    /// Data time of the newest status observed.
    pub fn newest_ms(&self) -> Option<i64> {
        self.newest_ms
    }

    pub fn history(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.history_ms).unwrap_or(0))
    }
}

/// Time of a source's last scrape: the engine's ms when present, else the RFC 3339 text
/// (statuses read back from JSON), else the status time.
fn source_time(s: &SourceStatus, status_ms: i64) -> Option<i64> {
    s.last_scrape_ms
        .or_else(|| {
            s.last_scrape.as_deref().and_then(|t| {
                chrono::DateTime::parse_from_rfc3339(t)
                    .ok()
                    .map(|d| d.timestamp_millis())
            })
        })
        .or(Some(status_ms))
}

/// The stage contradiction a domain's status shows, if any.
fn contradiction(d: &DomainStatus) -> Option<String> {
    stage_contradiction(d.stage, d.traffic.as_ref()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::latency::{Latency, LatencyFrom, LatencyKind, Reading};
    use crate::figures::{QueueStatus, Side, Traffic};
    use crate::stage::Stage;

    fn side(requests: f64, errors: f64, p95: Option<f64>) -> Side {
        Side {
            requests: Some(requests),
            errors: Some(errors),
            error_ratio: (requests > 0.0).then(|| errors / requests),
            p95_seconds: p95,
            latency: p95.map(|v| Latency {
                kind: LatencyKind::P95,
                reading: Reading::Value(v),
                bucket: None,
                from: LatencyFrom::Own,
            }),
            ..Side::default()
        }
    }

    fn domain(name: &str, stage: Stage, health: Health, legacy: f64, new: f64) -> DomainStatus {
        DomainStatus {
            name: name.into(),
            stage,
            health,
            reasons: if health == Health::Ok {
                vec![]
            } else {
                vec![format!("{name} is {}", health.as_str())]
            },
            traffic: Some(Traffic {
                legacy: side(legacy, 0.0, Some(0.1)),
                new: side(new, new * 0.1, None),
                new_share: (legacy + new > 0.0).then(|| new / (legacy + new)),
                configured_new_share: None,
            }),
            queues: vec![QueueStatus {
                name: "q1".into(),
                meaning: Default::default(),
                depth: Some(legacy),
                depth_unknown: None,
                trend_per_second: None,
                drain_seconds: None,
                in_flight: None,
                health: Health::Ok,
            }],
            ..Default::default()
        }
    }

    fn source(name: &str, up: Option<bool>, at: i64) -> SourceStatus {
        SourceStatus {
            name: name.into(),
            up,
            last_scrape: None,
            duration_ms: Some(3),
            bytes: Some(100),
            series: Some(10),
            error: (up == Some(false)).then(|| "connection refused".to_string()),
            parse_errors: 0,
            bad_lines: vec![],
            http_status: None,
            last_scrape_ms: Some(at),
            queued: 0,
            skipped: 0,
        }
    }

    fn status(at_ms: i64, domains: Vec<DomainStatus>, sources: Vec<SourceStatus>) -> Status {
        Status {
            version: 1,
            at: String::new(),
            mode: crate::mode::Mode::Live,
            domains,
            sources,
            at_ms,
            events: Vec::new(),
        }
    }

    #[test]
    fn health_changes_become_events_with_reasons() {
        let mut t = Timeline::new(Duration::from_secs(600));
        t.observe(&status(
            1000,
            vec![domain("orders", Stage::Canary, Health::Ok, 90.0, 10.0)],
            vec![],
        ));
        assert!(t.events().is_empty(), "a healthy first sight is not news");
        t.observe(&status(
            3000,
            vec![domain("orders", Stage::Canary, Health::Crit, 90.0, 10.0)],
            vec![],
        ));
        t.observe(&status(
            5000,
            vec![domain("orders", Stage::Canary, Health::Crit, 90.0, 10.0)],
            vec![],
        ));
        assert_eq!(t.events().len(), 1);
        let e = &t.events()[0];
        assert_eq!(e.at_ms, 3000);
        assert_eq!(e.kind, EventKind::Health(Health::Crit));
        assert_eq!(e.domain.as_deref(), Some("orders"));
        assert_eq!(e.text, "orders: [OK] -> [CRIT]: orders is crit");
        // The healthy first sight was no event, but it is what the change was from.
        assert_eq!(e.from, Some(Health::Ok));
    }

    #[test]
    fn unhealthy_first_sight_is_an_event() {
        let mut t = Timeline::new(Duration::from_secs(600));
        t.observe(&status(
            1000,
            vec![domain("billing", Stage::Ramp, Health::Unknown, 1.0, 1.0)],
            vec![],
        ));
        assert_eq!(t.events().len(), 1);
        assert!(t.events()[0].text.starts_with("billing: start -> [?]"));
        // The first observation changes from nothing: no previous state is made up.
        assert_eq!(t.events()[0].from, None);
        t.observe(&status(
            3000,
            vec![domain("billing", Stage::Ramp, Health::Ok, 1.0, 1.0)],
            vec![],
        ));
        assert_eq!(t.events()[1].from, Some(Health::Unknown));
        let json = crate::cli::status_events::events_json(&t);
        assert_eq!(json[0].from.as_deref(), Some("start"));
        assert_eq!(json[0].to.as_deref(), Some("unknown"));
        assert_eq!(json[1].from.as_deref(), Some("unknown"));
        assert_eq!(json[1].to.as_deref(), Some("ok"));
    }

    #[test]
    fn stage_contradictions_appear_and_disappear() {
        let mut t = Timeline::new(Duration::from_secs(600));
        t.observe(&status(
            1000,
            vec![domain("search", Stage::Migrated, Health::Ok, 0.0, 100.0)],
            vec![],
        ));
        t.observe(&status(
            2000,
            vec![domain("search", Stage::Migrated, Health::Ok, 5.0, 100.0)],
            vec![],
        ));
        t.observe(&status(
            3000,
            vec![domain("search", Stage::Migrated, Health::Ok, 0.0, 100.0)],
            vec![],
        ));
        let texts: Vec<_> = t.events().iter().map(|e| e.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "search: declared migrated, but the monolith still served 5 requests in the window",
                "search: the observed split agrees with the declared stage migrated again",
            ]
        );
        assert!(t.events().iter().all(|e| e.kind == EventKind::Stage));
    }

    #[test]
    fn sources_going_down_and_up() {
        let mut t = Timeline::new(Duration::from_secs(600));
        t.observe(&status(1000, vec![], vec![source("gw", None, 1000)]));
        t.observe(&status(2000, vec![], vec![source("gw", Some(true), 2000)]));
        t.observe(&status(3000, vec![], vec![source("gw", Some(false), 3000)]));
        t.observe(&status(4000, vec![], vec![source("gw", Some(false), 4000)]));
        t.observe(&status(5000, vec![], vec![source("gw", Some(true), 5000)]));
        let texts: Vec<_> = t.events().iter().map(|e| e.text.as_str()).collect();
        assert_eq!(
            texts,
            ["source gw down: connection refused", "source gw up again"]
        );
        assert_eq!(t.source_last_ok("gw"), Some(5000));
    }

    #[test]
    fn last_ok_stays_at_the_last_good_scrape_while_down() {
        let mut t = Timeline::new(Duration::from_secs(600));
        t.observe(&status(2000, vec![], vec![source("gw", Some(true), 2000)]));
        t.observe(&status(4000, vec![], vec![source("gw", Some(false), 4000)]));
        assert_eq!(t.source_last_ok("gw"), Some(2000));
        assert_eq!(t.source_last_ok("other"), None);
    }

    #[test]
    fn trends_are_bounded_by_history_and_keep_unknowns() {
        let mut t = Timeline::new(Duration::from_secs(10));
        for i in 0..20 {
            let mut d = domain("orders", Stage::Canary, Health::Ok, 90.0, 10.0);
            if i == 19 {
                d.traffic = None;
            }
            t.observe(&status(i * 1000, vec![d], vec![]));
        }
        let pts = t.trend("orders").points();
        assert_eq!(pts.front().unwrap().at_ms, 9000);
        assert_eq!(pts.len(), 11);
        assert_eq!(pts[0].new_share, Some(0.1));
        assert_eq!(pts[0].legacy_p95, Some(0.1));
        assert_eq!(pts[0].new_p95, None);
        assert_eq!(pts[10].new_share, None, "no data stays no data");
        let depths: Vec<_> = t.trend("orders").queue_depth("q1").unwrap().collect();
        assert_eq!(depths[0], (9000, Some(90.0)));
        assert!(t.trend("orders").queue_depth("nope").is_none());
        assert!(t.trend("unknown").points().is_empty());
    }

    #[test]
    fn same_time_replaces_the_point() {
        let mut t = Timeline::new(Duration::from_secs(10));
        t.observe(&status(
            1000,
            vec![domain("a", Stage::Ramp, Health::Ok, 50.0, 50.0)],
            vec![],
        ));
        t.observe(&status(
            1000,
            vec![domain("a", Stage::Ramp, Health::Ok, 0.0, 50.0)],
            vec![],
        ));
        assert_eq!(t.trend("a").points().len(), 1);
        assert_eq!(t.trend("a").points()[0].new_share, Some(1.0));
    }

    #[test]
    fn seeking_back_cuts_events_and_trends_without_inventing_events() {
        let mut t = Timeline::new(Duration::from_secs(600));
        t.observe(&status(
            1000,
            vec![domain("a", Stage::Ramp, Health::Ok, 50.0, 50.0)],
            vec![],
        ));
        t.observe(&status(
            5000,
            vec![domain("a", Stage::Ramp, Health::Crit, 50.0, 50.0)],
            vec![],
        ));
        assert_eq!(t.events().len(), 1);
        t.observe(&status(
            2000,
            vec![domain("a", Stage::Ramp, Health::Ok, 50.0, 50.0)],
            vec![],
        ));
        assert!(t.events().is_empty());
        let times: Vec<_> = t.trend("a").points().iter().map(|p| p.at_ms).collect();
        assert_eq!(times, [1000, 2000]);
        assert_eq!(t.newest_ms(), Some(2000));
        // And comparisons go on from the state at the new time.
        t.observe(&status(
            3000,
            vec![domain("a", Stage::Ramp, Health::Warn, 50.0, 50.0)],
            vec![],
        ));
        assert_eq!(t.events().len(), 1);
        assert!(t.events()[0].text.starts_with("a: [OK] -> [WARN]"));
    }

    #[test]
    fn pushed_events_are_filed_under_their_domain_in_time_order() {
        let mut t = Timeline::new(Duration::from_secs(600));
        t.observe(&status(
            1000,
            vec![
                domain("orders", Stage::Canary, Health::Crit, 90.0, 10.0),
                domain("shop", Stage::Canary, Health::Ok, 90.0, 10.0),
            ],
            vec![],
        ));
        t.push_event(
            3000,
            EventKind::Rollback,
            Some("orders"),
            "orders: rollback succeeded",
        );
        t.push_event(
            2000,
            EventKind::Rollback,
            Some("orders"),
            "orders: rollback requested by ops@bastion",
        );
        t.push_event(2500, "note".into(), None, "not about a domain: hello");
        // A name holding a colon is filed under itself, not under the text before the colon.
        t.push_event(
            2600,
            EventKind::Rollback,
            Some("shop:eu"),
            "shop:eu: rollback requested",
        );
        let ev: Vec<_> = t
            .events()
            .iter()
            .map(|e| (e.at_ms, e.domain.clone()))
            .collect();
        assert_eq!(
            ev,
            [
                (1000, Some("orders".into())),
                (2000, Some("orders".into())),
                (2500, None),
                (2600, Some("shop:eu".into())),
                (3000, Some("orders".into())),
            ]
        );
        assert_eq!(t.events()[1].kind, EventKind::Rollback);
        assert_eq!(t.events()[2].kind, EventKind::Other("note".into()));
    }

    #[test]
    fn events_are_bounded() {
        let mut t = Timeline::new(Duration::from_secs(600));
        for i in 0..(MAX_EVENTS as i64 + 10) {
            t.push_event(i, "note".into(), None, "x");
        }
        assert_eq!(t.events().len(), MAX_EVENTS);
        assert_eq!(t.events()[0].at_ms, 10);
    }
}
