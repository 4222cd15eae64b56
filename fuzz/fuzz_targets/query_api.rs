//! The Prometheus query API reader, on arbitrary bytes.
//!
//! A query answer is turned into exposition text so it flows through the same parser, store
//! and recordings as a scrape; the invariant is that nothing is lost on the way: every sample
//! `parse_instant` gives comes back from the exposition parser, with its value and timestamp,
//! under the `__query__` label that ties it to its query, and no line is bad.
#![no_main]

use cutover::ingest::exposition::{parse, Sample};
use cutover::ingest::prefilter::FamilyFilter;
use cutover::ingest::query_api::{parse_instant, to_exposition};
use libfuzzer_sys::fuzz_target;

const QUERY: &str = "sum by (code) (rate(http_requests_total{job=\"a\\\\b\"}[1m]))";

fuzz_target!(|data: &[u8]| {
    let Ok(samples) = parse_instant(data) else {
        return;
    };
    let mut text = String::new();
    to_exposition(QUERY, &samples, &mut text);
    let mut back = Vec::new();
    let stats = parse(&text, &FamilyFilter::all(), |s: &Sample| {
        let query = s
            .labels
            .iter()
            .find(|l| l.name == "__query__")
            .map(|l| l.value.to_string());
        back.push((s.value.to_bits(), s.timestamp_ms, query, s.labels.len()));
    });
    assert_eq!(stats.bad_lines, 0, "{text:?}: {:?}", stats.first_bad);
    assert_eq!(back.len(), samples.len(), "{text:?}");
    for (sample, (value_bits, timestamp_ms, query, _)) in samples.iter().zip(&back) {
        let same_value = sample.value.to_bits() == *value_bits
            || (sample.value.is_nan() && f64::from_bits(*value_bits).is_nan());
        assert!(same_value, "{text:?}");
        assert_eq!(Some(sample.timestamp_ms), *timestamp_ms, "{text:?}");
        assert_eq!(query.as_deref(), Some(QUERY), "{text:?}");
    }
});
