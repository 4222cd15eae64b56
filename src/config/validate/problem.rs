//! A problem found in a config: the key path it is about and the words; `load` turns the
//! path into a line number.

use crate::config::locate::KeyPath;

/// One thing wrong with a config, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: KeyPath,
    pub message: String,
}

pub(super) type Checked = Result<(), Problem>;

pub(super) fn problem(path: KeyPath, message: impl Into<String>) -> Checked {
    Err(Problem {
        path,
        message: message.into(),
    })
}
