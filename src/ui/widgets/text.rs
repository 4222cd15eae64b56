//! Text in cells: placed, clipped and cut with an ellipsis, measured in terminal columns.
//!
//! Every function here sees text as the terminal will show it: through
//! [`for_terminal`](crate::term_text::for_terminal), so an escape sequence in a name or an error
//! is drawn as visible `\x1b[2J` and measured, cut and wrapped at that width.

use std::borrow::Cow;

use ratatui::buffer::Buffer;
use ratatui::style::Style;
use unicode_width::UnicodeWidthStr;

use crate::term_text::for_terminal;

/// Columns a string takes on screen (as drawn, escapes made visible).
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(for_terminal(s).as_ref())
}

/// `s` as drawn, cut to `max` columns, ending with `ellipsis` when cut.
pub fn fit<'a>(s: &'a str, max: usize, ellipsis: &str) -> Cow<'a, str> {
    let s = for_terminal(s);
    if UnicodeWidthStr::width(s.as_ref()) <= max {
        return s;
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let room = max.saturating_sub(width(ellipsis));
    let mut out = String::with_capacity(max + 3);
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > room {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push_str(ellipsis);
    Cow::Owned(out)
}

/// Writes `s` at (x, y), at most `max` columns; returns the columns written.
pub fn put(buf: &mut Buffer, x: u16, y: u16, max: u16, s: &str, style: Style) -> u16 {
    let area = buf.area;
    if y < area.top() || y >= area.bottom() || x >= area.right() || max == 0 {
        return 0;
    }
    let max = max.min(area.right() - x);
    let (end, _) = buf.set_stringn(x, y, for_terminal(s), usize::from(max), style);
    end - x
}

/// Writes `s` so that it ends just before column `right`, at most `max` columns.
pub fn put_right(buf: &mut Buffer, right: u16, y: u16, max: u16, s: &str, style: Style) -> u16 {
    let w = (width(s) as u16).min(max);
    let x = right.saturating_sub(w);
    put(buf, x, y, w, s, style)
}

/// Word-wraps `s` into lines of at most `max` columns; a word longer than a line is cut.
pub fn wrap(s: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    if max == 0 {
        return out;
    }
    let mut line = String::new();
    let mut used = 0;
    for word in s.split_whitespace() {
        let word = for_terminal(word);
        let mut word = word.as_ref();
        loop {
            let w = width(word);
            let need = if used == 0 { w } else { used + 1 + w };
            if need <= max {
                if used > 0 {
                    line.push(' ');
                }
                line.push_str(word);
                used = need;
                break;
            }
            if used > 0 {
                out.push(std::mem::take(&mut line));
                used = 0;
                continue;
            }
            // A word longer than a line: cut it.
            let mut cut = 0;
            let mut cw = 0;
            for (i, c) in word.char_indices() {
                let chw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
                if cw + chw > max {
                    break;
                }
                cw += chw;
                cut = i + c.len_utf8();
            }
            if cut == 0 {
                break;
            }
            out.push(word[..cut].to_string());
            word = &word[cut..];
            if word.is_empty() {
                break;
            }
        }
    }
    if used > 0 {
        out.push(line);
    }
    out
}

/// Wraps `s` (as drawn) into lines of at most `max` columns keeping every character but the one
/// space at each break: what a dialog shows of a command is the command, runs of spaces and
/// all. Lines break at the last space that fits, or inside a word longer than a line.
pub fn wrap_exact(s: &str, max: usize) -> Vec<String> {
    let s = for_terminal(s);
    let mut out = Vec::new();
    if max == 0 {
        return out;
    }
    let mut rest: &str = &s;
    while !rest.is_empty() {
        let (mut used, mut end, mut last_space) = (0, 0, None);
        for (i, c) in rest.char_indices() {
            let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if used + w > max {
                break;
            }
            used += w;
            end = i + c.len_utf8();
            if c == ' ' && i > 0 {
                last_space = Some(i);
            }
        }
        if end == 0 {
            // One character wider than the line: it goes on a line of its own (and the
            // caller's width check sees it does not fit).
            end = rest.chars().next().map_or(rest.len(), char::len_utf8);
        }
        let mut next = end;
        if end < rest.len() && !rest[end..].starts_with(' ') {
            if let Some(sp) = last_space {
                end = sp;
                next = sp + 1;
            }
        } else if end < rest.len() {
            next = end + 1;
        }
        out.push(rest[..end].to_string());
        rest = &rest[next..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_by_words_and_cuts_long_words() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), Vec::<String>::new());
        assert_eq!(wrap("x y", 0), Vec::<String>::new());
    }

    #[test]
    fn exact_wrapping_keeps_runs_of_spaces_and_every_character() {
        assert_eq!(wrap_exact("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap_exact("rm  -rf   x", 20), ["rm  -rf   x"]);
        assert_eq!(
            wrap_exact("set  weight b/x 0", 8),
            ["set ", "weight", "b/x 0"]
        );
        assert_eq!(wrap_exact("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap_exact("", 4), Vec::<String>::new());
    }

    #[test]
    fn fit_cuts_with_an_ellipsis_by_columns() {
        assert_eq!(fit("inventory", 9, "…"), "inventory");
        assert_eq!(fit("notifications", 9, "…"), "notifica…");
        assert_eq!(fit("notifications", 9, "~"), "notifica~");
        assert_eq!(fit("abc", 0, "…"), "");
    }

    #[test]
    fn text_is_measured_and_cut_as_drawn() {
        assert_eq!(width("a\x1b[2Jb"), 9);
        assert_eq!(fit("a\x1b]0;pwned\x07", 8, "…"), "a\\x1b]0…");
        assert_eq!(wrap("x\u{202e}y z", 20), ["x\\u202ey z"]);
        assert_eq!(wrap_exact("x\u{202e}y z", 20), ["x\\u202ey z"]);
        let mut buf = Buffer::empty(ratatui::layout::Rect::new(0, 0, 12, 1));
        assert_eq!(put(&mut buf, 0, 0, 12, "q\u{200d}\u{9b}", Style::new()), 11);
        let row: String = (0..12).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        assert_eq!(row, "q\\u200d\\x9b ");
    }
}
