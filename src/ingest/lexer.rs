//! The lexer of the exposition format: the tokens of a line (names, label values, numbers,
//! timestamps, the `# TYPE` word) read byte by byte, with no state between lines.
//!
//! Shared by the line reader ([`super::line_reader`]) behind both the parser and the
//! pre-filter, by the pre-filter's `reduce` (which writes names back) and by the query API's
//! selector writer.

use std::borrow::Cow;

use memchr::memchr2;

use crate::ingest::sample::MetricType;

/// The type word of a `# TYPE` line, finer than [`MetricType`] because the OpenMetrics types
/// that map to `Other` still decide which suffixes belong to the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeclaredType {
    Counter,
    Gauge,
    Histogram,
    GaugeHistogram,
    Summary,
    Info,
    StateSet,
    Untyped,
    Unrecognised,
}

impl DeclaredType {
    pub(crate) fn from_word(word: &str) -> DeclaredType {
        const WORDS: [(&str, DeclaredType); 9] = [
            ("counter", DeclaredType::Counter),
            ("gauge", DeclaredType::Gauge),
            ("histogram", DeclaredType::Histogram),
            ("gaugehistogram", DeclaredType::GaugeHistogram),
            ("summary", DeclaredType::Summary),
            ("info", DeclaredType::Info),
            ("stateset", DeclaredType::StateSet),
            ("untyped", DeclaredType::Untyped),
            ("unknown", DeclaredType::Untyped),
        ];
        WORDS
            .iter()
            .find(|(w, _)| w.eq_ignore_ascii_case(word))
            .map_or(DeclaredType::Unrecognised, |(_, t)| *t)
    }

    pub(crate) fn metric_type(self) -> MetricType {
        match self {
            DeclaredType::Counter => MetricType::Counter,
            DeclaredType::Gauge => MetricType::Gauge,
            DeclaredType::Histogram => MetricType::Histogram,
            DeclaredType::Summary => MetricType::Summary,
            DeclaredType::Untyped => MetricType::Untyped,
            DeclaredType::GaugeHistogram
            | DeclaredType::Info
            | DeclaredType::StateSet
            | DeclaredType::Unrecognised => MetricType::Other,
        }
    }

    /// The sample-name suffixes that belong to a family of this type (besides the bare name).
    pub(crate) fn suffixes(self) -> &'static [&'static str] {
        match self {
            DeclaredType::Counter => &["_total", "_created"],
            DeclaredType::Histogram => &["_bucket", "_sum", "_count", "_created"],
            DeclaredType::Summary => &["_sum", "_count", "_created"],
            DeclaredType::GaugeHistogram => &["_bucket", "_gsum", "_gcount"],
            DeclaredType::Info => &["_info"],
            DeclaredType::Gauge
            | DeclaredType::StateSet
            | DeclaredType::Untyped
            | DeclaredType::Unrecognised => &[],
        }
    }
}

/// The kind of sample `name` under `# TYPE family declared`: the family's type when the name is
/// the family name or the family name plus one of the type's suffixes, else `Untyped`.
pub(crate) fn kind_by_suffix(family: &str, declared: DeclaredType, name: &str) -> MetricType {
    match name.strip_prefix(family) {
        Some("") => declared.metric_type(),
        Some(rest) if declared.suffixes().contains(&rest) => declared.metric_type(),
        _ => MetricType::Untyped,
    }
}

/// Why a line is bad; turned into words only for the first few reported.
pub(crate) type Reason = &'static str;

/// Whether the body's last line is `# EOF`, which only OpenMetrics writes.
pub(crate) fn ends_with_eof_marker(bytes: &[u8]) -> bool {
    let trimmed = bytes.trim_ascii_end();
    match trimmed.strip_suffix(b"# EOF") {
        Some(before) => before.is_empty() || before.ends_with(b"\n"),
        None => false,
    }
}

/// A label value from just after its opening quote: the value and the index after its closing
/// quote. `\"`, `\\` and `\n` are unescaped; any other escape is kept as written, as
/// Prometheus does.
pub(crate) fn label_value(line: &str, start: usize) -> Result<(Cow<'_, str>, usize), Reason> {
    const NOT_CLOSED: Reason = "label value is not closed";
    let b = line.as_bytes();
    let mut i = quote_or_backslash(b, start).ok_or(NOT_CLOSED)?;
    if b[i] == b'"' {
        return Ok((Cow::Borrowed(&line[start..i]), i + 1));
    }
    let mut owned = String::with_capacity(i - start + 16);
    let mut run_start = start;
    loop {
        owned.push_str(&line[run_start..i]);
        if b[i] == b'"' {
            return Ok((Cow::Owned(owned), i + 1));
        }
        // b[i] is a backslash.
        let search_from = match b.get(i + 1) {
            None => return Err(NOT_CLOSED),
            Some(b'"') | Some(b'\\') | Some(b'n') => {
                owned.push(match b[i + 1] {
                    b'n' => '\n',
                    other => char::from(other),
                });
                run_start = i + 2;
                i + 2
            }
            Some(_) => {
                // Kept as written: the run restarts at the backslash.
                run_start = i;
                i + 1
            }
        };
        i = quote_or_backslash(b, search_from).ok_or(NOT_CLOSED)?;
    }
}

/// Whether `b[i..]` starts with `name` as a whole token: the byte after it (if any) cannot
/// continue a name of the class `chars`. `name` was read and checked in full on an earlier
/// line, so equal bytes are an equally valid name.
#[inline]
pub(crate) fn repeats(b: &[u8], i: usize, name: &str, chars: &[bool; 256]) -> bool {
    let n = name.as_bytes();
    !n.is_empty()
        && b.len() - i >= n.len()
        && same_bytes(&b[i..i + n.len()], n)
        && b.get(i + n.len()).is_none_or(|&c| !chars[usize::from(c)])
}

/// `a == b` for slices of equal length, compared a word at a time in line: names are short,
/// and a call to `bcmp` for each one costs more than the comparison.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_ne_bytes(w)
    };
    if n < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let mut at = 0;
    while at + 8 < n {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    // The last eight bytes, overlapping what was compared.
    word(a, n - 8) == word(b, n - 8)
}

/// A value of up to 15 digits and nothing else (most values are counts): the value and the
/// index after it, read in one pass. `None` sends the value to the general reader.
#[inline]
pub(crate) fn small_integer(b: &[u8], start: usize) -> Option<(f64, usize)> {
    let mut n = 0u64;
    let mut i = start;
    // 15 digits always fit an f64 exactly.
    while i < b.len() && i - start < 15 && b[i].is_ascii_digit() {
        n = n * 10 + u64::from(b[i] - b'0');
        i += 1;
    }
    match b.get(i) {
        _ if i == start => None,
        None | Some(b' ' | b'\t') => Some((n as f64, i)),
        Some(_) => None,
    }
}

/// The first `"` or `\` at or after `from`. Label values are short, so eight bytes at a time
/// in a register beat setting up a vector search for each one.
#[inline]
pub(crate) fn quote_or_backslash(b: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while i + 8 <= b.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&b[i..i + 8]);
        let w = u64::from_le_bytes(word);
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        // A byte of `x` is zero exactly where the lowest set high bit of this is; bits above
        // the first zero byte may be wrong, the lowest one never is.
        let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
        let hits = zero(quote) | zero(backslash);
        if hits != 0 {
            return Some(i + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\')
        .map(|p| i + p)
}

/// A quoted metric or label name starting at the opening quote at `i`: the name and the index
/// after the closing quote. Escapes are refused: a name must borrow from the body.
pub(crate) fn quoted_name(line: &str, i: usize) -> Result<(&str, usize), Reason> {
    let b = line.as_bytes();
    let end = memchr2(b'"', b'\\', &b[i + 1..])
        .map(|p| i + 1 + p)
        .ok_or("quoted name is not closed")?;
    if b[end] == b'\\' {
        return Err("escapes in quoted names are not supported");
    }
    Ok((&line[i + 1..end], end + 1))
}

/// Value syntax: Go `ParseFloat`, with `NaN`/`Inf` in any case and sign (HAProxy writes `Nan`).
#[inline]
pub(crate) fn parse_value(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    // Most values are small integers; 15 digits always fit an f64 exactly.
    if !b.is_empty() && b.len() <= 15 && b.iter().all(u8::is_ascii_digit) {
        let n = b.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
        return Some(n as f64);
    }
    text.parse::<f64>().ok()
}

/// A timestamp in milliseconds (see the module doc for the rules). `Ok(None)` when the number
/// is well formed but no `i64` of milliseconds holds it.
pub(crate) fn parse_timestamp(text: &str, openmetrics: bool) -> Result<Option<i64>, Reason> {
    let b = text.as_bytes();
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    if !openmetrics && !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        return Ok(text.parse::<i64>().ok());
    }
    let plausible = b
        .iter()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
    let seconds = if plausible {
        text.parse::<f64>().ok()
    } else {
        None
    };
    let seconds = seconds.ok_or("timestamp is not a number")?;
    let ms = (seconds * 1000.0).round();
    // i64::MAX as f64 rounds up to 2^63, so the upper bound is exclusive.
    if ms >= -(2f64.powi(63)) && ms < 2f64.powi(63) {
        Ok(Some(ms as i64))
    } else {
        Ok(None)
    }
}

/// Whether the bytes after a name can begin a value: a digit, sign, dot, `nan` or `inf`.
/// Checked before the pre-filter so that prose and HTML count as bad lines, not filtered ones.
#[inline]
pub(crate) fn plausible_value_start(rest: &[u8]) -> bool {
    match rest[0] {
        b'0'..=b'9' | b'+' | b'-' | b'.' => true,
        _ => {
            rest.len() >= 3
                && (rest[..3].eq_ignore_ascii_case(b"nan")
                    || rest[..3].eq_ignore_ascii_case(b"inf"))
        }
    }
}

#[inline]
pub(crate) fn skip_blanks(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    i
}

/// The end of the token starting at `i`: the next blank or the end of the line.
#[inline]
pub(crate) fn token_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i] != b' ' && b[i] != b'\t' {
        i += 1;
    }
    i
}

/// Whether `name` can be written unquoted: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub(crate) fn is_metric_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && NAME_START[usize::from(b[0])]
        && b[1..].iter().all(|&c| NAME_CHAR[usize::from(c)])
}

/// Whether `name` can be written as an unquoted label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub(crate) fn is_label_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && LABEL_START[usize::from(b[0])]
        && b[1..].iter().all(|&c| LABEL_CHAR[usize::from(c)])
}

/// Write a metric name for a `# TYPE` line: bare when valid, else quoted.
pub(crate) fn write_name(name: &str, out: &mut String) {
    if is_metric_name(name) {
        out.push_str(name);
    } else {
        out.push('"');
        escape_into(name, out);
        out.push('"');
    }
}

/// Escape text for a quoted label value or name: `\` → `\\`, `"` → `\"`, newline → `\n`.
pub(crate) fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

const fn byte_table(digits: bool, colon: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = b.is_ascii_alphabetic()
            || b == b'_'
            || (digits && b.is_ascii_digit())
            || (colon && b == b':');
        c += 1;
    }
    table
}

pub(crate) static NAME_START: [bool; 256] = byte_table(false, true);
pub(crate) static NAME_CHAR: [bool; 256] = byte_table(true, true);
pub(crate) static LABEL_START: [bool; 256] = byte_table(false, false);
pub(crate) static LABEL_CHAR: [bool; 256] = byte_table(true, false);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_follow_the_format() {
        assert_eq!(
            parse_timestamp("1700000000000", false),
            Ok(Some(1_700_000_000_000))
        );
        assert_eq!(parse_timestamp("123", true), Ok(Some(123_000)));
        assert_eq!(parse_timestamp("1.5e3", true), Ok(Some(1_500_000)));
        assert_eq!(
            parse_timestamp("1700000000.123", false),
            Ok(Some(1_700_000_000_123))
        );
        assert_eq!(parse_timestamp("99999999999999999999", false), Ok(None));
        assert_eq!(parse_timestamp("12345678901234567890.1", true), Ok(None));
        assert!(parse_timestamp("abc", false).is_err());
        assert!(parse_timestamp("inf", true).is_err());
    }

    #[test]
    fn eof_marker_only_as_last_line() {
        assert!(ends_with_eof_marker(b"a 1\n# EOF\n"));
        assert!(ends_with_eof_marker(b"# EOF"));
        assert!(!ends_with_eof_marker(b"a 1\n"));
        assert!(!ends_with_eof_marker(b"a{x=\"# EOF"));
    }

    #[test]
    fn quote_or_backslash_finds_the_first_at_every_offset() {
        for len in 0..40 {
            // Non-ASCII filler: high bytes must not look like a match.
            let filler: Vec<u8> = "é".bytes().cycle().take(len).collect();
            assert_eq!(quote_or_backslash(&filler, 0), None, "{len}");
            for at in 0..len {
                for mark in [b'"', b'\\'] {
                    let mut b = filler.clone();
                    b[at] = mark;
                    if at + 3 < len {
                        b[at + 3] = b'"';
                    }
                    for from in 0..=at {
                        assert_eq!(quote_or_backslash(&b, from), Some(at), "{len} {at} {from}");
                    }
                }
            }
        }
    }

    #[test]
    fn unknown_escapes_are_kept() {
        let (v, _) = label_value(r#"a\tb\\c\"" rest"#, 0).unwrap();
        assert_eq!(v, "a\\tb\\c\"");
    }
}
