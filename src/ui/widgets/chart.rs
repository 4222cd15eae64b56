//! A line chart over time in a box of cells: braille (2×4 dots per cell) on a UTF-8 terminal,
//! one character per cell in ASCII. Unknown values break the line: no data is never drawn as
//! zero. A second series can be dotted so the two read apart without colour.

use std::collections::VecDeque;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::timeline::TrendPoint;

/// One line of the chart.
pub struct Series<'a> {
    pub points: &'a VecDeque<TrendPoint>,
    pub value: &'a dyn Fn(&TrendPoint) -> Option<f64>,
    pub style: Style,
    /// Every other dot only: tells two lines apart without colour.
    pub dotted: bool,
    /// The character in ASCII mode.
    pub ascii: char,
}

/// Braille dot bits by (row from the top, column) within a cell.
const DOTS: [[u8; 2]; 4] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]];

/// Draws `series` over the time range `[from_ms, to_ms]` with values from 0 to `y_max`.
pub fn chart(
    buf: &mut Buffer,
    area: Rect,
    series: &[Series],
    from_ms: i64,
    to_ms: i64,
    y_max: f64,
    ascii: bool,
) {
    let area = area.intersection(buf.area);
    if area.width == 0 || area.height == 0 || y_max <= 0.0 || !y_max.is_finite() {
        return;
    }
    let (sx, sy) = if ascii { (1, 1) } else { (2, 4) };
    let cols = i64::from(area.width) * sx;
    let rows = i64::from(area.height) * sy;
    let cells = usize::from(area.width) * usize::from(area.height);
    // Dots per cell and the series that drew last there (its colour).
    let mut bits = vec![0u8; cells];
    let mut owner = vec![u8::MAX; cells];
    let span = (to_ms - from_ms).max(1);

    for (si, s) in series.iter().enumerate() {
        let visible = || {
            s.points
                .iter()
                .filter(|p| p.at_ms >= from_ms && p.at_ms <= to_ms)
        };
        let n = visible().count();
        let gap_ms = match (visible().next(), visible().next_back()) {
            (Some(a), Some(b)) if n > 1 => (b.at_ms - a.at_ms) / (n as i64 - 1) * 3 + 1,
            _ => i64::MAX,
        };
        let mut plot = |x: i64, y: i64, k: &mut u32| {
            *k += 1;
            if s.dotted && (*k).is_multiple_of(2) {
                return;
            }
            let x = x.clamp(0, cols - 1);
            let y = y.clamp(0, rows - 1);
            let from_top = rows - 1 - y;
            let (cx, cy) = ((x / sx) as usize, (from_top / sy) as usize);
            let i = cy * usize::from(area.width) + cx;
            bits[i] |= if ascii {
                1
            } else {
                DOTS[(from_top % sy) as usize][(x % sx) as usize]
            };
            owner[i] = si as u8;
        };
        let mut prev: Option<(i64, i64, i64)> = None;
        let mut k = 0u32;
        for p in visible() {
            let Some(v) = (s.value)(p).filter(|v| v.is_finite()) else {
                prev = None;
                continue;
            };
            let x = (p.at_ms - from_ms) * (cols - 1) / span;
            let y = ((v / y_max).clamp(0.0, 1.0) * (rows - 1) as f64).round() as i64;
            match prev {
                Some((px, py, pt)) if p.at_ms - pt <= gap_ms => {
                    line(px, py, x, y, &mut |a, b| plot(a, b, &mut k))
                }
                _ => plot(x, y, &mut k),
            }
            prev = Some((x, y, p.at_ms));
        }
    }

    for cy in 0..area.height {
        for cx in 0..area.width {
            let i = usize::from(cy) * usize::from(area.width) + usize::from(cx);
            if bits[i] == 0 {
                continue;
            }
            let Some(s) = series.get(usize::from(owner[i])) else {
                continue;
            };
            let Some(cell) = buf.cell_mut((area.x + cx, area.y + cy)) else {
                continue;
            };
            if ascii {
                let mut tmp = [0u8; 4];
                cell.set_symbol(s.ascii.encode_utf8(&mut tmp));
            } else {
                let c = char::from_u32(0x2800 + u32::from(bits[i])).unwrap_or(' ');
                let mut tmp = [0u8; 4];
                cell.set_symbol(c.encode_utf8(&mut tmp));
            }
            cell.set_style(s.style);
        }
    }
}

/// Bresenham's line from (x0, y0) to (x1, y1), the start excluded when it was already drawn.
fn line(x0: i64, y0: i64, x1: i64, y1: i64, plot: &mut dyn FnMut(i64, i64)) {
    let dx = (x1 - x0).abs();
    let dy = -(y1 - y0).abs();
    let step_x = if x0 < x1 { 1 } else { -1 };
    let step_y = if y0 < y1 { 1 } else { -1 };
    let (mut x, mut y) = (x0, y0);
    let mut err = dx + dy;
    loop {
        if (x, y) != (x0, y0) {
            plot(x, y);
        }
        if x == x1 && y == y1 {
            break;
        }
        let e2 = 2 * err;
        if e2 >= dy {
            err += dy;
            x += step_x;
        }
        if e2 <= dx {
            err += dx;
            y += step_y;
        }
    }
}

/// The largest finite value of the series in range, for the y axis; `None` when none is known.
pub fn y_max(series: &[Series], from_ms: i64, to_ms: i64) -> Option<f64> {
    let mut max: Option<f64> = None;
    for s in series {
        for p in s
            .points
            .iter()
            .filter(|p| p.at_ms >= from_ms && p.at_ms <= to_ms)
        {
            if let Some(v) = (s.value)(p).filter(|v| v.is_finite()) {
                max = Some(max.map_or(v, |m: f64| m.max(v)));
            }
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(values: &[Option<f64>]) -> VecDeque<TrendPoint> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| TrendPoint {
                at_ms: i as i64 * 1000,
                new_share: *v,
                legacy_error_ratio: None,
                new_error_ratio: None,
                legacy_p95: None,
                new_p95: None,
                queue_depths: vec![],
            })
            .collect()
    }

    fn rows(buf: &Buffer) -> Vec<String> {
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn ascii_line_with_a_gap_for_unknown() {
        let p = pts(&[Some(0.0), Some(0.5), Some(1.0), None, Some(1.0), Some(0.0)]);
        let value = |p: &TrendPoint| p.new_share;
        let s = [Series {
            points: &p,
            value: &value,
            style: Style::default(),
            dotted: false,
            ascii: '*',
        }];
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 3));
        let area = buf.area;
        chart(&mut buf, area, &s, 0, 5000, 1.0, true);
        assert_eq!(rows(&buf), ["  * * ", " *   *", "*    *"]);
    }

    #[test]
    fn braille_rising_line_fills_cells() {
        let p = pts(&[Some(0.0), Some(1.0)]);
        let value = |p: &TrendPoint| p.new_share;
        let s = [Series {
            points: &p,
            value: &value,
            style: Style::default(),
            dotted: false,
            ascii: '*',
        }];
        let mut buf = Buffer::empty(Rect::new(0, 0, 2, 1));
        let area = buf.area;
        chart(&mut buf, area, &s, 0, 1000, 1.0, false);
        // From the bottom-left dot to the top-right dot, 4 columns by 4 rows.
        assert_eq!(rows(&buf), ["⡠⠊"]);
    }

    #[test]
    fn unknown_only_draws_nothing_and_has_no_maximum() {
        let p = pts(&[None, None]);
        let value = |p: &TrendPoint| p.new_share;
        let s = [Series {
            points: &p,
            value: &value,
            style: Style::default(),
            dotted: false,
            ascii: '*',
        }];
        assert_eq!(y_max(&s, 0, 1000), None);
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 2));
        let area = buf.area;
        chart(&mut buf, area, &s, 0, 1000, 1.0, false);
        assert!(rows(&buf).iter().all(|r| r.trim().is_empty()));
    }
}
