//! Selectors, on arbitrary text: the first line is the selector, the rest a sample to match
//! (`name` then `label=value` lines).
//!
//! Invariants: no panic, no hang (regexes are compiled under the regex crate's size limit and
//! match in linear time); a selector moved to another metric name (what a histogram signal does
//! to read `_bucket`) is written as text that parses back to the same matching behaviour.
#![no_main]

use cutover::selector::Selector;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (selector_text, sample) = text.split_once('\n').unwrap_or((text, ""));
    let Ok(selector) = Selector::parse(selector_text) else {
        return;
    };
    assert_eq!(selector.text(), selector_text);

    let mut lines = sample.lines();
    let name = lines.next().unwrap_or("");
    let labels: Vec<(&str, &str)> = lines.filter_map(|l| l.split_once('=')).collect();
    let matched = selector.matches(name, labels.iter().copied());
    if let Some(fixed) = selector.metric_name() {
        if matched {
            assert_eq!(fixed, name);
        }
    }

    for other in ["x_bucket", "service.latency_bucket", name] {
        if other.is_empty() {
            continue;
        }
        let moved = selector.with_metric_name(other);
        assert_eq!(moved.metric_name(), Some(other));
        let reparsed = Selector::parse(moved.text())
            .unwrap_or_else(|e| panic!("{:?} does not parse back: {e}", moved.text()));
        assert_eq!(reparsed.metric_name(), Some(other), "{:?}", moved.text());
        assert_eq!(
            reparsed.matches(other, labels.iter().copied()),
            moved.matches(other, labels.iter().copied()),
            "{:?}",
            moved.text()
        );
    }
});
