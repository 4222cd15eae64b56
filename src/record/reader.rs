//! Reading a recording, tolerant of a cut-short tail: it replays up to the last whole line.
//!
//! A recording may come from anyone (a postmortem attachment, a hand-off), so reading it costs
//! at most what [`LINE_LIMIT`] and [`INFLATED_LIMIT`] allow, whatever the file holds: it is
//! inflated and split into lines as a stream, a line longer than the limit is skipped without
//! being kept, and reading stops (keeping what came before) once the inflated text passes the
//! total limit. A line that does not parse, or whose timestamp is not believable (see
//! [`super::times`]), is skipped and counted, like a bad line of an exposition body; the rest
//! replays.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use super::format::{Header, ScrapeLine, FORMAT, VERSION};
use super::times::{judge, BadTime};
use crate::local_file::{open_regular, size_words, Allow, LocalFileError};
use crate::source::ScrapeOutcome;

/// The longest line read: the default `max_body`. A line holds one body already reduced to the
/// families the config uses, far below that in practice.
pub const LINE_LIMIT: u64 = 64 << 20;
/// The most inflated text read from one recording. The demo's ten-domain config records about
/// 40 MiB an hour, so this is more than a day of it; what a recording holds stays in memory
/// during a replay, so this is also what a replay may cost.
pub const INFLATED_LIMIT: u64 = 1 << 30;
/// Skipped lines named one by one; beyond this they are only counted.
const NAMED: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("{path}: cannot open the recording: {source}")]
    Open {
        path: PathBuf,
        source: LocalFileError,
    },
    #[error("{path}: not a cutover recording: {why}")]
    Foreign { path: PathBuf, why: String },
    #[error("{path}: recording format version {found} is newer than this cutover reads ({VERSION}); upgrade cutover")]
    Newer { path: PathBuf, found: u32 },
    #[error("{path}: the recording is empty or cut short before its first scrape")]
    Empty { path: PathBuf },
    #[error("{path}: line {line}: {why}")]
    BadLine {
        path: PathBuf,
        line: usize,
        why: String,
    },
    #[error("{path}: no scrape line could be used ({skipped})")]
    NothingUsable { path: PathBuf, skipped: String },
}

/// A line of the recording that was not replayed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedLine {
    pub line: usize,
    pub why: String,
}

/// What was left out of a recording while reading it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Lines that are not scrape lines (bad JSON, a number out of range, a missing field).
    pub unreadable: u32,
    /// Lines longer than [`LINE_LIMIT`].
    pub too_long: u32,
    /// Lines whose timestamp was not believed.
    pub bad_time: u32,
    /// Reading stopped after [`INFLATED_LIMIT`] of inflated text at this line.
    pub stopped_at_line: Option<usize>,
    /// The first few skipped lines, by number.
    pub first: Vec<SkippedLine>,
}

impl Skipped {
    pub fn is_empty(&self) -> bool {
        self.count() == 0 && self.stopped_at_line.is_none()
    }

    pub fn count(&self) -> u32 {
        self.unreadable + self.too_long + self.bad_time
    }

    fn note(&mut self, line: usize, why: String) {
        if self.first.len() < NAMED {
            self.first.push(SkippedLine { line, why });
        }
    }

    /// One sentence for the operator, or `None` when nothing was left out.
    pub fn summary(&self) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let mut parts = Vec::new();
        for (n, what) in [
            (self.unreadable, "unreadable"),
            (self.too_long, "longer than the line limit"),
            (self.bad_time, "with an unbelievable timestamp"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        let mut out = String::new();
        if !parts.is_empty() {
            out = format!(
                "skipped {} line{} ({})",
                self.count(),
                if self.count() == 1 { "" } else { "s" },
                parts.join(", ")
            );
            if let Some(first) = self.first.first() {
                out.push_str(&format!("; the first, line {}: {}", first.line, first.why));
            }
        }
        if let Some(line) = self.stopped_at_line {
            if !out.is_empty() {
                out.push_str("; ");
            }
            out.push_str(&format!(
                "stopped reading at line {line}: the recording inflates to more than {}",
                size_words(INFLATED_LIMIT)
            ));
        }
        Some(out)
    }
}

/// A whole recording in memory, in time order.
#[derive(Debug, Clone)]
pub struct Recording {
    pub header: Header,
    pub scrapes: Vec<ScrapeOutcome>,
    /// The file ended mid-line or mid-stream (a crash while recording); what came before is kept.
    pub truncated: bool,
    /// Lines left out, with the reasons.
    pub skipped: Skipped,
}

impl Recording {
    pub fn start_ms(&self) -> i64 {
        self.scrapes
            .first()
            .map_or(self.header.started_at_ms, |s| s.at_ms)
    }
    pub fn end_ms(&self) -> i64 {
        self.scrapes
            .last()
            .map_or(self.header.started_at_ms, |s| s.at_ms)
    }
    /// How long the recording lasts, in ms.
    pub fn length_ms(&self) -> i64 {
        self.end_ms().saturating_sub(self.start_ms())
    }
}

pub fn read_recording(path: &Path) -> Result<Recording, RecordingError> {
    let file = open_regular(path, Allow::RegularOnly).map_err(|source| RecordingError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    read_from(BufReader::with_capacity(64 * 1024, file), path)
}

/// Reads from memory (the bundled demo); `path` names it in errors.
pub fn read_recording_bytes(bytes: &[u8], path: &Path) -> Result<Recording, RecordingError> {
    read_from(bytes, path)
}

/// One line as the splitter saw it.
enum Line {
    /// A whole line (without its newline) is in the buffer.
    Whole,
    /// A line longer than the limit was passed over; its length.
    TooLong(u64),
    /// The text ended inside a line (it was being written when the recording stopped).
    CutShort,
    /// The inflated text passed [`INFLATED_LIMIT`].
    OverTotal,
    /// No more text.
    End,
}

/// Splits inflated text into lines without ever holding more than one line of [`LINE_LIMIT`].
struct Lines<R> {
    input: R,
    /// Inflated bytes consumed so far.
    total: u64,
    /// 1-based number of the line returned last.
    number: usize,
    /// The stream broke off (a crash while recording): treated as its end.
    broken: bool,
}

impl<R: BufRead> Lines<R> {
    /// The next non-blank line into `buf`. Blank lines are passed over in bulk: a file of
    /// nothing but newlines inflates a thousand times and must not cost a step per line.
    fn next(&mut self, buf: &mut Vec<u8>) -> Line {
        buf.clear();
        // Lines of more than a MiB leave a large buffer behind; give it back.
        if buf.capacity() > 1 << 20 {
            *buf = Vec::new();
        }
        let mut at_start = true;
        let mut skipping: Option<u64> = None;
        loop {
            if self.total > INFLATED_LIMIT {
                return Line::OverTotal;
            }
            let avail = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.broken = true;
                    &[]
                }
            };
            if avail.is_empty() {
                return if at_start && skipping.is_none() {
                    Line::End
                } else {
                    self.number += 1;
                    Line::CutShort
                };
            }
            if at_start {
                let blank = avail
                    .iter()
                    .position(|&b| !matches!(b, b'\n' | b'\r' | b' ' | b'\t'))
                    .unwrap_or(avail.len());
                if blank > 0 {
                    self.number += memchr::memchr_iter(b'\n', &avail[..blank]).count();
                    self.total += blank as u64;
                    self.input.consume(blank);
                    continue;
                }
                at_start = false;
            }
            let (take, done) = match memchr::memchr(b'\n', avail) {
                Some(i) => (i, true),
                None => (avail.len(), false),
            };
            match &mut skipping {
                Some(len) => *len += take as u64,
                None if (buf.len() + take) as u64 > LINE_LIMIT => {
                    skipping = Some((buf.len() + take) as u64);
                    buf.clear();
                    buf.shrink_to_fit();
                }
                None => buf.extend_from_slice(&avail[..take]),
            }
            let used = take + usize::from(done);
            self.total += used as u64;
            self.input.consume(used);
            if done {
                self.number += 1;
                return match skipping {
                    Some(len) => Line::TooLong(len),
                    None => Line::Whole,
                };
            }
        }
    }
}

fn read_from(mut input: impl BufRead, path: &Path) -> Result<Recording, RecordingError> {
    let p = || path.to_path_buf();
    let magic = match input.fill_buf() {
        Ok(b) => b.get(..2).map(|m| [m[0], m[1]]),
        Err(e) => {
            return Err(RecordingError::Open {
                path: p(),
                source: LocalFileError::Read(e),
            })
        }
    };
    match magic {
        Some([0x1f, 0x8b]) => {}
        None if input.fill_buf().map(|b| b.is_empty()).unwrap_or(false) => {
            return Err(RecordingError::Empty { path: p() })
        }
        _ => {
            return Err(RecordingError::Foreign {
                path: p(),
                why: "it is not gzip-compressed".into(),
            })
        }
    }
    let mut lines = Lines {
        input: BufReader::with_capacity(64 * 1024, MultiGzDecoder::new(input)),
        total: 0,
        number: 0,
        broken: false,
    };
    let mut buf = Vec::new();
    let mut truncated = false;
    let header = match lines.next(&mut buf) {
        Line::Whole => read_header(&buf, path)?,
        Line::TooLong(_) => {
            return Err(RecordingError::Foreign {
                path: p(),
                why: format!(
                    "its first line is longer than {}, not a header",
                    size_words(LINE_LIMIT)
                ),
            })
        }
        Line::CutShort | Line::End | Line::OverTotal => {
            return Err(RecordingError::Empty { path: p() })
        }
    };
    let mut skipped = Skipped::default();
    // (line number, scrape), in file order.
    let mut read: Vec<(usize, ScrapeOutcome)> = Vec::new();
    loop {
        match lines.next(&mut buf) {
            Line::Whole => match serde_json::from_slice::<ScrapeLine>(&buf) {
                Ok(s) => read.push((lines.number, s.into_outcome())),
                Err(e) => {
                    skipped.unreadable += 1;
                    skipped.note(lines.number, visible(&e.to_string()));
                }
            },
            Line::TooLong(len) => {
                skipped.too_long += 1;
                skipped.note(
                    lines.number,
                    format!(
                        "{len} bytes, over the line limit of {}",
                        size_words(LINE_LIMIT)
                    ),
                );
            }
            Line::CutShort => {
                truncated = true;
                break;
            }
            Line::OverTotal => {
                skipped.stopped_at_line = Some(lines.number + 1);
                break;
            }
            Line::End => break,
        }
    }
    truncated |= lines.broken;
    let times: Vec<i64> = read.iter().map(|(_, s)| s.at_ms).collect();
    let mut scrapes = Vec::with_capacity(read.len());
    for ((line, s), verdict) in read.into_iter().zip(judge(header.started_at_ms, &times)) {
        match verdict {
            Ok(()) => scrapes.push(s),
            Err(bad) => {
                skipped.bad_time += 1;
                skipped.note(line, time_words(bad, s.at_ms));
            }
        }
    }
    if scrapes.is_empty() && skipped.count() > 0 {
        return Err(RecordingError::NothingUsable {
            path: p(),
            skipped: skipped.summary().unwrap_or_default(),
        });
    }
    scrapes.sort_by_key(|s| s.at_ms);
    Ok(Recording {
        header,
        scrapes,
        truncated,
        skipped,
    })
}

fn read_header(line: &[u8], path: &Path) -> Result<Header, RecordingError> {
    let p = || path.to_path_buf();
    let value: serde_json::Value =
        serde_json::from_slice(line).map_err(|_| RecordingError::Foreign {
            path: p(),
            why: "its first line is not a JSON header".into(),
        })?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(RecordingError::Foreign {
            path: p(),
            why: format!("its header does not say format \"{FORMAT}\""),
        });
    }
    let found = value
        .get("version")
        .and_then(|v| v.as_u64())
        .unwrap_or(0)
        .min(u64::from(u32::MAX)) as u32;
    if found > VERSION {
        return Err(RecordingError::Newer { path: p(), found });
    }
    serde_json::from_value(value).map_err(|e| RecordingError::BadLine {
        path: p(),
        line: 1,
        why: visible(&e.to_string()),
    })
}

fn time_words(bad: BadTime, at_ms: i64) -> String {
    let when = chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_else(|| format!("at_ms {at_ms}"));
    format!("{} ({when})", bad.words())
}

/// A parser's message about hostile text, made safe to print and short: controls, bidi
/// overrides and zero-width characters become `\u{..}` escapes.
fn visible(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i >= 200 {
            out.push('…');
            break;
        }
        let hidden = c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}');
        if hidden {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gz(text: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(text).unwrap();
        e.finish().unwrap()
    }

    const HEADER: &str = r#"{"format":"cutover-recording","version":1,"tool":"t","started_at":"","started_at_ms":1767236400000,"config":""}"#;

    fn line(at: i64) -> String {
        format!(
            r#"{{"at_ms":{at},"source":"s","outcome":"ok","duration_ms":1,"bytes":1,"body":"x 1\n"}}"#
        )
    }

    #[test]
    fn a_bad_line_is_skipped_and_named_the_rest_kept() {
        let t = 1_767_236_400_000i64;
        let text = format!(
            "{HEADER}\n{}\n{}\n\n\n{}\n{}\n",
            line(t),
            r#"{"at_ms":1e23,"source":"s","outcome":"ok","duration_ms":1,"bytes":1}"#,
            line(t + 2000),
            r#"{"at_ms":"\u001b]0;pwned\u0007"}"#,
        );
        let rec = read_recording_bytes(&gz(text.as_bytes()), Path::new("r")).unwrap();
        assert_eq!(rec.scrapes.len(), 2);
        assert_eq!(rec.skipped.unreadable, 2);
        assert_eq!(rec.skipped.first[0].line, 3);
        assert_eq!(rec.skipped.first[1].line, 7);
        let summary = rec.skipped.summary().unwrap();
        assert!(summary.contains("line 3"), "{summary}");
        assert!(
            rec.skipped.first[1].why.contains("\\u{1b}"),
            "{:?}",
            rec.skipped
        );
        assert!(!rec.skipped.first[1].why.contains('\u{1b}'));
    }

    #[test]
    fn a_line_over_the_limit_is_skipped_without_being_kept() {
        let t = 1_767_236_400_000i64;
        let mut text = format!("{HEADER}\n{}\n", line(t)).into_bytes();
        text.extend(std::iter::repeat_n(b'a', LINE_LIMIT as usize + 10));
        text.extend(format!("\n{}\n", line(t + 2000)).as_bytes());
        let rec = read_recording_bytes(&gz(&text), Path::new("r")).unwrap();
        assert_eq!(rec.scrapes.len(), 2);
        assert_eq!(rec.skipped.too_long, 1);
        assert_eq!(rec.skipped.first[0].line, 3);
    }

    #[test]
    fn blank_lines_cost_no_step_each_and_keep_line_numbers() {
        let t = 1_767_236_400_000i64;
        let mut text = format!("{HEADER}\n").into_bytes();
        text.extend(std::iter::repeat_n(b'\n', 1000));
        text.extend(format!("{}\nnot json\n", line(t)).as_bytes());
        let rec = read_recording_bytes(&gz(&text), Path::new("r")).unwrap();
        assert_eq!(rec.scrapes.len(), 1);
        assert_eq!(rec.skipped.first[0].line, 1003);
    }

    #[test]
    fn a_recording_of_nothing_usable_says_why() {
        let text = format!("{HEADER}\n{}\n", line(0));
        let err = read_recording_bytes(&gz(text.as_bytes()), Path::new("r")).unwrap_err();
        assert!(err.to_string().contains("unbelievable timestamp"), "{err}");
    }
}
