//! Trace IDs from exemplars: checked before they are kept, shown or put in a link.
//!
//! An exemplar's labels come from the exporter, so a "trace ID" may be anything: an escape
//! sequence, a URL, 100 KB of text. Only what a tracing system writes is kept: hex (W3C and
//! OpenTelemetry: 32 digits; Jaeger and Zipkin: 16) or base64url (X-Ray-style and other
//! encodings), between [`MIN_LEN`] and [`MAX_LEN`] characters. Anything else is dropped, so
//! a kept ID can go into a terminal escape (an OSC 8 link) or a URL without quoting.

use crate::ingest::exposition::Label;

/// The shortest ID kept: 8 characters (a 32-bit ID in hex).
pub const MIN_LEN: usize = 8;
/// The longest ID kept: 64 characters (a 256-bit ID in hex; W3C's is 32).
pub const MAX_LEN: usize = 64;
/// How much of an ID the views show: the 16 characters that identify a trace in practice.
pub const SHOWN_LEN: usize = 16;

/// The label names tracing libraries give the ID: OpenTelemetry's and prometheus_client's
/// `trace_id`, Grafana's and the Go client examples' `traceID`, and the spellings around them.
pub const LABELS: [&str; 4] = ["trace_id", "traceID", "traceId", "TraceID"];

/// Whether `id` is a trace ID this program keeps: base64url characters (`A-Z a-z 0-9 - _`,
/// which include hex) within the length bounds, and not all zeros (W3C's invalid ID).
pub fn is_valid(id: &str) -> bool {
    (MIN_LEN..=MAX_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && id.bytes().any(|b| b != b'0')
}

/// The first valid trace ID among an exemplar's labels, by [`LABELS`].
pub fn find<'l>(labels: &'l [Label<'_>]) -> Option<&'l str> {
    labels
        .iter()
        .filter(|l| LABELS.contains(&l.name))
        .map(|l| l.value.as_ref())
        .find(|v| is_valid(v))
}

/// The part of an ID the views show (all of it when short).
pub fn shown(id: &str) -> &str {
    id.get(..SHOWN_LEN).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn hex_and_base64url_within_bounds_only() {
        for ok in [
            "4bf92f3577b34da6a3ce929d0e0e4736",
            "4bf92f3577b34da6",
            "AbC-_09zAbC-_09z",
            &"f".repeat(MAX_LEN),
        ] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "",
            "abc",
            &"f".repeat(MAX_LEN + 1),
            "00000000000000000000000000000000",
            "4bf92f35\u{1b}]8;;x\u{7}",
            "4bf92f35 77b34da6",
            "4bf92f35/77b34da6",
            "4bf92f35%2077b34",
            "4bf92f3577b34da6=",
            "ünïcödeünïcöde",
        ] {
            assert!(!is_valid(bad), "{bad:?}");
        }
    }

    #[test]
    fn finds_the_first_valid_id_by_its_label_names() {
        let label = |name, value: &'static str| Label {
            name,
            value: Cow::Borrowed(value),
        };
        let labels = [
            label("span_id", "00f067aa0ba902b7"),
            label("trace_id", "\u{1b}[2J"),
            label("traceID", "4bf92f3577b34da6"),
        ];
        assert_eq!(find(&labels), Some("4bf92f3577b34da6"));
        assert_eq!(find(&labels[..2]), None);
        assert_eq!(
            shown("4bf92f3577b34da6a3ce929d0e0e4736"),
            "4bf92f3577b34da6"
        );
        assert_eq!(shown("4bf92f35"), "4bf92f35");
    }
}
