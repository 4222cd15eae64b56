//! All the cockpit's state, and nothing else: no terminal, no clock of its own, no I/O. Keys
//! and feed events go in, commands come out, and the views draw it. The same `App` runs in
//! the terminal and in the snapshot tests.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::confirm::{self, DrawnDialog};
use super::glyphs::{locale_is_utf8, Glyphs};
use super::keys::{Action, KeyMap};
use super::theme::{ColorDepth, Styles, ThemeSet};
use super::{FeedControl, FeedEvent, ReplayPosition, UiCommand, UiError, UiOptions};
use crate::figures::{DomainStatus, Health, SourceStatus, Status};
use crate::format;
use crate::mode::Mode;
use crate::plan::Plan;
use crate::timeline::{EventKind, Timeline, TimelineEvent};

/// How long a message stays in the footer when no key is pressed.
const MESSAGE_MS: i64 = 8_000;

/// The views, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Overview,
    Detail,
    Sources,
    Events,
    Help,
}

impl View {
    pub const ALL: [View; 5] = [
        View::Overview,
        View::Detail,
        View::Sources,
        View::Events,
        View::Help,
    ];

    pub fn title(self) -> &'static str {
        match self {
            View::Overview => "Overview",
            View::Detail => "Detail",
            View::Sources => "Sources",
            View::Events => "Events",
            View::Help => "Help",
        }
    }

    fn index(self) -> usize {
        View::ALL.iter().position(|v| *v == self).unwrap_or(0)
    }
}

/// Overview order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Worst first, then by name.
    Health,
    Name,
    /// Highest new-path error ratio first; unknown last.
    Errors,
}

impl SortKey {
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Health => "health",
            SortKey::Name => "name",
            SortKey::Errors => "errors",
        }
    }

    fn next(self) -> SortKey {
        match self {
            SortKey::Health => SortKey::Name,
            SortKey::Name => SortKey::Errors,
            SortKey::Errors => SortKey::Health,
        }
    }
}

/// A box over the view that takes every key until it closes.
#[derive(Debug, Clone, PartialEq)]
pub enum Modal {
    Notice {
        title: String,
        lines: Vec<String>,
    },
    /// The gate admitted a rollback: the exact steps, and the domain name to be typed.
    ConfirmRollback {
        domain: String,
        steps: Vec<String>,
        verify: String,
        typed: String,
    },
    /// One event whole; Open in the box goes to the event's domain, any other key closes it.
    Event {
        title: String,
        lines: Vec<String>,
        domain: Option<String>,
    },
    /// A confirmed rollback: its progress and verdict as they arrive.
    RollbackProgress {
        domain: String,
        lines: Vec<String>,
    },
}

impl Modal {
    /// Title and lines as the box shows them.
    pub fn text(&self) -> (String, Vec<String>) {
        match self {
            Modal::Notice { title, lines } | Modal::Event { title, lines, .. } => {
                (title.clone(), lines.clone())
            }
            Modal::ConfirmRollback {
                domain,
                steps,
                verify,
                typed,
            } => super::confirm::text(domain, steps, verify, typed, "..."),
            Modal::RollbackProgress { domain, lines } => {
                let mut l = lines.clone();
                l.push(String::new());
                l.push(
                    "Esc closes this box; the rollback and its verification go on (see Events)"
                        .into(),
                );
                (format!("Rollback {domain}"), l)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub text: String,
    /// Clock time after which it goes away by itself.
    pub until_ms: i64,
}

/// The `/` filter. `!` in front inverts it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub text: String,
    pub editing: bool,
    /// The text before editing started, restored by Esc.
    before: String,
}

impl Filter {
    /// (needle in lower case, inverted); `None` when it filters nothing.
    fn parts(&self) -> Option<(String, bool)> {
        let (invert, needle) = match self.text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, self.text.as_str()),
        };
        (!needle.is_empty()).then(|| (needle.to_lowercase(), invert))
    }
}

/// What the terminal can show, found once at start (or fixed by tests).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TermCaps {
    pub depth: ColorDepth,
    pub ascii: bool,
    /// Local time offset for clocks; 0 shows UTC.
    pub utc_offset_secs: i32,
}

impl TermCaps {
    /// From the options and the environment: `--color`, `NO_COLOR`, `COLORTERM`, `TERM`,
    /// `--ascii` or the locale, and the local time zone.
    pub fn detect(opts: &UiOptions) -> TermCaps {
        let env = |k: &str| std::env::var(k).ok();
        TermCaps {
            depth: ColorDepth::detect(opts.color, env),
            ascii: opts.ascii.unwrap_or_else(|| !locale_is_utf8(env)),
            utc_offset_secs: chrono::Local::now().offset().local_minus_utc(),
        }
    }
}

/// Sizes the last frame had, so keys can page and clamp by what is on screen.
#[derive(Debug, Clone, Copy, Default)]
pub struct LayoutMemo {
    pub list_rows: usize,
    pub detail_max_scroll: usize,
    pub help_max_scroll: usize,
}

pub struct App {
    plan: Arc<Plan>,
    plan_index: HashMap<String, usize>,
    /// Per plan domain: the plan source indices it reads.
    domain_sources: Vec<Vec<usize>>,
    pub(crate) mode: Mode,
    refusal: Option<String>,
    pub(crate) keys: KeyMap,
    themes: ThemeSet,
    theme: usize,
    pub(crate) styles: Styles,
    pub(crate) depth: ColorDepth,
    pub(crate) glyphs: Glyphs,
    pub(crate) utc_offset_secs: i32,

    pub(crate) view: View,
    view_before_help: View,
    selected: Option<String>,
    /// Until the user picks a domain, the selection stays on the top row (the worst domain).
    picked: bool,
    pub(crate) source_selected: usize,
    pub(crate) event_selected: usize,
    pub(crate) detail_scroll: usize,
    pub(crate) help_scroll: usize,
    pub(crate) filter: Filter,
    pub(crate) sort: SortKey,
    pub(crate) frozen: bool,

    /// The status on screen (held while frozen).
    status: Option<Status>,
    /// The newest status received.
    latest: Option<Status>,
    /// Indices into `status.domains`, filtered and sorted.
    order: Vec<usize>,
    timeline: Timeline,
    pub(crate) replay: Option<ReplayPosition>,
    pub(crate) feed_closed: bool,

    now_ms: i64,
    pub(crate) message: Option<Message>,
    pub(crate) modal: Option<Modal>,
    /// Whether the last frame showed the confirmation dialog whole.
    pub(crate) confirm_drawn: DrawnDialog,
    pub(crate) layout: Cell<LayoutMemo>,
    /// First rows shown of the scrolling lists (kept by the views so selection moves smoothly).
    pub(crate) overview_offset: Cell<usize>,
    pub(crate) sources_offset: Cell<usize>,
    pub(crate) events_offset: Cell<usize>,
    drawn_times: String,
}

impl App {
    pub fn new(opts: &UiOptions, themes: ThemeSet, caps: TermCaps) -> Result<App, UiError> {
        let keys = KeyMap::new(&opts.bindings)?;
        let theme = themes.index_of(&opts.theme)?;
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
        let mut app = App {
            plan,
            plan_index,
            domain_sources,
            mode: opts.mode,
            refusal,
            keys,
            themes,
            theme,
            styles: Styles::default(),
            depth: caps.depth,
            glyphs: Glyphs::new(caps.ascii),
            utc_offset_secs: caps.utc_offset_secs,
            view: View::Overview,
            view_before_help: View::Overview,
            selected: None,
            picked: false,
            source_selected: 0,
            event_selected: 0,
            detail_scroll: 0,
            help_scroll: 0,
            filter: Filter::default(),
            sort: SortKey::Health,
            frozen: false,
            status: None,
            latest: None,
            order: Vec::new(),
            timeline: Timeline::new(opts.history),
            replay: None,
            feed_closed: false,
            now_ms: 0,
            message: None,
            modal: None,
            confirm_drawn: DrawnDialog::default(),
            layout: Cell::new(LayoutMemo::default()),
            overview_offset: Cell::new(0),
            sources_offset: Cell::new(0),
            events_offset: Cell::new(0),
            drawn_times: String::new(),
        };
        app.apply_theme();
        Ok(app)
    }

    fn apply_theme(&mut self) {
        self.styles = if self.depth == ColorDepth::None {
            // Without colour, the mono styles carry status with bold and reverse.
            match self.themes.index_of("mono") {
                Ok(i) => self.themes.get(i).styles_for(ColorDepth::None),
                Err(_) => self.themes.get(self.theme).styles_for(ColorDepth::None),
            }
        } else {
            self.themes.get(self.theme).styles_for(self.depth)
        };
    }

    // ---- reading the state (for the views) ----

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    pub fn status(&self) -> Option<&Status> {
        self.status.as_ref()
    }

    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    pub fn view(&self) -> View {
        self.view
    }

    pub fn theme_name(&self) -> &str {
        &self.themes.get(self.theme).name
    }

    pub fn theme(&self) -> &super::theme::Theme {
        self.themes.get(self.theme)
    }

    pub fn themes(&self) -> &ThemeSet {
        &self.themes
    }

    /// `Some(reason)` when nothing may act.
    pub fn read_only(&self) -> Option<&str> {
        self.refusal.as_deref()
    }

    /// The domains on the overview, filtered and sorted.
    pub fn visible_domains(&self) -> impl Iterator<Item = &DomainStatus> + '_ {
        let domains = self
            .status
            .as_ref()
            .map(|s| s.domains.as_slice())
            .unwrap_or(&[]);
        self.order.iter().map(move |&i| &domains[i])
    }

    pub fn visible_count(&self) -> usize {
        self.order.len()
    }

    /// Index of the selected domain among the visible ones.
    pub fn selected_index(&self) -> Option<usize> {
        let name = self.selected.as_deref()?;
        self.visible_domains().position(|d| d.name == name)
    }

    pub fn selected_domain(&self) -> Option<&DomainStatus> {
        let name = self.selected.as_deref()?;
        self.status
            .as_ref()?
            .domains
            .iter()
            .find(|d| d.name == name)
    }

    pub fn selected_name(&self) -> Option<&str> {
        self.selected.as_deref()
    }

    /// The plan of a domain, by name.
    pub fn plan_domain(&self, name: &str) -> Option<&crate::plan::PlanDomain> {
        self.plan_index.get(name).map(|&i| &self.plan.domains[i])
    }

    /// The sources a domain reads, by name, in plan order.
    pub fn domain_source_names(&self, name: &str) -> Vec<&str> {
        match self.plan_index.get(name) {
            Some(&i) => self.domain_sources[i]
                .iter()
                .filter_map(|&s| self.plan.sources.get(s).map(|p| p.name.as_str()))
                .collect(),
            None => Vec::new(),
        }
    }

    /// The time ages are measured against: the clock when live, the replay position otherwise.
    pub fn clock_ms(&self) -> i64 {
        match self.mode {
            Mode::Live => self.now_ms,
            Mode::Replay | Mode::Demo => self
                .replay
                .map(|r| r.at_ms)
                .or(self.latest.as_ref().map(|s| s.at_ms))
                .unwrap_or(self.now_ms),
        }
    }

    /// The wall clock (the header's clock).
    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    /// How old the figures on screen are.
    pub fn data_age_ms(&self) -> Option<i64> {
        self.status.as_ref().map(|s| self.clock_ms() - s.at_ms)
    }

    /// How old a domain's oldest input is: the last good scrape of the source it has waited
    /// longest for. `None` when one of its sources never answered with data.
    pub fn domain_age_ms(&self, d: &DomainStatus) -> Option<i64> {
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
    pub fn source_age_ms(&self, s: &SourceStatus) -> Option<i64> {
        let at = s.last_scrape_ms.or_else(|| {
            s.last_scrape
                .as_deref()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|d| d.timestamp_millis())
        })?;
        Some(self.clock_ms() - at)
    }

    /// Sources on the sources view, filtered.
    pub fn visible_sources(&self) -> Vec<&SourceStatus> {
        let Some(st) = &self.status else {
            return Vec::new();
        };
        let parts = self.filter.parts();
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
        let parts = self.filter.parts();
        let until = self.frozen_until();
        self.timeline
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
        if self.frozen {
            self.status.as_ref().map(|s| s.at_ms)
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

    // ---- input ----

    /// Sets the clock (wall time, unix ms). True when a time label on screen would change,
    /// or a message expired: only then is a redraw worth its bytes.
    pub fn tick(&mut self, now_ms: i64) -> bool {
        self.now_ms = now_ms;
        let mut changed = false;
        if self.message.as_ref().is_some_and(|m| now_ms >= m.until_ms) {
            self.message = None;
            changed = true;
        }
        changed || self.time_labels() != self.drawn_times
    }

    /// Tells the state a frame was drawn: the time labels on screen are the current ones.
    pub fn mark_drawn(&mut self) {
        self.drawn_times = self.time_labels();
    }

    /// Every label on screen that moves with the clock alone.
    fn time_labels(&self) -> String {
        let mut out = String::new();
        if self.mode == Mode::Live {
            out.push_str(&format::clock_minutes(self.now_ms, self.utc_offset_secs));
            out.push('|');
        }
        if let Some(a) = self.data_age_ms() {
            out.push_str(&format::age_fine(a));
        }
        match self.view {
            View::Overview => {
                for d in self.visible_domains() {
                    out.push('|');
                    if let Some(a) = self.domain_age_ms(d) {
                        out.push_str(format::age_coarse(a));
                    }
                }
            }
            View::Sources | View::Detail => {
                if let Some(st) = &self.status {
                    for s in &st.sources {
                        out.push('|');
                        if let Some(a) = self.source_age_ms(s) {
                            out.push_str(&format::age_fine(a));
                        }
                    }
                }
            }
            View::Events | View::Help => {}
        }
        out
    }

    /// Takes what the feed sent. True when the screen changes.
    pub fn apply(&mut self, ev: FeedEvent) -> bool {
        match ev {
            FeedEvent::Status(status) => {
                self.timeline.observe(&status);
                self.latest = Some(*status);
                if !self.frozen {
                    self.status = self.latest.clone();
                    self.refresh_order();
                }
                // While frozen nothing on screen moves: the figures, charts and events all stop
                // at the frozen time.
                !self.frozen
            }
            FeedEvent::Replay(pos) => {
                let changed = self.replay != Some(pos);
                self.replay = Some(pos);
                changed
            }
            FeedEvent::Event {
                at_ms,
                kind,
                domain: about,
                text,
            } => {
                if kind == EventKind::Rollback {
                    if let Some(Modal::RollbackProgress { domain, lines }) = self.modal.as_mut() {
                        if about.as_deref() == Some(domain.as_str()) {
                            let prefix = format!("{domain}: ");
                            lines.push(text.strip_prefix(&prefix).unwrap_or(&text).to_string());
                        }
                    }
                }
                self.timeline
                    .push_event(at_ms, kind, about.as_deref(), &text);
                true
            }
            FeedEvent::RollbackOffer {
                domain,
                steps,
                verify,
            } => {
                self.modal = Some(Modal::ConfirmRollback {
                    domain,
                    steps,
                    verify,
                    typed: String::new(),
                });
                true
            }
            FeedEvent::RollbackRefused { domain, reason } => {
                self.modal = Some(confirm::refused(&domain, &reason));
                true
            }
        }
    }

    /// A request the gate never received: the box and the events say nothing ran, in the
    /// words the audit log holds.
    pub fn refused_here(&mut self, domain: &str, reason: &str) {
        self.modal = Some(confirm::refused(domain, reason));
        let text = format!("{domain}: rollback refused: {reason}");
        self.timeline.push_event(
            self.now_ms,
            crate::timeline::EventKind::Rollback,
            Some(domain),
            &text,
        );
    }

    /// The feed ended (a replay reached its end, or the pollers stopped).
    pub fn feed_ended(&mut self) {
        self.feed_closed = true;
        self.say("the feed ended: the figures on screen no longer change");
    }

    /// Shows a message in the footer until the next key or a few seconds.
    pub fn say(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            until_ms: self.now_ms + MESSAGE_MS,
        });
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> Vec<UiCommand> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        // A ctrl key bound to suspend works from anywhere, as Ctrl-Z does in a shell.
        if key.modifiers.contains(KeyModifiers::CONTROL)
            && self.keys.action(&key) == Some(Action::Suspend)
        {
            return vec![UiCommand::Suspend];
        }
        if self.modal.is_some() {
            // Ctrl-C still quits from anywhere.
            if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
                return vec![UiCommand::Quit];
            }
            return self.modal_key(key);
        }
        self.message = None;
        if self.filter.editing {
            self.edit_filter(key);
            return Vec::new();
        }
        let Some(action) = self.keys.action(&key) else {
            return Vec::new();
        };
        self.act(action)
    }

    /// Keys while a box is open: the confirmation dialog takes typing; other boxes close.
    fn modal_key(&mut self, key: KeyEvent) -> Vec<UiCommand> {
        if let Some(Modal::Event { domain, .. }) = &self.modal {
            let open = domain
                .clone()
                .filter(|_| self.keys.action(&key) == Some(Action::Open));
            self.modal = None;
            if let Some(d) = open {
                self.selected = Some(d);
                self.picked = true;
                self.set_view(View::Detail);
            }
            return Vec::new();
        }
        let Some(Modal::ConfirmRollback { domain, typed, .. }) = self.modal.as_mut() else {
            self.modal = None;
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => {
                let d = domain.clone();
                self.modal = None;
                self.say(format!("rollback of {d} cancelled: nothing ran"));
            }
            KeyCode::Backspace => {
                typed.pop();
            }
            KeyCode::Char(c)
                if !key.modifiers.contains(KeyModifiers::CONTROL)
                    && typed.len() < domain.len() + 64 =>
            {
                typed.push(c);
            }
            KeyCode::Enter => {
                let (domain, typed) = (domain.clone(), typed.clone());
                let drawn_whole = self.confirm_drawn.shows(&domain, &typed);
                let (modal, cmd) = confirm::enter(domain, typed, drawn_whole);
                self.modal = Some(modal);
                return vec![cmd];
            }
            _ => {}
        }
        Vec::new()
    }

    fn edit_filter(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Enter => self.filter.editing = false,
            KeyCode::Esc => {
                self.filter.text = std::mem::take(&mut self.filter.before);
                self.filter.editing = false;
            }
            KeyCode::Backspace => {
                self.filter.text.pop();
            }
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.filter.text = std::mem::take(&mut self.filter.before);
                self.filter.editing = false;
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.filter.text.clear();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.filter.text.push(c);
            }
            _ => {}
        }
        self.refresh_order();
    }

    fn act(&mut self, action: Action) -> Vec<UiCommand> {
        let page = self.layout.get().list_rows.max(1);
        match action {
            Action::Quit => return vec![UiCommand::Quit],
            Action::Suspend => return vec![UiCommand::Suspend],
            Action::Help => {
                if self.view == View::Help {
                    self.view = self.view_before_help;
                } else {
                    self.view_before_help = self.view;
                    self.view = View::Help;
                }
            }
            Action::NextView => self.set_view(View::ALL[(self.view.index() + 1) % View::ALL.len()]),
            Action::PrevView => self
                .set_view(View::ALL[(self.view.index() + View::ALL.len() - 1) % View::ALL.len()]),
            Action::ViewOverview => self.set_view(View::Overview),
            Action::ViewDetail => self.set_view(View::Detail),
            Action::ViewSources => self.set_view(View::Sources),
            Action::ViewEvents => self.set_view(View::Events),
            Action::ViewHelp => self.set_view(View::Help),
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-(page as i64)),
            Action::PageDown => self.move_by(page as i64),
            Action::Top => self.move_by(i64::MIN / 2),
            Action::Bottom => self.move_by(i64::MAX / 2),
            Action::PrevDomain => self.step_domain(-1),
            Action::NextDomain => self.step_domain(1),
            Action::Open => match self.view {
                View::Overview if self.selected.is_some() => {
                    self.picked = true;
                    self.set_view(View::Detail);
                }
                View::Events => {
                    // The list cuts long events: the box shows the selected one whole.
                    let events = self.visible_events();
                    let selected = self.event_selected.min(events.len().saturating_sub(1));
                    let modal = events
                        .get(selected)
                        .map(|e| super::event_box::open(e, self.utc_offset_secs));
                    if modal.is_some() {
                        self.modal = modal;
                    }
                }
                _ => {}
            },
            Action::Back => {
                if self.view == View::Overview {
                    if !self.filter.text.is_empty() {
                        self.filter.text.clear();
                        self.refresh_order();
                    }
                } else {
                    self.set_view(View::Overview);
                }
            }
            Action::Filter => {
                self.filter.before = self.filter.text.clone();
                self.filter.editing = true;
                if matches!(self.view, View::Detail | View::Help) {
                    self.set_view(View::Overview);
                }
            }
            Action::Sort => {
                self.sort = self.sort.next();
                self.refresh_order();
                self.say(format!("sorted by {}", self.sort.label()));
            }
            Action::Freeze => {
                self.frozen = !self.frozen;
                if !self.frozen {
                    self.status = self.latest.clone();
                    self.refresh_order();
                    self.say("live again");
                } else {
                    self.say("frozen: figures held, data still collected; press the freeze key again to follow");
                }
            }
            Action::Theme => {
                self.theme = (self.theme + 1) % self.themes.len();
                self.apply_theme();
                let mut text = format!("theme: {}", self.theme_name());
                if self.depth == ColorDepth::None {
                    text.push_str(" (colour is off, so the mono styles stay)");
                }
                self.say(text);
            }
            Action::Rollback => return self.rollback(),
            Action::Pause => return self.control(FeedControl::TogglePause),
            Action::SeekBack => return self.control(FeedControl::Seek(-30_000)),
            Action::SeekForward => return self.control(FeedControl::Seek(30_000)),
            Action::SeekBackLong => return self.control(FeedControl::Seek(-300_000)),
            Action::SeekForwardLong => return self.control(FeedControl::Seek(300_000)),
            Action::Faster => return self.control(FeedControl::Faster),
            Action::Slower => return self.control(FeedControl::Slower),
        }
        Vec::new()
    }

    fn set_view(&mut self, v: View) {
        if v == View::Help && self.view != View::Help {
            self.view_before_help = self.view;
        }
        if v == View::Detail && self.view != View::Detail {
            self.detail_scroll = 0;
        }
        self.view = v;
    }

    fn control(&mut self, c: FeedControl) -> Vec<UiCommand> {
        if self.mode == Mode::Live {
            self.say("live: pause, seek and speed work in replay and demo");
            return Vec::new();
        }
        vec![UiCommand::Control(c)]
    }

    fn rollback(&mut self) -> Vec<UiCommand> {
        let Some(domain) = self.selected.clone() else {
            self.say("rollback: select a domain first");
            return Vec::new();
        };
        // The gate alone decides: its answer comes back as an offer or a refusal.
        vec![UiCommand::Rollback { domain }]
    }

    fn move_by(&mut self, delta: i64) {
        let step = |cur: usize, len: usize| -> usize {
            if len == 0 {
                return 0;
            }
            (cur as i64).saturating_add(delta).clamp(0, len as i64 - 1) as usize
        };
        match self.view {
            View::Overview => {
                let cur = self.selected_index().unwrap_or(0);
                let next = step(cur, self.order.len());
                self.selected = self.nth_visible_name(next);
                self.picked = true;
            }
            View::Detail => {
                // The screen may have grown since the last scroll: count from what is shown.
                let max = self.layout.get().detail_max_scroll;
                self.detail_scroll = step(self.detail_scroll.min(max), max + 1);
            }
            View::Sources => {
                self.source_selected = step(self.source_selected, self.visible_sources().len());
            }
            View::Events => {
                self.event_selected = step(self.event_selected, self.visible_events().len());
            }
            View::Help => {
                let max = self.layout.get().help_max_scroll;
                self.help_scroll = step(self.help_scroll.min(max), max + 1);
            }
        }
    }

    fn step_domain(&mut self, delta: i64) {
        if self.view != View::Detail || self.order.is_empty() {
            return;
        }
        let cur = self.selected_index().unwrap_or(0) as i64;
        let n = self.order.len() as i64;
        let next = (cur + delta).rem_euclid(n) as usize;
        self.selected = self.nth_visible_name(next);
        self.picked = true;
        self.detail_scroll = 0;
    }

    fn nth_visible_name(&self, n: usize) -> Option<String> {
        self.visible_domains().nth(n).map(|d| d.name.clone())
    }

    /// Filters and sorts the domains again, keeping the selection on the same domain.
    fn refresh_order(&mut self) {
        let Some(st) = &self.status else {
            self.order.clear();
            return;
        };
        let parts = self.filter.parts();
        let mut order: Vec<usize> = st
            .domains
            .iter()
            .enumerate()
            .filter(|(_, d)| match &parts {
                None => true,
                Some((needle, invert)) => {
                    let hit = d.name.to_lowercase().contains(needle.as_str())
                        || d.stage.as_str().contains(needle.as_str())
                        || d.health.as_str() == needle.as_str();
                    hit != *invert
                }
            })
            .map(|(i, _)| i)
            .collect();
        let ds = &st.domains;
        match self.sort {
            SortKey::Health => order.sort_by(|&a, &b| {
                ds[b]
                    .health
                    .cmp(&ds[a].health)
                    .then_with(|| ds[a].name.cmp(&ds[b].name))
            }),
            SortKey::Name => order.sort_by(|&a, &b| ds[a].name.cmp(&ds[b].name)),
            SortKey::Errors => order.sort_by(|&a, &b| {
                let e = |i: usize| ds[i].traffic.as_ref().and_then(|t| t.new.error_ratio);
                match (e(a), e(b)) {
                    (Some(x), Some(y)) => y.total_cmp(&x),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                }
                .then_with(|| ds[a].name.cmp(&ds[b].name))
            }),
        }
        self.order = order;
        let still_visible = self
            .selected
            .as_deref()
            .is_some_and(|n| self.order.iter().any(|&i| ds[i].name == n));
        let follow_top = !self.picked || (!still_visible && self.view != View::Detail);
        if follow_top {
            self.selected = self.order.first().map(|&i| ds[i].name.clone());
        }
        if self.selected.is_none() {
            self.selected = self.order.first().map(|&i| ds[i].name.clone());
        }
    }

    /// The health of the worst domain and the count per health, for the header.
    pub fn health_counts(&self) -> [(Health, usize); 4] {
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
