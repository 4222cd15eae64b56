//! The benchmarks' generated inputs are what they claim to be: every line of the Envoy- and
//! Kafka-shaped bodies parses, the sample counts follow the shapes, prometheus-parse reads the
//! same samples apart from the lines it is known to drop, the six-domain configs need about the
//! share of lines the benches report, and the fleet gives every domain real figures.
#![allow(clippy::unwrap_used)]

#[allow(dead_code)]
#[path = "../benches/gen/mod.rs"]
mod gen;

use std::path::Path;
use std::sync::Arc;

use cutover::engine::{Engine, Mode};
use cutover::ingest::exposition::parse;
use cutover::ingest::prefilter::FamilyFilter;
use cutover::source::ScrapeOutcome;

fn engine(config: &str) -> Engine {
    let cfg = cutover::config::parse_str(config, Path::new("<test>")).expect("config loads");
    let compiled = cutover::compile::compile(&cfg).expect("config compiles");
    Engine::new(Arc::clone(&compiled.plan))
}

/// prometheus-parse's sample count, buckets and quantiles counted one by one.
fn prometheus_parse_samples(body: &str) -> usize {
    let scrape = prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).unwrap();
    scrape
        .samples
        .iter()
        .map(|s| match &s.value {
            prometheus_parse::Value::Histogram(b) => b.len(),
            prometheus_parse::Value::Summary(q) => q.len(),
            _ => 1,
        })
        .sum()
}

#[test]
fn envoy_body_has_the_envoy_shape_and_parses_whole() {
    let clusters = 12;
    let body = gen::envoy(clusters);
    // Per cluster: 22 histograms × (20 buckets + sum + count), 12 counters × 5 classes,
    // 18 counters, 8 gauges; plus two tagless lines.
    let expected = clusters * (22 * 22 + 12 * 5 + 18 + 8) + 2;
    let stats = parse(&body, &FamilyFilter::all(), |_| {});
    assert_eq!(stats.bad_lines, 0, "{:?}", stats.first_bad);
    assert_eq!(stats.samples as usize, expected);
    assert_eq!(gen::sample_lines(&body), expected);
    // Envoy writes TYPE lines only: 60 families plus the two tagless ones.
    assert_eq!(stats.lines as usize, expected + 62);
    assert!(body.contains("envoy_server_live{} 1\n"));
    assert!(body.contains("_headers_count_count{"));
    // About 140 bytes a line, so that 200 clusters make about 16 MB.
    let per_line = body.len() as f64 / stats.lines as f64;
    assert!(
        (125.0..155.0).contains(&per_line),
        "{per_line} bytes per line"
    );
    // prometheus-parse drops exactly Envoy's two `name{}` lines.
    assert_eq!(prometheus_parse_samples(&body), expected - 2);
}

#[test]
fn kafka_body_has_the_kafka_exporter_shape_and_parses_whole() {
    let (groups, topics, partitions) = (5, 4, 3);
    let body = gen::kafka(groups, topics, partitions);
    let per_partition = groups * topics * partitions;
    let expected = 2 * per_partition // lag and current offset
        + 2 * groups * topics // their sums
        + groups // members
        + 7 * topics * partitions
        + topics // partitions per topic
        + 4 // brokers and their info
        + 7 + 4 // Go runtime summary and gauges
        + 3; // process
    let stats = parse(&body, &FamilyFilter::all(), |_| {});
    assert_eq!(stats.bad_lines, 0, "{:?}", stats.first_bad);
    assert_eq!(stats.samples as usize, expected);
    assert_eq!(gen::sample_lines(&body), expected);
    assert_eq!(prometheus_parse_samples(&body), expected);
    let mut lag_sum = 0.0;
    parse(
        &body,
        &FamilyFilter::names(["kafka_consumergroup_lag", "kafka_consumergroup_lag_sum"]),
        |s| {
            let sign = if s.name.ends_with("_sum") { -1.0 } else { 1.0 };
            lag_sum += sign * s.value;
        },
    );
    assert_eq!(lag_sum, 0.0, "the _sum series add up their partitions");
}

#[test]
fn six_domain_envoy_config_needs_about_one_percent_of_the_lines() {
    let body = gen::envoy(20);
    let mut engine = engine(&gen::envoy_config("http://127.0.0.1:9901/stats/prometheus"));
    let mut wanted = 0usize;
    let stats = parse(&body, engine.filter(0), |_| wanted += 1);
    let share = wanted as f64 / stats.sample_lines as f64;
    assert_eq!(
        wanted,
        20 * 6,
        "rq_total and the five rq_xx classes per cluster"
    );
    assert!((0.009..0.012).contains(&share), "{share}");
    let outcome = |at_ms: i64| ScrapeOutcome {
        source: "envoy".into(),
        at_ms,
        duration_ms: 1,
        bytes: body.len() as u64,
        status: Some(200),
        result: Ok(body.clone()),
    };
    engine.ingest(&outcome(1_700_000_000_000));
    engine.ingest(&outcome(1_700_000_002_000));
    let status = engine.status(Mode::Live);
    assert_eq!(status.domains.len(), 6);
    for d in &status.domains {
        let t = d.traffic.as_ref().expect("traffic");
        assert!(t.legacy.requests_total.is_some(), "{}", d.name);
        assert!(t.new.errors_total.is_some(), "{}", d.name);
    }
}

#[test]
fn six_domain_kafka_config_reads_the_lag_sums() {
    let body = gen::kafka(50, 20, 2);
    let mut engine = engine(&gen::kafka_config("http://127.0.0.1:9308/metrics"));
    let mut names = std::collections::BTreeSet::new();
    parse(&body, engine.filter(0), |s| {
        names.insert(s.name.to_string());
    });
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["kafka_consumergroup_lag_sum"]
    );
    engine.ingest(&ScrapeOutcome {
        source: "kafka".into(),
        at_ms: 1_700_000_000_000,
        duration_ms: 1,
        bytes: 0,
        status: Some(200),
        result: Ok(body),
    });
    let status = engine.status(Mode::Live);
    assert_eq!(status.domains.len(), 6);
    for d in &status.domains {
        assert!(d.queues[0].depth.is_some(), "{}: {:?}", d.name, d.queues);
    }
}

#[test]
fn fleet_gives_every_domain_known_figures() {
    let fleet = gen::Fleet {
        domains: 4,
        pods: 2,
    };
    let mut engine = engine(&fleet.config_toml("http://127.0.0.1:9", "2s", "1500ms"));
    let sources = fleet.sources();
    assert_eq!(sources.len(), 3 + 4 * 2);
    for t in (0..=120).step_by(2) {
        for (i, name) in sources.iter().enumerate() {
            let body = fleet.body(i, t);
            let stats = parse(&body, &FamilyFilter::all(), |_| {});
            assert_eq!(stats.bad_lines, 0, "{name}: {:?}", stats.first_bad);
            engine.ingest(&ScrapeOutcome {
                source: name.clone(),
                at_ms: 1_700_000_000_000 + t as i64 * 1000 + i as i64,
                duration_ms: 1,
                bytes: body.len() as u64,
                status: Some(200),
                result: Ok(body),
            });
        }
    }
    let status = engine.status(Mode::Live);
    assert_eq!(status.domains.len(), 4);
    assert!(status.sources.iter().all(|s| s.up == Some(true)));
    for d in &status.domains {
        let t = d.traffic.as_ref().expect("traffic");
        for side in [&t.legacy, &t.new] {
            assert!(side.rps.is_some_and(|r| r > 0.0), "{}: {side:?}", d.name);
            assert!(side.p95_seconds.is_some(), "{}: {side:?}", d.name);
            assert!(side.weight.is_some(), "{}", d.name);
        }
        assert!(t.new_share.is_some_and(|s| s > 0.0 && s < 1.0));
        assert!(d.queues[0].depth.is_some(), "{}", d.name);
        assert_eq!(d.sagas.len(), 2);
        assert!(
            d.sagas.iter().all(|s| s.failure_ratio.is_some()),
            "{}",
            d.name
        );
    }
}
