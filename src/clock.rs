//! The wall clock, read in one place so that every timestamp (events, audit, scrapes, the
//! header) agrees on its unit and on what a clock before 1970 means.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch; 0 for a clock set before it, saturating far after it.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
