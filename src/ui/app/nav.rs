//! Where the user is: the view, the selection and scroll of each view, the filter, the sort
//! and the freeze.

use std::cell::{Cell, RefCell};

use crate::figures::{DomainStatus, Status};

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

    pub(crate) fn index(self) -> usize {
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

    pub(crate) fn next(self) -> SortKey {
        match self {
            SortKey::Health => SortKey::Name,
            SortKey::Name => SortKey::Errors,
            SortKey::Errors => SortKey::Health,
        }
    }
}

/// The `/` filter. `!` in front inverts it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub text: String,
    pub editing: bool,
    /// The text before editing started, restored by Esc.
    pub(crate) before: String,
}

impl Filter {
    /// (needle in lower case, inverted); `None` when it filters nothing.
    pub(crate) fn parts(&self) -> Option<(String, bool)> {
        let (invert, needle) = match self.text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, self.text.as_str()),
        };
        (!needle.is_empty()).then(|| (needle.to_lowercase(), invert))
    }
}

/// Sizes the last frame had, so keys can page and clamp by what is on screen.
#[derive(Debug, Clone, Copy, Default)]
pub struct LayoutMemo {
    pub list_rows: usize,
    pub detail_max_scroll: usize,
    pub help_max_scroll: usize,
    /// Dot columns of the detail charts' time axis (the same in every panel).
    pub chart_cols: usize,
}

/// The view shown and, per view, what is selected and how far it is scrolled.
#[derive(Debug)]
pub(crate) struct Nav {
    pub(crate) view: View,
    pub(crate) view_before_help: View,
    pub(crate) selected: Option<String>,
    /// Until the user picks a domain, the selection stays on the top row (the worst domain).
    pub(crate) picked: bool,
    pub(crate) source_selected: usize,
    pub(crate) event_selected: usize,
    pub(crate) detail_scroll: usize,
    pub(crate) help_scroll: usize,
    pub(crate) filter: Filter,
    pub(crate) sort: SortKey,
    pub(crate) frozen: bool,
    /// The detail charts' zoom and cursor.
    pub(crate) chart: super::chart_nav::ChartNav,
    /// Indices into the status's domains, filtered and sorted.
    pub(crate) order: Vec<usize>,
    pub(crate) layout: Cell<LayoutMemo>,
    /// First rows shown of the scrolling lists (kept by the views so selection moves smoothly).
    pub(crate) overview_offset: Cell<usize>,
    pub(crate) sources_offset: Cell<usize>,
    pub(crate) events_offset: Cell<usize>,
    /// The detail view's box heights, held against small changes (see [`HeldRows`]).
    pub(crate) detail_rows: RefCell<super::HeldRows>,
}

impl Default for Nav {
    fn default() -> Nav {
        Nav {
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
            chart: Default::default(),
            order: Vec::new(),
            layout: Cell::new(LayoutMemo::default()),
            overview_offset: Cell::new(0),
            sources_offset: Cell::new(0),
            events_offset: Cell::new(0),
            detail_rows: RefCell::default(),
        }
    }
}

impl Nav {
    pub(crate) fn set_view(&mut self, v: View) {
        if v == View::Help && self.view != View::Help {
            self.view_before_help = self.view;
        }
        if v == View::Detail && self.view != View::Detail {
            self.detail_scroll = 0;
        }
        self.view = v;
    }

    /// Help toggles: pressed again, it goes back to the view it was opened from.
    pub(crate) fn toggle_help(&mut self) {
        if self.view == View::Help {
            self.view = self.view_before_help;
        } else {
            self.view_before_help = self.view;
            self.view = View::Help;
        }
    }

    /// The domains on the overview, filtered and sorted.
    pub(crate) fn visible_domains<'a>(
        &'a self,
        status: Option<&'a Status>,
    ) -> impl Iterator<Item = &'a DomainStatus> + 'a {
        let domains = status.map(|s| s.domains.as_slice()).unwrap_or(&[]);
        self.order.iter().map(move |&i| &domains[i])
    }

    /// Filters and sorts the domains again, keeping the selection on the same domain.
    pub(crate) fn refresh_order(&mut self, status: Option<&Status>) {
        let Some(st) = status else {
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
        // Until a domain is picked the detail view follows the worst one, but not between
        // domains equally bad: a tie that changes order would redraw the whole view for
        // nothing new; a domain that becomes worse than the one shown still takes over at once.
        let top = self.order.first().map(|&i| &ds[i]);
        let shown = self
            .selected
            .as_deref()
            .and_then(|n| self.order.iter().map(|&i| &ds[i]).find(|d| d.name == n));
        let tied = match (top, shown) {
            (Some(t), Some(s)) => t.health == s.health,
            _ => false,
        };
        let keep = self.view == View::Detail && self.sort == SortKey::Health && tied;
        let follow_top = (!self.picked && !keep) || (!still_visible && self.view != View::Detail);
        if follow_top {
            self.selected = self.order.first().map(|&i| ds[i].name.clone());
        }
        if self.selected.is_none() {
            self.selected = self.order.first().map(|&i| ds[i].name.clone());
        }
    }
}
