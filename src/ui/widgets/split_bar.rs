//! The traffic split as a bar: the monolith's share on the left, the new path's on the right,
//! drawn with different glyphs so it reads without colour, and the configured split (from the
//! gateway's weights) as a mark where the boundary should be.

use ratatui::buffer::Buffer;
use ratatui::style::Style;

use crate::ui::glyphs::Glyphs;

/// Cells of the new path for a share on a bar `width` wide. A sliver of traffic always shows
/// as at least one cell, and so does a sliver left on the monolith.
pub fn new_cells(share: f64, width: u16) -> u16 {
    let w = f64::from(width);
    let mut n = (share.clamp(0.0, 1.0) * w).round() as u16;
    if share > 0.0 && n == 0 {
        n = 1;
    }
    if share < 1.0 && n == width && width > 1 {
        n = width - 1;
    }
    n.min(width)
}

/// Draws the bar at (x, y), `width` cells.
#[allow(clippy::too_many_arguments)]
pub fn split_bar(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    width: u16,
    share: f64,
    configured: Option<f64>,
    glyphs: &Glyphs,
    legacy: Style,
    new: Style,
    mark: Style,
) {
    let area = buf.area;
    if width == 0 || y >= area.bottom() || x >= area.right() {
        return;
    }
    let width = width.min(area.right() - x);
    let n = new_cells(share, width);
    let boundary = width - n;
    for i in 0..width {
        let (sym, style) = if i < boundary {
            (glyphs.bar_legacy, legacy)
        } else {
            (glyphs.bar_new, new)
        };
        if let Some(cell) = buf.cell_mut((x + i, y)) {
            cell.set_symbol(sym).set_style(style);
        }
    }
    if let Some(c) = configured {
        let at = (width - new_cells(c, width)).min(width - 1);
        // The mark never hides a side's only cell: a sliver of traffic says more than the
        // mark, and a mark on the boundary itself says nothing the bar does not.
        let only_legacy = at < boundary && boundary == 1;
        let only_new = at >= boundary && n == 1;
        if only_legacy || only_new {
            return;
        }
        if let Some(cell) = buf.cell_mut((x + at, y)) {
            cell.set_symbol(glyphs.bar_configured).set_style(mark);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    fn draw(share: f64, configured: Option<f64>, g: &Glyphs) -> String {
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 1));
        let s = Style::default();
        split_bar(&mut buf, 0, 0, 10, share, configured, g, s, s, s);
        (0..10).map(|x| buf[(x, 0)].symbol().to_string()).collect()
    }

    #[test]
    fn shares_and_slivers() {
        let g = Glyphs::ASCII;
        assert_eq!(draw(0.0, None, &g), "----------");
        assert_eq!(draw(1.0, None, &g), "##########");
        assert_eq!(draw(0.3, None, &g), "-------###");
        assert_eq!(draw(0.01, None, &g), "---------#");
        assert_eq!(draw(0.995, None, &g), "-#########");
        assert_eq!(draw(0.3, Some(0.5), &g), "-----|-###");
        assert_eq!(draw(0.3, Some(0.0), &g), "-------##|");
        // A sliver is never covered by the mark.
        assert_eq!(draw(0.1, Some(0.1), &g), "---------#");
        assert_eq!(draw(0.995, Some(1.0), &g), "-#########");
        assert_eq!(draw(0.01, Some(0.5), &g), "-----|---#");
        assert_eq!(draw(0.5, None, &Glyphs::UNICODE), "░░░░░█████");
    }
}
