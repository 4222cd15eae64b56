//! The wall clock, read in one place so that every timestamp (events, audit, scrapes, the
//! header) agrees on its unit and on what a clock before 1970 means, and written one way.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch; 0 for a clock set before it, saturating far after it.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Unix ms as RFC 3339 in UTC, second precision with milliseconds: how every timestamp is
/// written (status JSON, events, audit, recordings).
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
