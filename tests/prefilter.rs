//! The pre-filter: a filtered parse hands over exactly the wanted samples, and `reduce` keeps
//! what a replay needs to read the same samples again.

mod common;

use common::ingest::{parse_owned, Owned};
use cutover::ingest::exposition::MetricType;
use cutover::ingest::prefilter::{reduce, FamilyFilter};

/// An Envoy-shaped body: clusters × counters, gauges and histograms, TYPE lines only, plus
/// Envoy's tagless `name{}` lines and a histogram whose name ends in `_count`.
fn envoy_like_body(clusters: usize) -> String {
    use std::fmt::Write as _;
    let mut body = String::new();
    body.push_str("# TYPE envoy_server_uptime gauge\nenvoy_server_uptime{} 864213\n");
    for counter in 0..12 {
        let _ = writeln!(body, "# TYPE envoy_cluster_counter_{counter} counter");
        for c in 0..clusters {
            for class in ["1", "2", "3", "4", "5"] {
                let _ = writeln!(
                    body,
                    "envoy_cluster_counter_{counter}{{envoy_response_code_class=\"{class}\",envoy_cluster_name=\"outbound|8080|v1|svc-{c:03}.team-07.svc.cluster.local\"}} {}",
                    c * 7 + counter
                );
            }
        }
    }
    for gauge in 0..8 {
        let _ = writeln!(body, "# TYPE envoy_cluster_gauge_{gauge} gauge");
        for c in 0..clusters {
            let _ = writeln!(
                body,
                "envoy_cluster_gauge_{gauge}{{envoy_cluster_name=\"svc-{c:03}\"}} {}.5",
                c + gauge
            );
        }
    }
    for name in [
        "envoy_cluster_upstream_rq_time",
        "envoy_cluster_upstream_rq_headers_count",
    ] {
        let _ = writeln!(body, "# TYPE {name} histogram");
        for c in 0..clusters {
            let mut cumulative = 0;
            for (i, le) in ["0.5", "1", "5", "10", "25", "50", "100", "+Inf"]
                .iter()
                .enumerate()
            {
                cumulative += i + c % 3;
                let _ = writeln!(
                    body,
                    "{name}_bucket{{envoy_cluster_name=\"svc-{c:03}\",le=\"{le}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                body,
                "{name}_sum{{envoy_cluster_name=\"svc-{c:03}\"}} {}",
                c * 31
            );
            let _ = writeln!(
                body,
                "{name}_count{{envoy_cluster_name=\"svc-{c:03}\"}} {cumulative}"
            );
        }
    }
    body.push_str("# TYPE envoy_server_live gauge\nenvoy_server_live{} 1\n");
    body
}

const WANTED: [&str; 5] = [
    "envoy_cluster_counter_3",
    "envoy_cluster_gauge_7",
    "envoy_cluster_upstream_rq_headers_count_count",
    "envoy_cluster_upstream_rq_headers_count_bucket",
    "envoy_server_live",
];

#[test]
fn filtered_parse_gives_exactly_the_wanted_samples() {
    let body = envoy_like_body(400);
    assert!(body.len() > 4_000_000, "{}", body.len());
    let (all, all_stats) = parse_owned(&body, &FamilyFilter::all());
    assert_eq!(all_stats.bad_lines, 0, "{:?}", all_stats.first_bad);

    let filter = FamilyFilter::names(WANTED);
    let (wanted, stats) = parse_owned(&body, &filter);
    let expected: Vec<Owned> = all
        .iter()
        .filter(|s| WANTED.contains(&s.name.as_str()))
        .cloned()
        .collect();
    assert_eq!(wanted, expected);
    // 5 classes × 400 clusters, 400 gauges, 400 counts, 8 × 400 buckets, 1 live.
    assert_eq!(wanted.len(), 2000 + 400 + 400 + 3200 + 1);
    assert_eq!(stats.samples as usize, wanted.len());
    assert_eq!(stats.sample_lines, all_stats.sample_lines);
    assert_eq!(stats.filtered, all_stats.samples - stats.samples);
    assert_eq!(stats.bad_lines, 0);
    assert_eq!(stats.lines, all_stats.lines);
    assert!(wanted
        .iter()
        .filter(|s| s
            .name
            .starts_with("envoy_cluster_upstream_rq_headers_count"))
        .all(|s| s.kind == MetricType::Histogram));
}

#[test]
fn filter_that_wants_nothing_filters_every_sample() {
    let body = envoy_like_body(20);
    let (samples, stats) = parse_owned(&body, &FamilyFilter::names(Vec::<String>::new()));
    assert!(samples.is_empty());
    assert_eq!(stats.filtered, stats.sample_lines);
    assert!(stats.filtered > 0);
}

#[test]
fn quoted_names_are_filtered_by_their_unquoted_name() {
    let body = "{\"my.dotted.metric\",a=\"b\"} 1\n{\"other.metric\"} 2\n";
    let (samples, stats) = parse_owned(body, &FamilyFilter::names(["my.dotted.metric"]));
    assert_eq!(samples.len(), 1);
    assert_eq!(samples[0].name, "my.dotted.metric");
    assert_eq!(stats.filtered, 1);
}

fn without_line_numbers(mut samples: Vec<Owned>) -> Vec<Owned> {
    for s in &mut samples {
        s.line = 0;
    }
    samples
}

#[test]
fn reduced_body_reads_back_the_same_samples() {
    let body = envoy_like_body(30);
    let filter = FamilyFilter::names(WANTED);
    let reduced = reduce(&body, &filter);
    assert!(reduced.len() * 4 < body.len());
    let (live, _) = parse_owned(&body, &filter);
    let (replayed, stats) = parse_owned(&reduced, &filter);
    assert_eq!(without_line_numbers(replayed), without_line_numbers(live));
    assert_eq!(stats.filtered, 0);
    assert_eq!(stats.bad_lines, 0);
    assert!(reduced.contains("# TYPE envoy_cluster_upstream_rq_headers_count histogram\n"));
    assert!(reduced.contains("# TYPE envoy_server_live gauge\n"));
    assert!(!reduced.contains("# TYPE envoy_cluster_upstream_rq_time histogram"));
    assert!(!reduced.contains("envoy_cluster_counter_2{"));
}

#[test]
fn reduce_keeps_type_lines_eof_and_bad_lines_and_drops_help() {
    let body = "# HELP foo A counter.\n# TYPE foo counter\nfoo_total 3 1700000000\n\
                # TYPE bar gauge\nbar 1\nnot a metric\nfoo_created 1.7e9\n# EOF\n";
    let filter = FamilyFilter::names(["foo_total", "foo_created"]);
    let reduced = reduce(body, &filter);
    assert_eq!(
        reduced,
        "# TYPE foo counter\nfoo_total 3 1700000000\nnot a metric\n\
         # TYPE foo_created untyped\nfoo_created 1.7e9\n# EOF\n"
    );
    // The OpenMetrics timestamp (seconds) reads the same from the reduced body, and
    // `foo_created` is untyped in both since `# TYPE bar` governed it live.
    let (live, live_stats) = parse_owned(body, &filter);
    let (replayed, replay_stats) = parse_owned(&reduced, &filter);
    assert_eq!(
        without_line_numbers(replayed),
        without_line_numbers(live.clone())
    );
    assert_eq!(live[0].timestamp_ms, Some(1_700_000_000_000));
    assert_eq!(live[0].kind, MetricType::Counter);
    assert_eq!(live[1].kind, MetricType::Untyped);
    assert_eq!(live_stats.bad_lines, 1);
    assert_eq!(replay_stats.bad_lines, 1);
}

#[test]
fn reduce_with_everything_wanted_keeps_every_sample() {
    let body = common::fixture("real/orders-monolith-canary.prom");
    let reduced = reduce(&body, &FamilyFilter::all());
    let (live, _) = parse_owned(&body, &FamilyFilter::all());
    let (replayed, _) = parse_owned(&reduced, &FamilyFilter::all());
    assert_eq!(without_line_numbers(replayed), without_line_numbers(live));
    assert!(!reduced.contains("# HELP"));
}
