//! Differential test against `prometheus-parse` 0.2.5 on the inputs it reads correctly: the
//! same samples (names, labels, values) must come out of both parsers. Where it is known to lose
//! or mangle data (label values holding `,` `=` `}`), only what it keeps intact is compared,
//! and its loss is pinned so that the README's claim stays true.
#![allow(clippy::unwrap_used)]

mod common;

use common::ingest::parse_owned;
use cutover::ingest::exposition::MetricType;
use cutover::ingest::prefilter::FamilyFilter;
use prometheus_parse::{Scrape, Value};

/// A sample in a form both parsers can be brought to: bucket bounds and quantiles as numbers
/// (the reference keeps them as floats), other labels sorted.
#[derive(Debug, PartialEq, PartialOrd)]
struct Key {
    name: String,
    labels: Vec<(String, String)>,
    bound: Option<u64>,
    value: u64,
}

fn bits(v: f64) -> u64 {
    if v.is_nan() {
        f64::NAN.to_bits()
    } else {
        v.to_bits()
    }
}

fn ours(body: &str) -> Vec<Key> {
    let (samples, stats) = parse_owned(body, &FamilyFilter::all());
    assert_eq!(stats.bad_lines, 0, "{:?}", stats.first_bad);
    let mut keys: Vec<Key> = samples
        .into_iter()
        .map(|s| {
            let bound_label = if s.name.ends_with("_bucket") && s.kind == MetricType::Histogram {
                Some("le")
            } else if s.kind == MetricType::Summary {
                Some("quantile")
            } else {
                None
            };
            let mut bound = None;
            let mut labels = Vec::new();
            for (name, value) in s.labels {
                if Some(name.as_str()) == bound_label {
                    bound = Some(bits(value.parse::<f64>().expect("numeric bound")));
                } else {
                    labels.push((name, value));
                }
            }
            labels.sort();
            Key {
                name: s.name,
                labels,
                bound,
                value: bits(s.value),
            }
        })
        .collect();
    keys.sort_by(|a, b| a.partial_cmp(b).unwrap());
    keys
}

fn reference(body: &str) -> Vec<Key> {
    let scrape = Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).expect("reference parse");
    let mut keys = Vec::new();
    for s in scrape.samples {
        let mut labels: Vec<(String, String)> = s
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        labels.sort();
        match s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => keys.push(Key {
                name: s.metric.clone(),
                labels,
                bound: None,
                value: bits(v),
            }),
            Value::Histogram(buckets) => {
                for b in buckets {
                    keys.push(Key {
                        name: format!("{}_bucket", s.metric),
                        labels: labels.clone(),
                        bound: Some(bits(b.less_than)),
                        value: bits(b.count),
                    });
                }
            }
            Value::Summary(quantiles) => {
                for q in quantiles {
                    keys.push(Key {
                        name: s.metric.clone(),
                        labels: labels.clone(),
                        bound: Some(bits(q.quantile)),
                        value: bits(q.count),
                    });
                }
            }
        }
    }
    keys.sort_by(|a, b| a.partial_cmp(b).unwrap());
    keys
}

/// Inputs whose labels the reference reads right: compare everything.
#[test]
fn same_samples_on_inputs_the_reference_reads_right() {
    let mut files: Vec<String> = [
        "haproxy-idle.prom",
        "haproxy-svc-down.prom",
        "rabbitmq-per-object.prom",
        "redis-exporter.prom",
    ]
    .iter()
    .map(|f| format!("real/{f}"))
    .collect();
    // The tiny cases the reference handles (parser-perf.md: "ok" or "FLAT" in its column).
    for case in [
        "10_timestamp_ms",
        "11_nan_inf",
        "12_histogram",
        "13_histogram_named_x_count",
        "14_summary",
        "15_om_counter_total_eof",
        "16_om_exemplar",
        "17_untyped_and_no_type",
        "18_no_trailing_newline",
        "19_crlf",
        "21_inconsistent_label_sets",
        "22_help_escapes",
        "23_tab_and_multi_space",
        "24_float_forms",
        "25_unicode_label_value",
        "26_comments_blank_lines",
        "28_hist_two_series",
        "29_value_inf_spellings",
        "30_help_without_text",
        "31_hist_without_inf_bucket",
        "32_type_counter_no_suffix",
        "33_two_untyped_no_type",
        "34_trailing_comma_in_labels",
        "35_value_Nan_haproxy",
    ] {
        files.push(format!("exposition-cases/{case}.prom"));
    }
    for file in files {
        let body = common::fixture(&file);
        let (ours, theirs) = (ours(&body), reference(&body));
        assert!(!ours.is_empty(), "{file}");
        assert_eq!(ours.len(), theirs.len(), "{file}: sample count");
        assert_eq!(ours, theirs, "{file}");
    }
}

/// RabbitMQ's telemetry labels hold `content_type="text/plain; version=0.0.4"`, whose `=` the
/// reference cannot split; the count and the values still agree.
#[test]
fn same_count_and_values_on_rabbitmq_captures() {
    for file in [
        "rabbitmq-aggregated.prom",
        "rabbitmq-detailed-no-family.prom",
        "rabbitmq-detailed-queue_coarse_metrics.prom",
    ] {
        let body = common::fixture(&format!("real/{file}"));
        let mut ours: Vec<u64> = ours(&body).iter().map(|k| k.value).collect();
        let mut theirs: Vec<u64> = reference(&body).iter().map(|k| k.value).collect();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs, "{file}");
    }
}

/// The reason the reference is not used: it silently drops every sample whose label value
/// holds `}` (FastAPI routes such as `/orders/{order_id}`).
#[test]
fn reference_drops_route_templates_we_keep() {
    let body = common::fixture("real/orders-monolith-canary.prom");
    let (ours, theirs) = (ours(&body), reference(&body));
    let with_brace = |keys: &[Key]| {
        keys.iter()
            .filter(|k| k.labels.iter().any(|(_, v)| v.contains('{')))
            .count()
    };
    assert!(with_brace(&ours) > 0);
    assert_eq!(with_brace(&theirs), 0);
    assert!(theirs.len() < ours.len());
}
