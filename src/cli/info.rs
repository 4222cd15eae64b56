//! `cutover info`: one place that says where everything lives and what this build is, so that
//! on a bastion host nobody has to guess which config was loaded or where the audit log went.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::action::audit::AuditLog;
use crate::config::context::ContextSource;
use crate::config::{resolve_path, PathSource};

use super::args::GlobalArgs;
use super::logging::{state_dir, LOG_FILE};

/// The version of this build, from Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The short git commit the binary was built from, or "unknown" when built outside a checkout.
pub const GIT_COMMIT: &str = env!("CUTOVER_GIT_COMMIT");

/// The target triple the binary was built for.
pub const TARGET: &str = env!("CUTOVER_TARGET");

/// Cargo features enabled in this build, comma-separated (empty when none).
const FEATURES: &str = env!("CUTOVER_FEATURES");

/// Everything `cutover info` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Info {
    pub version: String,
    pub commit: String,
    pub target: String,
    pub features: Vec<String>,
    pub config: ConfigPath,
    pub themes_dir: Location,
    pub state_dir: Location,
    pub audit_log: Location,
    pub log_file: Location,
    /// The events the live cockpit keeps for the next session (`event_memory`).
    pub events_memory: Location,
    pub recordings_dir: Location,
}

/// The config file that would be loaded, and why that one.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigPath {
    /// `None` when no flag, no variable and no config directory exist.
    pub path: Option<PathBuf>,
    /// `flag`, `env`, `context` or `default`.
    pub source: &'static str,
    /// The same in words: "given by --config", ...
    pub reason: &'static str,
    pub exists: bool,
}

/// A path and whether it exists; `path` is `None` when the platform has no such directory
/// (no home directory, for instance).
#[derive(Debug, Clone, Serialize)]
pub struct Location {
    pub path: Option<PathBuf>,
    pub exists: bool,
}

impl Location {
    fn of(path: Option<PathBuf>) -> Location {
        let exists = path.as_deref().is_some_and(Path::exists);
        Location { path, exists }
    }
}

/// The folder `cutover info` suggests for recordings: `<data dir>/recordings` (on Linux
/// `~/.local/share/cutover/recordings`). Nothing writes there on its own; `record --out` and
/// `--record` take any path, and this gives them a conventional home.
pub fn default_recordings_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "cutover").map(|d| d.data_dir().join("recordings"))
}

/// Gathers the paths for these global flags and the environment; creates nothing.
pub fn gather(global: &GlobalArgs) -> Info {
    let (config_path, source) = resolve_path(global.config.as_deref());
    // A context chosen by --context or $CUTOVER_CONTEXT names the file instead; a choice that
    // is an error (a bad name) leaves the plain lookup, which the command then refuses.
    let by_context =
        crate::config::context::choose(global.config.as_deref(), global.context.as_deref())
            .ok()
            .and_then(|c| c.context.map(|(_, how)| (c.path, how)));
    let state = state_dir();
    Info {
        version: VERSION.to_string(),
        commit: GIT_COMMIT.to_string(),
        target: TARGET.to_string(),
        features: FEATURES
            .split(',')
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect(),
        config: match by_context {
            Some((path, how)) => ConfigPath {
                exists: path.as_deref().is_some_and(Path::is_file),
                path,
                source: "context",
                reason: match how {
                    ContextSource::Env => "the context given by $CUTOVER_CONTEXT",
                    _ => "the context given by --context",
                },
            },
            None => ConfigPath {
                exists: config_path.as_deref().is_some_and(Path::is_file),
                path: config_path,
                source: match source {
                    PathSource::Flag => "flag",
                    PathSource::Env => "env",
                    PathSource::Default => "default",
                },
                reason: source.describe(),
            },
        },
        themes_dir: Location::of(crate::ui::theme::user_theme_dir()),
        audit_log: Location::of(
            state
                .as_deref()
                .map(|d| AuditLog::in_state_dir(d).path().to_path_buf()),
        ),
        log_file: Location::of(state.as_deref().map(|d| d.join(LOG_FILE))),
        events_memory: Location::of(state.as_deref().map(|d| d.join(crate::event_memory::FILE))),
        state_dir: Location::of(state),
        recordings_dir: Location::of(default_recordings_dir()),
    }
}

/// The human-readable report: one line per path, aligned, with `exists` or `missing`.
pub fn render_text(info: &Info) -> String {
    let features = if info.features.is_empty() {
        "none".to_string()
    } else {
        info.features.join(", ")
    };
    let mut out = format!(
        "cutover {} (commit {}, {})\nfeatures: {features}\n\n",
        info.version, info.commit, info.target
    );
    let show = |p: &Option<PathBuf>| match p {
        Some(p) => p.display().to_string(),
        None => "(no such directory on this platform)".to_string(),
    };
    let state = |exists: bool| if exists { "exists" } else { "missing" };
    let rows: [(&str, &Option<PathBuf>, bool, String); 7] = [
        (
            "config file",
            &info.config.path,
            info.config.exists,
            format!(" ({})", info.config.reason),
        ),
        (
            "themes folder",
            &info.themes_dir.path,
            info.themes_dir.exists,
            String::new(),
        ),
        (
            "state folder",
            &info.state_dir.path,
            info.state_dir.exists,
            String::new(),
        ),
        (
            "audit log",
            &info.audit_log.path,
            info.audit_log.exists,
            String::new(),
        ),
        (
            "log file",
            &info.log_file.path,
            info.log_file.exists,
            String::new(),
        ),
        (
            "events memory",
            &info.events_memory.path,
            info.events_memory.exists,
            String::new(),
        ),
        (
            "recordings",
            &info.recordings_dir.path,
            info.recordings_dir.exists,
            " (suggested for record --out)".to_string(),
        ),
    ];
    let width = rows
        .iter()
        .map(|(_, p, _, _)| show(p).len())
        .max()
        .unwrap_or(0);
    for (label, path, exists, note) in rows {
        out.push_str(&format!(
            "{label:<14} {:<width$}  {}{note}\n",
            show(path),
            state(exists)
        ));
    }
    out
}
