//! Numbers, durations, sizes and clock times in words: one function per format, for every
//! place that writes one (the views, `status`, health reasons, verdicts, source errors), so
//! a format is written one way wherever it appears.
//!
//! The views' formats are short, fixed width where it matters, and never a 0 for something
//! unknown (callers show the unknown glyph for `None`).

use std::fmt::Write;
use std::time::Duration;

/// A ratio as a percentage in at most 5 characters: `0%`, `0.05%`, `4.20%`, `12.3%`, `100%`.
pub fn ratio(v: f64) -> String {
    let p = v * 100.0;
    if p == 0.0 {
        "0%".into()
    } else if p < 10.0 {
        format!("{p:.2}%")
    } else if p < 99.95 {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}

/// A traffic share in at most 4 characters; a sliver is never rounded to 0 or 100.
pub fn share(v: f64) -> String {
    let p = v * 100.0;
    if p > 0.0 && p < 1.0 {
        "<1%".into()
    } else if p > 99.0 && p < 100.0 {
        ">99%".into()
    } else {
        format!("{p:.0}%")
    }
}

/// A latency in at most 5 characters: `0.4ms`, `12ms`, `480ms`, `1.25s`, `12.5s`, `125s`, `12m`.
pub fn latency(seconds: f64) -> String {
    let ms = seconds * 1000.0;
    if ms < 1.0 {
        format!("{ms:.1}ms")
    } else if ms < 999.5 {
        format!("{ms:.0}ms")
    } else if seconds < 9.995 {
        format!("{seconds:.2}s")
    } else if seconds < 99.95 {
        format!("{seconds:.1}s")
    } else if seconds < 999.5 {
        format!("{seconds:.0}s")
    } else {
        format!("{:.0}m", seconds / 60.0)
    }
}

/// A bucket bound of a latency histogram, as short as it is exact: `5ms`, `2.5ms`, `100ms`,
/// `1s`, `2.5s` (the bounds written in words by `check` and in a bound figure).
pub fn latency_bound(seconds: f64) -> String {
    let trim = |v: f64| {
        let t = format!("{v:.3}");
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    if seconds < 1.0 {
        format!("{}ms", trim(seconds * 1000.0))
    } else {
        format!("{}s", trim(seconds))
    }
}

/// A latency figure with its kind, for `status` and reasons: `p95 480ms`, `avg 1ms`,
/// `p95 ≤100ms` (at most a bucket's bound), `p95 >1s` (above the highest bound).
pub fn latency_figure(
    kind: &str,
    value: Option<f64>,
    at_most: Option<f64>,
    above: Option<f64>,
) -> String {
    match (value, at_most, above) {
        (Some(v), _, _) => format!("{kind} {}", millis(v)),
        (_, Some(b), _) => format!("{kind} ≤{}", latency_bound(b)),
        (_, _, Some(b)) => format!("{kind} >{}", latency_bound(b)),
        _ => format!("{kind} -"),
    }
}

/// Which way a short latency may round without lying: up for an upper bound, down for a
/// lower one, to the nearest for an average.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    Up,
    Down,
    Nearest,
}

/// A latency in at most 4 characters, for a marked figure in a 5-character cell (`≤0.1s`,
/// `>1s`, `~12ms`): `3ms`, `25ms`, `0.1s`, `2.5s`, `12s`, `125s`, `17m`.
pub fn latency_short(seconds: f64, round: Round) -> String {
    let r = |v: f64, digits: i32| {
        let f = 10f64.powi(digits);
        let x = v * f;
        let x = match round {
            Round::Up => (x - 1e-9).ceil(),
            Round::Down => (x + 1e-9).floor(),
            Round::Nearest => x.round(),
        };
        x / f
    };
    let ms = r(seconds * 1000.0, 0);
    if ms < 100.0 {
        let ms = if round == Round::Nearest {
            ms.max(1.0)
        } else {
            ms
        };
        return format!("{ms:.0}ms");
    }
    let tenths = r(seconds, 1);
    if tenths < 10.0 {
        return if tenths.fract() == 0.0 {
            format!("{tenths:.0}s")
        } else {
            format!("{tenths:.1}s")
        };
    }
    let whole = r(seconds, 0);
    if whole < 1000.0 {
        format!("{whole:.0}s")
    } else {
        format!("{:.0}m", r(seconds / 60.0, 0))
    }
}

/// A count in at most 5 characters: `0`, `9999`, `12.3k`, `123k`, `1.2M`.
pub fn count(v: f64) -> String {
    let a = v.abs();
    let sign = if v < 0.0 { "-" } else { "" };
    if a < 9999.5 {
        if a.fract() == 0.0 || a >= 100.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        }
    } else if a < 99_950.0 {
        format!("{sign}{:.1}k", a / 1e3)
    } else if a < 999_500.0 {
        format!("{sign}{:.0}k", a / 1e3)
    } else if a < 99_950_000.0 {
        format!("{sign}{:.1}M", a / 1e6)
    } else if a < 999_500_000.0 {
        format!("{sign}{:.0}M", a / 1e6)
    } else {
        format!("{sign}{:.1}G", a / 1e9)
    }
}

/// A rate per minute: `0/m`, `0.5/m`, `12/m`.
pub fn per_minute(v: f64) -> String {
    if v == 0.0 {
        "0/m".into()
    } else if v < 10.0 {
        format!("{v:.1}/m")
    } else {
        format!("{}/m", count(v))
    }
}

/// A burn rate, the budget's multiple: `0x`, `0.5x`, `14.4x`, `120x`, `12.3kx` (an `x`, not
/// `×`, so that it reads the same in ASCII).
pub fn burn(v: f64) -> String {
    if v == 0.0 {
        "0x".into()
    } else if v < 99.95 {
        format!("{v:.1}x")
    } else {
        format!("{}x", count(v.round()))
    }
}

/// A per-second rate: `0/s`, `0.35/s`, `12.5/s`, `1.2k/s`.
pub fn per_second(v: f64) -> String {
    if v == 0.0 {
        "0/s".into()
    } else if v.abs() < 1.0 {
        format!("{v:.2}/s")
    } else if v.abs() < 100.0 {
        format!("{v:.1}/s")
    } else {
        format!("{}/s", count(v))
    }
}

/// Bytes: `512B`, `45.1kB`, `12.0MB`.
pub fn bytes(v: u64) -> String {
    let f = v as f64;
    if v < 1000 {
        format!("{v}B")
    } else if f < 999_950.0 {
        format!("{:.1}kB", f / 1e3)
    } else if f < 999_950_000.0 {
        format!("{:.1}MB", f / 1e6)
    } else {
        format!("{:.1}GB", f / 1e9)
    }
}

/// A data lag in its unit (`seconds` or `bytes`): `430.6kB`, `12ms`, `1.25s`.
pub fn lag(value: f64, unit: &str) -> String {
    if unit == "bytes" {
        bytes(value.max(0.0).round() as u64)
    } else {
        latency(value)
    }
}

/// A duration given in ms: `12ms`, `1.5s`, `2m05s`.
pub fn duration_ms(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else {
        let s = ms / 1000;
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

/// A time to drain a queue, to the second at least (it comes from a slope over polls seconds
/// apart, and "0ms" would read as "empty"): `<1s`, `40s`, `2m05s`, `3h20m`, `>99h`.
pub fn drain(seconds: f64) -> String {
    if seconds.is_nan() || seconds < 0.0 {
        return "-".into();
    }
    if seconds < 1.0 {
        return "<1s".into();
    }
    let s = seconds.round() as u64;
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else if s < 100 * 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else {
        ">99h".into()
    }
}

/// An age to the second, for the one line that ticks (the selected source on the sources
/// view): `0s`, `59s`, `1m05s`, `2h03m`, `3d`.
pub fn age_fine(ms: i64) -> String {
    let s = (ms.max(0)) / 1000;
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else if s < 86_400 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}d", s / 86_400)
    }
}

/// An age in steps, for rows: it changes a few times a minute at most, so fresh data does not
/// rewrite every row every second over SSH: `<5s`, `<10s`, `<30s`, `<1m`, `3m`, `2h`, `4d`.
pub fn age_coarse(ms: i64) -> &'static str {
    const STEPS: [(i64, &str); 4] = [(5, "<5s"), (10, "<10s"), (30, "<30s"), (60, "<1m")];
    let s = ms.max(0) / 1000;
    for (limit, label) in STEPS {
        if s < limit {
            return label;
        }
    }
    // Minutes, hours and days as static labels: ages past a minute are rare and stale anyway.
    const MINUTES: [&str; 60] = [
        "0m", "1m", "2m", "3m", "4m", "5m", "6m", "7m", "8m", "9m", "10m", "11m", "12m", "13m",
        "14m", "15m", "16m", "17m", "18m", "19m", "20m", "21m", "22m", "23m", "24m", "25m", "26m",
        "27m", "28m", "29m", "30m", "31m", "32m", "33m", "34m", "35m", "36m", "37m", "38m", "39m",
        "40m", "41m", "42m", "43m", "44m", "45m", "46m", "47m", "48m", "49m", "50m", "51m", "52m",
        "53m", "54m", "55m", "56m", "57m", "58m", "59m",
    ];
    const HOURS: [&str; 24] = [
        "0h", "1h", "2h", "3h", "4h", "5h", "6h", "7h", "8h", "9h", "10h", "11h", "12h", "13h",
        "14h", "15h", "16h", "17h", "18h", "19h", "20h", "21h", "22h", "23h",
    ];
    if s < 3600 {
        MINUTES[(s / 60) as usize]
    } else if s < 86_400 {
        HOURS[(s / 3600) as usize]
    } else {
        ">1d"
    }
}

/// Wall time of a unix ms as `HH:MM:SS`, shifted by the local UTC offset.
pub fn clock(ms: i64, utc_offset_secs: i32) -> String {
    let mut out = String::with_capacity(8);
    let (h, m, s) = hms(ms, utc_offset_secs);
    let _ = write!(out, "{h:02}:{m:02}:{s:02}");
    out
}

/// Wall time of a unix ms as `HH:MM`.
pub fn clock_minutes(ms: i64, utc_offset_secs: i32) -> String {
    let (h, m, _) = hms(ms, utc_offset_secs);
    format!("{h:02}:{m:02}")
}

/// Date and wall time of a unix ms as `YYYY-MM-DD HH:MM`, for times that may be days ago
/// (an earlier session's events).
pub fn date_minutes(ms: i64, utc_offset_secs: i32) -> String {
    let shifted = ms.saturating_add(i64::from(utc_offset_secs) * 1000);
    chrono::DateTime::from_timestamp_millis(shifted)
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn hms(ms: i64, utc_offset_secs: i32) -> (i64, i64, i64) {
    let secs = (ms.div_euclid(1000) + i64::from(utc_offset_secs)).rem_euclid(86_400);
    (secs / 3600, (secs % 3600) / 60, secs % 60)
}

/// A replay offset: `+12:05` from the start, `1:02:03` past an hour.
pub fn offset(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s < 3600 {
        format!("{}:{:02}", s / 60, s % 60)
    } else {
        format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
    }
}

/// A figure in a health reason: whole numbers as integers, others to two decimals (`12`,
/// `0.35`).
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}")
    }
}

/// A ratio as a percentage to two decimals, for health reasons and `status`: `4.20%`.
pub fn percent_fixed(v: f64) -> String {
    format!("{:.2}%", v * 100.0)
}

/// A latency in whole milliseconds, for health reasons and `status`: `480ms`, `1250ms`.
pub fn millis(seconds: f64) -> String {
    format!("{:.0}ms", seconds * 1000.0)
}

/// A share in a verdict: `8%`, `0.5%`, `0%`; one decimal only when it says something.
pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    if (p - p.round()).abs() < 0.05 {
        format!("{:.0}%", p)
    } else {
        format!("{:.1}%", p)
    }
}

/// A request count in a verdict: whole, or to a tenth (`12`, `12.5`).
pub fn tally(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{n:.0}")
    } else {
        format!("{n:.1}")
    }
}

/// One observed duration, as a sentence gives it: `42 ms`, `2.3 s`, `12 s`, `3 min`.
pub fn observed(seconds: f64) -> String {
    if seconds < 0.9995 {
        format!("{:.0} ms", seconds * 1000.0)
    } else if seconds < 9.95 {
        format!("{seconds:.1} s")
    } else if seconds < 119.5 {
        format!("{seconds:.0} s")
    } else {
        format!("{:.0} min", seconds / 60.0)
    }
}

/// How long ago, in words: `just now`, `12 s ago`, `4 min ago`, `2 h ago`.
pub fn ago(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s < 1 {
        "just now".to_string()
    } else if s < 120 {
        format!("{s} s ago")
    } else if s < 7200 {
        format!("{} min ago", s / 60)
    } else {
        format!("{} h ago", s / 3600)
    }
}

/// Seconds in a verdict, given in ms: `60 s`, `2.5 s`.
pub fn seconds(ms: i64) -> String {
    if ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// `1.5s`, `2s`, `250ms`: how durations are written in the configuration.
pub fn config_duration(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        let text = format!("{:.3}", duration.as_secs_f64());
        format!("{}s", text.trim_end_matches('0'))
    }
}

/// `64 MiB`, `512 KiB`, `1.5 MiB`, `100 B`: how sizes are written in the configuration.
pub fn config_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size {
            if bytes.is_multiple_of(size) {
                return format!("{} {unit}", bytes / size);
            }
            let text = format!("{:.2}", bytes as f64 / size as f64);
            return format!(
                "{} {unit}",
                text.trim_end_matches('0').trim_end_matches('.')
            );
        }
    }
    format!("{bytes} B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burn_rates_read_the_same_in_ascii() {
        assert_eq!(burn(0.0), "0x");
        assert_eq!(burn(0.46), "0.5x");
        assert_eq!(burn(14.4), "14.4x");
        assert_eq!(burn(120.4), "120x");
        assert_eq!(burn(1000.0), "1000x");
        assert_eq!(burn(12_345.0), "12.3kx");
    }

    #[test]
    fn ratios_fit_five_characters() {
        for (v, s) in [
            (0.0, "0%"),
            (0.0005, "0.05%"),
            (0.042, "4.20%"),
            (0.123, "12.3%"),
            (0.99999, "100%"),
            (1.0, "100%"),
        ] {
            assert_eq!(ratio(v), s);
            assert!(ratio(v).len() <= 5);
        }
    }

    #[test]
    fn slivers_are_not_rounded_away() {
        assert_eq!(share(0.004), "<1%");
        assert_eq!(share(0.996), ">99%");
        assert_eq!(share(0.0), "0%");
        assert_eq!(share(1.0), "100%");
        assert_eq!(share(0.234), "23%");
    }

    #[test]
    fn latencies_and_counts() {
        assert_eq!(latency(0.0004), "0.4ms");
        assert_eq!(latency(0.012), "12ms");
        assert_eq!(latency(0.48), "480ms");
        assert_eq!(latency(1.25), "1.25s");
        assert_eq!(latency(12.5), "12.5s");
        assert_eq!(latency(125.0), "125s");
        assert_eq!(latency(1500.0), "25m");
        assert_eq!(count(0.0), "0");
        assert_eq!(count(12.5), "12.5");
        assert_eq!(count(9999.0), "9999");
        assert_eq!(count(12_345.0), "12.3k");
        assert_eq!(count(123_456.0), "123k");
        assert_eq!(count(1_234_567.0), "1.2M");
        assert_eq!(count(-12_345.0), "-12.3k");
        assert_eq!(per_minute(0.5), "0.5/m");
        assert_eq!(per_minute(12.0), "12/m");
        assert_eq!(bytes(512), "512B");
        assert_eq!(bytes(45_100), "45.1kB");
        assert_eq!(bytes(12_000_000), "12.0MB");
        assert_eq!(drain(0.0004), "<1s");
        assert_eq!(drain(40.2), "40s");
        assert_eq!(drain(125.0), "2m05s");
        assert_eq!(drain(12_000.0), "3h20m");
        assert_eq!(drain(1e12), ">99h");
        assert_eq!(drain(f64::INFINITY), ">99h");
        assert_eq!(duration_ms(12), "12ms");
        assert_eq!(duration_ms(1500), "1.5s");
        assert_eq!(duration_ms(125_000), "2m05s");
    }

    #[test]
    fn latency_bounds_and_short_forms() {
        assert_eq!(latency_bound(0.1), "100ms");
        assert_eq!(latency_bound(0.0025), "2.5ms");
        assert_eq!(latency_bound(1.0), "1s");
        assert_eq!(latency_bound(2.5), "2.5s");
        assert_eq!(latency_figure("p95", Some(0.48), None, None), "p95 480ms");
        assert_eq!(latency_figure("p95", None, Some(0.1), None), "p95 ≤100ms");
        assert_eq!(latency_figure("p95", None, None, Some(1.0)), "p95 >1s");
        assert_eq!(latency_figure("avg", Some(0.0012), None, None), "avg 1ms");
        assert_eq!(latency_short(0.1, Round::Up), "0.1s");
        assert_eq!(latency_short(0.0025, Round::Up), "3ms");
        assert_eq!(latency_short(0.025, Round::Up), "25ms");
        assert_eq!(latency_short(0.25, Round::Up), "0.3s");
        assert_eq!(latency_short(0.25, Round::Down), "0.2s");
        assert_eq!(latency_short(1.0, Round::Down), "1s");
        assert_eq!(latency_short(0.0004, Round::Nearest), "1ms");
        assert_eq!(latency_short(0.48, Round::Nearest), "0.5s");
        assert_eq!(latency_short(12.0, Round::Nearest), "12s");
        assert_eq!(latency_short(3000.0, Round::Nearest), "50m");
        for v in [0.0001, 0.0999, 0.1, 9.99, 99.9, 999.0, 5000.0] {
            for round in [Round::Up, Round::Down, Round::Nearest] {
                assert!(
                    latency_short(v, round).chars().count() <= 4,
                    "{v} {round:?}"
                );
            }
        }
    }

    #[test]
    fn ages() {
        assert_eq!(age_fine(0), "0s");
        assert_eq!(age_fine(59_999), "59s");
        assert_eq!(age_fine(65_000), "1m05s");
        assert_eq!(age_fine(7_380_000), "2h03m");
        assert_eq!(age_fine(-5), "0s");
        assert_eq!(age_coarse(1_000), "<5s");
        assert_eq!(age_coarse(4_999), "<5s");
        assert_eq!(age_coarse(5_000), "<10s");
        assert_eq!(age_coarse(29_000), "<30s");
        assert_eq!(age_coarse(59_000), "<1m");
        assert_eq!(age_coarse(60_000), "1m");
        assert_eq!(age_coarse(3_599_000), "59m");
        assert_eq!(age_coarse(7_200_000), "2h");
        assert_eq!(age_coarse(90_000_000), ">1d");
    }

    #[test]
    fn clocks() {
        // 2024-05-01T14:03:27Z
        let ms = 1_714_572_207_000;
        assert_eq!(clock(ms, 0), "14:03:27");
        assert_eq!(clock(ms, 2 * 3600), "16:03:27");
        assert_eq!(clock(ms, -15 * 3600), "23:03:27");
        assert_eq!(clock_minutes(ms, 0), "14:03");
        assert_eq!(date_minutes(ms, 0), "2024-05-01 14:03");
        assert_eq!(date_minutes(ms, -15 * 3600), "2024-04-30 23:03");
        assert_eq!(offset(125_000), "2:05");
        assert_eq!(offset(3_725_000), "1:02:05");
    }

    #[test]
    fn reasons_and_verdicts() {
        assert_eq!(number(12.0), "12");
        assert_eq!(number(0.345), "0.34");
        assert_eq!(percent_fixed(0.042), "4.20%");
        assert_eq!(millis(0.48), "480ms");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(0.08), "8%");
        assert_eq!(percent(0.005), "0.5%");
        assert_eq!(tally(12.0), "12");
        assert_eq!(tally(12.5), "12.5");
        assert_eq!(seconds(2_500), "2.5 s");
        assert_eq!(seconds(60_000), "60 s");
    }

    #[test]
    fn durations_read_as_in_the_config() {
        assert_eq!(config_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(config_duration(Duration::from_millis(2000)), "2s");
        assert_eq!(config_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(config_duration(Duration::from_millis(1250)), "1.25s");
    }

    #[test]
    fn sizes_read_as_in_the_config() {
        assert_eq!(config_size(64 << 20), "64 MiB");
        assert_eq!(config_size(1 << 20), "1 MiB");
        assert_eq!(config_size(512 << 10), "512 KiB");
        assert_eq!(config_size(3 << 19), "1.5 MiB");
        assert_eq!(config_size(100), "100 B");
    }
}
