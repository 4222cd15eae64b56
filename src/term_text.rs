//! Text on its way to a terminal: the one sanitizer every byte passes before it reaches a tty
//! or a pipe that a person may read (every subcommand's non-JSON output, stderr included, and
//! every string the cockpit draws).
//!
//! Names come from a config file, figures and error words from exporters, answers from runtime
//! APIs: any of them may carry an escape sequence (OSC 52 writes the clipboard, OSC 0 the window
//! title, `ESC[2J` clears the screen), a C1 control (`\x9b` is a CSI on many terminals), a bidi
//! override that makes text read backwards, or a zero-width character that shifts a row. Here
//! they become visible escapes (`\x1b`, `\u202e`), so the operator sees that something odd was
//! sent and the terminal never acts on it.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

/// True for a character that must not reach a terminal as itself: C0 and C1 controls, DEL,
/// and the invisible format characters (bidi overrides, isolates and marks, zero-width
/// joiners and spaces, the BOM, tag characters, ...) that change how the rest of a row reads
/// or where it lands.
pub fn is_unsafe(c: char) -> bool {
    matches!(c, '\0'..='\x1f' | '\x7f'..='\u{9f}') || is_invisible_format(c)
}

/// Format characters (Unicode category Cf), line and paragraph separators and the fillers
/// that draw nothing: a terminal either acts on them (bidi) or draws them in zero or an
/// unpredictable number of cells.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{600}'..='\u{605}'
            | '\u{61c}'
            | '\u{6dd}'
            | '\u{70f}'
            | '\u{890}'..='\u{891}'
            | '\u{8e2}'
            | '\u{115f}'..='\u{1160}'
            | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{3164}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}

/// The visible form of an unsafe character: `\t`, `\n`, `\r`, `\x1b`, `\x9b`, `\u202e`.
fn push_escaped(out: &mut String, c: char) {
    match c {
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c if (c as u32) < 0x100 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if (c as u32) <= 0xffff => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

fn escape(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let Some(first) = s.find(|c: char| is_unsafe(c) && !keep(c)) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 16);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if is_unsafe(c) && !keep(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One line for a terminal: every unsafe character, line ends included, as a visible escape.
/// Borrowed (no copy) when there is nothing to escape, which is nearly always.
pub fn for_terminal(s: &str) -> Cow<'_, str> {
    escape(s, |_| false)
}

/// Like [`for_terminal`], but line ends stay: for the CLI, whose messages may legitimately
/// span lines (an HAProxy answer, a config error with its context). A carriage return is
/// escaped, so no line can be overwritten.
pub fn for_terminal_lines(s: &str) -> Cow<'_, str> {
    escape(s, |c| c == '\n')
}

/// JSON text (as serde_json writes it) made safe to print: serde_json leaves DEL, C1 controls
/// and bidi or zero-width characters raw inside strings; here they become `\uXXXX`, which a
/// JSON reader decodes to the very same string. These characters can only occur inside JSON
/// strings, so replacing them anywhere keeps the document valid.
pub fn json_safe(json: &str) -> Cow<'_, str> {
    let Some(first) = json.find(is_unsafe) else {
        return Cow::Borrowed(json);
    };
    let mut out = String::with_capacity(json.len() + 16);
    out.push_str(&json[..first]);
    for c in json[first..].chars() {
        if is_unsafe(c) && !matches!(c, '\n' | '\t' | '\r') {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A writer that passes text on with every unsafe character escaped (line ends kept) and any
/// invalid UTF-8 byte written as `\xNN`. A character split across two writes is held back
/// until its end arrives.
pub struct TermWriter<W: Write> {
    inner: W,
    /// The start of a UTF-8 sequence whose end has not been written yet (at most 3 bytes).
    pending: Vec<u8>,
}

impl<W: Write> TermWriter<W> {
    pub fn new(inner: W) -> TermWriter<W> {
        TermWriter {
            inner,
            pending: Vec::new(),
        }
    }

    fn emit(&mut self, bytes: &[u8], at_end: bool) -> io::Result<()> {
        let mut out = String::new();
        let mut chunks = bytes.utf8_chunks().peekable();
        while let Some(chunk) = chunks.next() {
            out.push_str(&for_terminal_lines(chunk.valid()));
            let invalid = chunk.invalid();
            // The last chunk's invalid tail may be a character cut by the write: keep it.
            if !at_end && chunks.peek().is_none() && is_incomplete_utf8(invalid, bytes) {
                self.pending.extend_from_slice(invalid);
                break;
            }
            for b in invalid {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
        self.inner.write_all(out.as_bytes())
    }

    /// Writes out a held-back partial character (as `\xNN`): nothing more will follow.
    pub fn finish(&mut self) -> io::Result<()> {
        let pending = std::mem::take(&mut self.pending);
        if !pending.is_empty() {
            self.emit(&pending, true)?;
        }
        self.inner.flush()
    }
}

/// True when `invalid` ends `bytes` and is the start of a multi-byte character.
fn is_incomplete_utf8(invalid: &[u8], bytes: &[u8]) -> bool {
    if invalid.is_empty() || invalid.len() > 3 || !bytes.ends_with(invalid) {
        return false;
    }
    let need = match invalid[0] {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return false,
    };
    invalid.len() < need && invalid[1..].iter().all(|b| b & 0xc0 == 0x80)
}

impl<W: Write> Write for TermWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            self.emit(buf, false)?;
        } else {
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(buf);
            self.emit(&joined, false)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> Drop for TermWriter<W> {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

/// Writes `bytes` to `out` and flushes; a reader that went away (`| head`) is not an error.
fn write_quietly(mut out: impl Write, bytes: &[u8]) -> io::Result<()> {
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Prints text to stdout through the sanitizer, flushed at once (prompts and progress show as
/// they happen).
pub fn out(text: &str) -> io::Result<()> {
    #[allow(clippy::disallowed_methods)] // the boundary itself
    let lock = io::stdout().lock();
    write_quietly(TermWriter::new(lock), text.as_bytes())
}

/// Prints text to stderr through the sanitizer.
pub fn err(text: &str) -> io::Result<()> {
    #[allow(clippy::disallowed_methods)] // the boundary itself
    let lock = io::stderr().lock();
    write_quietly(TermWriter::new(lock), text.as_bytes())
}

/// Prints JSON to stdout, made safe by [`json_safe`] (still the same JSON document).
pub fn out_json(json: &str) -> io::Result<()> {
    #[allow(clippy::disallowed_methods)] // the boundary itself
    let lock = io::stdout().lock();
    write_quietly(lock, json_safe(json).as_bytes())
}

/// Prints text cutover generated itself and that holds nothing from outside (a completion
/// script, the man page), byte for byte.
pub fn out_generated(bytes: &[u8]) -> io::Result<()> {
    #[allow(clippy::disallowed_methods)] // the boundary itself
    let lock = io::stdout().lock();
    write_quietly(lock, bytes)
}

/// `println!` through the sanitizer; a closed stdout is ignored, as for progress output.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        let mut line = ::std::format!($($arg)*);
        line.push('\n');
        let _ = $crate::term_text::out(&line);
    }};
}

/// `eprintln!` through the sanitizer.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {{
        let mut line = ::std::format!($($arg)*);
        line.push('\n');
        let _ = $crate::term_text::err(&line);
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_bidi_and_zero_width() {
        let payload = "a\x1b]52;c;SGVsbG8=\x07b\x1b[2J\u{9b}31m\x08\u{202e}x\u{200d}y\u{7f}\r\n";
        assert_eq!(
            for_terminal(payload),
            "a\\x1b]52;c;SGVsbG8=\\x07b\\x1b[2J\\x9b31m\\x08\\u202ex\\u200dy\\x7f\\r\\n"
        );
        assert_eq!(
            for_terminal_lines("one\ntwo\r\n"),
            "one\ntwo\\r\n",
            "line ends stay, carriage returns do not"
        );
        assert_eq!(for_terminal("\u{e0041}"), "\\u{e0041}");
        assert!(matches!(
            for_terminal("plain ünïcode 東京 ✓"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn json_stays_the_same_document() {
        let value = serde_json::json!({"name": "a\u{9b}b\u{202e}c\u{7f}\u{1f600}\u{e0041}"});
        let text = serde_json::to_string(&value).expect("serializes");
        let safe = json_safe(&text);
        assert!(!safe.contains(is_unsafe), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back, value);
    }

    #[test]
    fn the_writer_escapes_across_split_writes() {
        let mut sink = Vec::new();
        {
            let mut w = TermWriter::new(&mut sink);
            let text = "é\u{9b}\u{202e}\n".as_bytes();
            for b in text {
                w.write_all(std::slice::from_ref(b)).expect("writes");
            }
            w.write_all(b"\xff\xe2\x80").expect("writes");
        }
        assert_eq!(
            String::from_utf8(sink).expect("utf-8"),
            "é\\x9b\\u202e\n\\xff\\xe2\\x80"
        );
    }
}
