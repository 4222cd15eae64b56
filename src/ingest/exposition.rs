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
//! Timestamps: Prometheus text writes int64 milliseconds, OpenMetrics float seconds. A body is
//! read as OpenMetrics when it ends with `# EOF` (the header may lie, the body does not);
//! otherwise an integer timestamp is milliseconds and one with a fraction or an exponent
//! (invalid in 0.0.4) is taken as seconds. A well-formed timestamp no `i64` of milliseconds can
//! hold is dropped (`None`) and the value kept.

use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::ControlFlow;

use memchr::{memchr, memchr2};

use crate::ingest::limits::{LimitBreach, Limits};
use crate::ingest::prefilter::FamilyFilter;

/// How many bad lines a parse keeps with their reasons; the rest are only counted.
pub const MAX_REPORTED_BAD_LINES: usize = 20;

/// The type a sample belongs to, from the governing `# TYPE` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    Summary,
    /// Declared `untyped` or `unknown`, or no `# TYPE` line governs the sample.
    Untyped,
    /// OpenMetrics `info`, `stateset`, `gaugehistogram`, or a type word we do not know.
    Other,
}

/// One label of a sample, unescaped.
#[derive(Debug, Clone, PartialEq)]
pub struct Label<'a> {
    pub name: &'a str,
    pub value: Cow<'a, str>,
}

/// One sample line, borrowed from the body (and, for labels, from the parser's buffer).
#[derive(Debug)]
pub struct Sample<'a, 'b> {
    /// Full sample name, e.g. `h_bucket`; for a quoted name, the name without quotes.
    pub name: &'a str,
    /// In source order, unescaped.
    pub labels: &'b [Label<'a>],
    pub value: f64,
    pub timestamp_ms: Option<i64>,
    /// 1-based line number.
    pub line: u32,
    /// From the governing `# TYPE` line, by suffix; `Untyped` when none applies.
    pub kind: MetricType,
}

/// A line that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: u32,
    pub reason: String,
}

/// What a parse saw; the source layer decides from it whether a scrape is up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParseStats {
    /// All lines seen (up to and including `# EOF`).
    pub lines: u32,
    /// Lines that are neither blank nor comments.
    pub sample_lines: u32,
    /// Sample lines parsed and handed to the callback.
    pub samples: u32,
    /// Sample lines skipped by the pre-filter (valid name, family not needed).
    pub filtered: u32,
    /// Lines that could not be parsed (skipped, rest kept).
    pub bad_lines: u32,
    /// The first [`MAX_REPORTED_BAD_LINES`] bad lines with their line numbers.
    pub first_bad: Vec<BadLine>,
    /// The limit the body broke; the parse stopped there (only [`parse_limited`] sets it).
    pub breach: Option<LimitBreach>,
}

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
    fn from_word(word: &str) -> DeclaredType {
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

    fn metric_type(self) -> MetricType {
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

/// Why a line is bad; turned into words only for the first few reported.
type Reason = &'static str;

/// The reason given when a limit stopped the parse; the words are in [`LineReader::breach`].
const LIMIT_BREACHED: Reason = "a limit of the source is exceeded";

/// Up to this many labels, duplicates are found by a scan of the labels read so far; beyond
/// it, through a hash set, so that a line's cost stays linear in its length.
const LINEAR_DUPLICATE_CHECK: usize = 16;

/// The one pass over the body behind [`parse`] and `prefilter::reduce`: each line is handed to
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

/// Whether the body's last line is `# EOF`, which only OpenMetrics writes.
pub(crate) fn ends_with_eof_marker(bytes: &[u8]) -> bool {
    let trimmed = bytes.trim_ascii_end();
    match trimmed.strip_suffix(b"# EOF") {
        Some(before) => before.is_empty() || before.ends_with(b"\n"),
        None => false,
    }
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

        // Optional timestamp, then optionally an exemplar (` # {..} v [t]`), which is dropped.
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
        let flow = on_sample(&Sample {
            name,
            labels: &self.labels,
            value,
            timestamp_ms,
            line: line_no,
            kind,
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

/// A label value from just after its opening quote: the value and the index after its closing
/// quote. `\"`, `\\` and `\n` are unescaped; any other escape is kept as written, as
/// Prometheus does.
fn label_value(line: &str, start: usize) -> Result<(Cow<'_, str>, usize), Reason> {
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
fn repeats(b: &[u8], i: usize, name: &str, chars: &[bool; 256]) -> bool {
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
fn small_integer(b: &[u8], start: usize) -> Option<(f64, usize)> {
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
fn quote_or_backslash(b: &[u8], from: usize) -> Option<usize> {
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
fn quoted_name(line: &str, i: usize) -> Result<(&str, usize), Reason> {
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
fn parse_value(text: &str) -> Option<f64> {
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
fn parse_timestamp(text: &str, openmetrics: bool) -> Result<Option<i64>, Reason> {
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
fn plausible_value_start(rest: &[u8]) -> bool {
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
fn skip_blanks(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    i
}

/// The end of the token starting at `i`: the next blank or the end of the line.
#[inline]
fn token_end(b: &[u8], mut i: usize) -> usize {
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

static NAME_START: [bool; 256] = byte_table(false, true);
static NAME_CHAR: [bool; 256] = byte_table(true, true);
static LABEL_START: [bool; 256] = byte_table(false, false);
static LABEL_CHAR: [bool; 256] = byte_table(true, false);

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
