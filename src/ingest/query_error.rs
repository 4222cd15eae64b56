//! Why a query-API answer gave no samples, in words an operator reads on one line. Apart from
//! the reader (`query_api`) and the decoder (`query_decode`) so that both use it without
//! needing each other.

use crate::ingest::limits::LimitBreach;

/// Why an answer gave no samples.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// A proxy, login page or load balancer answered instead of Prometheus.
    #[error("the answer is not JSON (a proxy or login page?); it starts with: {start}")]
    NotJson { start: String },
    /// Prometheus (or a compatible backend) refused or failed the query.
    #[error("the query failed ({error_type}): {message}")]
    Api { error_type: String, message: String },
    /// Well-formed JSON that is not a query answer as documented.
    #[error("the answer is JSON but not a query answer: {0}")]
    Malformed(String),
    /// `matrix` or `string`: not something an instant query for a selector should return.
    #[error("the query returned a {0} result; expected a vector or a scalar")]
    UnsupportedResultType(String),
    /// The answer holds more than the source's limits allow.
    #[error("{0}")]
    Limit(LimitBreach),
}

/// How many characters of a non-JSON answer an error shows.
const SHOWN_CHARS: usize = 80;

/// The first characters of a body, on one line, for an error message.
pub(crate) fn shown_start(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut shown: String = text
        .trim_start()
        .chars()
        .take(SHOWN_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.trim_start().chars().count() > SHOWN_CHARS {
        shown.push('…');
    }
    if shown.is_empty() {
        shown.push_str("(empty body)");
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_start_is_one_short_line() {
        let long = format!("<html>\n<body>{}</body>", "x".repeat(200));
        let shown = shown_start(long.as_bytes());
        assert!(shown.starts_with("<html> <body>"));
        assert_eq!(shown.chars().count(), SHOWN_CHARS + 1);
        assert_eq!(shown_start(b""), "(empty body)");
    }
}
