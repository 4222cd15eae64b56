//! The exposition-format parser (Prometheus text 0.0.4 and OpenMetrics text).
//!
//! Our own because the published crates are either slow or silently lose samples on input real
//! exporters emit (label values holding `}` `,` `=`, Envoy's `name{}`, `:` in names); see the
//! README. The design follows from scrape sizes of tens of MB:
//!
//! - zero-copy: names and label values borrow from the body; a label value is owned only when it
//!   holds an escape that must be undone;
//! - no allocation per sample: one label buffer is reused across lines and the sample is handed
//!   to a callback, not collected;
//! - the [`FamilyFilter`] is asked about the name token before labels and values are read, so an
//!   unwanted line costs a name scan and a `memchr` to the next line;
//! - the samples of a family come in a run of lines that repeat one name and the same label
//!   names, so a name equal to the previous line's is recognised by one comparison instead of
//!   a scan byte by byte (and its filter verdict reused), and likewise each label name;
//! - tolerant: a line that cannot be read is skipped, counted and reported with its 1-based line
//!   number, and the rest of the body is kept, because one odd line must not blank a dashboard.
//!
//! Every cost is linear in the body: labels are checked for duplicates by a scan while a line
//! has few of them and through a hash set once it has many, so a line of 150,000 labels costs
//! what its bytes cost, not their square. With [`parse_limited`] the source's [`Limits`] stop
//! the parse at the first breach.
//!
//! Exemplars (OpenMetrics ` # {trace_id="…"} value [timestamp]` after a counter's `_total` or a
//! bucket) are read in the same pass into a second reused buffer, only on lines that have one,
//! and handed over with their sample ([`Sample::exemplar`]); see [`super::exemplar`].
//!
//! Timestamps: Prometheus text writes int64 milliseconds, OpenMetrics float seconds. A body is
//! read as OpenMetrics when it ends with `# EOF` (the header may lie, the body does not);
//! otherwise an integer timestamp is milliseconds and one with a fraction or an exponent
//! (invalid in 0.0.4) is taken as seconds. A well-formed timestamp no `i64` of milliseconds can
//! hold is dropped (`None`) and the value kept.

use std::borrow::Cow;
use std::ops::ControlFlow;

use crate::ingest::family_filter::FamilyFilter;
use crate::ingest::limits::Limits;
use crate::ingest::line_reader::scan;
pub use crate::ingest::sample::{
    BadLine, Exemplar, Label, MetricType, ParseStats, Sample, MAX_REPORTED_BAD_LINES,
};

/// Parse an exposition body, handing every wanted sample to `on_sample`.
///
/// Never fails: unreadable lines are skipped and reported in the returned [`ParseStats`].
pub fn parse<'a, F: FnMut(&Sample<'a, '_>)>(
    body: &'a str,
    filter: &FamilyFilter,
    mut on_sample: F,
) -> ParseStats {
    let mut each = |s: &Sample<'a, '_>| {
        on_sample(s);
        ControlFlow::Continue(())
    };
    scan(body, filter, &Limits::NONE, &mut each, &mut |_, _| {})
}

/// [`parse`] within a source's limits: the first breach stops the parse and is returned in
/// [`ParseStats::breach`] (the caller fails the scrape, as Prometheus does). `on_sample` may
/// stop the parse too, by returning `Break`.
pub fn parse_limited<'a, F: FnMut(&Sample<'a, '_>) -> ControlFlow<()>>(
    body: &'a str,
    filter: &FamilyFilter,
    limits: &Limits,
    mut on_sample: F,
) -> ParseStats {
    scan(body, filter, limits, &mut on_sample, &mut |_, _| {})
}

/// Turn received bytes into text. Invalid UTF-8 is replaced rather than refused, so a body
/// with one bad byte still yields its good lines (and garbage yields bad lines, not an error).
/// A leading byte-order mark is dropped.
pub fn body_text(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    String::from_utf8_lossy(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_and_labels(body: &str, filter: &FamilyFilter) -> Vec<String> {
        let mut out = Vec::new();
        parse(body, filter, |s| {
            let labels: Vec<String> = s
                .labels
                .iter()
                .map(|l| format!("{}={}", l.name, l.value))
                .collect();
            out.push(format!("{}{{{}}} {}", s.name, labels.join(","), s.value));
        });
        out
    }

    #[test]
    fn a_name_that_extends_or_shortens_the_previous_one_is_read_whole() {
        let body = "abc 1\nabcd 2\nabc{x=\"1\"} 3\nab 4\nabcd 5\nabcd: 6\n";
        assert_eq!(
            names_and_labels(body, &FamilyFilter::all()),
            [
                "abc{} 1",
                "abcd{} 2",
                "abc{x=1} 3",
                "ab{} 4",
                "abcd{} 5",
                "abcd:{} 6"
            ]
        );
        // The filter's verdict belongs to the whole name, not to a repeated prefix.
        assert_eq!(
            names_and_labels(body, &FamilyFilter::names(["abcd"])),
            ["abcd{} 2", "abcd{} 5"]
        );
        assert_eq!(
            names_and_labels(body, &FamilyFilter::names(["abc", "ab"])),
            ["abc{} 1", "abc{x=1} 3", "ab{} 4"]
        );
    }

    #[test]
    fn a_label_name_that_extends_or_shortens_the_previous_one_is_read_whole() {
        let body = "m{ab=\"1\",c=\"2\"} 1\nm{abc=\"3\",c=\"4\"} 2\nm{a=\"5\"} 3\nm{ab =\"6\", cd=\"7\"} 4\nm{ab=\"8\",c=\"9\"} 5\n";
        assert_eq!(
            names_and_labels(body, &FamilyFilter::all()),
            [
                "m{ab=1,c=2} 1",
                "m{abc=3,c=4} 2",
                "m{a=5} 3",
                "m{ab=6,cd=7} 4",
                "m{ab=8,c=9} 5"
            ]
        );
        let stats = parse(
            "m{ab=\"1\"} 1\nm{ab-x=\"1\"} 2\n",
            &FamilyFilter::all(),
            |_| {},
        );
        assert_eq!(
            stats.bad_lines, 1,
            "a repeated prefix does not hide a bad name"
        );
    }

    #[test]
    /// The two readers against each other, bad lines included; against hand-written labels in
    /// `tests/exposition_cases.rs` (`both_label_readers_give_the_hand_written_labels`).
    fn plain_and_general_label_readers_agree() {
        // Each set written plainly, then with blanks that send it to the general reader.
        let sets = [
            r#"{}"#,
            r#"{a="1"}"#,
            r#"{a="1",}"#,
            r#"{route="/users/{id}",q="a=b,c}",x=""}"#,
            r#"{msg="say \"hi\"",p="C:\\dir",n="a\nb",t="a\tb"}"#,
            r#"{city="Zürich ☃",le="+Inf"}"#,
            r#"{a="1",a="2"}"#,
            r#"{__name__="x"}"#,
            r#"{a="1"b="2"}"#,
            r#"{a="1",1b="2"}"#,
            r#"{a="1""#,
            r#"{a=1}"#,
        ];
        for set in sets {
            let plain = format!("m{set} 1\nm{set} 2\n");
            let spaced = format!(
                "m{} 1\nm{} 2\n",
                set.replacen('{', "{ ", 1),
                set.replacen('{', "{ ", 1)
            );
            let a = names_and_labels(&plain, &FamilyFilter::all());
            let b = names_and_labels(&spaced, &FamilyFilter::all());
            assert_eq!(a, b, "{set}");
            let bad = |body: &str| parse(body, &FamilyFilter::all(), |_| {}).first_bad;
            assert_eq!(bad(&plain), bad(&spaced), "{set}");
        }
    }
}
