//! OpenMetrics exemplars: the ` # {trace_id="…"} value [timestamp]` after a sample, read only
//! when a line has one, so that a body without them costs one byte comparison per line.
//!
//! An exemplar is read tolerantly: one that breaks the format (an unclosed label set, more than
//! the 128 characters of labels OpenMetrics allows, a value or timestamp that is not a number,
//! text after the timestamp) is dropped and its sample kept, as the sample alone is well formed
//! and one odd exemplar must not blank a dashboard. Exemplars exist only in OpenMetrics, and only
//! on counters' `_total` and on histogram buckets; after any other sample the text is ignored,
//! as it always was.
//!
//! Labels borrow from the body (owned only when a value holds an escape) and go into a buffer
//! the reader reuses, like the sample's labels, so exemplars cost no allocation per sample.

use crate::ingest::lexer::{
    label_value, parse_timestamp, parse_value, skip_blanks, token_end, LABEL_CHAR, LABEL_START,
};
use crate::ingest::sample::{Label, MetricType};

/// OpenMetrics: "the combined length of the label names and values of an Exemplar's LabelSet
/// MUST NOT exceed 128 UTF-8 character code points".
pub const MAX_EXEMPLAR_LABEL_CHARS: usize = 128;

/// Whether a sample of this name and kind may carry an exemplar: a counter's `_total` or a
/// histogram's (or gauge histogram's) `_bucket`.
pub(crate) fn allowed(name: &str, kind: MetricType) -> bool {
    match kind {
        MetricType::Counter => name.ends_with("_total"),
        MetricType::Histogram | MetricType::Other => name.ends_with("_bucket"),
        _ => false,
    }
}

/// Reads an exemplar from `i`, the `#` after a sample's value or timestamp, into `labels`
/// (cleared first): its value and timestamp in ms, or `None` when it breaks the format.
pub(crate) fn read<'a>(
    line: &'a str,
    i: usize,
    labels: &mut Vec<Label<'a>>,
) -> Option<(f64, Option<i64>)> {
    labels.clear();
    let b = line.as_bytes();
    // `# ` then `{`: exactly one blank on each side in the spec; blanks are tolerated.
    let mut i = skip_blanks(b, i + 1);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    let mut chars = 0usize;
    loop {
        i = skip_blanks(b, i);
        match b.get(i)? {
            b'}' => {
                i += 1;
                break;
            }
            &c if LABEL_START[usize::from(c)] => {}
            _ => return None,
        }
        let start = i;
        while i < b.len() && LABEL_CHAR[usize::from(b[i])] {
            i += 1;
        }
        let name = &line[start..i];
        i = skip_blanks(b, i);
        if b.get(i) != Some(&b'=') {
            return None;
        }
        i = skip_blanks(b, i + 1);
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let (value, after) = label_value(line, i + 1).ok()?;
        chars += name.len() + value.chars().count();
        if chars > MAX_EXEMPLAR_LABEL_CHARS || labels.iter().any(|l| l.name == name) {
            return None;
        }
        labels.push(Label { name, value });
        i = skip_blanks(b, after);
        match b.get(i)? {
            b',' => i += 1,
            b'}' => {
                i += 1;
                break;
            }
            _ => return None,
        }
    }
    // The value: OpenMetrics requires the blank after `}`.
    if !matches!(b.get(i), Some(b' ' | b'\t')) {
        return None;
    }
    i = skip_blanks(b, i);
    let end = token_end(b, i);
    let value = parse_value(line.get(i..end)?)?;
    i = skip_blanks(b, end);
    let mut timestamp_ms = None;
    if i < b.len() {
        let end = token_end(b, i);
        // Exemplar timestamps are OpenMetrics float seconds.
        timestamp_ms = parse_timestamp(&line[i..end], true).ok()?;
        if timestamp_ms.is_none() || skip_blanks(b, end) != b.len() {
            return None;
        }
    }
    Some((value, timestamp_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    type Read = (Vec<(String, String)>, f64, Option<i64>);

    fn read_str(text: &str) -> Option<Read> {
        let mut labels = Vec::new();
        let (v, t) = read(text, 0, &mut labels)?;
        Some((
            labels
                .iter()
                .map(|l| (l.name.to_string(), l.value.to_string()))
                .collect(),
            v,
            t,
        ))
    }

    #[test]
    fn reads_labels_value_and_timestamp() {
        let (labels, v, t) =
            read_str(r#"# {trace_id="4bf9",span_id="00f0"} 0.25 1700000000.5"#).expect("valid");
        assert_eq!(labels.len(), 2);
        assert_eq!(labels[0], ("trace_id".into(), "4bf9".into()));
        assert_eq!((v, t), (0.25, Some(1_700_000_000_500)));
        assert_eq!(read_str("# {} 1").map(|r| r.1), Some(1.0));
        assert_eq!(
            read_str(r#"# {a="x # y"} 2"#).map(|r| r.0[0].1.clone()),
            Some("x # y".into())
        );
    }

    #[test]
    fn a_broken_exemplar_is_none() {
        for text in [
            "#",
            "# ",
            "# {",
            r#"# {a="b"}"#,
            r#"# {a="b"}1"#,
            r#"# {a="b"} x"#,
            r#"# {a="b"} 1 NaN"#,
            r#"# {a="b"} 1 1 1"#,
            r#"# {a="b",a="c"} 1"#,
            r#"# {a=b} 1"#,
            r#"# {1a="b"} 1"#,
            r#"# {a="b" 1"#,
            r#"# x {a="b"} 1"#,
        ] {
            assert!(read_str(text).is_none(), "{text}");
        }
        let long = format!("# {{trace_id=\"{}\"}} 1", "a".repeat(121));
        assert!(read_str(&long).is_none());
        let fits = format!("# {{trace_id=\"{}\"}} 1", "a".repeat(120));
        assert!(read_str(&fits).is_some());
    }
}
