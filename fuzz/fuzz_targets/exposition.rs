//! The exposition parser and the recording's body reduction, on arbitrary bytes.
//!
//! Beyond "no panic, no hang", the invariants the engine and replay rely on:
//! - the statistics add up (every counted sample reached the callback, no line counted twice);
//! - with a filter, the samples handed over are exactly the unfiltered parse's samples whose
//!   names the filter wants, so the pre-filter never loses or invents a sample;
//! - `reduce` keeps what replay needs: its output, parsed with the same filter, gives the same
//!   samples (name, labels, value, timestamp, type, exemplar) and the same up/down verdict as
//!   the body;
//! - an exemplar is only ever on a counter's `_total` or a bucket, and its labels fit the 128
//!   characters OpenMetrics allows.
#![no_main]

use cutover::ingest::exposition::{
    body_text, parse, MetricType, ParseStats, Sample, MAX_REPORTED_BAD_LINES,
};
use cutover::ingest::prefilter::{reduce, FamilyFilter};
use libfuzzer_sys::fuzz_target;

/// What a sample carries, without copying it: the name borrows from the body, the labels are
/// hashed (in order, unescaped), so that comparing parses costs no allocation per sample.
#[derive(Debug, PartialEq)]
struct Seen<'a> {
    name: &'a str,
    labels: u64,
    value_bits: u64,
    timestamp_ms: Option<i64>,
    kind: MetricType,
    line: u32,
    /// The exemplar's labels, value and timestamp, hashed; 0 without one.
    exemplar: u64,
}

fn collect<'a>(body: &'a str, filter: &FamilyFilter) -> (Vec<Seen<'a>>, ParseStats) {
    use std::hash::{Hash, Hasher};
    let mut samples = Vec::new();
    let stats = parse(body, filter, |s: &Sample<'a, '_>| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for label in s.labels {
            label.name.hash(&mut hasher);
            label.value.as_ref().hash(&mut hasher);
        }
        let exemplar = s.exemplar.as_ref().map_or(0, |e| {
            assert!(
                (s.kind == MetricType::Counter && s.name.ends_with("_total"))
                    || s.name.ends_with("_bucket"),
                "exemplar on {} ({:?})",
                s.name,
                s.kind
            );
            let chars: usize = e
                .labels
                .iter()
                .map(|l| l.name.len() + l.value.chars().count())
                .sum();
            assert!(chars <= 128, "exemplar labels of {chars} characters");
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            for label in e.labels {
                label.name.hash(&mut hasher);
                label.value.as_ref().hash(&mut hasher);
            }
            e.value.to_bits().hash(&mut hasher);
            e.timestamp_ms.hash(&mut hasher);
            hasher.finish() | 1
        });
        samples.push(Seen {
            name: s.name,
            labels: hasher.finish(),
            value_bits: s.value.to_bits(),
            timestamp_ms: s.timestamp_ms,
            kind: s.kind,
            line: s.line,
            exemplar,
        })
    });
    (samples, stats)
}

/// The engine's verdict on a body: a failed scrape when no line parses and some line is bad.
fn up(stats: &ParseStats) -> bool {
    !(stats.samples == 0 && stats.filtered == 0 && stats.bad_lines > 0)
}

fn check_stats(stats: &ParseStats, samples: &[Seen], body: &str) {
    assert_eq!(stats.samples as usize, samples.len(), "{stats:?}");
    assert!(
        stats.samples + stats.filtered <= stats.sample_lines,
        "{stats:?}"
    );
    assert!(stats.sample_lines <= stats.lines, "{stats:?}");
    assert!(
        stats.samples + stats.filtered + stats.bad_lines <= stats.lines,
        "{stats:?}"
    );
    let newlines = body.bytes().filter(|&b| b == b'\n').count();
    assert!(stats.lines as usize <= newlines + 1, "{stats:?}");
    assert_eq!(
        stats.first_bad.len(),
        (stats.bad_lines as usize).min(MAX_REPORTED_BAD_LINES),
        "{stats:?}"
    );
    for pair in stats.first_bad.windows(2) {
        assert!(pair[0].line < pair[1].line, "{stats:?}");
    }
    for bad in &stats.first_bad {
        assert!(bad.line >= 1 && bad.line <= stats.lines, "{stats:?}");
    }
    for pair in samples.windows(2) {
        assert!(pair[0].line < pair[1].line);
    }
    if let Some(last) = samples.last() {
        assert!(last.line <= stats.lines);
    }
}

/// A deterministic half of the names, chosen by `seed`.
fn some_names<'a>(samples: &[Seen<'a>], seed: u8) -> Vec<&'a str> {
    let mut names: Vec<&str> = samples
        .iter()
        .map(|s| s.name)
        .filter(|name| {
            let h = name
                .bytes()
                .fold(u32::from(seed), |h, b| h.wrapping_mul(31) ^ u32::from(b));
            h & 1 == 0
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

fn without_lines(samples: Vec<Seen>) -> Vec<Seen> {
    samples
        .into_iter()
        .map(|s| Seen { line: 0, ..s })
        .collect()
}

fn check_filtered(body: &str, all: &[Seen], filter: &FamilyFilter) {
    let (kept, stats) = collect(body, filter);
    check_stats(&stats, &kept, body);
    let expected: Vec<&Seen> = all.iter().filter(|s| filter.wants(s.name)).collect();
    let kept_refs: Vec<&Seen> = kept.iter().collect();
    assert_eq!(kept_refs, expected, "the filter lost or invented samples");

    let reduced = reduce(body, filter);
    let (replayed, replay_stats) = collect(&reduced, filter);
    check_stats(&replay_stats, &replayed, &reduced);
    assert_eq!(
        without_lines(replayed),
        without_lines(kept),
        "reduce changed the samples\nbody: {body:?}\nreduced: {reduced:?}"
    );
    assert_eq!(
        up(&replay_stats),
        up(&stats),
        "reduce changed the verdict\nbody: {body:?}\nreduced: {reduced:?}\n{stats:?}\n{replay_stats:?}"
    );
    // Reducing is idempotent: a recording re-recorded reads the same.
    assert_eq!(reduce(&reduced, filter), reduced);
}

fuzz_target!(|data: &[u8]| {
    // The filter's half of the names is picked by the input's length, so that seed files are
    // plain exposition bodies.
    let seed = data.len() as u8;
    let text = body_text(data);
    let body: &str = &text;

    let all_filter = FamilyFilter::all();
    let (all, stats) = collect(body, &all_filter);
    check_stats(&stats, &all, body);
    assert_eq!(stats.filtered, 0);

    check_filtered(body, &all, &all_filter);
    let names = some_names(&all, seed);
    check_filtered(body, &all, &FamilyFilter::names(&names));
    check_filtered(
        body,
        &all,
        &FamilyFilter::names(["no_such_metric_anywhere"]),
    );
});
