//! All the cockpit's state, and nothing else: no terminal, no clock of its own, no I/O. Keys
//! and feed events go in, commands come out, and the views draw it. The same `App` runs in
//! the terminal and in the snapshot tests.
//!
//! The state comes in parts: what is known ([`data`]), where the user is ([`nav`]), how it
//! looks ([`look`]), the box over the view ([`modal`]) and the footer [`message`]. Keys are
//! handled in [`input`], feed events in [`apply`], and the clock's redraws in [`time_labels`].

mod apply;
mod bell;
mod chart_nav;
mod data;
mod held_figures;
mod held_rows;
mod input;
mod look;
mod message;
mod modal;
mod nav;
mod time_labels;

pub use chart_nav::{ChartAxis, ChartNav};
pub use look::TermCaps;
pub use message::Message;
pub use modal::Modal;
pub use nav::{Filter, LayoutMemo, SortKey, View};

pub(crate) use data::Data;
pub(crate) use held_figures::{Figure, HeldFigures};
pub(crate) use held_rows::HeldRows;
pub(crate) use look::Look;
pub(crate) use modal::ModalState;
pub(crate) use nav::Nav;

use super::keys::{Action, KeyMap};
use super::theme::{Theme, ThemeSet};
use super::{UiError, UiOptions};
use crate::figures::{DomainStatus, Health, SourceStatus, Status};
use crate::plan::Plan;
use crate::timeline::{Timeline, TimelineEvent};

pub struct App {
    pub(crate) data: Data,
    pub(crate) nav: Nav,
    pub(crate) look: Look,
    pub(crate) modal: ModalState,
    pub(crate) message: Option<Message>,
    pub(crate) keys: KeyMap,
    /// Whether the next frame ends with the terminal bell.
    pub(crate) bell: bell::Bell,
    /// The clock-driven labels of the last frame drawn.
    drawn_times: String,
    /// OSC 8 and OSC 52 for trace links, as decided at start.
    pub(crate) trace_links: crate::ui::hyperlink::TraceLinks,
    /// The links the last frame drew (the views register them, the backend writes them).
    pub(crate) links: std::cell::RefCell<Vec<crate::ui::hyperlink::Link>>,
    /// The config's name in the header.
    pub(crate) badge: Option<crate::ui::Badge>,
    /// What the confirmation dialogs ask to be typed.
    pub(crate) typed_name: crate::action::TypedName,
    /// The overview's figures as last shown, held against jitter.
    pub(crate) held: HeldFigures,
}

impl App {
    pub fn new(opts: &UiOptions, themes: ThemeSet, caps: TermCaps) -> Result<App, UiError> {
        let keys = KeyMap::new(&opts.bindings)?;
        let look = Look::new(themes, &opts.theme, caps)?;
        Ok(App {
            data: Data::new(opts),
            nav: Nav::default(),
            look,
            modal: ModalState::default(),
            message: None,
            keys,
            bell: bell::Bell::new(opts.bell, opts.mode),
            drawn_times: String::new(),
            trace_links: opts.trace_links,
            links: std::cell::RefCell::new(Vec::new()),
            badge: opts.badge.clone(),
            typed_name: opts.typed_name.clone(),
            held: HeldFigures::default(),
        })
    }

    /// The config's name for the header, if the session has one to show.
    pub fn badge(&self) -> Option<&crate::ui::Badge> {
        self.badge.as_ref()
    }

    /// Opens the list of contexts (the event loop read them).
    pub fn show_contexts(&mut self, rows: Vec<crate::config::context::ContextRow>) {
        if rows.is_empty() {
            self.say("no contexts: put configs in <config dir>/contexts/NAME.toml (cutover contexts lists them)");
            return;
        }
        let selected = rows.iter().position(|r| r.current).unwrap_or(0);
        self.modal.open = Some(Modal::Contexts { rows, selected });
    }

    // ---- reading the state (for the views) ----

    /// The links the last frame drew, for the backend to write as OSC 8 links.
    pub fn links(&self) -> Vec<crate::ui::hyperlink::Link> {
        self.links.borrow().clone()
    }

    /// A view drew `width` cells at (`x`, `y`) that lead to `url`: registered only when
    /// hyperlinks are on.
    pub(crate) fn link(&self, x: u16, y: u16, width: u16, url: &str) {
        if self.trace_links.hyperlinks && width > 0 {
            self.links.borrow_mut().push(crate::ui::hyperlink::Link {
                x,
                y,
                width,
                url: url.to_string(),
            });
        }
    }

    pub fn plan(&self) -> &Plan {
        &self.data.plan
    }

    pub fn status(&self) -> Option<&Status> {
        self.data.status.as_ref()
    }

    pub fn timeline(&self) -> &Timeline {
        &self.data.timeline
    }

    /// Whether the bell is due, taking it: the event loop rings once after the frame.
    pub fn take_bell(&mut self) -> bool {
        self.bell.take()
    }

    /// This session's events not yet handed to the events memory (none unless the session
    /// has one).
    pub fn take_unsaved_events(&mut self) -> Vec<TimelineEvent> {
        self.data.timeline.take_unsaved()
    }

    pub fn view(&self) -> View {
        self.nav.view
    }

    pub fn theme_name(&self) -> &str {
        &self.look.theme().name
    }

    pub fn theme(&self) -> &Theme {
        self.look.theme()
    }

    pub fn themes(&self) -> &ThemeSet {
        self.look.themes()
    }

    /// `Some(reason)` when nothing may act.
    pub fn read_only(&self) -> Option<&str> {
        self.data.refusal.as_deref()
    }

    /// The domains on the overview, filtered and sorted.
    pub fn visible_domains(&self) -> impl Iterator<Item = &DomainStatus> + '_ {
        self.nav.visible_domains(self.data.status.as_ref())
    }

    pub fn visible_count(&self) -> usize {
        self.nav.order.len()
    }

    /// Index of the selected domain among the visible ones.
    pub fn selected_index(&self) -> Option<usize> {
        let name = self.nav.selected.as_deref()?;
        self.visible_domains().position(|d| d.name == name)
    }

    pub fn selected_domain(&self) -> Option<&DomainStatus> {
        let name = self.nav.selected.as_deref()?;
        self.data
            .status
            .as_ref()?
            .domains
            .iter()
            .find(|d| d.name == name)
    }

    pub fn selected_name(&self) -> Option<&str> {
        self.nav.selected.as_deref()
    }

    /// A domain's lasting mark (its last action, from the audit log), if it has one.
    pub fn mark(&self, domain: &str) -> Option<&crate::action::marks::Mark> {
        self.data.marks.get(domain)
    }

    /// A domain's forward plan, where it has a `[domain.promote]`, and how long the cockpit
    /// has watched it at its step.
    pub fn promote_plan(
        &self,
        domain: &str,
    ) -> Option<(
        &crate::action::promote::PromotePlan,
        Option<&crate::action::plan_outlook::HoldClock>,
    )> {
        let plan = self.data.promotes.get(domain)?;
        Some((plan, self.data.holds.get(domain)))
    }

    /// A ramp of the domain run by another process on this host (live only).
    pub fn ramp_seen(&self, domain: &str) -> Option<&crate::action::ramp_seen::RampSeen> {
        self.data.ramps.get(domain)
    }

    /// A domain's rollback readiness, once the live cockpit has probed it.
    pub fn readiness(
        &self,
        domain: &str,
    ) -> Option<&crate::figures::rollback_ready::RollbackReady> {
        self.data.readiness.get(domain)
    }

    /// The plan of a domain, by name.
    pub fn plan_domain(&self, name: &str) -> Option<&crate::plan::PlanDomain> {
        self.data.plan_domain(name)
    }

    /// The sources a domain reads, by name, in plan order.
    pub fn domain_source_names(&self, name: &str) -> Vec<&str> {
        self.data.domain_source_names(name)
    }

    /// The time ages are measured against: the clock when live, the replay position otherwise.
    pub fn clock_ms(&self) -> i64 {
        self.data.clock_ms()
    }

    /// The wall clock (the header's clock).
    pub fn now_ms(&self) -> i64 {
        self.data.now_ms
    }

    /// How old the figures on screen are.
    pub fn data_age_ms(&self) -> Option<i64> {
        self.data.data_age_ms()
    }

    /// How old a domain's oldest input is: the last good scrape of the source it has waited
    /// longest for. `None` when one of its sources never answered with data.
    pub fn domain_age_ms(&self, d: &DomainStatus) -> Option<i64> {
        self.data.domain_age_ms(d)
    }

    /// How long ago a source was last scraped (whatever the outcome).
    pub fn source_age_ms(&self, s: &SourceStatus) -> Option<i64> {
        self.data.source_age_ms(s)
    }

    /// Sources on the sources view, filtered.
    pub fn visible_sources(&self) -> Vec<&SourceStatus> {
        let Some(st) = &self.data.status else {
            return Vec::new();
        };
        let parts = self.nav.filter.parts();
        st.sources
            .iter()
            .filter(|s| match &parts {
                None => true,
                Some((needle, invert)) => {
                    s.name.to_lowercase().contains(needle.as_str()) != *invert
                }
            })
            .collect()
    }

    /// Events on the events view, newest first, filtered; up to the frozen time when frozen.
    pub fn visible_events(&self) -> Vec<&TimelineEvent> {
        let parts = self.nav.filter.parts();
        let until = self.frozen_until();
        self.data
            .timeline
            .events()
            .iter()
            .rev()
            .filter(|e| until.is_none_or(|u| e.at_ms <= u))
            .filter(|e| match &parts {
                None => true,
                Some((needle, invert)) => {
                    (e.text.to_lowercase().contains(needle.as_str())
                        || e.kind.label().contains(needle.as_str()))
                        != *invert
                }
            })
            .collect()
    }

    /// While frozen, the data time on screen: charts and events stop there.
    pub fn frozen_until(&self) -> Option<i64> {
        if self.nav.frozen {
            self.data.status.as_ref().map(|s| s.at_ms)
        } else {
            None
        }
    }

    /// The key hint for an action: its first key.
    pub fn key_hint(&self, action: Action) -> String {
        self.keys.first_key(action)
    }

    pub fn keymap(&self) -> &KeyMap {
        &self.keys
    }

    /// The health of the worst domain and the count per health, for the header.
    pub fn health_counts(&self) -> [(Health, usize); 4] {
        self.data.health_counts()
    }

    /// Shows a message in the footer until the next key or a few seconds.
    pub fn say(&mut self, text: impl Into<String>) {
        self.message = Some(Message::new(text.into(), self.data.now_ms));
    }

    /// Filters and sorts the domains again, keeping the selection on the same domain.
    fn refresh_order(&mut self) {
        self.nav.refresh_order(self.data.status.as_ref());
    }
}
