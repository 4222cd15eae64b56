//! Logs go to `<state dir>/cutover.log`, never to the terminal the TUI owns; the file is
//! rotated by size (`log_file`).

use std::path::PathBuf;

use super::log_file::{RotatingLog, KEEP, MAX_BYTES};
use crate::safe_fs::state_dir;

/// The log file's name in the state dir.
pub const LOG_FILE: &str = "cutover.log";

/// `<state dir>` from the `directories` crate (XDG_STATE_HOME on Linux), created 0700.
pub fn state_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "cutover")?;
    let dir = dirs
        .state_dir()
        .map(|d| d.to_path_buf())
        .unwrap_or_else(|| dirs.data_local_dir().to_path_buf());
    Some(dir)
}

/// Keeps the log file open for the run.
pub struct LogGuard;

/// Starts logging to the state dir's `cutover.log`; silently does nothing when it cannot (a
/// state dir that cannot be trusted makes the session read-only, and says so, elsewhere).
pub fn init() -> Option<LogGuard> {
    let dir = state_dir()?;
    state_dir::ensure(&dir).ok()?;
    let file = RotatingLog::open(&dir.join(LOG_FILE), MAX_BYTES, KEEP).ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("CUTOVER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init()
        .ok()?;
    Some(LogGuard)
}
