//! Where the config is looked for (DESIGN §1), and whether it can be trusted (DESIGN §2).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::Config;
use crate::safe_fs::trust::{self, Role};

/// The environment variable naming a config file.
pub const CONFIG_ENV: &str = "CUTOVER_CONFIG";

/// Why a config path was chosen, so that messages can say where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathSource {
    /// `--config FILE`.
    Flag,
    /// `$CUTOVER_CONFIG`.
    Env,
    /// `<config dir>/cutover.toml`.
    Default,
}

impl PathSource {
    /// In words, for messages: "from --config", "from $CUTOVER_CONFIG", "the default path".
    pub fn describe(self) -> &'static str {
        match self {
            PathSource::Flag => "given by --config",
            PathSource::Env => "given by $CUTOVER_CONFIG",
            PathSource::Default => "the default location",
        }
    }
}

/// `<config dir>/cutover.toml` (e.g. `~/.config/cutover/cutover.toml` on Linux), when the
/// platform has a config directory.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "cutover")
        .map(|dirs| dirs.config_dir().join("cutover.toml"))
}

/// The config to read: `--config`, then `$CUTOVER_CONFIG`, then the default path. The path is
/// `None` only when no flag, no variable and no config directory exist; it may name a file that
/// does not exist, so that the caller can say which path it looked at.
pub fn resolve_path(flag: Option<&Path>) -> (Option<PathBuf>, PathSource) {
    resolve_with(flag, std::env::var_os(CONFIG_ENV), default_path())
}

fn resolve_with(
    flag: Option<&Path>,
    env: Option<OsString>,
    default: Option<PathBuf>,
) -> (Option<PathBuf>, PathSource) {
    if let Some(flag) = flag {
        return (Some(flag.to_path_buf()), PathSource::Flag);
    }
    match env {
        Some(value) if !value.is_empty() => (Some(PathBuf::from(value)), PathSource::Env),
        _ => (default, PathSource::Default),
    }
}

/// Why the config file at `path` cannot be trusted: OpenSSH's rule (`safe_fs::trust`) — it
/// and every directory above it must belong to the user or root and be closed to writes by
/// group and others. Whoever can change the config can change the commands a rollback runs
/// with the operator's rights. `None` when it can be trusted or cannot be examined.
pub fn loose_permissions(path: &Path) -> Option<String> {
    trust::untrusted(path, Role::Config)
}

/// Why the config at `path`, or a file it names that decides what cutover sends or believes
/// (token, password and CA files), cannot be trusted; the first reason found.
pub fn untrusted_files(path: &Path, config: &Config) -> Option<String> {
    loose_permissions(path).or_else(|| {
        named_files(config)
            .into_iter()
            .find_map(|(file, role)| trust::untrusted(file, role))
    })
}

/// Warnings for secret files that group or others can read: the secret may already be out.
pub fn readable_secrets(config: &Config) -> Vec<String> {
    named_files(config)
        .into_iter()
        .filter_map(|(file, role)| trust::readable_secret(file, role))
        .collect()
}

/// Every file the config names, with what it holds.
fn named_files(config: &Config) -> Vec<(&Path, Role)> {
    let mut files = Vec::new();
    for source in &config.sources {
        if let Some(f) = &source.bearer_token_file {
            files.push((f.as_path(), Role::Token));
        }
        if let Some(f) = source
            .basic_auth
            .as_ref()
            .and_then(|a| a.password_file.as_ref())
        {
            files.push((f.as_path(), Role::Password));
        }
        if let Some(f) = &source.ca_file {
            files.push((f.as_path(), Role::CaFile));
        }
    }
    for target in &config.notify {
        if let Some(f) = &target.bearer_token_file {
            files.push((f.as_path(), Role::Token));
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_wins_then_env_then_default() {
        let default = Some(PathBuf::from("/home/u/.config/cutover/cutover.toml"));
        assert_eq!(
            resolve_with(
                Some(Path::new("a.toml")),
                Some("b.toml".into()),
                default.clone()
            ),
            (Some(PathBuf::from("a.toml")), PathSource::Flag)
        );
        assert_eq!(
            resolve_with(None, Some("b.toml".into()), default.clone()),
            (Some(PathBuf::from("b.toml")), PathSource::Env)
        );
        assert_eq!(
            resolve_with(None, Some("".into()), default.clone()),
            (default.clone(), PathSource::Default)
        );
        assert_eq!(
            resolve_with(None, None, default.clone()),
            (default, PathSource::Default)
        );
    }

    #[test]
    fn default_path_ends_with_cutover_toml() {
        if let Some(path) = default_path() {
            assert!(path.ends_with("cutover/cutover.toml") || path.ends_with("cutover.toml"));
        }
    }

    #[cfg(unix)]
    #[test]
    fn permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cutover.toml");
        std::fs::write(&path, "").unwrap();
        let set =
            |mode| std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();

        set(0o600);
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(loose_permissions(&path), None);
        set(0o644);
        assert_eq!(loose_permissions(&path), None);
        set(0o664);
        let why = loose_permissions(&path).unwrap();
        assert!(why.contains("writable by its group (mode 0664)"), "{why}");
        assert!(why.contains("chmod go-w"), "{why}");
        set(0o646);
        assert!(loose_permissions(&path)
            .unwrap()
            .contains("by all users (mode 0646)"));
        set(0o666);
        assert!(loose_permissions(&path)
            .unwrap()
            .contains("by its group and all users"));
        assert_eq!(loose_permissions(&dir.path().join("missing.toml")), None);
    }
}
