//! Screens as SVG, from the same buffer the terminal gets: monospace text runs with their
//! colours and background fills. The README's screenshots are made from the demo with this,
//! so they show what the cockpit really draws.

use std::fmt::Write;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};

use super::app::App;
use super::theme::{indexed_rgb, Theme};
use super::views;

/// Cell size in SVG units (a 14 px monospace font).
const CELL_W: f64 = 8.4;
const CELL_H: f64 = 17.0;
const FONT_SIZE: f64 = 14.0;

/// The 16 ANSI colours as screenshots show them (a terminal's own palette is unknown).
const PALETTE: [(u8, u8, u8); 16] = [
    (0x2e, 0x34, 0x36),
    (0xcc, 0x00, 0x00),
    (0x4e, 0x9a, 0x06),
    (0xc4, 0xa0, 0x00),
    (0x34, 0x65, 0xa4),
    (0x75, 0x50, 0x7b),
    (0x06, 0x98, 0x9a),
    (0xd3, 0xd7, 0xcf),
    (0x55, 0x57, 0x53),
    (0xef, 0x29, 0x29),
    (0x8a, 0xe2, 0x34),
    (0xfc, 0xe9, 0x4f),
    (0x72, 0x9f, 0xcf),
    (0xad, 0x7f, 0xa8),
    (0x34, 0xe2, 0xe2),
    (0xee, 0xee, 0xec),
];

fn rgb(c: Color, default: (u8, u8, u8)) -> (u8, u8, u8) {
    let named = |i: usize| PALETTE[i];
    match c {
        Color::Reset => default,
        Color::Black => named(0),
        Color::Red => named(1),
        Color::Green => named(2),
        Color::Yellow => named(3),
        Color::Blue => named(4),
        Color::Magenta => named(5),
        Color::Cyan => named(6),
        Color::Gray => named(7),
        Color::DarkGray => named(8),
        Color::LightRed => named(9),
        Color::LightGreen => named(10),
        Color::LightYellow => named(11),
        Color::LightBlue => named(12),
        Color::LightMagenta => named(13),
        Color::LightCyan => named(14),
        Color::White => named(15),
        Color::Indexed(i) if i < 16 => named(usize::from(i)),
        Color::Indexed(i) => indexed_rgb(i),
        Color::Rgb(r, g, b) => (r, g, b),
    }
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// The look of one cell, as far as the SVG cares.
#[derive(PartialEq, Clone, Copy)]
struct Look {
    fg: (u8, u8, u8),
    bg: (u8, u8, u8),
    bold: bool,
    dim: bool,
    italic: bool,
    underline: bool,
}

fn look(buf: &Buffer, x: u16, y: u16, theme: &Theme) -> Look {
    let cell = &buf[(x, y)];
    let m = cell.modifier;
    let mut fg = rgb(cell.fg, theme.screenshot_foreground);
    let mut bg = rgb(cell.bg, theme.screenshot_background);
    if m.contains(Modifier::REVERSED) {
        std::mem::swap(&mut fg, &mut bg);
    }
    Look {
        fg,
        bg,
        bold: m.contains(Modifier::BOLD),
        dim: m.contains(Modifier::DIM),
        italic: m.contains(Modifier::ITALIC),
        underline: m.contains(Modifier::UNDERLINED),
    }
}

/// A buffer as an SVG document, with the page colours of `theme`.
pub fn buffer_to_svg(buf: &Buffer, theme: &Theme) -> String {
    let area = buf.area;
    let w = f64::from(area.width) * CELL_W;
    let h = f64::from(area.height) * CELL_H;
    let mut out = String::with_capacity(usize::from(area.width) * usize::from(area.height) * 8);
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.1} {h:.1}\" \
         font-family=\"'DejaVu Sans Mono', Menlo, Consolas, monospace\" font-size=\"{FONT_SIZE}\">"
    );
    let _ = writeln!(
        out,
        "<rect width=\"100%\" height=\"100%\" fill=\"{}\"/>",
        hex(theme.screenshot_background)
    );
    for y in area.top()..area.bottom() {
        // Background runs.
        let mut x = area.left();
        while x < area.right() {
            let l = look(buf, x, y, theme);
            let start = x;
            while x < area.right() && look(buf, x, y, theme).bg == l.bg {
                x += 1;
            }
            if l.bg != theme.screenshot_background {
                let _ = writeln!(
                    out,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{CELL_H}\" fill=\"{}\"/>",
                    f64::from(start - area.left()) * CELL_W,
                    f64::from(y - area.top()) * CELL_H,
                    f64::from(x - start) * CELL_W,
                    hex(l.bg)
                );
            }
        }
        // Text runs: cells of the same look, stretched to their cells so columns line up.
        let mut x = area.left();
        while x < area.right() {
            let l = look(buf, x, y, theme);
            let start = x;
            let mut text = String::new();
            let mut cells = 0u16;
            while x < area.right() && look(buf, x, y, theme) == l {
                let sym = buf[(x, y)].symbol();
                text.push_str(if sym.is_empty() { "" } else { sym });
                cells += 1;
                x += 1;
            }
            if text.trim().is_empty() {
                continue;
            }
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" textLength=\"{:.1}\" lengthAdjust=\"spacingAndGlyphs\" \
                 xml:space=\"preserve\" fill=\"{}\"",
                f64::from(start - area.left()) * CELL_W,
                f64::from(y - area.top()) * CELL_H + CELL_H * 0.78,
                f64::from(cells) * CELL_W,
                hex(l.fg)
            );
            if l.bold {
                out.push_str(" font-weight=\"bold\"");
            }
            if l.dim {
                out.push_str(" opacity=\"0.6\"");
            }
            if l.italic {
                out.push_str(" font-style=\"italic\"");
            }
            if l.underline {
                out.push_str(" text-decoration=\"underline\"");
            }
            out.push('>');
            escape(&text, &mut out);
            out.push_str("</text>\n");
        }
    }
    out.push_str("</svg>\n");
    out
}

/// The app's current view at a given size, as an SVG in its current theme.
pub fn render_svg(app: &App, width: u16, height: u16) -> String {
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    views::render(app, area, &mut buf);
    buffer_to_svg(&buf, app.theme())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::theme::ThemeSet;
    use ratatui::style::Style;

    #[test]
    fn text_runs_colours_and_escaping() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 2));
        buf.set_string(0, 0, "orders <ok>", Style::new().fg(Color::Green));
        buf.set_string(
            0,
            1,
            "CRIT",
            Style::new().fg(Color::Red).add_modifier(Modifier::REVERSED),
        );
        let set = ThemeSet::builtin();
        let svg = buffer_to_svg(&buf, set.get(0));
        assert!(svg.starts_with("<svg "));
        assert!(svg.contains(">orders &lt;ok&gt;</text>"), "{svg}");
        assert!(svg.contains("fill=\"#4e9a06\""));
        // Reverse video: red background behind the default background colour as text.
        assert!(svg.contains("fill=\"#cc0000\"/>"));
        assert!(svg.contains("fill=\"#1c1c1c\">CRIT</text>"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
