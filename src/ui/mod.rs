//! The terminal cockpit. The state ([`app::App`]) knows no terminal and is what the tests
//! drive; the views draw it with ratatui; the event loop owns the terminal and never awaits the
//! network: figures arrive on a channel.

pub mod app;
pub mod backend;
pub mod confirm;
mod context_keys;
pub mod context_switch;
pub mod event_box;
pub mod event_loop;
pub mod glyphs;
pub mod handoff;
pub mod hyperlink;
pub mod keys;
pub mod screenshot;
pub mod terminal;
pub mod theme;
pub mod theme_load;
pub mod views;
pub mod widgets;

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

pub use crate::feed::{FeedControl, FeedEvent, Offer, ReplayPosition};
pub use app::{App, TermCaps};
pub use context_switch::{Badge, ContextSwitch, Ended};
pub use event_loop::{run, run_watching};
pub use theme::{ColorChoice, ColorDepth};

use crate::mode::Mode;
use crate::plan::Plan;

/// What the command line hands the cockpit.
#[derive(Debug, Clone)]
pub struct UiOptions {
    pub mode: Mode,
    /// `None`: may act. `Some(reason)`: READ-ONLY, with the reason shown when an action is refused.
    pub read_only: Option<String>,
    pub theme: String,
    pub color: ColorChoice,
    /// `None`: decided from the locale.
    pub ascii: Option<bool>,
    /// `[bindings]`: action name → keys.
    pub bindings: HashMap<String, String>,
    pub plan: Arc<Plan>,
    /// How much history the charts keep.
    pub history: Duration,
    /// Where action requests go (the action gate's task). `None`: nothing to ask.
    pub actions: Option<tokio::sync::mpsc::Sender<ActionRequest>>,
    /// Audits a refusal the gate could not hear (a confirmation it never received).
    pub refusals: Option<handoff::RefusalAudit>,
    /// The events memory of a live session (`event_memory`): earlier sessions' events are
    /// shown, marked, and this session's are appended. `None` in replay and the demo, and
    /// where the state dir cannot be trusted.
    pub memory: Option<crate::event_memory::EventMemory>,
    /// Each domain's `[domain.promote]`, for the plan in the detail view (none: no plan shown).
    pub promotes: HashMap<String, crate::action::promote::PromotePlan>,
    /// `[ui] bell`: ring on crit, on a fail verdict and at the end of a verification (live
    /// only; a replay and the demo never ring).
    pub bell: bool,
    /// OSC 8 links and OSC 52 copies of trace links (`hyperlink`); both off by default.
    pub trace_links: hyperlink::TraceLinks,
    /// The config's name in the header (a context's, or a production config's).
    pub badge: Option<Badge>,
    /// What the confirmation dialogs ask to be typed (`NAME/DOMAIN` on production).
    pub typed_name: crate::action::TypedName,
    /// The contexts key: the list and the switch, or why not here.
    pub contexts: ContextSwitch,
    /// Said in the footer at start (the context switched to, a warning of its config).
    pub greeting: Option<String>,
}

/// A live cockpit with nothing to act through (no gate: `actions` is `None`), the default
/// theme and colours decided from the terminal, an empty plan and the plan's default history.
/// What a test or a bench sets is then only what it means to set.
impl Default for UiOptions {
    fn default() -> Self {
        UiOptions {
            mode: Mode::Live,
            read_only: None,
            theme: "default".into(),
            color: ColorChoice::default(),
            ascii: None,
            bindings: HashMap::new(),
            plan: Arc::new(Plan::default()),
            history: crate::plan::Timing::default().history,
            actions: None,
            refusals: None,
            memory: None,
            promotes: HashMap::new(),
            bell: false,
            trace_links: Default::default(),
            badge: None,
            typed_name: crate::action::TypedName::plain(),
            contexts: ContextSwitch::default(),
            greeting: None,
        }
    }
}

/// What the cockpit asks of the action gate.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionRequest {
    /// `R` or `P` on a domain: may it be rolled back, promoted? Answered by an offer or a
    /// refusal.
    Open {
        kind: crate::action::Kind,
        domain: String,
    },
    /// The dialog's Enter: the action it offered (a promotion with the target it showed), what
    /// was typed and whether the last frame showed the dialog whole (every step and the
    /// prompt); the gate refuses a confirmation without it.
    Confirm {
        action: crate::action::Action,
        typed: String,
        drawn_whole: bool,
        /// What the dialog showed (a promotion's share, warnings, the last action then).
        shown: crate::action::promote::Shown,
    },
}

/// What a key press asks of the world outside the state.
#[derive(Debug, Clone, PartialEq)]
pub enum UiCommand {
    Quit,
    /// Give the terminal back and stop, as Ctrl-Z does in a shell; resume on SIGCONT.
    Suspend,
    Control(FeedControl),
    /// Roll this domain back, or promote it: always handed to the action gate, which refuses
    /// (and audits the refusal) when nothing may act.
    Act {
        kind: crate::action::Kind,
        domain: String,
    },
    /// The confirmation dialog's Enter.
    Confirm {
        action: crate::action::Action,
        typed: String,
        /// The last frame showed the dialog whole.
        drawn_whole: bool,
        /// What the dialog showed (a promotion's share, warnings, the last action then).
        shown: crate::action::promote::Shown,
    },
    /// Put this link on the clipboard (OSC 52); checked, and allowed by `[ui] clipboard`.
    Copy(String),
    /// The contexts key: list the contexts (the event loop asks the command line's list).
    Contexts,
    /// Switch to this context (refused while an action is in flight or when it does not load).
    SwitchContext(String),
}

/// Why the cockpit cannot start.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    #[error(transparent)]
    Keys(#[from] keys::KeyError),
    #[error(transparent)]
    Theme(#[from] theme::ThemeError),
    #[error("stdout is not a terminal, so there is no cockpit to show; for the figures as text or JSON use `cutover status` (or `cutover status --json`)")]
    NotATerminal,
    #[error("terminal: {0}")]
    Io(#[from] std::io::Error),
}

/// Whether a TUI can be shown on stdout.
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}
