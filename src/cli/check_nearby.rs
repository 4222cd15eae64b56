//! `check`: for a selector that matches nothing, what does exist in the body.
//!
//! A typo (`server="monolit"`) gave four "MATCHES NOTHING" lines and no clue. This reads the
//! last body of the source: when the metric family is absent it says so (and, for the
//! families a Python service only exports after its first request, that this is normal);
//! otherwise, for each `label="value"` of the selector that no series of the family has, it
//! lists the nearest existing values of that label (edit distance, up to five).

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use crate::ingest::exposition::{parse_limited, Sample};
use crate::ingest::limits::Limits;
use crate::ingest::prefilter::FamilyFilter;

/// Families of the service presets that appear only once the app has served a request.
const AFTER_FIRST_REQUEST: &[&str] = &[
    "http_requests_total",
    "http_request_duration_seconds",
    "http_request_duration_highr_seconds",
    "django_http_responses_total_by_status_view_method_total",
    "django_http_requests_latency_seconds_by_view_method",
    "flask_http_request_duration_seconds",
    "flask_http_request_total",
];

/// How many existing values are listed.
const SHOWN: usize = 5;

/// Lines of explanation for `selector` (its text) matching nothing in `body`; empty when there
/// is nothing to add (no metric name, every value present).
pub fn explain(selector: &str, body: &str) -> Vec<String> {
    let Some((name, matchers)) = split(selector) else {
        return Vec::new();
    };
    let family = |s: &str| {
        s == name
            || ["_bucket", "_count", "_sum", "_total", "_created"]
                .iter()
                .any(|suffix| s.strip_suffix(suffix) == Some(name.as_str()))
    };
    let mut found = false;
    let mut values: Vec<BTreeSet<String>> = vec![BTreeSet::new(); matchers.len()];
    parse_limited(
        body,
        &FamilyFilter::all(),
        &Limits::default(),
        |s: &Sample| {
            if family(s.name) {
                found = true;
                for ((label, _), seen) in matchers.iter().zip(values.iter_mut()) {
                    if let Some(l) = s.labels.iter().find(|l| l.name == label) {
                        if seen.len() < 10_000 {
                            seen.insert(l.value.to_string());
                        }
                    }
                }
            }
            ControlFlow::Continue(())
        },
    );
    if !found {
        let mut line = format!("the metric family {name} is absent from the body");
        if AFTER_FIRST_REQUEST.contains(&name.as_str()) {
            line.push_str(
                " (normal for a service that has served no request yet: the instrumentation \
                 exports it from the first request on)",
            );
        }
        return vec![line];
    }
    let mut out = Vec::new();
    for ((label, wanted), seen) in matchers.iter().zip(&values) {
        if seen.contains(wanted) {
            continue;
        }
        if seen.is_empty() {
            out.push(format!("no series of {name} has a label {label}"));
            continue;
        }
        let mut near: Vec<&String> = seen.iter().collect();
        near.sort_by_key(|v| (distance(v, wanted), v.as_str()));
        let shown: Vec<String> = near.iter().take(SHOWN).map(|v| format!("{v:?}")).collect();
        out.push(format!(
            "no series of {name} has {label}={wanted:?}; existing {label} values, nearest first: {}{}",
            shown.join(", "),
            if seen.len() > SHOWN {
                format!(" (and {} more)", seen.len() - SHOWN)
            } else {
                String::new()
            }
        ));
    }
    out
}

/// The metric name and the `label="value"` equality matchers of a selector's text; `None`
/// without a plain metric name.
fn split(selector: &str) -> Option<(String, Vec<(String, String)>)> {
    let text = selector.trim();
    let (name, rest) = match text.find('{') {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => (text, ""),
    };
    let name = name.trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    {
        return None;
    }
    let mut matchers = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let mut label = String::new();
        while let Some(&c) = chars.peek() {
            if !(c.is_ascii_alphanumeric() || c == '_') {
                break;
            }
            label.push(c);
            chars.next();
        }
        if label.is_empty() {
            break;
        }
        let mut op = String::new();
        while let Some(&c) = chars.peek() {
            if c == '"' {
                break;
            }
            op.push(c);
            chars.next();
        }
        chars.next(); // the opening quote
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => value.extend(chars.next()),
                '"' => break,
                c => value.push(c),
            }
        }
        if op.trim() == "=" {
            matchers.push((label, value));
        }
    }
    Some((name.to_string(), matchers))
}

/// Levenshtein distance, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "haproxy_server_weight{proxy=\"be_orders\",server=\"monolith\"} 90\n\
                        haproxy_server_weight{proxy=\"be_orders\",server=\"orders_svc\"} 10\n";

    #[test]
    fn a_typo_lists_the_nearest_existing_values() {
        let lines = explain(
            "haproxy_server_weight{proxy=\"be_orders\",server=\"monolit\"}",
            BODY,
        );
        assert_eq!(
            lines,
            vec![
                "no series of haproxy_server_weight has server=\"monolit\"; existing server values, nearest first: \"monolith\", \"orders_svc\""
                    .to_string()
            ]
        );
    }

    #[test]
    fn an_absent_family_is_named_and_a_service_family_explained() {
        assert_eq!(
            explain("saga_failed_total", BODY),
            vec!["the metric family saga_failed_total is absent from the body".to_string()]
        );
        let fastapi = explain("http_requests_total{handler=\"/orders\"}", BODY);
        assert!(fastapi[0].contains("served no request yet"), "{fastapi:?}");
    }

    #[test]
    fn only_equality_matchers_are_checked() {
        assert_eq!(
            split("x{a=\"1\",b!=\"2\",c=~\"3|4\", d = \"q\\\"\"}"),
            Some((
                "x".to_string(),
                vec![("a".into(), "1".into()), ("d".into(), "q\"".into())]
            ))
        );
        assert_eq!(distance("monolit", "monolith"), 1);
    }
}
