//! A line chart over time in a box of cells: braille (2×4 dots per cell) on a UTF-8 terminal,
//! one character per cell in ASCII. Unknown values break the line: no data is never drawn as
//! zero. A second series can be dotted so the two read apart without colour.

use std::collections::VecDeque;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::chart_time::{line_gap_ms, TimeGrid, AXIS_STEPS};
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

/// Draws `series` over the time range `[from_ms, to_ms]` with values from 0 to `y_max`, the
/// points up to `newest_ms` only: the axis may end a little after the newest figures (it moves
/// in steps, see [`super::chart_time::stepped_end`]), and a held axis draws nothing newer
/// than what it held.
///
/// Each dot column is a fixed slice of time, aligned to multiples of its length rather than to
/// the newest point, and shows the newest value that fell in it. So while the range keeps its
/// length, a new point changes only the newest column and the line into it, and the chart moves one column at a time
/// when time crosses a column's edge: over SSH a poll costs the cells that changed, not the
/// whole chart.
#[allow(clippy::too_many_arguments)]
pub fn chart(
    buf: &mut Buffer,
    area: Rect,
    series: &[Series],
    from_ms: i64,
    to_ms: i64,
    newest_ms: i64,
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
    // The time of one dot column, and the (absolute) column the range ends in.
    let grid = TimeGrid::new(from_ms, to_ms, cols);
    let (column_ms, last_column) = (grid.column_ms, grid.last_column);
    let first_column = grid.first_column();

    for (si, s) in series.iter().enumerate() {
        let visible = || {
            s.points.iter().filter(|p| {
                let c = p.at_ms.div_euclid(column_ms);
                c >= first_column && c <= last_column && p.at_ms <= newest_ms
            })
        };
        let n = visible().count();
        let gap_ms = match (visible().next(), visible().next_back()) {
            (Some(a), Some(b)) => line_gap_ms(a.at_ms, b.at_ms, n),
            _ => i64::MAX,
        };
        // A dotted line keeps every other dot by the dot's own place (its absolute column,
        // or its row on a steep stretch), not by a count from the first point shown: so its
        // dots stay put when the oldest points leave the axis.
        let mut plot = |x: i64, y: i64, steep: bool| {
            let phase = if steep { y } else { first_column + x };
            if s.dotted && phase.rem_euclid(2) == 1 {
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
        let mut points = visible().peekable();
        while let Some(p) = points.next() {
            let x = p.at_ms.div_euclid(column_ms) - first_column;
            // The newest point of a column stands for it.
            if points
                .peek()
                .is_some_and(|q| q.at_ms.div_euclid(column_ms) - first_column == x)
            {
                continue;
            }
            let Some(v) = (s.value)(p).filter(|v| v.is_finite()) else {
                prev = None;
                continue;
            };
            let y = ((v / y_max).clamp(0.0, 1.0) * (rows - 1) as f64).round() as i64;
            match prev {
                Some((px, py, pt)) if p.at_ms - pt <= gap_ms => {
                    let steep = (y - py).abs() > (x - px).abs();
                    line(px, py, x, y, &mut |a, b| plot(a, b, steep))
                }
                _ => plot(x, y, false),
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

/// The length of a chart's time axis for `observed_ms` of history, at most `history_ms`: the
/// next of a few round lengths, so the axis (and every point's column) stays put while the
/// history grows, instead of stretching with each new point.
pub fn axis_span(observed_ms: i64, history_ms: i64) -> i64 {
    let cap = history_ms.max(1);
    AXIS_STEPS
        .iter()
        .copied()
        .find(|&s| s >= observed_ms)
        .unwrap_or_else(|| observed_ms.max(1))
        .min(cap)
}

/// Marks one dot column `x` of a chart drawn in `area` (the detail charts' cursor): a line
/// of dots down that column (`|` in ASCII where nothing is drawn), in `style`, keeping the
/// chart's own dots in the cells it crosses.
pub fn mark_column(buf: &mut Buffer, area: Rect, x: i64, style: Style, ascii: bool) {
    let area = area.intersection(buf.area);
    let sx = if ascii { 1 } else { 2 };
    if x < 0 || x >= i64::from(area.width) * sx {
        return;
    }
    let cx = area.x + (x / sx) as u16;
    let line: u8 = if x % sx == 0 { 0x47 } else { 0xB8 };
    for y in area.y..area.bottom() {
        let Some(cell) = buf.cell_mut((cx, y)) else {
            continue;
        };
        let mut tmp = [0u8; 4];
        if ascii {
            if cell.symbol() == " " {
                cell.set_symbol("|");
            }
        } else {
            let drawn = cell
                .symbol()
                .chars()
                .next()
                .map(u32::from)
                .filter(|c| (0x2800..=0x28FF).contains(c))
                .map_or(0, |c| (c - 0x2800) as u8);
            let c = char::from_u32(0x2800 + u32::from(drawn | line)).unwrap_or(' ');
            cell.set_symbol(c.encode_utf8(&mut tmp));
        }
        cell.set_style(style);
    }
}

/// The top of a y axis for a largest value `v`: the next of 1, 2, 2.5, 5 times a power of ten,
/// so the scale (and its label) changes only when the values cross a round number.
pub fn nice_top(v: f64) -> f64 {
    if !(v.is_finite() && v > 0.0) {
        return v;
    }
    let power = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        let top = m * power;
        // A hair of tolerance: 0.3 must not become 0.5 because of how it is stored.
        if top >= v * (1.0 - 1e-9) {
            return top;
        }
    }
    10.0 * power
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

    /// The new path's share as a plain solid line, '*' in ASCII mode.
    fn new_share_line(points: &VecDeque<TrendPoint>) -> Series<'_> {
        Series {
            points,
            value: &|p: &TrendPoint| p.new_share,
            style: Style::default(),
            dotted: false,
            ascii: '*',
        }
    }

    #[test]
    fn ascii_line_with_a_gap_for_unknown() {
        let p = pts(&[Some(0.0), Some(0.5), Some(1.0), None, Some(1.0), Some(0.0)]);
        let s = [new_share_line(&p)];
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 3));
        let area = buf.area;
        chart(&mut buf, area, &s, 0, 5000, 5000, 1.0, true);
        assert_eq!(rows(&buf), ["  * * ", " *   *", "*    *"]);
    }

    #[test]
    fn braille_rising_line_fills_cells() {
        let p = pts(&[Some(0.0), Some(1.0)]);
        let s = [new_share_line(&p)];
        let mut buf = Buffer::empty(Rect::new(0, 0, 2, 1));
        let area = buf.area;
        chart(&mut buf, area, &s, 0, 1000, 1000, 1.0, false);
        // From the bottom-left dot to the top-right dot, 4 columns by 4 rows.
        assert_eq!(rows(&buf), ["⡠⠊"]);
    }

    #[test]
    fn axis_lengths_are_round_and_capped_by_history() {
        assert_eq!(axis_span(0, 3_600_000), 60_000);
        assert_eq!(axis_span(61_000, 3_600_000), 120_000);
        assert_eq!(axis_span(400_000, 3_600_000), 600_000);
        assert_eq!(axis_span(3_500_000, 3_600_000), 3_600_000);
        assert_eq!(axis_span(400_000, 300_000), 300_000);
    }

    #[test]
    fn y_tops_are_round() {
        assert_eq!(nice_top(0.3), 0.5);
        assert_eq!(nice_top(0.25), 0.25);
        assert_eq!(nice_top(0.031), 0.05);
        assert_eq!(nice_top(1.0), 1.0);
        assert_eq!(nice_top(1.2), 2.0);
        assert_eq!(nice_top(730.0), 1000.0);
    }

    #[test]
    fn a_new_point_in_the_newest_column_changes_only_that_column() {
        // Ten columns of one second; points every 200 ms.
        let values: Vec<Option<f64>> = (0..60).map(|i| Some(f64::from(i % 7) / 7.0)).collect();
        let p = pts(&values);
        let p: VecDeque<TrendPoint> = p
            .into_iter()
            .map(|mut t| {
                t.at_ms /= 5;
                t
            })
            .collect();
        let draw = |until: i64| {
            let mut buf = Buffer::empty(Rect::new(0, 0, 10, 4));
            let area = buf.area;
            let mut shown = p.clone();
            shown.retain(|t| t.at_ms <= until);
            let s = [new_share_line(&shown)];
            chart(&mut buf, area, &s, until - 9_000, until, until, 1.0, true);
            rows(&buf)
        };
        let (a, b) = (draw(10_400), draw(10_600));
        // The newest column and the line into it may change; the rest stays.
        for (ra, rb) in a.iter().zip(&b) {
            assert_eq!(ra[..8], rb[..8], "{a:?} {b:?}");
        }
        assert_ne!(a, b, "the newest point is drawn");
    }

    #[test]
    fn a_dotted_line_keeps_its_dots_when_the_oldest_point_leaves() {
        let values: Vec<Option<f64>> = (0..20).map(|i| Some(f64::from(i % 5) / 4.0)).collect();
        let draw = |skip: usize| {
            let p: VecDeque<TrendPoint> = pts(&values).into_iter().skip(skip).collect();
            let s = [Series {
                dotted: true,
                ..new_share_line(&p)
            }];
            let mut buf = Buffer::empty(Rect::new(0, 0, 10, 3));
            let area = buf.area;
            chart(&mut buf, area, &s, 0, 19_000, 19_000, 1.0, false);
            rows(&buf)
        };
        let (all, fewer) = (draw(0), draw(1));
        for (a, b) in all.iter().zip(&fewer) {
            let right = |r: &str| r.chars().skip(1).collect::<String>();
            assert_eq!(right(a), right(b), "{all:?} {fewer:?}");
        }
    }

    #[test]
    fn a_marked_column_keeps_the_chart_s_dots() {
        let p = pts(&[Some(0.0), Some(1.0)]);
        let s = [new_share_line(&p)];
        let mut buf = Buffer::empty(Rect::new(0, 0, 2, 1));
        let area = buf.area;
        chart(&mut buf, area, &s, 0, 1000, 1000, 1.0, false);
        // The right dot column of the first cell: the line's dots and the cursor's.
        mark_column(&mut buf, area, 1, Style::default(), false);
        assert_eq!(rows(&buf), ["⣸⠊"]);
        mark_column(&mut buf, area, 9, Style::default(), false);
        assert_eq!(rows(&buf), ["⣸⠊"], "off the chart: nothing");
        let mut buf = Buffer::empty(Rect::new(0, 0, 3, 2));
        let area = buf.area;
        chart(&mut buf, area, &s, 0, 1000, 1000, 1.0, true);
        mark_column(&mut buf, area, 2, Style::default(), true);
        assert_eq!(rows(&buf), [" **", "* |"]);
    }

    #[test]
    fn unknown_only_draws_nothing_and_has_no_maximum() {
        let p = pts(&[None, None]);
        let s = [new_share_line(&p)];
        assert_eq!(y_max(&s, 0, 1000), None);
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 2));
        let area = buf.area;
        chart(&mut buf, area, &s, 0, 1000, 1000, 1.0, false);
        assert!(rows(&buf).iter().all(|r| r.trim().is_empty()));
    }
}
