//! What the cockpit knows: the plan, the figures received, the timeline, the replay position,
//! the clock, and each domain's lasting mark from the audit log.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::action::marks::Mark;
use crate::feed::ReplayPosition;
use crate::figures::{DomainStatus, Health, SourceStatus, Status};
use crate::mode::Mode;
use crate::plan::{Plan, PlanDomain};
use crate::timeline::Timeline;
use crate::ui::UiOptions;

pub(crate) struct Data {
    pub(crate) plan: Arc<Plan>,
    plan_index: HashMap<String, usize>,
    /// Per plan domain: the plan source indices it reads.
    domain_sources: Vec<Vec<usize>>,
    pub(crate) mode: Mode,
    /// `Some(reason)` when nothing may act.
    pub(crate) refusal: Option<String>,
    /// The status on screen (held while frozen).
    pub(crate) status: Option<Status>,
    /// The newest status received.
    pub(crate) latest: Option<Status>,
    pub(crate) timeline: Timeline,
    /// Lines of the events memory that were not events (unparsable, too long, from the
    /// future): said above the events.
    pub(crate) memory_skipped: usize,
    pub(crate) replay: Option<ReplayPosition>,
    pub(crate) feed_closed: bool,
    pub(crate) now_ms: i64,
    /// Each domain's lasting mark, as the feed last sent them (live only).
    pub(crate) marks: BTreeMap<String, Mark>,
    /// Each domain's rollback readiness, as the live cockpit last probed it.
    pub(crate) readiness: BTreeMap<String, crate::figures::rollback_ready::RollbackReady>,
    /// Each domain's `[domain.promote]`.
    pub(crate) promotes: HashMap<String, crate::action::promote::PromotePlan>,
    /// Per domain with a plan: how long it has been at its step, and passing, as the statuses
    /// received say.
    pub(crate) holds: HashMap<String, crate::action::plan_outlook::HoldClock>,
    /// Ramps run by other processes on this host, as the live cockpit last looked.
    pub(crate) ramps: BTreeMap<String, crate::action::ramp_seen::RampSeen>,
}

impl Data {
    pub(crate) fn new(opts: &UiOptions) -> Data {
        let plan = opts.plan.clone();
        let plan_index = plan
            .domains
            .iter()
            .enumerate()
            .map(|(i, d)| (d.name.clone(), i))
            .collect();
        let domain_sources = plan
            .domains
            .iter()
            .map(|d| {
                let mut s: Vec<usize> = d
                    .signals()
                    .iter()
                    .filter_map(|&id| plan.signals.get(id).map(|sig| sig.source))
                    .collect();
                s.sort_unstable();
                s.dedup();
                s
            })
            .collect();
        let refusal = opts.read_only.clone().or(match opts.mode {
            Mode::Live => None,
            Mode::Replay => Some("a replay only shows what was recorded".to_string()),
            Mode::Demo => Some("the demo only shows a recording".to_string()),
        });
        let mut timeline = Timeline::new(opts.history);
        let mut memory_skipped = 0;
        // Only a live session remembers: a replay or the demo shows its recording alone.
        if let (Mode::Live, Some(memory)) = (opts.mode, &opts.memory) {
            timeline.restore(memory.reloaded().events.iter().cloned());
            timeline.keep_unsaved();
            memory_skipped = memory.reloaded().skipped;
        }
        Data {
            plan,
            plan_index,
            domain_sources,
            mode: opts.mode,
            refusal,
            status: None,
            latest: None,
            timeline,
            memory_skipped,
            replay: None,
            feed_closed: false,
            now_ms: 0,
            marks: BTreeMap::new(),
            readiness: BTreeMap::new(),
            promotes: opts.promotes.clone(),
            holds: HashMap::new(),
            ramps: BTreeMap::new(),
        }
    }

    /// Counts each planned domain's time at its step from a status received.
    pub(crate) fn observe_holds(&mut self, status: &Status) {
        for d in &status.domains {
            if self.promotes.contains_key(&d.name) {
                self.holds
                    .entry(d.name.clone())
                    .or_default()
                    .observe(d, status.at_ms);
            }
        }
    }

    /// The plan of a domain, by name.
    pub(crate) fn plan_domain(&self, name: &str) -> Option<&PlanDomain> {
        self.plan_index.get(name).map(|&i| &self.plan.domains[i])
    }

    /// The sources a domain reads, by name, in plan order.
    pub(crate) fn domain_source_names(&self, name: &str) -> Vec<&str> {
        match self.plan_index.get(name) {
            Some(&i) => self.domain_sources[i]
                .iter()
                .filter_map(|&s| self.plan.sources.get(s).map(|p| p.name.as_str()))
                .collect(),
            None => Vec::new(),
        }
    }

    /// The time ages are measured against: the clock when live, the replay position otherwise.
    pub(crate) fn clock_ms(&self) -> i64 {
        match self.mode {
            Mode::Live => self.now_ms,
            Mode::Replay | Mode::Demo => self
                .replay
                .map(|r| r.at_ms)
                .or(self.latest.as_ref().map(|s| s.at_ms))
                .unwrap_or(self.now_ms),
        }
    }

    /// How old the figures on screen are.
    pub(crate) fn data_age_ms(&self) -> Option<i64> {
        self.status.as_ref().map(|s| self.clock_ms() - s.at_ms)
    }

    /// How old a domain's oldest input is: the last good scrape of the source it has waited
    /// longest for. `None` when one of its sources never answered with data.
    pub(crate) fn domain_age_ms(&self, d: &DomainStatus) -> Option<i64> {
        let &pi = self.plan_index.get(&d.name)?;
        let mut oldest: Option<i64> = None;
        for &s in &self.domain_sources[pi] {
            let name = &self.plan.sources.get(s)?.name;
            let ok = self.timeline.source_last_ok(name)?;
            oldest = Some(oldest.map_or(ok, |o: i64| o.min(ok)));
        }
        oldest.map(|o| self.clock_ms() - o)
    }

    /// How long ago a source was last scraped (whatever the outcome).
    pub(crate) fn source_age_ms(&self, s: &SourceStatus) -> Option<i64> {
        let at = s.last_scrape_ms.or_else(|| {
            s.last_scrape
                .as_deref()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|d| d.timestamp_millis())
        })?;
        Some(self.clock_ms() - at)
    }

    /// The count per health, worst first, for the header.
    pub(crate) fn health_counts(&self) -> [(Health, usize); 4] {
        let mut counts = [
            (Health::Crit, 0),
            (Health::Warn, 0),
            (Health::Unknown, 0),
            (Health::Ok, 0),
        ];
        if let Some(st) = &self.status {
            for d in &st.domains {
                if let Some(c) = counts.iter_mut().find(|(h, _)| *h == d.health) {
                    c.1 += 1;
                }
            }
        }
        counts
    }
}
