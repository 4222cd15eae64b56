//! Finding, loading and compiling the config for a command.

use std::path::{Path, PathBuf};

use super::{Failure, GlobalArgs};
use crate::compile::{compile, Compiled};
use crate::config::context::{self, Choice, ContextName, ContextSource};
use crate::config::{self, Config, PathSource};
use crate::safe_fs::state_dir;

pub struct Loaded {
    pub path: PathBuf,
    pub config: Config,
    pub compiled: Compiled,
    /// `Some(reason)` when nothing may act.
    pub read_only: Option<String>,
    /// Said on start and by `check`, without stopping anything (a token file others can read).
    pub warnings: Vec<String>,
    /// The context the config was chosen as, and how it was chosen.
    pub context: Option<(ContextName, ContextSource)>,
}

impl Loaded {
    /// The config's name for confirmations and the header: the context's, else the file's
    /// stem.
    pub fn name(&self) -> String {
        match &self.context {
            Some((name, _)) => name.to_string(),
            None => self
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "config".into()),
        }
    }

    /// What confirms an action under this config (`TypedName`).
    pub fn typed_name(&self) -> crate::action::TypedName {
        if self.config.settings.production {
            crate::action::TypedName::production(&crate::term_text::for_terminal(&self.name()))
        } else {
            crate::action::TypedName::plain()
        }
    }

    /// The context's name, for the audit log.
    pub fn context_name(&self) -> Option<String> {
        self.context.as_ref().map(|(n, _)| n.to_string())
    }
}

/// The message when there is no config, naming where we looked.
pub fn no_config_message(path: Option<&Path>, why: PathSource) -> String {
    let (looked, written) = match path {
        Some(p) => (
            format!("no config at {} ({})", p.display(), why.describe()),
            format!("it writes {}", p.display()),
        ),
        None => (
            "no config: no config directory could be determined".to_string(),
            "give it --out FILE".to_string(),
        ),
    };
    format!(
        "{looked}.\n  Try the bundled demo:   cutover --demo\n  Or write a starter config from your metrics endpoints (it detects the exporters;\n  {written}), then run `cutover check`:\n    cutover init http://gateway:8404/metrics http://service:8000/metrics"
    )
}

/// Loads the config and says its warnings on stderr.
pub fn load(global: &GlobalArgs) -> Result<Loaded, Failure> {
    let loaded = load_quietly(global)?;
    for w in &loaded.warnings {
        tracing::warn!("{w}");
        crate::errln!("cutover: warning: {w}");
    }
    Ok(loaded)
}

/// Loads the config; the caller says the warnings.
pub fn load_quietly(global: &GlobalArgs) -> Result<Loaded, Failure> {
    let choice = context::choose(global.config.as_deref(), global.context.as_deref())
        .map_err(|e| Failure::usage(e.to_string()))?;
    load_choice(global, choice)
}

/// Loads the config `choice` names (a context's included); the caller says the warnings.
pub fn load_choice(global: &GlobalArgs, choice: Choice) -> Result<Loaded, Failure> {
    let Choice {
        path,
        source: why,
        context,
    } = choice;
    let path = match (path, &context) {
        (Some(p), _) if p.exists() => p,
        (Some(p), Some((name, _))) => {
            return Err(Failure::usage(format!(
                "no context {name}: {} does not exist (`cutover contexts` lists them)",
                p.display()
            )))
        }
        (other, _) => return Err(Failure::usage(no_config_message(other.as_deref(), why))),
    };
    let config = config::load(&path).map_err(|e| Failure::usage(e.to_string()))?;
    let compiled =
        compile(&config).map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
    let mut read_only = None;
    if global.read_only {
        read_only = Some("--read-only was given".to_string());
    } else if config.settings.read_only {
        read_only = Some(format!("read_only = true in {}", path.display()));
    } else if let Some(why) = config::untrusted_files(&path, &config) {
        read_only = Some(why);
    } else if let Some(Err(why)) = super::logging::state_dir().map(|d| state_dir::check(&d)) {
        read_only = Some(why.to_string());
    }
    let warnings = config::readable_secrets(&config);
    Ok(Loaded {
        path,
        config,
        compiled,
        read_only,
        warnings,
        context,
    })
}
