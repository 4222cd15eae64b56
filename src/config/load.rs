//! Reading a config file: TOML → `Config`, with every error naming the file, the line and the key.
//!
//! Two passes: serde checks the shape (types, unknown keys, enums), then `validate` checks the
//! rules between values. Errors of both passes are placed with `Locator`, so the user is sent
//! to the exact line whichever pass caught the mistake.

use super::locate::{KeyPath, Locator};
use super::model::Config;
use super::validate;
use crate::local_file::{read_capped_string, Allow, LocalFileError};
use std::fmt;
use std::path::{Path, PathBuf};

/// A config that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read at all (missing, unreadable, not a regular file, too large).
    #[error("{}: cannot read the config: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: LocalFileError,
    },
    /// The file was read but is not a valid config.
    #[error("{}", Located { file, line: *line, key: key.as_deref(), message })]
    Invalid {
        file: PathBuf,
        /// 1-based line, when the problem has one (a file-wide problem has none).
        line: Option<usize>,
        /// The key path, e.g. `domain[0].traffic.new.requests`, when one key is at fault.
        key: Option<String>,
        /// What is wrong, in words.
        message: String,
    },
}

/// Formats `file:line: key: message`, leaving out the parts that are missing.
struct Located<'a> {
    file: &'a Path,
    line: Option<usize>,
    key: Option<&'a str>,
    message: &'a str,
}

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = self.key {
            write!(f, ": {key}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The largest config file read. A config of a hundred domains is about 100 KiB; this leaves
/// room for generated ones while a sparse or endless file cannot exhaust memory.
pub(super) const CONFIG_LIMIT: u64 = 16 << 20;

/// Reads and checks the config at `path`: a regular file (or `/dev/stdin`) of at most
/// [`CONFIG_LIMIT`], never a FIFO, a device or a directory.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = read_capped_string(path, CONFIG_LIMIT, Allow::RegularOrStdin).map_err(|e| {
        ConfigError::Read {
            path: path.to_path_buf(),
            source: e,
        }
    })?;
    let mut config = parse_str(&text, path)?;
    super::programs::resolve_programs(&mut config, path)
        .map_err(|problem| invalid_at(problem, &text, path))?;
    Ok(config)
}

fn invalid_at(problem: validate::Problem, text: &str, origin: &Path) -> ConfigError {
    ConfigError::Invalid {
        file: origin.to_path_buf(),
        line: Locator::new(text).line_of_path(&problem.path),
        key: (!problem.path.is_root()).then(|| problem.path.to_string()),
        message: problem.message,
    }
}

/// Parses and checks config text; `origin` is the file name errors will show.
pub fn parse_str(text: &str, origin: &Path) -> Result<Config, ConfigError> {
    let config: Config = match toml::from_str(text) {
        Ok(config) => config,
        Err(error) => return Err(from_toml_error(&error, text, origin)),
    };
    let locator = Locator::new(text);
    validate::validate(&config, &locator).map_err(|problem| ConfigError::Invalid {
        file: origin.to_path_buf(),
        line: locator.line_of_path(&problem.path),
        key: (!problem.path.is_root()).then(|| problem.path.to_string()),
        message: problem.message,
    })?;
    Ok(config)
}

/// Turns a `toml`/serde error into one that names the line and the key, in our words.
fn from_toml_error(error: &toml::de::Error, text: &str, origin: &Path) -> ConfigError {
    let locator = Locator::new(text);
    let span = error.span();
    let message = error.message().trim();
    let invalid = |line, key, message| ConfigError::Invalid {
        file: origin.to_path_buf(),
        line,
        key,
        message,
    };

    if !locator.parses() {
        let start = span.map_or(0, |s| s.start);
        let words = message
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        let line = locator.line_of(start);
        return invalid(
            Some(line),
            key_on_line(text, line),
            format!(
                "column {}: not valid TOML: {}",
                locator.column_of(start),
                quote_backticks(&words)
            ),
        );
    }

    let at = span
        .as_ref()
        .and_then(|s| locator.path_at(s.start))
        .unwrap_or_else(KeyPath::root);

    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        // The span is the key itself, or (for tables read in one piece) the table holding it.
        let table = if at.last_key() == Some(field) {
            at.parent()
        } else {
            at.clone()
        };
        let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let mut words = format!(
            "unknown key \"{field}\" {}",
            in_table(&locator.describe_table(&table))
        );
        if !known.is_empty() {
            words.push_str(&format!(" (known keys: {})", known.join(", ")));
        }
        return invalid(locator.line_of_path(&table.key(field)), None, words);
    }

    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return invalid(
            locator
                .line_of_path(&at)
                .or_else(|| span.map(|s| locator.line_of(s.start))),
            None,
            format!(
                "missing key \"{field}\" {}",
                in_table(&locator.describe_table(&at))
            ),
        );
    }

    let line = locator
        .line_of_path(&at)
        .or_else(|| span.map(|s| locator.line_of(s.start)));
    invalid(
        line,
        (!at.is_root()).then(|| at.to_string()),
        quote_backticks(message),
    )
}

/// The key written on `line` of a file that is not valid TOML, guessed from the lines: the
/// last table header above it (with array indices counted) and the `key =` on the line.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    // Index of the current element of each array of tables, by its unindexed name.
    let mut arrays: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut header: Option<String> = None;
    let indexed = |name: &str, arrays: &std::collections::HashMap<String, usize>| {
        let mut out = String::new();
        let mut prefix = String::new();
        for (i, part) in name.split('.').map(str::trim).enumerate() {
            if i > 0 {
                out.push('.');
                prefix.push('.');
            }
            out.push_str(part);
            prefix.push_str(part);
            if let Some(index) = arrays.get(&prefix) {
                out.push_str(&format!("[{index}]"));
            }
        }
        out
    };
    for (number, raw) in text.lines().enumerate().take(line) {
        let trimmed = raw.trim();
        let is_error_line = number + 1 == line;
        if let Some(rest) = trimmed.strip_prefix("[[") {
            let name = rest.split("]]").next().unwrap_or(rest).trim().to_string();
            arrays.retain(|k, _| !k.starts_with(&format!("{name}.")));
            let next = arrays.get(&name).map_or(0, |i| i + 1);
            arrays.insert(name.clone(), next);
            header = Some(indexed(&name, &arrays));
        } else if let Some(rest) = trimmed.strip_prefix('[') {
            let name = rest.split(']').next().unwrap_or(rest).trim();
            header = Some(indexed(name, &arrays));
        } else if is_error_line {
            let key = trimmed
                .split_once('=')
                .map(|(k, _)| k.trim())
                .filter(|k| !k.is_empty());
            return match (header, key) {
                (Some(h), Some(k)) => Some(format!("{h}.{k}")),
                (None, Some(k)) => Some(k.to_string()),
                (h, None) => h,
            };
        }
    }
    header
}

/// "in [[domain.queue]]", or "at the top level".
fn in_table(description: &str) -> String {
    if description == "the top level" {
        "at the top level".to_string()
    } else {
        format!("in {description}")
    }
}

/// Serde writes names in backticks (`` `scrap` ``); the config speaks TOML, where strings are in
/// double quotes. Numbers lose their quotes altogether.
fn quote_backticks(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut parts = message.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    let mut inside = true;
    for part in parts {
        if inside {
            let numeric = !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_digit() || "+-.eE".contains(c));
            if numeric {
                out.push_str(part);
            } else {
                out.push('"');
                out.push_str(part);
                out.push('"');
            }
        } else {
            out.push_str(part);
        }
        inside = !inside;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_become_quotes() {
        assert_eq!(
            quote_backticks("unknown variant `scrap`, expected `scrape` or `prometheus`"),
            "unknown variant \"scrap\", expected \"scrape\" or \"prometheus\""
        );
        assert_eq!(
            quote_backticks("invalid type: integer `2`, expected a string"),
            "invalid type: integer 2, expected a string"
        );
    }

    #[test]
    fn key_of_a_line_in_broken_toml() {
        let text = "[settings]\ninterval = 2s\n[[source]]\nname = 'a'\n[[source]]\nurl = x\n[[domain]]\n[[domain.queue]]\n[[domain]]\n[[domain.queue]]\ndepth = ?\n[domain.slo]\n";
        assert_eq!(key_on_line(text, 2).as_deref(), Some("settings.interval"));
        assert_eq!(key_on_line(text, 6).as_deref(), Some("source[1].url"));
        assert_eq!(
            key_on_line(text, 11).as_deref(),
            Some("domain[1].queue[0].depth")
        );
        assert_eq!(key_on_line(text, 12).as_deref(), Some("domain[1].slo"));
        assert_eq!(key_on_line("a = [", 1).as_deref(), Some("a"));
    }

    #[test]
    fn read_error_names_the_path() {
        let e = load(Path::new("/nonexistent/cutover.toml")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("/nonexistent/cutover.toml: cannot read the config: "),
            "{e}"
        );
    }
}
