//! The cells written with colour codes the terminal's depth understands. ratatui's crossterm
//! backend writes the 16 named colours as `38;5;n` (a 256-colour code) and RGB as `38;2`,
//! whatever the terminal; a 16-colour terminal (the Linux console, vt100-class serial consoles,
//! some jump-host clients) shows those wrong or not at all. This backend writes the cells
//! itself: every colour is first brought to the depth ([`downgrade`]), then the 16 named
//! colours are written as SGR 30–37/90–97 and 40–47/100–107, the 256-colour entries as `38;5`
//! and RGB as `38;2` — so a depth never receives a code above its own. Everything else (cursor,
//! clearing, size) is the crossterm backend's.

use std::fmt::Write as _;
use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};

use super::safe_backend::{forward_backend, forward_write};
use super::theme::{downgrade, ColorDepth, ANSI16};

/// A crossterm backend whose `draw` writes colours for `depth`.
pub struct SgrBackend<W: Write> {
    inner: CrosstermBackend<W>,
    depth: ColorDepth,
}

impl<W: Write> SgrBackend<W> {
    pub fn new(writer: W, depth: ColorDepth) -> SgrBackend<W> {
        SgrBackend {
            inner: CrosstermBackend::new(writer),
            depth,
        }
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

impl<W: Write> Backend for SgrBackend<W> {
    /// Cursor moves, attributes, colours and symbols, in one pass, as the crossterm backend
    /// does; the underline colour is never written (the themes never set one, and `58;5`
    /// is unknown below 256 colours).
    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut fg = Color::Reset;
        let mut bg = Color::Reset;
        let mut modifier = Modifier::empty();
        let mut last: Option<(u16, u16)> = None;
        let mut out = String::with_capacity(4096);
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
            out.push_str(cell.symbol());
        }
        out.push_str("\x1b[39m\x1b[49m\x1b[0m");
        self.inner.write_all(out.as_bytes())
    }

    forward_backend!();
}

// The cockpit's own sequences (synchronized updates) go straight to the inner writer.
forward_write!(SgrBackend);

#[cfg(test)]
mod tests {
    use super::*;

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
            SgrBackend::new(written.clone(), ColorDepth::Ansi16),
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
}
