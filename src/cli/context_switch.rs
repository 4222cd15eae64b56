//! The live cockpit's contexts: what its header shows, the list and check its contexts key
//! calls, and loading the context chosen. Each context is loaded exactly as `--context NAME`
//! loads it (`loaded::load_choice`), so the list, the check and the switch agree.

use tokio::task::JoinHandle;

use super::loaded::{self, Loaded};
use super::{Failure, GlobalArgs};
use crate::config::context::{self, Choice, ContextName, ContextSource};
use crate::config::PathSource;
use crate::ui::{Badge, ContextSwitch};

/// Loads context `name` (a name typed nowhere but checked all the same) for a switch.
pub fn load(global: &GlobalArgs, name: &str) -> Result<Loaded, Failure> {
    let name = ContextName::parse(name).map_err(|e| Failure::usage(e.to_string()))?;
    let dir = context::contexts_dir()
        .ok_or_else(|| Failure::usage(context::ContextError::NoDirectory.to_string()))?;
    loaded::load_choice(
        global,
        Choice {
            path: Some(context::context_file(&dir, &name)),
            source: PathSource::Default,
            context: Some((name, ContextSource::Switched)),
        },
    )
}

/// The header's name: a context's (alarm style when production), or a production config's
/// file stem; nothing for a plain config.
pub fn badge(loaded: &Loaded) -> Option<Badge> {
    let production = loaded.config.settings.production;
    (loaded.context.is_some() || production).then(|| Badge {
        name: loaded.name(),
        production,
    })
}

/// What the footer says on arriving in a context: its name and its config's warnings.
pub fn greeting(loaded: &Loaded) -> String {
    let mut text = format!(
        "switched to context {}{}",
        loaded.name(),
        if loaded.config.settings.production {
            " (PRODUCTION)"
        } else {
            ""
        }
    );
    for w in &loaded.warnings {
        tracing::warn!("{w}");
        text.push_str("; warning: ");
        text.push_str(w);
    }
    text
}

/// The contexts key of a live session whose context is `current`.
pub fn offer(global: &GlobalArgs, current: Option<ContextName>) -> ContextSwitch {
    let (for_list, for_check) = (global.clone(), global.clone());
    ContextSwitch::available(
        move || match context::contexts_dir() {
            Some(dir) => super::contexts::rows(&for_list, &dir, current.as_ref()),
            None => Vec::new(),
        },
        move |name| load(&for_check, name).map(|_| ()).map_err(|f| f.message),
    )
}

/// A session's background tasks (feeds of marks, ramps, readiness, notifications): stopped
/// when the session ends, so none of them outlives its config into the next one.
#[derive(Default)]
pub struct Tasks(Vec<JoinHandle<()>>);

impl Tasks {
    pub fn push(&mut self, task: JoinHandle<()>) {
        self.0.push(task);
    }

    pub fn stop(&mut self) {
        for t in self.0.drain(..) {
            t.abort();
        }
    }
}

impl Drop for Tasks {
    fn drop(&mut self) {
        self.stop();
    }
}
