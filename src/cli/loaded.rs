//! Finding, loading and compiling the config for a command.

use std::path::{Path, PathBuf};

use super::{Failure, GlobalArgs};
use crate::compile::{compile, Compiled};
use crate::config::{self, Config, PathSource};

pub struct Loaded {
    pub path: PathBuf,
    pub config: Config,
    pub compiled: Compiled,
    /// `Some(reason)` when nothing may act.
    pub read_only: Option<String>,
}

/// The message when there is no config, naming where we looked.
pub fn no_config_message(path: Option<&Path>, why: PathSource) -> String {
    let looked = match path {
        Some(p) => format!("no config at {} ({})", p.display(), why.describe()),
        None => "no config: no config directory could be determined".to_string(),
    };
    format!(
        "{looked}.\n  Try the bundled demo:   cutover --demo\n  Or write a config (an example: examples/cutover.toml in the source tree) and pass --config FILE."
    )
}

pub fn load(global: &GlobalArgs) -> Result<Loaded, Failure> {
    let (path, why) = config::resolve_path(global.config.as_deref());
    let path = match path {
        Some(p) if p.exists() => p,
        other => return Err(Failure::usage(no_config_message(other.as_deref(), why))),
    };
    let config = config::load(&path).map_err(|e| Failure::usage(e.to_string()))?;
    let compiled =
        compile(&config).map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
    let mut read_only = None;
    if global.read_only {
        read_only = Some("--read-only was given".to_string());
    } else if config.settings.read_only {
        read_only = Some(format!("read_only = true in {}", path.display()));
    } else if let Some(why) = config::loose_permissions(&path) {
        read_only = Some(why);
    } else if let Some(why) = config
        .secret_files()
        .into_iter()
        .find_map(config::loose_permissions)
    {
        read_only = Some(why);
    }
    Ok(Loaded {
        path,
        config,
        compiled,
        read_only,
    })
}
