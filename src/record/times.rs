//! Which scrape lines of a recording have believable timestamps.
//!
//! The writer appends scrapes as they finish, so the file's order is time order give or take a
//! poll's timeout. A line whose time disagrees with that order is dropped (and counted) rather
//! than sorted in: one stray `at_ms = 0` would otherwise stretch the replay over 56 years and
//! leave the real data unreachable by seeking, and one line dated far ahead would make every
//! later line look out of order.
//!
//! A line is dropped when its time is
//! - outside 1970-01-01 (exclusive) … 9999-12-31 (no scrape was ever taken then);
//! - before the header's `started_at` by more than [`TOLERANCE_MS`];
//! - before a line already kept by more than [`TOLERANCE_MS`] (out of order);
//! - a jump (the first line, or more than [`TOLERANCE_MS`] past every kept line) that the next
//!   lines do not follow: fewer than half of the next [`LOOKAHEAD`] lines lie at or after it
//!   (and, for the first line, within [`FAR_MS`] of it). A jump on the very last line is kept
//!   when it is within [`FAR_MS`].

/// How far out of order two lines may be: a poll's timeout is below its interval, and intervals
/// beyond a few minutes make no sense for a cockpit.
pub const TOLERANCE_MS: i64 = 5 * 60 * 1000;
/// How many following lines vote on a jump.
pub const LOOKAHEAD: usize = 4;
/// A day: the farthest a jump is believed on its own.
pub const FAR_MS: i64 = 24 * 3600 * 1000;
/// 9999-12-31T23:59:59.999Z, the last time RFC 3339 can write.
const LAST_MS: i64 = 253_402_300_799_999;

/// Why a line's time was not believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadTime {
    /// Not a time any scrape was taken at.
    Absurd,
    /// Before the recording started.
    BeforeStart,
    /// Earlier than a line before it.
    OutOfOrder,
    /// Far from the lines around it.
    Stray,
}

impl BadTime {
    pub fn words(self) -> &'static str {
        match self {
            BadTime::Absurd => "a timestamp no scrape was taken at",
            BadTime::BeforeStart => "a timestamp before the recording started",
            BadTime::OutOfOrder => "a timestamp earlier than the lines before it",
            BadTime::Stray => "a timestamp far from the lines around it",
        }
    }
}

/// For each time (in file order): kept, or why not. `started_at_ms` is the header's.
pub fn judge(started_at_ms: i64, times: &[i64]) -> Vec<Result<(), BadTime>> {
    let plausible = |t: i64| t > 0 && t <= LAST_MS;
    let start = plausible(started_at_ms).then_some(started_at_ms);
    let mut newest: Option<i64> = None;
    let mut out = Vec::with_capacity(times.len());
    for (i, &t) in times.iter().enumerate() {
        let verdict = if !plausible(t) {
            Err(BadTime::Absurd)
        } else if start.is_some_and(|s| t < s.saturating_sub(TOLERANCE_MS)) {
            Err(BadTime::BeforeStart)
        } else if newest.is_some_and(|n| t < n - TOLERANCE_MS) {
            Err(BadTime::OutOfOrder)
        } else if newest.is_none_or(|n| t > n + TOLERANCE_MS) {
            let first = newest.is_none();
            let next: Vec<i64> = times[i + 1..]
                .iter()
                .copied()
                .filter(|&x| plausible(x))
                .take(LOOKAHEAD)
                .collect();
            let follow = next
                .iter()
                .filter(|&&x| x >= t - TOLERANCE_MS && (!first || x <= t + FAR_MS))
                .count();
            let believed = if next.is_empty() {
                newest.is_none_or(|n| t - n <= FAR_MS)
            } else {
                follow * 2 >= next.len()
            };
            if believed {
                Ok(())
            } else {
                Err(BadTime::Stray)
            }
        } else {
            Ok(())
        };
        if verdict.is_ok() {
            newest = Some(newest.map_or(t, |n| n.max(t)));
        }
        out.push(verdict);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_767_236_400_000;

    fn kept(start: i64, times: &[i64]) -> Vec<i64> {
        times
            .iter()
            .zip(judge(start, times))
            .filter(|(_, v)| v.is_ok())
            .map(|(t, _)| *t)
            .collect()
    }

    fn steady(n: i64) -> Vec<i64> {
        (0..n).map(|i| T + i * 2000).collect()
    }

    #[test]
    fn a_steady_recording_is_kept_whole_with_small_disorder() {
        let mut times = steady(20);
        times.swap(3, 4);
        assert_eq!(kept(T, &times), times);
    }

    #[test]
    fn a_stray_zero_or_far_future_line_is_dropped_wherever_it_is() {
        let real = steady(20);
        for stray in [0, 1, i64::MAX, i64::MIN, T + 400 * FAR_MS, T - 400 * FAR_MS] {
            for at in [0, 1, 10, 20] {
                for start in [T, 0] {
                    let mut times = real.clone();
                    times.insert(at, stray);
                    assert_eq!(
                        kept(start, &times),
                        real,
                        "stray {stray} at {at}, start {start}"
                    );
                }
            }
        }
    }

    #[test]
    fn two_strays_in_a_row_are_dropped_too() {
        let real = steady(20);
        let mut times = real.clone();
        times.splice(5..5, [T + 400 * FAR_MS, T + 400 * FAR_MS]);
        assert_eq!(kept(T, &times), real);
    }

    #[test]
    fn a_real_gap_is_kept_when_the_lines_after_it_agree() {
        // The laptop slept for two days while recording.
        let mut times = steady(10);
        times.extend((0..10).map(|i| T + 2 * FAR_MS + i * 2000));
        assert_eq!(kept(T, &times), times);
    }

    #[test]
    fn lines_before_the_header_start_are_dropped() {
        let real = steady(5);
        let mut times = vec![T - 3_600_000];
        times.extend(&real);
        assert_eq!(
            judge(T, &times)[0],
            Err(BadTime::BeforeStart),
            "{:?}",
            judge(T, &times)
        );
        assert_eq!(kept(T, &times), real);
    }

    #[test]
    fn a_lone_line_is_kept() {
        assert_eq!(kept(0, &[T]), [T]);
        assert_eq!(kept(T, &[T]), [T]);
    }
}
