//! The cockpit's side of contexts: the name in the header, and the means to list contexts and
//! to check one before switching. The cockpit does no I/O of its own: the command line hands it
//! these two functions (a live session's), and the event loop calls them when the contexts key
//! is pressed and when one is chosen. Switching itself ends the cockpit with
//! [`Ended::Switch`], and the command line starts the session again on the new config, so
//! nothing of the old one (pollers, figures, marks) can reach the new screen.

use std::fmt;
use std::sync::Arc;

use crate::config::context::ContextRow;

/// The config's name in the header: a context's name, or a production config's; shown in the
/// alarm style (and with the word PRODUCTION) when it is production.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    pub name: String,
    pub production: bool,
}

type List = dyn Fn() -> Vec<ContextRow> + Send + Sync;
type Check = dyn Fn(&str) -> Result<(), String> + Send + Sync;

/// What the contexts key can do in this session.
#[derive(Clone)]
pub enum ContextSwitch {
    /// Not here, and why (a replay, the demo, a recording session).
    Unavailable(String),
    /// The contexts, listed and checked by the command line.
    Available {
        /// Every context, each loaded as `--context NAME` would load it.
        list: Arc<List>,
        /// Loads a context as the switch will: `Err` with its error (file, line, key).
        check: Arc<Check>,
    },
}

impl ContextSwitch {
    /// Offered by a live session.
    pub fn available(
        list: impl Fn() -> Vec<ContextRow> + Send + Sync + 'static,
        check: impl Fn(&str) -> Result<(), String> + Send + Sync + 'static,
    ) -> ContextSwitch {
        ContextSwitch::Available {
            list: Arc::new(list),
            check: Arc::new(check),
        }
    }
}

impl Default for ContextSwitch {
    fn default() -> Self {
        ContextSwitch::Unavailable(
            "contexts are for live sessions: start cutover with --context NAME".into(),
        )
    }
}

impl fmt::Debug for ContextSwitch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContextSwitch::Unavailable(why) => f.debug_tuple("Unavailable").field(why).finish(),
            ContextSwitch::Available { .. } => f.write_str("Available"),
        }
    }
}

/// How the cockpit ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// Quit, a signal, the terminal gone.
    Quit,
    /// The operator chose this context, and it loaded: start the session again on it.
    Switch(String),
}
