//! Secrets (tokens, passwords) read from an environment variable or a file at start.
//!
//! The value is wrapped so that printing it by mistake (Debug, Display, a log line, an error)
//! shows `<redacted>`; only [`Secret::expose`] gives it out, at the point of use.

use std::fmt;
use std::path::Path;

use super::SourceError;
use crate::local_file::{read_capped_string, Allow};

/// A token or password is short; a file far larger is not one (or is `/dev/zero`).
const SECRET_FILE_CAP: u64 = 64 * 1024;

/// A secret value read from env/file at start; Debug and Display print "<redacted>" so it can
/// never reach logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value obtained some other way (tests, a caller's own secret store).
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The raw value, for building the request that needs it and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(crate::redact::REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(crate::redact::REDACTED)
    }
}

/// Reads a secret from an environment variable. Errors name the variable, never the value.
pub fn resolve_secret_env(var: &str) -> Result<Secret, SourceError> {
    match std::env::var(var) {
        Ok(value) if value.is_empty() => Err(SourceError::SecretEnvEmpty {
            var: var.to_string(),
        }),
        Ok(value) => Ok(Secret(value)),
        Err(std::env::VarError::NotPresent) => Err(SourceError::SecretEnvMissing {
            var: var.to_string(),
        }),
        Err(std::env::VarError::NotUnicode(_)) => Err(SourceError::SecretEnvNotUnicode {
            var: var.to_string(),
        }),
    }
}

/// Reads a secret from a file, dropping the trailing line ending editors and `echo` add.
/// Errors name the file, never the value. Only a regular file of at most 64 KiB is read: a FIFO
/// in its place would hang the start, `/dev/zero` would never end.
pub fn resolve_secret_file(path: impl AsRef<Path>) -> Result<Secret, SourceError> {
    let path = path.as_ref();
    let text = read_capped_string(path, SECRET_FILE_CAP, Allow::RegularOnly).map_err(|e| {
        SourceError::SecretFile {
            path: path.to_path_buf(),
            source: e.into(),
        }
    })?;
    let value = text.trim_end_matches(['\n', '\r']);
    if value.is_empty() {
        return Err(SourceError::SecretFileEmpty {
            path: path.to_path_buf(),
        });
    }
    Ok(Secret(value.to_string()))
}

/// Where a credential is read from: named in the config, read when it is needed, so a
/// rotated token file or a re-exported variable is picked up by the next request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretFrom {
    /// An environment variable's name.
    Env(String),
    /// A file's path (regular file, at most 64 KiB, trailing line end dropped).
    File(std::path::PathBuf),
}

impl SecretFrom {
    /// The secret, or why it cannot be read (naming the variable or file, never the value).
    pub fn resolve(&self) -> Result<Secret, SourceError> {
        match self {
            SecretFrom::Env(var) => resolve_secret_env(var),
            SecretFrom::File(path) => resolve_secret_file(path),
        }
    }

    /// `$VAR` or the file's path: how a summary names it.
    pub fn words(&self) -> String {
        match self {
            SecretFrom::Env(var) => format!("${var}"),
            SecretFrom::File(path) => path.display().to_string(),
        }
    }
}
