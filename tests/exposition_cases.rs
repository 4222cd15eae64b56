//! Every edge case of tests/fixtures/exposition-cases, with the exact samples a correct reader
//! gives (the reference being Prometheus' own parsers; see that folder's README).

mod common;

use common::ingest::{parse_owned, sample, Owned};
use cutover::ingest::exposition::{BadLine, MetricType, ParseStats};
use cutover::ingest::prefilter::FamilyFilter;

use MetricType::{Counter, Gauge, Histogram, Summary, Untyped};

fn case(file: &str) -> (Vec<Owned>, ParseStats) {
    let body = common::fixture(&format!("exposition-cases/{file}"));
    parse_owned(&body, &FamilyFilter::all())
}

/// Parse a case and require exactly these samples and no bad line.
fn clean_case(file: &str, expected: &[Owned]) -> ParseStats {
    let (samples, stats) = case(file);
    assert_eq!(samples, expected, "{file}");
    assert_eq!(stats.bad_lines, 0, "{file}: {:?}", stats.first_bad);
    assert!(stats.first_bad.is_empty());
    assert_eq!(stats.samples as usize, expected.len());
    assert_eq!(stats.filtered, 0);
    stats
}

#[test]
fn c01_label_value_with_comma_kept_whole() {
    clean_case(
        "01_label_comma.prom",
        &[sample(
            "m",
            &[("path", "/a,b"), ("x", "1")],
            1.0,
            None,
            1,
            Untyped,
        )],
    );
}

#[test]
fn c02_label_value_with_equals_kept() {
    clean_case(
        "02_label_equals.prom",
        &[sample(
            "m",
            &[("q", "a=b"), ("x", "1")],
            1.0,
            None,
            1,
            Untyped,
        )],
    );
}

#[test]
fn c03_label_value_with_braces_kept() {
    clean_case(
        "03_label_brace.prom",
        &[sample(
            "http_requests_total",
            &[("route", "/users/{id}"), ("code", "200")],
            7.0,
            None,
            1,
            Untyped,
        )],
    );
}

#[test]
fn c04_escaped_quote_unescaped() {
    clean_case(
        "04_label_escaped_quote.prom",
        &[sample("m", &[("msg", "say \"hi\"")], 1.0, None, 1, Untyped)],
    );
}

#[test]
fn c05_escaped_backslash_unescaped() {
    clean_case(
        "05_label_escaped_backslash.prom",
        &[sample("m", &[("path", "C:\\dir")], 1.0, None, 1, Untyped)],
    );
}

#[test]
fn c06_escaped_newline_unescaped() {
    clean_case(
        "06_label_escaped_newline.prom",
        &[sample("m", &[("msg", "a\nb")], 1.0, None, 1, Untyped)],
    );
}

#[test]
fn c07_space_after_comma() {
    clean_case(
        "07_label_space_after_comma.prom",
        &[sample(
            "m",
            &[("a", "1"), ("b", "2")],
            1.0,
            None,
            1,
            Untyped,
        )],
    );
}

#[test]
fn c08_envoy_empty_braces() {
    let stats = clean_case(
        "08_empty_braces_envoy.prom",
        &[sample("envoy_server_live", &[], 1.0, None, 2, Gauge)],
    );
    assert_eq!(stats.lines, 2);
    assert_eq!(stats.sample_lines, 1);
}

#[test]
fn c09_colon_in_recording_rule_name() {
    clean_case(
        "09_colon_name_recording.prom",
        &[sample(
            "job:http_requests:rate5m",
            &[("job", "api")],
            12.5,
            None,
            1,
            Untyped,
        )],
    );
}

#[test]
fn c10_timestamp_in_milliseconds() {
    clean_case(
        "10_timestamp_ms.prom",
        &[sample(
            "m",
            &[("a", "1")],
            3.0,
            Some(1_700_000_000_000),
            1,
            Untyped,
        )],
    );
}

#[test]
fn c11_nan_and_infinities() {
    clean_case(
        "11_nan_inf.prom",
        &[
            sample("m", &[("k", "nan")], f64::NAN, None, 1, Untyped),
            sample("m", &[("k", "pinf")], f64::INFINITY, None, 2, Untyped),
            sample("m", &[("k", "ninf")], f64::NEG_INFINITY, None, 3, Untyped),
        ],
    );
}

#[test]
fn c12_histogram() {
    clean_case(
        "12_histogram.prom",
        &[
            sample("h_bucket", &[("le", "0.5")], 1.0, None, 3, Histogram),
            sample("h_bucket", &[("le", "+Inf")], 3.0, None, 4, Histogram),
            sample("h_sum", &[], 4.5, None, 5, Histogram),
            sample("h_count", &[], 3.0, None, 6, Histogram),
        ],
    );
}

#[test]
fn c13_histogram_whose_name_ends_in_count() {
    clean_case(
        "13_histogram_named_x_count.prom",
        &[
            sample(
                "rq_headers_count_bucket",
                &[("le", "10")],
                2.0,
                None,
                2,
                Histogram,
            ),
            sample(
                "rq_headers_count_bucket",
                &[("le", "+Inf")],
                3.0,
                None,
                3,
                Histogram,
            ),
            sample("rq_headers_count_sum", &[], 17.0, None, 4, Histogram),
            sample("rq_headers_count_count", &[], 3.0, None, 5, Histogram),
        ],
    );
}

#[test]
fn c14_summary() {
    clean_case(
        "14_summary.prom",
        &[
            sample("s", &[("quantile", "0.5")], 1.5, None, 2, Summary),
            sample("s", &[("quantile", "0.99")], 9.0, None, 3, Summary),
            sample("s_sum", &[], 20.0, None, 4, Summary),
            sample("s_count", &[], 5.0, None, 5, Summary),
        ],
    );
}

#[test]
fn c15_openmetrics_counter_created_and_eof() {
    let stats = clean_case(
        "15_om_counter_total_eof.prom",
        &[
            sample("foo_total", &[], 17.0, None, 2, Counter),
            sample("foo_created", &[], 1.7e9, None, 3, Counter),
        ],
    );
    assert_eq!(stats.lines, 4);
}

#[test]
fn c16_exemplar_dropped_value_kept() {
    clean_case(
        "16_om_exemplar.prom",
        &[
            sample("foo_bucket", &[("le", "1")], 3.0, None, 2, Histogram),
            sample("foo_bucket", &[("le", "+Inf")], 4.0, None, 3, Histogram),
            sample("foo_sum", &[], 2.0, None, 4, Histogram),
            sample("foo_count", &[], 4.0, None, 5, Histogram),
        ],
    );
}

#[test]
fn c17_untyped_and_typeless() {
    clean_case(
        "17_untyped_and_no_type.prom",
        &[
            sample("u", &[], 1.0, None, 2, Untyped),
            sample("no_type_line", &[], 2.0, None, 3, Untyped),
        ],
    );
}

#[test]
fn c18_no_final_newline() {
    let stats = clean_case(
        "18_no_trailing_newline.prom",
        &[sample("m", &[], 1.0, None, 1, Untyped)],
    );
    assert_eq!(stats.lines, 1);
}

#[test]
fn c19_crlf_line_ends() {
    let stats = clean_case(
        "19_crlf.prom",
        &[
            sample("m", &[], 1.0, None, 1, Untyped),
            sample("n", &[], 2.0, None, 2, Untyped),
        ],
    );
    assert_eq!(stats.lines, 2);
}

#[test]
fn c20_garbage_line_skipped_and_reported() {
    let (samples, stats) = case("20_garbage_line_in_middle.prom");
    assert_eq!(
        samples,
        [
            sample("a", &[], 1.0, None, 1, Untyped),
            sample("b", &[], 2.0, None, 3, Untyped),
        ]
    );
    assert_eq!(stats.lines, 3);
    assert_eq!(stats.sample_lines, 3);
    assert_eq!(stats.samples, 2);
    assert_eq!(stats.bad_lines, 1);
    assert_eq!(stats.first_bad.len(), 1);
    let BadLine { line, reason } = &stats.first_bad[0];
    assert_eq!(*line, 2);
    assert!(!reason.is_empty());
}

#[test]
fn c20_garbage_line_is_bad_even_when_its_name_is_not_wanted() {
    let body = common::fixture("exposition-cases/20_garbage_line_in_middle.prom");
    let (samples, stats) = parse_owned(&body, &FamilyFilter::names(["b"]));
    assert_eq!(samples, [sample("b", &[], 2.0, None, 3, Untyped)]);
    assert_eq!(stats.filtered, 1);
    assert_eq!(stats.bad_lines, 1);
    assert_eq!(stats.first_bad[0].line, 2);
}

#[test]
fn c21_one_family_different_label_sets() {
    clean_case(
        "21_inconsistent_label_sets.prom",
        &[
            sample("m", &[("a", "1")], 1.0, None, 2, Gauge),
            sample("m", &[("b", "2")], 2.0, None, 3, Gauge),
        ],
    );
}

#[test]
fn c22_help_with_escapes_is_a_comment() {
    let stats = clean_case(
        "22_help_escapes.prom",
        &[sample("m", &[], 1.0, None, 3, Gauge)],
    );
    assert_eq!(stats.sample_lines, 1);
}

#[test]
fn c23_tabs_and_several_spaces() {
    clean_case(
        "23_tab_and_multi_space.prom",
        &[
            sample("m", &[("a", "1")], 1.0, None, 1, Untyped),
            sample("n", &[], 2.0, None, 2, Untyped),
        ],
    );
}

#[test]
fn c24_float_forms() {
    clean_case(
        "24_float_forms.prom",
        &[
            sample("m", &[("k", "a")], 1000.0, None, 1, Untyped),
            sample("m", &[("k", "b")], -0.5, None, 2, Untyped),
            sample("m", &[("k", "c")], 0.5, None, 3, Untyped),
            sample("m", &[("k", "d")], 0.0015, None, 4, Untyped),
        ],
    );
}

#[test]
fn c25_utf8_label_value() {
    clean_case(
        "25_unicode_label_value.prom",
        &[sample("m", &[("city", "Zürich ☃")], 1.0, None, 1, Untyped)],
    );
}

#[test]
fn c26_comments_and_blank_lines() {
    let stats = clean_case(
        "26_comments_blank_lines.prom",
        &[sample("m", &[], 1.0, None, 4, Untyped)],
    );
    assert_eq!(stats.lines, 4);
    assert_eq!(stats.sample_lines, 1);
}

#[test]
fn c27_prometheus3_quoted_name() {
    clean_case(
        "27_prom3_quoted_utf8_name.prom",
        &[sample(
            "my.dotted.metric",
            &[("a", "b")],
            1.0,
            None,
            1,
            Untyped,
        )],
    );
}

#[test]
fn c28_histogram_with_two_label_sets() {
    clean_case(
        "28_hist_two_series.prom",
        &[
            sample(
                "h_bucket",
                &[("svc", "a"), ("le", "1")],
                1.0,
                None,
                2,
                Histogram,
            ),
            sample(
                "h_bucket",
                &[("svc", "a"), ("le", "+Inf")],
                2.0,
                None,
                3,
                Histogram,
            ),
            sample("h_sum", &[("svc", "a")], 3.0, None, 4, Histogram),
            sample("h_count", &[("svc", "a")], 2.0, None, 5, Histogram),
            sample(
                "h_bucket",
                &[("svc", "b"), ("le", "1")],
                5.0,
                None,
                6,
                Histogram,
            ),
            sample(
                "h_bucket",
                &[("svc", "b"), ("le", "+Inf")],
                6.0,
                None,
                7,
                Histogram,
            ),
            sample("h_sum", &[("svc", "b")], 7.0, None, 8, Histogram),
            sample("h_count", &[("svc", "b")], 6.0, None, 9, Histogram),
        ],
    );
}

#[test]
fn c29_inf_spellings() {
    clean_case(
        "29_value_inf_spellings.prom",
        &[
            sample("m", &[("k", "a")], f64::INFINITY, None, 1, Untyped),
            sample("m", &[("k", "b")], f64::INFINITY, None, 2, Untyped),
        ],
    );
}

#[test]
fn c30_help_without_text() {
    clean_case(
        "30_help_without_text.prom",
        &[sample("m", &[], 1.0, None, 3, Gauge)],
    );
}

#[test]
fn c31_histogram_without_inf_bucket() {
    clean_case(
        "31_hist_without_inf_bucket.prom",
        &[
            sample("h_bucket", &[("le", "1")], 1.0, None, 2, Histogram),
            sample("h_sum", &[], 1.0, None, 3, Histogram),
            sample("h_count", &[], 1.0, None, 4, Histogram),
        ],
    );
}

#[test]
fn c32_counter_without_total_suffix() {
    clean_case(
        "32_type_counter_no_suffix.prom",
        &[sample(
            "requests",
            &[("code", "200")],
            5.0,
            None,
            3,
            Counter,
        )],
    );
}

#[test]
fn c33_two_untyped_without_type_lines() {
    clean_case(
        "33_two_untyped_no_type.prom",
        &[
            sample("a", &[], 1.0, None, 1, Untyped),
            sample("b", &[], 2.0, None, 2, Untyped),
        ],
    );
}

#[test]
fn c34_trailing_comma_in_label_set() {
    clean_case(
        "34_trailing_comma_in_labels.prom",
        &[sample("m", &[("a", "b")], 1.0, None, 1, Untyped)],
    );
}

#[test]
fn c35_haproxy_nan_spelling() {
    clean_case(
        "35_value_Nan_haproxy.prom",
        &[sample("m", &[("k", "x")], f64::NAN, None, 1, Untyped)],
    );
}

#[test]
fn every_case_file_has_a_test() {
    let dir = common::fixture_path("exposition-cases");
    let mut cases: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".prom"))
        .collect();
    cases.sort();
    assert_eq!(cases.len(), 35, "a case was added or removed: {cases:?}");
}

/// The label sets of the parser's two label readers (the plain one for sets without blanks or
/// escapes, the general one for the rest), each with what Prometheus' own text parser reads
/// from it, written out by hand: the labels, or `None` for a line it refuses. The same set is
/// read once as written and once with a blank after `{`, which sends it to the general reader;
/// both must give exactly these labels, so neither reader is only checked against the other.
#[test]
fn both_label_readers_give_the_hand_written_labels() {
    type Expected = Option<&'static [(&'static str, &'static str)]>;
    let sets: [(&str, Expected); 12] = [
        (r#"{}"#, Some(&[])),
        (r#"{a="1"}"#, Some(&[("a", "1")])),
        (r#"{a="1",}"#, Some(&[("a", "1")])),
        (
            r#"{route="/users/{id}",q="a=b,c}",x=""}"#,
            Some(&[("route", "/users/{id}"), ("q", "a=b,c}"), ("x", "")]),
        ),
        // `\"`, `\\` and `\n` are undone; any other escape stays as written.
        (
            r#"{msg="say \"hi\"",p="C:\\dir",n="a\nb",t="a\tb"}"#,
            Some(&[
                ("msg", "say \"hi\""),
                ("p", "C:\\dir"),
                ("n", "a\nb"),
                ("t", "a\\tb"),
            ]),
        ),
        (
            r#"{city="Zürich ☃",le="+Inf"}"#,
            Some(&[("city", "Zürich ☃"), ("le", "+Inf")]),
        ),
        (r#"{a="1",a="2"}"#, None),
        (r#"{__name__="x"}"#, None),
        (r#"{a="1"b="2"}"#, None),
        (r#"{a="1",1b="2"}"#, None),
        (r#"{a="1""#, None),
        (r#"{a=1}"#, None),
    ];
    for (set, expected) in sets {
        for written in [set.to_string(), set.replacen('{', "{ ", 1)] {
            let body = format!("m{written} 1\nm{written} 2\n");
            let (samples, stats) = parse_owned(&body, &FamilyFilter::all());
            match expected {
                Some(labels) => {
                    assert_eq!(
                        samples,
                        [
                            sample("m", labels, 1.0, None, 1, Untyped),
                            sample("m", labels, 2.0, None, 2, Untyped)
                        ],
                        "{written}"
                    );
                    assert_eq!(stats.bad_lines, 0, "{written}: {:?}", stats.first_bad);
                }
                None => {
                    assert!(samples.is_empty(), "{written}: {samples:?}");
                    assert_eq!(stats.bad_lines, 2, "{written}");
                    let lines: Vec<u32> = stats.first_bad.iter().map(|b| b.line).collect();
                    assert_eq!(lines, [1, 2], "{written}");
                }
            }
        }
    }
}
