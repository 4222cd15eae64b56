//! The last guard before the terminal: a ratatui backend that checks every cell it is asked
//! to write. Text is already made visible where it is laid out (`widgets::text` passes it
//! through [`for_terminal`](crate::term_text::for_terminal)), so this only acts if some
//! drawing path forgot: a cell that would still carry a control, bidi or zero-width character
//! is written as `?` in the columns it takes, and the terminal never receives the character.

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use unicode_width::UnicodeWidthStr;

use crate::term_text::is_unsafe;

/// The `Backend` methods a wrapper passes through unchanged to `self.inner`: both wrappers
/// (this one and `sgr_backend`) change only `draw`.
macro_rules! forward_backend {
    () => {
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
    };
}
pub(crate) use forward_backend;

/// `Write` for a wrapper: straight to `self.inner`.
macro_rules! forward_write {
    ($wrapper:ident) => {
        impl<W: Write> Write for $wrapper<W> {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.inner.write(buf)
            }

            fn flush(&mut self) -> io::Result<()> {
                Write::flush(&mut self.inner)
            }
        }
    };
}
pub(crate) use forward_write;

/// Wraps the real backend; everything but `draw` is passed through unchanged.
pub struct SafeBackend<B> {
    inner: B,
}

impl<B> SafeBackend<B> {
    pub fn new(inner: B) -> SafeBackend<B> {
        SafeBackend { inner }
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

impl<B: Backend> Backend for SafeBackend<B> {
    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let cells: Vec<(u16, u16, &Cell)> = content.collect();
        let fixed: Vec<Option<Cell>> = cells
            .iter()
            .map(|(_, _, cell)| {
                safe_symbol(cell.symbol()).map(|symbol| {
                    let mut clean = (*cell).clone();
                    clean.set_symbol(&symbol);
                    clean
                })
            })
            .collect();
        self.inner.draw(
            cells
                .iter()
                .zip(&fixed)
                .map(|(&(x, y, cell), fix)| (x, y, fix.as_ref().unwrap_or(cell))),
        )
    }

    forward_backend!();
}

// The cockpit's own sequences (synchronized updates) go straight to the inner writer.
forward_write!(SafeBackend);

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::text::Span;
    use ratatui::widgets::Widget;
    use ratatui::Terminal;

    #[test]
    fn unsafe_cells_are_replaced_in_the_same_columns() {
        assert_eq!(safe_symbol("a"), None);
        assert_eq!(safe_symbol("\x1b").as_deref(), Some("?"));
        assert_eq!(safe_symbol("a\u{200d}").as_deref(), Some("a"));
        assert_eq!(safe_symbol("\u{202e}").as_deref(), Some("?"));
    }

    /// A span drawn raw (as a block title would be) reaches the backend with its ESC; the
    /// guard writes it as `?`.
    #[test]
    fn a_raw_span_never_reaches_the_terminal_raw() {
        let mut terminal =
            Terminal::new(SafeBackend::new(TestBackend::new(12, 1))).expect("a test terminal");
        terminal
            .draw(|f| {
                let area = Rect::new(0, 0, 12, 1);
                Span::raw("x\x1b[2Jy\u{202e}z").render(area, f.buffer_mut());
            })
            .expect("draws");
        let shown: &Buffer = terminal.backend().inner.buffer();
        let row: String = (0..12)
            .map(|x| shown[(x, 0)].symbol().to_string())
            .collect();
        assert!(!row.contains(is_unsafe), "{row:?}");
        assert!(row.starts_with('x') && row.contains("[2Jy"), "{row:?}");
    }
}
