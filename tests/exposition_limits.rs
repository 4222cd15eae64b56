//! The exposition parser under the source limits: linear in the line however many labels it
//! has, and stopped in Prometheus's words at the first breach.

use std::ops::ControlFlow;

use cutover::ingest::exposition::{parse, parse_limited};
use cutover::ingest::limits::Limits;
use cutover::ingest::prefilter::FamilyFilter;

fn wide_line(labels: usize) -> String {
    let set: Vec<String> = (0..labels).map(|i| format!("l{i}=\"v\"")).collect();
    format!("m{{{}}} 1\nm 2\n", set.join(","))
}

#[test]
fn a_line_with_very_many_labels_costs_what_its_bytes_cost() {
    // Without limits every label is read: quadratic duplicate checks took minutes here.
    for spaced in [false, true] {
        let mut body = wide_line(150_000);
        if spaced {
            body = body.replacen('{', "{ ", 1);
        }
        let started = std::time::Instant::now();
        let mut widest = 0;
        let stats = parse(&body, &FamilyFilter::all(), |s| {
            widest = widest.max(s.labels.len())
        });
        assert_eq!((stats.samples, widest), (2, 150_000));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // A duplicate far along is still found.
        let dup = body.replacen("l149999=", "l7=", 1);
        assert_eq!(parse(&dup, &FamilyFilter::all(), |_| {}).bad_lines, 1);
    }
}

#[test]
fn limits_stop_the_parse_with_prometheus_words() {
    let limits = Limits::default();
    let stats = parse_limited(&wide_line(150_000), &FamilyFilter::all(), &limits, |_| {
        ControlFlow::Continue(())
    });
    assert_eq!(stats.samples, 0);
    assert_eq!(
        stats.breach.map(|b| b.to_string()).as_deref(),
        Some("label_limit exceeded (metric: m, number of labels: more than 64, limit: 64)")
    );
    // 63 labels and the name make 64: allowed.
    let stats = parse_limited(&wide_line(63), &FamilyFilter::all(), &limits, |_| {
        ControlFlow::Continue(())
    });
    assert_eq!((stats.samples, stats.breach), (2, None));

    let long = |n: usize| {
        format!(
            "m{{{}=\"v\"}} 1\nm{{a=\"{}\"}} 1\n",
            "n".repeat(n),
            "v".repeat(n)
        )
    };
    let small = Limits {
        label_name_length_limit: 8,
        label_value_length_limit: 8,
        ..Limits::default()
    };
    let words = |body: &str| {
        parse_limited(body, &FamilyFilter::all(), &small, |_| {
            ControlFlow::Continue(())
        })
        .breach
        .map(|b| b.to_string())
    };
    assert_eq!(words(&long(8)), None);
    assert_eq!(
        words(&long(9)).as_deref(),
        Some("label_name_length_limit exceeded (metric: m, label name: nnnnnnnnn, length: 9, limit: 8)")
    );
    assert_eq!(
        words("m{a=\"vvvvvvvvv\"} 1\n").as_deref(),
        Some("label_value_length_limit exceeded (metric: m, label name: a, value: \"vvvvvvvvv\", length: 9, limit: 8)")
    );
    assert!(words("metric_name_longer_than_eight 1\n")
        .is_some_and(|w| w.contains("label name: __name__")));

    let samples = Limits {
        sample_limit: 2,
        ..Limits::default()
    };
    let body = "a 1\nb 2\nc 3\n";
    let mut seen = 0;
    let stats = parse_limited(body, &FamilyFilter::all(), &samples, |_| {
        seen += 1;
        ControlFlow::Continue(())
    });
    assert_eq!(seen, 2);
    assert_eq!(
        stats.breach.map(|b| b.to_string()).as_deref(),
        Some("sample_limit exceeded (more than 2 samples of the selected families, limit: 2)")
    );
    // Filtered families do not count.
    let stats = parse_limited(body, &FamilyFilter::names(["a"]), &samples, |_| {
        ControlFlow::Continue(())
    });
    assert_eq!(stats.breach, None);
}
