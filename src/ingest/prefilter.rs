//! The pre-filter's other half: `reduce` cuts a body down to the lines a recording needs,
//! using the same line reader as the parser, so that a replay reads what the live parse read.
//! The filter itself is [`FamilyFilter`] (in `family_filter`, re-exported here).

pub use crate::ingest::family_filter::FamilyFilter;
use crate::ingest::lexer::{kind_by_suffix, write_name, DeclaredType};
use crate::ingest::line_reader::{scan, LineKind};
use crate::ingest::sample::{MetricType, Sample, MAX_REPORTED_BAD_LINES};

/// Keep only the lines a filter wants (plus `# TYPE` lines of wanted families), for recordings.
///
/// Also kept, so that a replay of the reduced body reads the same as the live body did:
/// - `# EOF` when it ends the body, which marks the body as OpenMetrics and so decides how
///   timestamps are read (an `# EOF` line with more lines after it still ends the parse, but
///   the body is not OpenMetrics, so it is left out: kept last, it would make the reduced body
///   OpenMetrics and turn its millisecond timestamps into seconds);
/// - the first 20 bad lines, so that a body which was garbage live is garbage in replay too;
/// - a `# TYPE <name> untyped` line before a wanted sample whose governing `# TYPE` line was
///   dropped while an earlier kept one would otherwise claim it;
/// - the first unwanted sample line, when no wanted sample is kept but a bad line is: a body
///   whose only readable lines were filtered out is up (the source answered metrics), and
///   without one such line its replay would read as "no line parses", a failed scrape.
///
/// Kept lines are copied as the parser saw them (see [`push_line`]). HELP, UNIT and other comments, blank lines and the other unwanted samples are dropped.
pub fn reduce(body: &str, filter: &FamilyFilter) -> String {
    let mut out = String::new();
    let mut scratch = String::new();
    let mut bad_kept = 0usize;
    let mut samples_kept = 0usize;
    let mut first_filtered: Option<&str> = None;
    let openmetrics = crate::ingest::lexer::ends_with_eof_marker(body.as_bytes());
    // The family governing kinds in the output so far, and whether the input's governing
    // family is a different (dropped) one.
    let mut out_family: Option<(String, DeclaredType)> = None;
    let mut input_family_dropped = false;
    let keep_going = &mut |_: &Sample<'_, '_>| std::ops::ControlFlow::Continue(());
    let limits = crate::ingest::limits::Limits::NONE;
    scan(
        body,
        filter,
        &limits,
        keep_going,
        &mut |line, kind| match kind {
            LineKind::Type { family, declared } => {
                if filter.wants_family(family, declared, &mut scratch) {
                    push_line(&mut out, line.trim_start_matches([' ', '\t']));
                    out_family = Some((family.to_owned(), declared));
                    input_family_dropped = false;
                } else {
                    input_family_dropped = true;
                }
            }
            LineKind::Sample { name, kind } => {
                if input_family_dropped {
                    let out_kind = match &out_family {
                        Some((family, declared)) => kind_by_suffix(family, *declared, name),
                        None => MetricType::Untyped,
                    };
                    if out_kind != kind {
                        out.push_str("# TYPE ");
                        write_name(name, &mut out);
                        out.push_str(" untyped\n");
                        out_family = Some((name.to_owned(), DeclaredType::Untyped));
                    }
                }
                push_line(&mut out, line);
                samples_kept += 1;
            }
            LineKind::Eof => {
                if openmetrics {
                    out.push_str("# EOF\n");
                }
            }
            LineKind::Bad => {
                if bad_kept < MAX_REPORTED_BAD_LINES {
                    bad_kept += 1;
                    push_line(&mut out, line);
                }
            }
            LineKind::Filtered => {
                first_filtered.get_or_insert(line);
            }
            LineKind::Blank | LineKind::Comment => {}
        },
    );
    if let (0, 1.., Some(line)) = (samples_kept, bad_kept, first_filtered) {
        // First, where it governs nothing: filtered lines leave the `# TYPE` state alone, and
        // only the last line decides whether the body is OpenMetrics.
        let mut first = String::new();
        push_line(&mut first, line);
        out.insert_str(0, &first);
    }
    out
}

/// Appends a line the parser handed over, so that it reads back as the same text. The parser
/// takes one `\r` before a line end as part of a CRLF line end, so a line whose text still
/// ends in `\r` (it ended `\r\r` in the body) gets `\r\n`: with `\n` alone, that `\r` would
/// be taken for the line end and the line read differently (a bad line as a blank one, a type
/// word `counter\r` as `counter`).
fn push_line(out: &mut String, line: &str) {
    out.push_str(line);
    if line.ends_with('\r') {
        out.push('\r');
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::exposition;

    #[test]
    fn wants_exact_names_only() {
        let filter = FamilyFilter::names(["up", "http_requests_total", ""]);
        assert!(filter.wants("up"));
        assert!(filter.wants("http_requests_total"));
        assert!(!filter.wants("http_requests"));
        assert!(!filter.wants("uq"));
        assert!(!filter.wants(""));
        assert!(!filter.keeps_all());
        assert!(FamilyFilter::all().wants("anything"));
        assert!(FamilyFilter::all().keeps_all());
    }

    /// Found by fuzzing: a body whose readable lines were all filtered out, plus one bad line,
    /// is up live but read as "no line parses" from its reduced copy in a recording.
    #[test]
    fn a_reduced_body_keeps_its_up_verdict_when_every_good_line_was_filtered() {
        let filter = FamilyFilter::names(["wanted"]);
        let body = "a 1\nthis is not a metric line\nb 2\n";
        let reduced = reduce(body, &filter);
        assert_eq!(reduced, "a 1\nthis is not a metric line\n");
        let live = exposition::parse(body, &filter, |_| {});
        let replay = exposition::parse(&reduced, &filter, |_| {});
        assert_eq!((live.samples, live.bad_lines), (0, 1));
        assert_eq!((replay.samples, replay.bad_lines), (0, 1));
        assert!(live.filtered > 0 && replay.filtered > 0);
        assert_eq!(reduce(&reduced, &filter), reduced);
        // Nothing is added when a wanted sample or no bad line is there.
        assert_eq!(reduce("a 1\nwanted 2\njunk\n", &filter), "wanted 2\njunk\n");
        assert_eq!(reduce("a 1\nb 2\n", &filter), "");
    }

    /// Found by fuzzing: an `# EOF` line that is not the body's last line ends the parse of a
    /// Prometheus-text body; kept as the reduced body's last line, it made the copy OpenMetrics
    /// and its millisecond timestamps seconds.
    #[test]
    fn an_eof_line_inside_a_text_body_does_not_make_its_copy_openmetrics() {
        let timestamps = |body: &str| {
            let mut seen = Vec::new();
            exposition::parse(body, &FamilyFilter::all(), |s| seen.push(s.timestamp_ms));
            seen
        };
        let body = "a 1 1000\n# EOF\nb 2\n";
        let reduced = reduce(body, &FamilyFilter::all());
        assert_eq!(reduced, "a 1 1000\n");
        assert_eq!(timestamps(body), vec![Some(1000)]);
        assert_eq!(timestamps(&reduced), vec![Some(1000)]);
        // An OpenMetrics body keeps its marker, and its timestamps stay seconds.
        let om = "a 1 1000\n# EOF\n";
        assert_eq!(reduce(om, &FamilyFilter::all()), om);
        assert_eq!(timestamps(om), vec![Some(1_000_000)]);
    }

    /// Found by fuzzing: a bad line ` \r` (from ` \r\r\n`) was copied with a bare `\n`, and
    /// read back as a blank line, so the replay lost a bad line and could call the body up.
    #[test]
    fn a_line_ending_in_a_carriage_return_reads_back_the_same() {
        let body = " \r\r\n# TYPE a counter\r\r\na 1\r\n";
        let reduced = reduce(body, &FamilyFilter::all());
        assert_eq!(reduced, " \r\r\n# TYPE a counter\r\r\na 1\n");
        let stats = |text: &str| {
            let mut kinds = Vec::new();
            let stats = exposition::parse(text, &FamilyFilter::all(), |s| kinds.push(s.kind));
            (stats.bad_lines, stats.samples, kinds)
        };
        assert_eq!(stats(body), (1, 1, vec![exposition::MetricType::Other]));
        assert_eq!(stats(&reduced), stats(body));
        assert_eq!(reduce(&reduced, &FamilyFilter::all()), reduced);
    }

    #[test]
    fn long_names_are_found() {
        let long = "x".repeat(300);
        let filter = FamilyFilter::names([long.as_str()]);
        assert!(filter.wants(&long));
        assert!(!filter.wants(&"x".repeat(301)));
        assert!(!FamilyFilter::names(["a"]).wants(&long));
    }
}
