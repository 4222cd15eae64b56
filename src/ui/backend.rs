//! The last stage before the terminal: one ratatui backend that writes every cell itself, in
//! one pass, and does two things on the way.
//!
//! - It checks every symbol. Text is already made visible where it is laid out
//!   (`widgets::text` passes it through [`for_terminal`](crate::term_text::for_terminal)), so
//!   this only acts if some drawing path forgot: a cell that would still carry a control, bidi
//!   or zero-width character is written as `?` in the columns it takes, and the terminal never
//!   receives the character.
//! - It writes colour codes the terminal's depth understands. ratatui's crossterm backend
//!   writes the 16 named colours as `38;5;n` (a 256-colour code) and RGB as `38;2`, whatever
//!   the terminal; a 16-colour terminal (the Linux console, vt100-class serial consoles, some
//!   jump-host clients) shows those wrong or not at all. Every colour is first brought to the
//!   depth ([`downgrade`]), then the 16 named colours are written as SGR 30–37/90–97 and
//!   40–47/100–107, the 256-colour entries as `38;5` and RGB as `38;2` — so a depth never
//!   receives a code above its own.
//!
//! Everything else (cursor, clearing, size) is the crossterm backend's.

use std::fmt::Write as _;
use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr;

use super::hyperlink::{osc8_open, Link, OSC8_CLOSE};
use super::theme::{downgrade, ColorDepth, ANSI16};
use crate::term_text::is_unsafe;

/// A crossterm backend whose `draw` writes safe symbols and colours for `depth`.
pub struct CockpitBackend<W: Write> {
    inner: CrosstermBackend<W>,
    depth: ColorDepth,
    /// The cells the last `draw` wrote: a link whose cells were rewritten plain is written
    /// again as a link ([`Self::overlay_links`]).
    written: Vec<(u16, u16)>,
    /// The links on screen after the last overlay.
    links: Vec<Link>,
}

impl<W: Write> CockpitBackend<W> {
    pub fn new(writer: W, depth: ColorDepth) -> CockpitBackend<W> {
        CockpitBackend {
            inner: CrosstermBackend::new(writer),
            depth,
            written: Vec::new(),
            links: Vec::new(),
        }
    }

    /// After a frame is drawn: writes each link of `links` whose cells are new or were just
    /// rewritten, as its cells (`cells`, from the frame's buffer) again inside an OSC 8
    /// escape. The buffer keeps the plain text, so ratatui's widths stay right; the terminal
    /// attaches the link to the cells. A link whose URL is not safe in an escape is skipped.
    pub fn overlay_links(&mut self, links: &[Link], cells: &[(u16, u16, Cell)]) -> io::Result<()> {
        let mut out = String::new();
        for link in links {
            let end = link.x.saturating_add(link.width);
            let rewritten = self
                .written
                .iter()
                .any(|&(x, y)| y == link.y && x >= link.x && x < end);
            if !rewritten && self.links.contains(link) {
                continue;
            }
            let Some(open) = osc8_open(&link.url) else {
                continue;
            };
            out.push_str(&open);
            let span = cells
                .iter()
                .filter(|(x, y, _)| *y == link.y && *x >= link.x && *x < end)
                .map(|(x, y, c)| (*x, *y, c));
            self.write_cells(&mut out, span);
            out.push_str(OSC8_CLOSE);
        }
        self.links = links.to_vec();
        if out.is_empty() {
            return Ok(());
        }
        out.push_str("\x1b[39m\x1b[49m\x1b[0m");
        self.inner.write_all(out.as_bytes())
    }

    /// Cursor moves, attributes, colours and symbols for `content`, as the crossterm backend
    /// writes them; a symbol that cannot be written as it is goes out as [`safe_symbol`] makes it.
    fn write_cells<'a>(
        &self,
        out: &mut String,
        content: impl Iterator<Item = (u16, u16, &'a Cell)>,
    ) {
        let mut fg = Color::Reset;
        let mut bg = Color::Reset;
        let mut modifier = Modifier::empty();
        let mut last: Option<(u16, u16)> = None;
        let mut attrs: Vec<&'static str> = Vec::with_capacity(8);
        for (x, y, cell) in content {
            if !matches!(last, Some((lx, ly)) if u32::from(x) == u32::from(lx) + 1 && y == ly) {
                let _ = write!(out, "\x1b[{};{}H", u32::from(y) + 1, u32::from(x) + 1);
            }
            last = Some((x, y));
            if cell.modifier != modifier {
                attrs.clear();
                sgr_modifiers(modifier, cell.modifier, &mut attrs);
                for code in &attrs {
                    let _ = write!(out, "\x1b[{code}m");
                }
                modifier = cell.modifier;
            }
            if cell.fg != fg || cell.bg != bg {
                let _ = write!(
                    out,
                    "\x1b[{};{}m",
                    sgr_color(cell.fg, Ground::Fore, self.depth),
                    sgr_color(cell.bg, Ground::Back, self.depth)
                );
                fg = cell.fg;
                bg = cell.bg;
            }
            match safe_symbol(cell.symbol()) {
                Some(symbol) => out.push_str(&symbol),
                None => out.push_str(cell.symbol()),
            }
        }
    }
}

/// What to write instead of a cell's symbol, when it cannot be written as it is: the symbol
/// without its unsafe characters if that takes the same columns, else `?` in each column.
pub fn safe_symbol(symbol: &str) -> Option<String> {
    if !symbol.contains(is_unsafe) {
        return None;
    }
    let columns = UnicodeWidthStr::width(symbol).max(1);
    let kept: String = symbol.chars().filter(|&c| !is_unsafe(c)).collect();
    if !kept.is_empty() && UnicodeWidthStr::width(kept.as_str()) == columns {
        Some(kept)
    } else {
        Some("?".repeat(columns))
    }
}

/// Which side of the cell a colour paints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ground {
    Fore,
    Back,
}

/// The SGR parameters (without `ESC[` and `m`) that set `color` on `ground` at `depth`.
pub fn sgr_color(color: Color, ground: Ground, depth: ColorDepth) -> String {
    let (base, bright, default, extended) = match ground {
        Ground::Fore => (30, 90, 39, 38),
        Ground::Back => (40, 100, 49, 48),
    };
    let named = |i: usize| {
        if i < 8 {
            (base + i).to_string()
        } else {
            (bright + i - 8).to_string()
        }
    };
    match downgrade(color, depth) {
        Color::Reset => default.to_string(),
        Color::Indexed(i) if i < 16 => named(usize::from(i)),
        Color::Indexed(i) => format!("{extended};5;{i}"),
        Color::Rgb(r, g, b) => format!("{extended};2;{r};{g};{b}"),
        c => match ANSI16.iter().position(|(n, _)| *n == c) {
            Some(i) => named(i),
            None => default.to_string(),
        },
    }
}

/// The SGR parameters that turn the attributes `from` into `to`, as ratatui's crossterm
/// backend does it (so a frame looks the same, colours aside).
fn sgr_modifiers(from: Modifier, to: Modifier, out: &mut Vec<&'static str>) {
    let removed = from - to;
    if removed.contains(Modifier::REVERSED) {
        out.push("27");
    }
    if removed.contains(Modifier::BOLD) {
        out.push("22");
        if to.contains(Modifier::DIM) {
            out.push("2");
        }
    }
    if removed.contains(Modifier::ITALIC) {
        out.push("23");
    }
    if removed.contains(Modifier::UNDERLINED) {
        out.push("24");
    }
    if removed.contains(Modifier::DIM) {
        out.push("22");
    }
    if removed.contains(Modifier::CROSSED_OUT) {
        out.push("29");
    }
    if removed.intersects(Modifier::SLOW_BLINK | Modifier::RAPID_BLINK) {
        out.push("25");
    }
    let added = to - from;
    for (m, code) in [
        (Modifier::REVERSED, "7"),
        (Modifier::BOLD, "1"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::DIM, "2"),
        (Modifier::CROSSED_OUT, "9"),
        (Modifier::SLOW_BLINK, "5"),
        (Modifier::RAPID_BLINK, "6"),
    ] {
        if added.contains(m) {
            out.push(code);
        }
    }
}

impl<W: Write> Backend for CockpitBackend<W> {
    /// Cursor moves, attributes, colours and symbols, in one pass over the cells, as the
    /// crossterm backend does; a symbol that cannot be written as it is goes out as
    /// [`safe_symbol`] makes it. The underline colour is never written (the themes never set
    /// one, and `58;5` is unknown below 256 colours).
    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut out = String::with_capacity(4096);
        let mut written = std::mem::take(&mut self.written);
        written.clear();
        let content = content.inspect(|&(x, y, _)| written.push((x, y)));
        self.write_cells(&mut out, content);
        self.written = written;
        out.push_str("\x1b[39m\x1b[49m\x1b[0m");
        self.inner.write_all(out.as_bytes())
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        self.inner.size()
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

/// The cockpit's own sequences (synchronized updates) go straight to the inner writer.
impl<W: Write> Write for CockpitBackend<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Write::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_cells_are_replaced_in_the_same_columns() {
        assert_eq!(safe_symbol("a"), None);
        assert_eq!(safe_symbol("\x1b").as_deref(), Some("?"));
        assert_eq!(safe_symbol("a\u{200d}").as_deref(), Some("a"));
        assert_eq!(safe_symbol("\u{202e}").as_deref(), Some("?"));
    }

    fn every_color() -> Vec<Color> {
        let mut all: Vec<Color> = ANSI16.iter().map(|(c, _)| *c).collect();
        all.push(Color::Reset);
        all.extend((0..=255).map(Color::Indexed));
        for v in [0u8, 1, 95, 128, 200, 255] {
            all.push(Color::Rgb(v, 255 - v, v / 2));
        }
        all
    }

    /// The numbers of an SGR parameter string.
    fn params(s: &str) -> Vec<u32> {
        s.split(';').map(|p| p.parse().expect("a number")).collect()
    }

    #[test]
    fn sixteen_colours_are_written_as_the_basic_codes() {
        for c in every_color() {
            let fg = params(&sgr_color(c, Ground::Fore, ColorDepth::Ansi16));
            let bg = params(&sgr_color(c, Ground::Back, ColorDepth::Ansi16));
            assert!(
                matches!(fg[..], [30..=37 | 39 | 90..=97]),
                "{c:?} -> fg {fg:?}"
            );
            assert!(
                matches!(bg[..], [40..=47 | 49 | 100..=107]),
                "{c:?} -> bg {bg:?}"
            );
        }
        assert_eq!(
            sgr_color(Color::Red, Ground::Fore, ColorDepth::Ansi16),
            "31"
        );
        assert_eq!(
            sgr_color(Color::LightCyan, Ground::Back, ColorDepth::Ansi16),
            "106"
        );
        assert_eq!(
            sgr_color(Color::Indexed(196), Ground::Fore, ColorDepth::Ansi16),
            "91"
        );
        assert_eq!(
            sgr_color(Color::Rgb(0, 0, 0), Ground::Back, ColorDepth::Ansi16),
            "40"
        );
    }

    #[test]
    fn each_depth_stays_within_its_codes() {
        for c in every_color() {
            for ground in [Ground::Fore, Ground::Back] {
                let s256 = sgr_color(c, ground, ColorDepth::Ansi256);
                assert!(!s256.contains(";2;"), "{c:?} at 256 -> {s256}");
                let none = sgr_color(c, ground, ColorDepth::None);
                assert!(
                    none == "39" || none == "49",
                    "{c:?} without colour -> {none}"
                );
            }
        }
        assert_eq!(
            sgr_color(Color::Rgb(255, 0, 0), Ground::Fore, ColorDepth::Ansi256),
            "38;5;196"
        );
        assert_eq!(
            sgr_color(Color::Green, Ground::Fore, ColorDepth::Ansi256),
            "32"
        );
        assert_eq!(
            sgr_color(Color::Rgb(1, 2, 3), Ground::Back, ColorDepth::TrueColor),
            "48;2;1;2;3"
        );
    }

    /// A writer the test keeps a handle on.
    #[derive(Clone, Default)]
    struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A frame drawn through a terminal at 16 colours: the bytes hold the basic codes and no
    /// extended one.
    #[test]
    fn a_frame_at_sixteen_colours_has_no_extended_code() {
        use ratatui::layout::Rect;
        use ratatui::style::Style;
        use ratatui::{Terminal, TerminalOptions, Viewport};
        let written = Shared::default();
        let mut terminal = Terminal::with_options(
            CockpitBackend::new(written.clone(), ColorDepth::Ansi16),
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, 20, 2)),
            },
        )
        .expect("a terminal");
        terminal
            .draw(|f| {
                let buf = f.buffer_mut();
                buf.set_string(0, 0, "red", Style::new().fg(Color::Red));
                buf.set_string(
                    4,
                    0,
                    "rgb",
                    Style::new()
                        .fg(Color::Rgb(0, 200, 0))
                        .bg(Color::Indexed(17))
                        .add_modifier(Modifier::BOLD),
                );
                buf.set_string(0, 1, "grey", Style::new().bg(Color::DarkGray));
            })
            .expect("draws");
        let bytes = written.0.borrow().clone();
        let text = String::from_utf8(bytes).expect("utf-8");
        assert!(text.contains("\x1b[31;49mred"), "{text:?}");
        assert!(text.contains("\x1b[1m"), "{text:?}");
        assert!(
            text.contains("\x1b[100m") || text.contains(";100m"),
            "{text:?}"
        );
        for extended in ["38;5", "48;5", "38;2", "48;2"] {
            assert!(!text.contains(extended), "{extended} in {text:?}");
        }
    }

    /// A link is written as its cells again inside OSC 8, after the frame: once when it
    /// appears, again only when its cells were rewritten or its URL changed; the buffer (and so
    /// ratatui's column arithmetic) never holds the escape.
    #[test]
    fn links_are_written_inside_osc8_over_their_cells_only_when_needed() {
        use ratatui::layout::Rect;
        use ratatui::style::Style;
        use ratatui::{Terminal, TerminalOptions, Viewport};
        let written = Shared::default();
        let mut terminal = Terminal::with_options(
            CockpitBackend::new(written.clone(), ColorDepth::Ansi16),
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, 30, 1)),
            },
        )
        .expect("a terminal");
        let url = "https://tempo.example/trace/4bf92f3577b34da6";
        let link = Link {
            x: 6,
            y: 0,
            width: 16,
            url: url.to_string(),
        };
        let mut frame = |text: &str, links: &[Link]| -> String {
            written.0.borrow_mut().clear();
            let done = terminal
                .draw(|f| {
                    f.buffer_mut()
                        .set_string(0, 0, text, Style::new().fg(Color::Cyan));
                })
                .expect("draws");
            let cells: Vec<(u16, u16, Cell)> = (6..22)
                .map(|x| (x, 0, done.buffer[(x, 0)].clone()))
                .collect();
            assert_eq!(
                done.buffer[(29, 0)].symbol(),
                " ",
                "the buffer holds plain cells"
            );
            terminal
                .backend_mut()
                .overlay_links(links, &cells)
                .expect("writes");
            String::from_utf8(written.0.borrow().clone()).expect("utf-8")
        };
        let first = frame("trace 4bf92f3577b34da6, 12 s", std::slice::from_ref(&link));
        let open = format!("\x1b]8;;{url}\x1b\\");
        let at = first.find(&open).expect("the link is opened");
        let after = &first[at + open.len()..];
        let close = after.find("\x1b]8;;\x1b\\").expect("and closed");
        let inside: String = after[..close]
            .split('\x1b')
            .map(|part| {
                part.trim_start_matches(|c: char| c != 'm' && c != 'H')
                    .trim_start_matches(['m', 'H'])
            })
            .collect();
        assert_eq!(inside, "4bf92f3577b34da6", "{after:?}");
        // The same frame again: nothing rewritten, no link written.
        assert!(
            !frame("trace 4bf92f3577b34da6, 12 s", std::slice::from_ref(&link)).contains("]8;")
        );
        // The age changes beside it: its cells are not the link's, still nothing.
        assert!(
            !frame("trace 4bf92f3577b34da6, 13 s", std::slice::from_ref(&link)).contains("]8;")
        );
        // Another trace: the link is written again, with its new URL.
        let other = Link {
            url: "https://tempo.example/trace/0af7651916cd43dd".to_string(),
            ..link.clone()
        };
        let third = frame("trace 0af7651916cd43dd, 13 s", std::slice::from_ref(&other));
        assert!(
            third.contains("\x1b]8;;https://tempo.example/trace/0af7651916cd43dd\x1b\\"),
            "{third:?}"
        );
        // An unsafe URL is never written into an escape.
        let hostile = Link {
            url: "https://x/\x1b]52;c;AAAA\x07".to_string(),
            ..link
        };
        let fourth = frame("trace 4bf92f3577b34da6, 13 s", &[hostile]);
        assert!(
            !fourth.contains("]8;") && !fourth.contains("]52;"),
            "{fourth:?}"
        );
    }

    /// A span drawn raw (as a block title would be) reaches the backend with its ESC; the
    /// backend writes it as `?`.
    #[test]
    fn a_raw_span_never_reaches_the_terminal_raw() {
        use ratatui::layout::Rect;
        use ratatui::text::Span;
        use ratatui::widgets::Widget;
        use ratatui::{Terminal, TerminalOptions, Viewport};
        let written = Shared::default();
        let mut terminal = Terminal::with_options(
            CockpitBackend::new(written.clone(), ColorDepth::TrueColor),
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, 12, 1)),
            },
        )
        .expect("a terminal");
        terminal
            .draw(|f| {
                let area = Rect::new(0, 0, 12, 1);
                Span::raw("x\x1b[2Jy\u{202e}z").render(area, f.buffer_mut());
            })
            .expect("draws");
        let bytes = written.0.borrow().clone();
        let text = String::from_utf8(bytes).expect("utf-8");
        assert!(!text.contains("\x1b[2J"), "{text:?}");
        assert!(!text.contains('\u{202e}'), "{text:?}");
        assert!(text.contains("x?[2Jy"), "{text:?}");
    }
}
