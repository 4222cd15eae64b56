//! The detail charts' time axis, shared by every panel: its dot columns (fixed slices of time
//! aligned to multiples of their length, see [`super::chart`]), the zoom steps between the
//! window and the whole history, and the cursor that reads one moment off every chart.
//!
//! Pure arithmetic on data times (unix ms): the view draws with it and the keys move with it,
//! so a key moves the cursor to exactly the column the next frame marks.

use std::collections::VecDeque;

use crate::timeline::TrendPoint;

/// The round lengths a chart's time axis takes: the axis grows through them with the history
/// and the zoom keys step through them, so a point's column stays put between polls.
pub const AXIS_STEPS: [i64; 12] = [
    60_000,
    2 * 60_000,
    5 * 60_000,
    10 * 60_000,
    15 * 60_000,
    30 * 60_000,
    60 * 60_000,
    120 * 60_000,
    180 * 60_000,
    360 * 60_000,
    720 * 60_000,
    1440 * 60_000,
];

/// The columns of a time axis `[from_ms, to_ms]` drawn `cols` dot columns wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeGrid {
    /// The time of one dot column.
    pub column_ms: i64,
    /// The (absolute) column the axis ends in: `to_ms` divided by `column_ms`.
    pub last_column: i64,
    /// Dot columns on screen.
    pub cols: i64,
}

impl TimeGrid {
    pub fn new(from_ms: i64, to_ms: i64, cols: i64) -> TimeGrid {
        let cols = cols.max(1);
        let column_ms = ((to_ms - from_ms) / (cols - 1).max(1)).max(1);
        TimeGrid {
            column_ms,
            last_column: to_ms.div_euclid(column_ms),
            cols,
        }
    }

    /// The absolute column a moment falls in (on screen or not).
    pub fn column_of(&self, at_ms: i64) -> i64 {
        at_ms.div_euclid(self.column_ms)
    }

    /// The leftmost column on screen.
    pub fn first_column(&self) -> i64 {
        self.last_column - (self.cols - 1)
    }

    /// Where a moment is drawn, from the left edge in dot columns; `None` off the axis.
    pub fn x_of(&self, at_ms: i64) -> Option<i64> {
        let c = self.column_of(at_ms);
        (c >= self.first_column() && c <= self.last_column).then(|| c - self.first_column())
    }

    /// The first millisecond of a column.
    pub fn start_of(&self, column: i64) -> i64 {
        column.saturating_mul(self.column_ms)
    }
}

/// Dot columns the axis's right end moves at once: an eighth of the plot. Between steps the
/// axis stands still, so the dots drawn stay in place and a poll only fills in the newest
/// columns; at a 10-minute axis the lines move every half minute or so instead of every two
/// or three polls, and over SSH a move rewrites every cell a line crosses.
pub fn end_step(cols: i64) -> i64 {
    (cols / 8).max(1)
}

/// Where an axis `axis_ms` long drawn `cols` dot columns wide ends to hold `until_ms` (the
/// newest figures): its last column is the first multiple of [`end_step`] at or after
/// `until_ms`'s, so the newest figure shows at once in its column and the columns right of
/// it, up to a step, are empty (the time not yet seen). The column length is that of the
/// plain axis, so every moment keeps its column.
pub fn stepped_end(until_ms: i64, axis_ms: i64, cols: i64) -> i64 {
    let plain = TimeGrid::new(until_ms - axis_ms, until_ms, cols);
    let step = end_step(plain.cols);
    let last = plain.last_column.div_euclid(step) * step;
    let last = if last < plain.last_column {
        last + step
    } else {
        last
    };
    until_ms.saturating_add((last - plain.last_column).saturating_mul(plain.column_ms))
}

/// How far apart two points may be and still be joined by a line: three times their mean
/// spacing over `n` points from `first_ms` to `last_ms`. Wider is a gap, drawn as a break and
/// read as "no data".
pub fn line_gap_ms(first_ms: i64, last_ms: i64, n: usize) -> i64 {
    if n > 1 {
        (last_ms - first_ms) / (n as i64 - 1) * 3 + 1
    } else {
        i64::MAX
    }
}

/// The join limit ([`line_gap_ms`]) of the points on a grid's axis.
pub fn gap_on(points: &VecDeque<TrendPoint>, grid: &TimeGrid) -> i64 {
    let first = grid.first_column();
    let on = |p: &&TrendPoint| (first..=grid.last_column).contains(&grid.column_of(p.at_ms));
    let mut it = points.iter().filter(on);
    let n = it.clone().count();
    match (it.next(), it.next_back()) {
        (Some(a), Some(b)) => line_gap_ms(a.at_ms, b.at_ms, n),
        _ => i64::MAX,
    }
}

/// The point a chart shows in `column`: the newest that fell in it. `None` when none did (a
/// gap, read as "no data").
pub fn point_in_column<'a>(
    points: &'a VecDeque<TrendPoint>,
    grid: &TimeGrid,
    column: i64,
) -> Option<&'a TrendPoint> {
    // Points are oldest first: the newest of the column is just before the next column's start.
    let next = points.partition_point(|p| grid.column_of(p.at_ms) <= column);
    next.checked_sub(1)
        .and_then(|i| points.get(i))
        .filter(|p| grid.column_of(p.at_ms) == column)
}

/// Where the cursor lands `columns` columns away from `at_ms` (back when negative): on the
/// point its column shows, skipping the empty columns a line is drawn across (between two
/// polls on a fine axis), but stopping in a gap, which reads "no data". Never past the oldest
/// or the newest point; `None` when there are no points.
pub fn step_cursor(
    points: &VecDeque<TrendPoint>,
    grid: &TimeGrid,
    gap_ms: i64,
    at_ms: i64,
    columns: i64,
) -> Option<i64> {
    let (oldest, newest) = (points.front()?, points.back()?);
    let target = grid.column_of(at_ms) + columns;
    if target <= grid.column_of(oldest.at_ms) {
        return point_in_column(points, grid, grid.column_of(oldest.at_ms)).map(|p| p.at_ms);
    }
    if target >= grid.column_of(newest.at_ms) {
        return Some(newest.at_ms);
    }
    if let Some(p) = point_in_column(points, grid, target) {
        return Some(p.at_ms);
    }
    // An empty column: the points either side of it.
    let after = points.partition_point(|p| grid.column_of(p.at_ms) <= target);
    let (before, after) = (&points[after - 1], &points[after]);
    if after.at_ms - before.at_ms > gap_ms {
        return Some(grid.start_of(target));
    }
    let land = if columns < 0 { before } else { after };
    point_in_column(points, grid, grid.column_of(land.at_ms)).map(|p| p.at_ms)
}

/// The zoom steps of an axis: the round lengths from the one that holds the window up to the
/// whole history (`whole_ms`, the axis with no zoom), that last.
pub fn zoom_steps(window_ms: i64, whole_ms: i64) -> Vec<i64> {
    let shortest = AXIS_STEPS
        .iter()
        .copied()
        .find(|&s| s >= window_ms)
        .unwrap_or(whole_ms);
    let mut out: Vec<i64> = AXIS_STEPS
        .iter()
        .copied()
        .filter(|&s| s >= shortest && s < whole_ms)
        .collect();
    out.push(whole_ms);
    out
}

/// The axis after one zoom key from `current_ms`: `in_` for the next shorter step, else the
/// next longer. `None` is the whole history (no zoom: the axis grows with the history again).
pub fn zoom(window_ms: i64, whole_ms: i64, current_ms: i64, in_: bool) -> Option<i64> {
    let steps = zoom_steps(window_ms, whole_ms);
    let next = if in_ {
        steps
            .iter()
            .rev()
            .find(|&&s| s < current_ms)
            .or(steps.first())
    } else {
        steps.iter().find(|&&s| s > current_ms).or(steps.last())
    };
    next.copied().filter(|&s| s < whole_ms)
}

/// The axis length that shows `at_ms` on a `cols`-wide axis ending at `until_ms`: the first
/// zoom step from `at_least_ms` on whose grid the moment is on screen (the whole history at
/// most).
pub fn axis_holding(steps: &[i64], at_least_ms: i64, until_ms: i64, cols: i64, at_ms: i64) -> i64 {
    let mut axis = at_least_ms;
    for &s in steps.iter().filter(|&&s| s >= at_least_ms) {
        axis = s;
        let end = stepped_end(until_ms, s, cols);
        let grid = TimeGrid::new(end - s, end, cols);
        if grid.column_of(at_ms) >= grid.first_column() {
            break;
        }
    }
    axis
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(at_ms: i64, share: Option<f64>) -> TrendPoint {
        TrendPoint {
            at_ms,
            new_share: share,
            legacy_error_ratio: None,
            new_error_ratio: None,
            legacy_p95: None,
            new_p95: None,
            queue_depths: vec![],
        }
    }

    /// Points every 2 s from 0 to 100 s, with none from 40 to 70 s (a gap) and an unknown
    /// share at 20 s.
    fn history() -> VecDeque<TrendPoint> {
        (0..=50)
            .map(|i| i * 2_000)
            .filter(|t| !(40_001..70_000).contains(t))
            .map(|t| point(t, (t != 20_000).then_some(t as f64 / 100_000.0)))
            .collect()
    }

    #[test]
    fn a_moment_s_column_is_fixed_by_time_not_by_the_newest_point() {
        // 100 s over 101 columns: one column a second.
        let g = TimeGrid::new(0, 100_000, 101);
        assert_eq!(g.column_ms, 1_000);
        assert_eq!(g.column_of(42_999), 42);
        assert_eq!(g.x_of(0), Some(0));
        assert_eq!(g.x_of(100_500), Some(100));
        assert_eq!(g.x_of(-1), None);
        // The axis moved 1.5 s on: the same moment keeps its column, drawn one further left.
        let later = TimeGrid::new(1_500, 101_500, 101);
        assert_eq!(later.column_of(42_999), 42);
        assert_eq!(later.x_of(42_999), Some(41));
        assert_eq!(later.start_of(42), 42_000);
    }

    #[test]
    fn the_value_at_a_column_is_the_newest_point_in_it_and_unknown_stays_unknown() {
        let h = history();
        // 10 s columns: the column 10..20 s holds 10, 12, ..., 18: 18 shows.
        let g = TimeGrid::new(0, 100_000, 11);
        assert_eq!(point_in_column(&h, &g, 1).map(|p| p.at_ms), Some(18_000));
        // 20 s is in its column with an unknown share: a point, read as no data, not 0.
        let fine = TimeGrid::new(0, 100_000, 101);
        let p = point_in_column(&h, &fine, 20).unwrap();
        assert_eq!(p.new_share, None);
        // Between two polls, and in the gap: no point.
        assert!(point_in_column(&h, &fine, 21).is_none());
        assert!(point_in_column(&h, &fine, 55).is_none());
        assert!(point_in_column(&h, &fine, 1_000).is_none());
    }

    #[test]
    fn the_cursor_steps_over_columns_between_polls_but_stops_in_a_gap() {
        let h = history();
        let g = TimeGrid::new(0, 100_000, 101);
        let gap = gap_on(&h, &g);
        // Mean spacing ~2.7 s: a join spans at most about 8 s; the 30 s hole is a gap.
        assert!(gap > 2_000 && gap < 30_000, "{gap}");
        let step = |at, n| step_cursor(&h, &g, gap, at, n).unwrap();
        assert_eq!(step(30_000, -1), 28_000);
        assert_eq!(step(30_000, 1), 32_000);
        // Into the gap: one empty column at a time, each a moment of its own.
        assert_eq!(step(70_000, -1), 69_000);
        assert_eq!(step(69_000, -1), 68_000);
        assert_eq!(step(40_000, 1), 41_000);
        // Never past either end.
        assert_eq!(step(2_000, -10), 0);
        assert_eq!(step(96_000, 10), 100_000);
        assert_eq!(step_cursor(&VecDeque::new(), &g, gap, 0, -1), None);
    }

    #[test]
    fn the_axis_end_moves_in_steps_and_the_newest_column_shows_at_once() {
        // 100 s over 101 columns, one column a second: steps of 12 columns.
        assert_eq!(end_step(101), 12);
        let grid_at = |until: i64| {
            let end = stepped_end(until, 100_000, 101);
            TimeGrid::new(end - 100_000, end, 101)
        };
        // Every moment keeps its column length and column; the end is a multiple of the step.
        let g = grid_at(100_500);
        assert_eq!(g.column_ms, 1_000);
        assert_eq!(g.last_column, 108);
        assert_eq!(g.x_of(100_500), Some(92));
        // The newest figure is on screen at once, whatever the moment.
        for until in (100_000..140_000).step_by(700) {
            let g = grid_at(until);
            assert_eq!(g.last_column % 12, 0);
            assert!(g.last_column - g.column_of(until) < 12, "{until}");
            assert!(g.x_of(until).is_some(), "{until}");
        }
        // Within a step the axis stands still: the same grid for 12 s of polls.
        assert_eq!(grid_at(97_000), grid_at(108_999));
        assert_ne!(grid_at(108_999), grid_at(109_000));
        // On a step's edge the end stays where it is.
        assert_eq!(stepped_end(108_500, 100_000, 101), 108_500);
    }

    #[test]
    fn zoom_steps_run_from_the_window_to_the_whole_history() {
        let h = 3_600_000;
        assert_eq!(
            zoom_steps(60_000, h),
            [60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000]
        );
        // A 90 s window starts at 2 min; a 45 min history ends there.
        assert_eq!(zoom_steps(90_000, 2_700_000)[0], 120_000);
        assert_eq!(*zoom_steps(90_000, 2_700_000).last().unwrap(), 2_700_000);
        // In from the whole history, down to the window and no further; out back to the whole.
        assert_eq!(zoom(60_000, h, h, true), Some(1_800_000));
        assert_eq!(zoom(60_000, h, 120_000, true), Some(60_000));
        assert_eq!(zoom(60_000, h, 60_000, true), Some(60_000));
        assert_eq!(zoom(60_000, h, 60_000, false), Some(120_000));
        assert_eq!(zoom(60_000, h, 1_800_000, false), None);
        // Ten minutes of history: zooming out past 5 min is the whole of it.
        assert_eq!(zoom(60_000, 600_000, 300_000, false), None);
    }

    #[test]
    fn the_axis_widens_to_keep_the_cursor_s_moment_on_screen() {
        let steps = zoom_steps(60_000, 3_600_000);
        let until = 10_000_000;
        // 4 min back needs the 5 min axis, whatever shorter zoom was asked for.
        assert_eq!(
            axis_holding(&steps, 60_000, until, 100, until - 240_000),
            300_000
        );
        // A longer zoom stays.
        assert_eq!(
            axis_holding(&steps, 900_000, until, 100, until - 240_000),
            900_000
        );
        // At the very edge of an axis, the next one: the moment's column must be on screen.
        let g = TimeGrid::new(until - 60_000, until, 100);
        let edge = g.start_of(g.first_column()) - 1;
        assert_eq!(axis_holding(&steps, 60_000, until, 100, edge), 120_000);
    }
}
