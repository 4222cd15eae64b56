//! Contexts, as k9s has them: several environments side by side, one config file each in
//! `<config dir>/contexts/NAME.toml`, chosen with `--context NAME` or `$CUTOVER_CONTEXT`.
//!
//! A context name becomes part of a path and is printed on screen and in the audit log, and it
//! may come from an environment variable set by anyone who could set one: it is checked to be a
//! plain file stem (letters, digits, `_`, `-`, `.`; no leading dot or dash; no `..`; at most
//! [`MAX_NAME`] characters) before anything is opened.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use super::paths::{PathSource, CONFIG_ENV};

/// The environment variable naming a context.
pub const CONTEXT_ENV: &str = "CUTOVER_CONTEXT";

/// The longest context name accepted, in characters.
pub const MAX_NAME: usize = 64;

/// At most this many context files are listed: a directory filled by mistake (or on purpose)
/// costs a bounded time.
pub const MAX_LISTED: usize = 256;

/// A context's name, checked to be a safe file stem.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContextName(String);

/// Why a context could not be chosen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContextError {
    #[error("context name {shown} {why}")]
    BadName { shown: String, why: &'static str },
    #[error("--config and --context both name a config: give one of them")]
    ConfigAndContext,
    #[error("$CUTOVER_CONFIG and $CUTOVER_CONTEXT are both set: unset one, or choose with --config or --context")]
    BothVariables,
    #[error("no config directory could be determined, so there is no contexts directory")]
    NoDirectory,
}

impl ContextName {
    /// Checks a name as typed (`--context`, `$CUTOVER_CONTEXT`, a file stem).
    pub fn parse(name: &str) -> Result<ContextName, ContextError> {
        let bad = |why| ContextError::BadName {
            shown: format!(
                "\"{}\"",
                crate::term_text::for_terminal(
                    &name.chars().take(MAX_NAME + 8).collect::<String>()
                )
            ),
            why,
        };
        if name.is_empty() {
            return Err(bad("is empty"));
        }
        if name.chars().count() > MAX_NAME {
            return Err(bad("is longer than 64 characters"));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            return Err(bad(
                "may hold only letters, digits, '_', '-' and '.' (it names a file in the contexts directory)",
            ));
        }
        if name.starts_with(['.', '-']) || name.contains("..") {
            return Err(bad(
                "may not start with '.' or '-' nor hold '..' (it names a file in the contexts directory)",
            ));
        }
        Ok(ContextName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ContextName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One context as `cutover contexts` and the cockpit's list show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ContextRow {
    pub name: String,
    pub path: PathBuf,
    /// Whether the session would be read-only (`[settings] read_only`, `--read-only`, loose
    /// permissions, an untrusted state dir); `None` when the file does not load.
    pub read_only: Option<bool>,
    /// `[settings] production`; `None` when the file does not load.
    pub production: Option<bool>,
    /// The context in use now (chosen by `--context` or `$CUTOVER_CONTEXT`, or switched to).
    pub current: bool,
    /// Why the file does not load (file, line, key and what is wrong).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `<config dir>/contexts`, beside the default config, when the platform has a config dir.
pub fn contexts_dir() -> Option<PathBuf> {
    super::paths::default_path()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .map(|d| d.join("contexts"))
}

/// The file of context `name` in `dir`.
pub fn context_file(dir: &Path, name: &ContextName) -> PathBuf {
    dir.join(format!("{name}.toml"))
}

/// How a context was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextSource {
    /// `--context NAME`.
    Flag,
    /// `$CUTOVER_CONTEXT`.
    Env,
    /// Switched to in the cockpit.
    Switched,
}

/// The config a command is to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// `None` only when no config directory exists and nothing named a file.
    pub path: Option<PathBuf>,
    pub source: PathSource,
    /// Set when the path is a context's file.
    pub context: Option<(ContextName, ContextSource)>,
}

/// What names the config: `--config`, `--context`, `$CUTOVER_CONTEXT`, `$CUTOVER_CONFIG`, the
/// default path, in that order. The two flags together are an error, and so are the two
/// variables together (which one was meant cannot be told); a flag wins over either variable.
pub fn choose(
    flag_config: Option<&Path>,
    flag_context: Option<&str>,
) -> Result<Choice, ContextError> {
    choose_with(
        flag_config,
        flag_context,
        std::env::var_os(CONFIG_ENV),
        std::env::var_os(CONTEXT_ENV),
        contexts_dir(),
        super::paths::default_path(),
    )
}

fn choose_with(
    flag_config: Option<&Path>,
    flag_context: Option<&str>,
    env_config: Option<OsString>,
    env_context: Option<OsString>,
    dir: Option<PathBuf>,
    default: Option<PathBuf>,
) -> Result<Choice, ContextError> {
    let set = |v: Option<OsString>| v.filter(|v| !v.is_empty());
    let (env_config, env_context) = (set(env_config), set(env_context));
    let context = |name: &str, how| -> Result<Choice, ContextError> {
        let name = ContextName::parse(name)?;
        let dir = dir.clone().ok_or(ContextError::NoDirectory)?;
        Ok(Choice {
            path: Some(context_file(&dir, &name)),
            source: PathSource::Default,
            context: Some((name, how)),
        })
    };
    match (flag_config, flag_context) {
        (Some(_), Some(_)) => return Err(ContextError::ConfigAndContext),
        (Some(file), None) => {
            return Ok(Choice {
                path: Some(file.to_path_buf()),
                source: PathSource::Flag,
                context: None,
            })
        }
        (None, Some(name)) => return context(name, ContextSource::Flag),
        (None, None) => {}
    }
    match (env_config, env_context) {
        (Some(_), Some(_)) => Err(ContextError::BothVariables),
        (None, Some(name)) => context(&name.to_string_lossy(), ContextSource::Env),
        (Some(file), None) => Ok(Choice {
            path: Some(PathBuf::from(file)),
            source: PathSource::Env,
            context: None,
        }),
        (None, None) => Ok(Choice {
            path: default,
            source: PathSource::Default,
            context: None,
        }),
    }
}

/// The context files in `dir`, by name: regular `NAME.toml` files (symbolic links followed as
/// the config itself is) whose stem is a valid name, at most [`MAX_LISTED`]. Other files are
/// left out; a directory that does not exist has none.
pub fn list(dir: &Path) -> Vec<(ContextName, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(ContextName, PathBuf)> = entries
        .filter_map(Result::ok)
        .take(MAX_LISTED * 4)
        .filter_map(|e| {
            let file = e.file_name();
            let stem = file.to_str()?.strip_suffix(".toml")?.to_string();
            let name = ContextName::parse(&stem).ok()?;
            Some((name, e.path()))
        })
        .collect();
    found.sort();
    found.truncate(MAX_LISTED);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_file_stems() {
        for good in ["prod", "eu-west-1", "staging_2", "a.b", "X"] {
            assert!(ContextName::parse(good).is_ok(), "{good}");
        }
        let long = "a".repeat(65);
        for bad in [
            "",
            "../x",
            "a/b",
            "..",
            ".hidden",
            "-flag",
            "a..b",
            "é",
            "a b",
            "a\u{1b}[31m",
            &long,
            "a\\b",
            "a\0b",
        ] {
            assert!(ContextName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ContextName::parse(&"a".repeat(64)).is_ok());
        let e = ContextName::parse("a\u{1b}[2J").unwrap_err().to_string();
        assert!(!e.contains('\u{1b}'), "{e}");
    }

    #[test]
    fn flags_then_variables_then_default() {
        let dir = Some(PathBuf::from("/c/contexts"));
        let default = Some(PathBuf::from("/c/cutover.toml"));
        let go = |fc: Option<&str>, fx: Option<&str>, ec: Option<&str>, ex: Option<&str>| {
            choose_with(
                fc.map(Path::new),
                fx,
                ec.map(OsString::from),
                ex.map(OsString::from),
                dir.clone(),
                default.clone(),
            )
        };
        assert_eq!(
            go(Some("a.toml"), Some("prod"), None, None),
            Err(ContextError::ConfigAndContext)
        );
        let c = go(None, Some("prod"), Some("x.toml"), Some("stage")).unwrap();
        assert_eq!(c.path, Some(PathBuf::from("/c/contexts/prod.toml")));
        assert_eq!(
            c.context,
            Some((ContextName::parse("prod").unwrap(), ContextSource::Flag))
        );
        let c = go(Some("a.toml"), None, None, Some("stage")).unwrap();
        assert_eq!((c.path, c.context), (Some(PathBuf::from("a.toml")), None));
        let c = go(None, None, None, Some("stage")).unwrap();
        assert_eq!(c.path, Some(PathBuf::from("/c/contexts/stage.toml")));
        assert_eq!(c.context.unwrap().1, ContextSource::Env);
        assert_eq!(
            go(None, None, Some("x.toml"), Some("stage")),
            Err(ContextError::BothVariables)
        );
        let c = go(None, None, Some("x.toml"), Some("")).unwrap();
        assert_eq!(c.path, Some(PathBuf::from("x.toml")));
        let c = go(None, None, None, None).unwrap();
        assert_eq!((c.path, c.context), (default.clone(), None));
        assert!(matches!(
            go(None, Some("../etc/passwd"), None, None),
            Err(ContextError::BadName { .. })
        ));
    }

    #[test]
    fn listing_keeps_valid_toml_names_sorted() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "b.toml",
            "a.toml",
            ".hidden.toml",
            "notes.txt",
            "bad name.toml",
        ] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        let names: Vec<String> = list(dir.path())
            .into_iter()
            .map(|(n, _)| n.to_string())
            .collect();
        assert_eq!(names, ["a", "b"]);
        assert!(list(&dir.path().join("missing")).is_empty());
    }
}
