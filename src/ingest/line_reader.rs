//! The line reader: the one pass over a body that classifies each line and reads the samples
//! the filter wants, shared by the parser ([`super::exposition`]) and the pre-filter's
//! `reduce`, so that a reduced body reads exactly as the live one did.

use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::ControlFlow;

use memchr::memchr;

use crate::ingest::exemplar;
use crate::ingest::family_filter::FamilyFilter;
use crate::ingest::lexer::{
    ends_with_eof_marker, is_metric_name, kind_by_suffix, label_value, parse_timestamp,
    parse_value, plausible_value_start, quote_or_backslash, quoted_name, repeats, skip_blanks,
    small_integer, token_end, DeclaredType, Reason, LABEL_CHAR, LABEL_START, NAME_CHAR, NAME_START,
};
use crate::ingest::limits::{LimitBreach, Limits};
use crate::ingest::sample::{
    BadLine, Exemplar, Label, MetricType, ParseStats, Sample, MAX_REPORTED_BAD_LINES,
};

/// What one line was, for callers that keep or drop whole lines (`prefilter::reduce`).
pub(crate) enum LineKind<'a> {
    Blank,
    /// HELP, UNIT and free comments.
    Comment,
    Type {
        family: &'a str,
        declared: DeclaredType,
    },
    Eof,
    /// A sample handed to the sample callback.
    Sample {
        name: &'a str,
        kind: MetricType,
    },
    Filtered,
    Bad,
}

/// The reason given when a limit stopped the parse; the words are in [`LineReader::breach`].
const LIMIT_BREACHED: Reason = "a limit of the source is exceeded";

/// Up to this many labels, duplicates are found by a scan of the labels read so far; beyond
/// it, through a hash set, so that a line's cost stays linear in its length.
const LINEAR_DUPLICATE_CHECK: usize = 16;

/// The one pass over the body behind [`super::exposition::parse`] and `prefilter::reduce`: each line is handed to
/// `on_line` (text without its line end) after its samples went to `on_sample`.
pub(crate) fn scan<'a, S, L>(
    body: &'a str,
    filter: &FamilyFilter,
    limits: &Limits,
    on_sample: &mut S,
    on_line: &mut L,
) -> ParseStats
where
    S: FnMut(&Sample<'a, '_>) -> ControlFlow<()>,
    L: FnMut(&'a str, LineKind<'a>),
{
    let body = body.strip_prefix('\u{feff}').unwrap_or(body);
    let bytes = body.as_bytes();
    let mut reader = LineReader {
        filter,
        openmetrics: ends_with_eof_marker(bytes),
        labels: Vec::new(),
        exemplar_labels: Vec::new(),
        family: None,
        last_name: "",
        last_name_wanted: false,
        last_kind: None,
        last_label_names: Vec::new(),
        label_names: HashSet::new(),
        limits: *limits,
        metric: "",
        samples: 0,
        breach: None,
        stopped: false,
    };
    let mut stats = ParseStats::default();
    let mut start = 0usize;
    while start < bytes.len() {
        let end = memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        let mut text_end = end;
        if text_end > start && bytes[text_end - 1] == b'\r' {
            text_end -= 1;
        }
        // '\n' and '\r' are ASCII, so these are char boundaries.
        let line = &body[start..text_end];
        start = end + 1;
        stats.lines += 1;
        let line_no = stats.lines;

        let kind = reader.read_line(line, line_no, on_sample);
        if let Some(breach) = reader.breach.take() {
            stats.breach = Some(breach);
            break;
        }
        match &kind {
            Ok(LineKind::Blank | LineKind::Comment | LineKind::Type { .. } | LineKind::Eof) => {}
            Ok(LineKind::Sample { .. }) => {
                stats.sample_lines += 1;
                stats.samples += 1;
            }
            Ok(LineKind::Filtered) => {
                stats.sample_lines += 1;
                stats.filtered += 1;
            }
            Ok(LineKind::Bad) => unreachable!("bad lines are reported as Err"),
            Err((is_sample_line, reason)) => {
                if *is_sample_line {
                    stats.sample_lines += 1;
                }
                stats.bad_lines += 1;
                if stats.first_bad.len() < MAX_REPORTED_BAD_LINES {
                    stats.first_bad.push(BadLine {
                        line: line_no,
                        reason: (*reason).to_string(),
                    });
                }
            }
        }
        let eof = matches!(kind, Ok(LineKind::Eof));
        on_line(line, kind.unwrap_or(LineKind::Bad));
        if eof || reader.stopped {
            break;
        }
    }
    stats
}

/// The `# TYPE` line that governs the samples that follow it.
struct Family<'a> {
    name: &'a str,
    declared: DeclaredType,
}

/// Parsing state carried from line to line.
struct LineReader<'a, 'f> {
    filter: &'f FamilyFilter,
    openmetrics: bool,
    /// Reused for every line so that labels cost no allocation per sample.
    labels: Vec<Label<'a>>,
    /// The same for an exemplar's labels.
    exemplar_labels: Vec<Label<'a>>,
    family: Option<Family<'a>>,
    /// The last unquoted metric name read in full, and whether the filter wanted it.
    last_name: &'a str,
    last_name_wanted: bool,
    /// The kind of `last_name`'s samples under the governing `# TYPE` line, once known.
    last_kind: Option<MetricType>,
    /// The last label name read in full at each position of a label set.
    last_label_names: Vec<&'a str>,
    /// The names in `labels` once a line has more than [`LINEAR_DUPLICATE_CHECK`] of them.
    label_names: HashSet<&'a str>,
    limits: Limits,
    /// The name of the sample being read, for the words of a breach.
    metric: &'a str,
    /// Samples handed to the callback so far, for `sample_limit`.
    samples: usize,
    /// Set when a limit is exceeded; the scan stops.
    breach: Option<LimitBreach>,
    /// The sample callback asked to stop.
    stopped: bool,
}

/// A bad line: whether it counts as a sample line, and why it is bad.
type LineError = (bool, Reason);

impl<'a> LineReader<'a, '_> {
    fn read_line<S>(
        &mut self,
        line: &'a str,
        line_no: u32,
        on_sample: &mut S,
    ) -> Result<LineKind<'a>, LineError>
    where
        S: FnMut(&Sample<'a, '_>) -> ControlFlow<()>,
    {
        let b = line.as_bytes();
        let i = skip_blanks(b, 0);
        if i == b.len() {
            return Ok(LineKind::Blank);
        }
        if b[i] == b'#' {
            return self.read_comment(line, i + 1).map_err(|r| (false, r));
        }
        self.read_sample(line, i, line_no, on_sample)
            .map_err(|r| (true, r))
    }

    /// `# TYPE`, `# EOF`, or any other comment (HELP, UNIT, free text), from just after `#`.
    fn read_comment(&mut self, line: &'a str, from: usize) -> Result<LineKind<'a>, Reason> {
        let b = line.as_bytes();
        let i = skip_blanks(b, from);
        let word_end = token_end(b, i);
        match &line[i..word_end] {
            "TYPE" => {
                let i = skip_blanks(b, word_end);
                if i == b.len() {
                    return Err("# TYPE line without a metric name");
                }
                let (family, i) = if b[i] == b'"' {
                    quoted_name(line, i)?
                } else {
                    let end = token_end(b, i);
                    if !is_metric_name(&line[i..end]) {
                        return Err("# TYPE line with an invalid metric name");
                    }
                    (&line[i..end], end)
                };
                let i = skip_blanks(b, i);
                let type_end = token_end(b, i);
                if i == type_end {
                    return Err("# TYPE line without a type");
                }
                let declared = DeclaredType::from_word(&line[i..type_end]);
                self.family = Some(Family {
                    name: family,
                    declared,
                });
                self.last_kind = None;
                Ok(LineKind::Type { family, declared })
            }
            "EOF" if skip_blanks(b, word_end) == b.len() => Ok(LineKind::Eof),
            _ => Ok(LineKind::Comment),
        }
    }

    /// A sample line starting at byte `i` (leading blanks skipped).
    fn read_sample<S>(
        &mut self,
        line: &'a str,
        mut i: usize,
        line_no: u32,
        on_sample: &mut S,
    ) -> Result<LineKind<'a>, Reason>
    where
        S: FnMut(&Sample<'a, '_>) -> ControlFlow<()>,
    {
        let b = line.as_bytes();
        self.clear_labels();
        let name;
        // Whether the name is the last unquoted name read (see `last_name`).
        let mut repeated = false;
        let is_quoted = b[i] == b'{';
        if is_quoted {
            // Prometheus 3 quoted name: `{"my.dotted.metric",a="b"} 1`.
            let j = skip_blanks(b, i + 1);
            if j == b.len() || b[j] != b'"' {
                return Err("sample without a metric name");
            }
            let (quoted, after) = quoted_name(line, j)?;
            let k = skip_blanks(b, after);
            if k == b.len() || (b[k] != b',' && b[k] != b'}') {
                return Err("sample without a metric name");
            }
            if quoted.is_empty() {
                return Err("empty metric name");
            }
            name = quoted;
            if !self.filter.wants(name) {
                return Ok(LineKind::Filtered);
            }
            self.begin_sample(name)?;
            i = if b[k] == b',' {
                self.read_labels(line, k + 1)?
            } else {
                k + 1
            };
        } else {
            let start = i;
            repeated = repeats(b, i, self.last_name, &NAME_CHAR);
            if repeated {
                i += self.last_name.len();
            } else {
                if !NAME_START[usize::from(b[i])] {
                    return Err("line does not start with a metric name");
                }
                i += 1;
                while i < b.len() && NAME_CHAR[usize::from(b[i])] {
                    i += 1;
                }
            }
            name = &line[start..i];
            if i == b.len() {
                return Err("metric name without a value");
            }
            if b[i] != b'{' && b[i] != b' ' && b[i] != b'\t' {
                return Err("unexpected character after the metric name");
            }
            i = skip_blanks(b, i);
            if i == b.len() {
                return Err("metric name without a value");
            }
            if b[i] != b'{' && !plausible_value_start(&b[i..]) {
                return Err("text after the metric name is neither labels nor a value");
            }
            if !repeated {
                self.last_name = name;
                self.last_name_wanted = self.filter.wants(name);
                self.last_kind = None;
            }
            if !self.last_name_wanted {
                return Ok(LineKind::Filtered);
            }
            self.begin_sample(name)?;
            if b[i] == b'{' {
                i = self.read_labels(line, i + 1)?;
            }
        }

        // Value.
        i = skip_blanks(b, i);
        if i == b.len() {
            return Err("sample without a value");
        }
        let (value, value_end) = match small_integer(b, i) {
            Some(read) => read,
            None => {
                let end = token_end(b, i);
                let value = parse_value(&line[i..end]).ok_or("value is not a number")?;
                (value, end)
            }
        };

        // Optional timestamp, then optionally an exemplar (` # {..} v [t]`).
        i = skip_blanks(b, value_end);
        let mut timestamp_ms = None;
        if i < b.len() && b[i] != b'#' {
            let ts_end = token_end(b, i);
            timestamp_ms = parse_timestamp(&line[i..ts_end], self.openmetrics)?;
            i = skip_blanks(b, ts_end);
            if i < b.len() && b[i] != b'#' {
                return Err("unexpected text after the timestamp");
            }
        }
        let exemplar_at = (i < b.len()).then_some(i);

        // A repeated name keeps its kind until the next `# TYPE` line.
        let kind = match self.last_kind {
            Some(kind) if repeated => kind,
            _ => {
                let kind = match &self.family {
                    Some(family) => kind_by_suffix(family.name, family.declared, name),
                    None => MetricType::Untyped,
                };
                if !is_quoted {
                    // `last_name` is this name now.
                    self.last_kind = Some(kind);
                }
                kind
            }
        };
        self.samples += 1;
        if Limits::exceeds(self.samples, self.limits.sample_limit) {
            self.breach = Some(LimitBreach::Samples {
                limit: self.limits.sample_limit,
            });
            return Err(LIMIT_BREACHED);
        }
        // Only OpenMetrics has exemplars; in a Prometheus text body the rest is ignored.
        let exemplar = match exemplar_at {
            Some(at) if self.openmetrics && exemplar::allowed(name, kind) => {
                exemplar::read(line, at, &mut self.exemplar_labels)
            }
            _ => None,
        };
        let flow = on_sample(&Sample {
            name,
            labels: &self.labels,
            value,
            timestamp_ms,
            line: line_no,
            kind,
            exemplar: exemplar.map(|(value, timestamp_ms)| Exemplar {
                labels: &self.exemplar_labels,
                value,
                timestamp_ms,
            }),
        });
        self.stopped = flow.is_break();
        Ok(LineKind::Sample { name, kind })
    }

    /// A sample of a wanted family starts: remember its name for the words of a breach, and
    /// hold the name to `label_value_length_limit` (it is the value of `__name__`).
    fn begin_sample(&mut self, name: &'a str) -> Result<(), Reason> {
        self.metric = name;
        let limit = self.limits.label_value_length_limit;
        if Limits::exceeds(name.len(), limit) {
            self.breach = Some(LimitBreach::label_value_length(
                name, "__name__", name, limit,
            ));
            return Err(LIMIT_BREACHED);
        }
        Ok(())
    }

    fn clear_labels(&mut self) {
        self.labels.clear();
        if !self.label_names.is_empty() {
            self.label_names.clear();
        }
    }

    /// Checks a label about to be added: the limits first, then that its name is not taken.
    /// The duplicate check stays linear in the number of labels, however many there are.
    fn admit(&mut self, name: &'a str, value: &str) -> Result<(), Reason> {
        let limits = self.limits;
        let breach = if Limits::exceeds(self.labels.len() + 2, limits.label_limit) {
            Some(LimitBreach::labels(self.metric, limits.label_limit))
        } else if Limits::exceeds(name.len(), limits.label_name_length_limit) {
            Some(LimitBreach::label_name_length(
                self.metric,
                name,
                limits.label_name_length_limit,
            ))
        } else if Limits::exceeds(value.len(), limits.label_value_length_limit) {
            Some(LimitBreach::label_value_length(
                self.metric,
                name,
                value,
                limits.label_value_length_limit,
            ))
        } else {
            None
        };
        if breach.is_some() {
            self.breach = breach;
            return Err(LIMIT_BREACHED);
        }
        let taken = if self.labels.len() < LINEAR_DUPLICATE_CHECK {
            self.labels.iter().any(|l| l.name == name)
        } else {
            if self.label_names.len() != self.labels.len() {
                self.label_names.clear();
                self.label_names.extend(self.labels.iter().map(|l| l.name));
            }
            !self.label_names.insert(name)
        };
        if taken {
            return Err("duplicate label name");
        }
        Ok(())
    }

    /// Labels from just after `{` (or after a quoted name and its comma) to just after `}`.
    ///
    /// Nearly every label set is written the one way client libraries write it
    /// (`name="value",...}`: no blanks, no escapes, no quoted names), so that form goes through
    /// a lean loop; anything else is read again from the start of the set by the general
    /// reader, which also finds the reason a line is bad.
    fn read_labels(&mut self, line: &'a str, i: usize) -> Result<usize, Reason> {
        if let Some(end) = self.read_plain_labels(line, i) {
            return Ok(end);
        }
        if self.breach.is_some() {
            return Err(LIMIT_BREACHED);
        }
        self.clear_labels();
        self.read_any_labels(line, i)
    }

    /// The plain form of [`Self::read_labels`]; `None` for anything else (including every
    /// error), leaving the reasons to the general reader.
    fn read_plain_labels(&mut self, line: &'a str, mut i: usize) -> Option<usize> {
        let b = line.as_bytes();
        loop {
            let &first = b.get(i)?;
            if first == b'}' {
                // `{}`, or a trailing comma.
                return Some(i + 1);
            }
            let position = self.labels.len();
            let start = i;
            match self.last_label_names.get(position) {
                Some(last) if repeats(b, i, last, &LABEL_CHAR) => i += last.len(),
                _ => {
                    if !LABEL_START[usize::from(first)] {
                        return None;
                    }
                    i += 1;
                    while i < b.len() && LABEL_CHAR[usize::from(b[i])] {
                        i += 1;
                    }
                    let name = line.get(start..i)?;
                    match self.last_label_names.get_mut(position) {
                        Some(last) => *last = name,
                        None => self.last_label_names.push(name),
                    }
                }
            }
            if b.get(i..i + 2)? != b"=\"" {
                return None;
            }
            let name = line.get(start..i)?;
            let value_start = i + 2;
            let end = quote_or_backslash(b, value_start)?;
            if b[end] != b'"' || name == "__name__" {
                return None;
            }
            let value = line.get(value_start..end)?;
            self.admit(name, value).ok()?;
            self.labels.push(Label {
                name,
                value: Cow::Borrowed(value),
            });
            i = end + 1;
            match b.get(i)? {
                b',' => i += 1,
                b'}' => return Some(i + 1),
                _ => return None,
            }
        }
    }

    /// Labels in any form the formats allow: blanks around tokens, quoted names, escapes.
    fn read_any_labels(&mut self, line: &'a str, mut i: usize) -> Result<usize, Reason> {
        let b = line.as_bytes();
        loop {
            i = skip_blanks(b, i);
            if i == b.len() {
                return Err("label set is not closed");
            }
            if b[i] == b'}' {
                return Ok(i + 1);
            }
            let name = if b[i] == b'"' {
                let (quoted, after) = quoted_name(line, i)?;
                i = after;
                quoted
            } else {
                let position = self.labels.len();
                let start = i;
                match self.last_label_names.get(position) {
                    Some(last) if repeats(b, i, last, &LABEL_CHAR) => i += last.len(),
                    _ => {
                        if !LABEL_START[usize::from(b[i])] {
                            return Err("invalid label name");
                        }
                        i += 1;
                        while i < b.len() && LABEL_CHAR[usize::from(b[i])] {
                            i += 1;
                        }
                        let name = &line[start..i];
                        match self.last_label_names.get_mut(position) {
                            Some(last) => *last = name,
                            None => self.last_label_names.push(name),
                        }
                    }
                }
                &line[start..i]
            };
            if name.is_empty() {
                return Err("empty label name");
            }
            i = skip_blanks(b, i);
            if i == b.len() || b[i] != b'=' {
                return Err("label name not followed by =");
            }
            i = skip_blanks(b, i + 1);
            if i == b.len() || b[i] != b'"' {
                return Err("label value is not quoted");
            }
            let (value, after) = label_value(line, i + 1)?;
            i = after;
            if name == "__name__" {
                return Err("__name__ given as a label");
            }
            self.admit(name, &value)?;
            self.labels.push(Label { name, value });
            i = skip_blanks(b, i);
            if i == b.len() {
                return Err("label set is not closed");
            }
            match b[i] {
                b',' => i += 1,
                b'}' => return Ok(i + 1),
                _ => return Err("expected , or } after a label value"),
            }
        }
    }
}
