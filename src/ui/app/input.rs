//! Keys: what each does to the state, and the commands it asks of the world outside.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::{App, Modal, View};
use crate::action::Kind;
use crate::feed::FeedControl;
use crate::mode::Mode;
use crate::ui::confirm;
use crate::ui::keys::Action;
use crate::ui::UiCommand;

impl App {
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
        if self.modal.open.is_some() {
            // Ctrl-C still quits from anywhere.
            if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
                return vec![UiCommand::Quit];
            }
            return self.modal_key(key);
        }
        self.message = None;
        if self.nav.filter.editing {
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
        if let Some(Modal::Event { domain, .. }) = &self.modal.open {
            let open = domain
                .clone()
                .filter(|_| self.keys.action(&key) == Some(Action::Open));
            self.modal.open = None;
            if let Some(d) = open {
                self.nav.selected = Some(d);
                self.nav.picked = true;
                self.nav.set_view(View::Detail);
            }
            return Vec::new();
        }
        if let Some(Modal::Contexts { rows, selected }) = self.modal.open.as_mut() {
            let last = rows.len().saturating_sub(1);
            match self.keys.action(&key) {
                Some(Action::Up) => *selected = selected.saturating_sub(1),
                Some(Action::Down) => *selected = (*selected + 1).min(last),
                Some(Action::Top) => *selected = 0,
                Some(Action::Bottom) => *selected = last,
                Some(Action::Open) => {
                    let name = rows.get(*selected).map(|r| r.name.clone());
                    self.modal.open = None;
                    return name.map(UiCommand::SwitchContext).into_iter().collect();
                }
                _ => self.modal.open = None,
            }
            return Vec::new();
        }
        let Some(Modal::Confirm {
            offer,
            typed,
            expect,
        }) = self.modal.open.as_mut()
        else {
            self.modal.open = None;
            return Vec::new();
        };
        let domain = offer.domain();
        match key.code {
            KeyCode::Esc => {
                let (kind, d) = (offer.kind(), domain.to_string());
                self.modal.open = None;
                self.say(format!("{} of {d} cancelled: nothing ran", kind.as_str()));
            }
            KeyCode::Backspace => {
                typed.pop();
            }
            KeyCode::Char(c)
                if !key.modifiers.contains(KeyModifiers::CONTROL)
                    && typed.len() < expect.len() + 64 =>
            {
                typed.push(c);
            }
            KeyCode::Enter => {
                let (offer, typed) = (offer.clone(), typed.clone());
                let drawn_whole = self.modal.drawn.shows(&offer.action, &typed);
                let (modal, cmd) = confirm::enter(&offer, typed, drawn_whole);
                self.modal.open = Some(modal);
                return vec![cmd];
            }
            _ => {}
        }
        Vec::new()
    }

    fn edit_filter(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Enter => self.nav.filter.editing = false,
            KeyCode::Esc => {
                self.nav.filter.text = std::mem::take(&mut self.nav.filter.before);
                self.nav.filter.editing = false;
            }
            KeyCode::Backspace => {
                self.nav.filter.text.pop();
            }
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.nav.filter.text = std::mem::take(&mut self.nav.filter.before);
                self.nav.filter.editing = false;
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.nav.filter.text.clear();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.nav.filter.text.push(c);
            }
            _ => {}
        }
        self.refresh_order();
    }

    fn act(&mut self, action: Action) -> Vec<UiCommand> {
        let view = self.nav.view;
        let out = self.act_on(action);
        // The detail view may keep a domain that is not the top row (see `refresh_order`):
        // another view puts the selection where it belongs there.
        if self.nav.view != view {
            self.refresh_order();
        }
        out
    }

    fn act_on(&mut self, action: Action) -> Vec<UiCommand> {
        let page = self.nav.layout.get().list_rows.max(1);
        match action {
            Action::Quit => return vec![UiCommand::Quit],
            Action::Suspend => return vec![UiCommand::Suspend],
            Action::Help => self.nav.toggle_help(),
            Action::NextView => self
                .nav
                .set_view(View::ALL[(self.nav.view.index() + 1) % View::ALL.len()]),
            Action::PrevView => self.nav.set_view(
                View::ALL[(self.nav.view.index() + View::ALL.len() - 1) % View::ALL.len()],
            ),
            Action::ViewOverview => self.nav.set_view(View::Overview),
            Action::ViewDetail => self.nav.set_view(View::Detail),
            Action::ViewSources => self.nav.set_view(View::Sources),
            Action::ViewEvents => self.nav.set_view(View::Events),
            Action::ViewHelp => self.nav.set_view(View::Help),
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-(page as i64)),
            Action::PageDown => self.move_by(page as i64),
            Action::Top => self.move_by(i64::MIN / 2),
            Action::Bottom => self.move_by(i64::MAX / 2),
            Action::PrevDomain => self.step_domain(-1),
            Action::NextDomain => self.step_domain(1),
            Action::Open => match self.nav.view {
                View::Overview if self.nav.selected.is_some() => {
                    self.nav.picked = true;
                    self.nav.set_view(View::Detail);
                }
                View::Events => {
                    // The list cuts long events: the box shows the selected one whole.
                    let events = self.visible_events();
                    let selected = self.nav.event_selected.min(events.len().saturating_sub(1));
                    let modal = events
                        .get(selected)
                        .map(|e| crate::ui::event_box::open(e, self.look.utc_offset_secs));
                    if modal.is_some() {
                        self.modal.open = modal;
                    }
                }
                _ => {}
            },
            Action::Back if self.nav.view == View::Detail && self.cursor_to_live() => {}
            Action::Back => {
                if self.nav.view == View::Overview {
                    if !self.nav.filter.text.is_empty() {
                        self.nav.filter.text.clear();
                        self.refresh_order();
                    }
                } else {
                    self.nav.set_view(View::Overview);
                }
            }
            Action::Filter => {
                self.nav.filter.before = self.nav.filter.text.clone();
                self.nav.filter.editing = true;
                if matches!(self.nav.view, View::Detail | View::Help) {
                    self.nav.set_view(View::Overview);
                }
            }
            Action::Sort => {
                self.nav.sort = self.nav.sort.next();
                self.refresh_order();
                self.say(format!("sorted by {}", self.nav.sort.label()));
            }
            Action::Freeze => {
                self.nav.frozen = !self.nav.frozen;
                if !self.nav.frozen {
                    self.data.status = self.data.latest.clone();
                    self.refresh_order();
                    self.say("live again");
                } else {
                    self.say("frozen: figures held, data still collected; press the freeze key again to follow");
                }
            }
            Action::Theme => {
                let text = self.look.next_theme();
                self.say(text);
            }
            Action::Contexts => {
                if self.data.mode != Mode::Live {
                    self.say(
                        "contexts are for live sessions: a replay and the demo show one recording",
                    );
                    return Vec::new();
                }
                return vec![UiCommand::Contexts];
            }
            Action::Rollback => return self.ask_gate(Kind::Rollback),
            Action::Promote => return self.ask_gate(Kind::Promote),
            Action::CopyTrace => return self.copy_trace(),
            Action::Pause => return self.control(FeedControl::TogglePause),
            Action::SeekBack => return self.control(FeedControl::Seek(-30_000)),
            Action::SeekForward => return self.control(FeedControl::Seek(30_000)),
            Action::SeekBackLong => return self.control(FeedControl::Seek(-300_000)),
            Action::SeekForwardLong => return self.control(FeedControl::Seek(300_000)),
            Action::Faster => return self.control(FeedControl::Faster),
            Action::Slower => return self.control(FeedControl::Slower),
            Action::ZoomIn => self.zoom_charts(true),
            Action::ZoomOut => self.zoom_charts(false),
            Action::CursorBack => self.move_cursor(-1),
            Action::CursorForward => self.move_cursor(1),
            Action::CursorBackLong => self.move_cursor(-super::chart_nav::LONG_STEP),
            Action::CursorForwardLong => self.move_cursor(super::chart_nav::LONG_STEP),
        }
        Vec::new()
    }

    /// The copy key: the selected domain's slowest recent trace link (else its newest error's)
    /// to the clipboard, when `[ui] clipboard` allows and there is one.
    fn copy_trace(&mut self) -> Vec<UiCommand> {
        if !self.trace_links.clipboard {
            self.say("copying is off: set [ui] clipboard = true to copy trace links (OSC 52)");
            return Vec::new();
        }
        let new = self
            .selected_domain()
            .and_then(|d| d.traffic.as_ref())
            .map(|t| &t.new);
        let Some(ex) = new.and_then(|s| s.slowest_exemplar.as_ref().or(s.error_exemplar.as_ref()))
        else {
            self.say("no recent trace to copy for this domain");
            return Vec::new();
        };
        let Some(url) = ex.url.clone() else {
            self.say("no link to copy: set [tracing] url");
            return Vec::new();
        };
        self.say(format!(
            "copied the link to trace {}",
            crate::trace_id::shown(&ex.trace_id)
        ));
        vec![UiCommand::Copy(url)]
    }

    fn control(&mut self, c: FeedControl) -> Vec<UiCommand> {
        if self.data.mode == Mode::Live {
            self.say("live: pause, seek and speed work in replay and demo");
            return Vec::new();
        }
        vec![UiCommand::Control(c)]
    }

    /// `R`, `P`: the selected domain's action, asked of the gate.
    fn ask_gate(&mut self, kind: Kind) -> Vec<UiCommand> {
        let Some(domain) = self.nav.selected.clone() else {
            self.say(format!("{}: select a domain first", kind.as_str()));
            return Vec::new();
        };
        // The gate alone decides: its answer comes back as an offer or a refusal.
        vec![UiCommand::Act { kind, domain }]
    }

    fn move_by(&mut self, delta: i64) {
        let step = |cur: usize, len: usize| -> usize {
            if len == 0 {
                return 0;
            }
            (cur as i64).saturating_add(delta).clamp(0, len as i64 - 1) as usize
        };
        match self.nav.view {
            View::Overview => {
                let cur = self.selected_index().unwrap_or(0);
                let next = step(cur, self.nav.order.len());
                self.nav.selected = self.nth_visible_name(next);
                self.nav.picked = true;
            }
            View::Detail => {
                // The screen may have grown since the last scroll: count from what is shown.
                let max = self.nav.layout.get().detail_max_scroll;
                self.nav.detail_scroll = step(self.nav.detail_scroll.min(max), max + 1);
            }
            View::Sources => {
                self.nav.source_selected =
                    step(self.nav.source_selected, self.visible_sources().len());
            }
            View::Events => {
                self.nav.event_selected =
                    step(self.nav.event_selected, self.visible_events().len());
            }
            View::Help => {
                let max = self.nav.layout.get().help_max_scroll;
                self.nav.help_scroll = step(self.nav.help_scroll.min(max), max + 1);
            }
        }
    }

    fn step_domain(&mut self, delta: i64) {
        if self.nav.view != View::Detail || self.nav.order.is_empty() {
            return;
        }
        let cur = self.selected_index().unwrap_or(0) as i64;
        let n = self.nav.order.len() as i64;
        let next = (cur + delta).rem_euclid(n) as usize;
        self.nav.selected = self.nth_visible_name(next);
        self.nav.picked = true;
        self.nav.detail_scroll = 0;
        self.keep_cursor_in_history();
    }

    fn nth_visible_name(&self, n: usize) -> Option<String> {
        self.visible_domains().nth(n).map(|d| d.name.clone())
    }
}
