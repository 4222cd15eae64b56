//! What one scrape of one source may hold: Prometheus's per-scrape limits under Prometheus's
//! names (`label_limit`, `label_name_length_limit`, `label_value_length_limit`,
//! `sample_limit`), plus `series_limit` on the series kept between scrapes.
//!
//! Prometheus leaves these off by default; here they are on, because an exporter that sends a
//! line with 150,000 labels or 200,000 new series per scrape must not be able to freeze the
//! cockpit or fill the machine's memory. A breach fails that scrape with an error in
//! Prometheus's words, as Prometheus fails the target; the rest of the cockpit carries on.
//! `0` switches a limit off, as in Prometheus.

/// The limits of one source. `0` means no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Labels per series, counting the metric name (Prometheus counts `__name__` too).
    pub label_limit: usize,
    /// Bytes per label name.
    pub label_name_length_limit: usize,
    /// Bytes per label value (the metric name counts as the value of `__name__`).
    pub label_value_length_limit: usize,
    /// Samples of the selected families per scrape (what the pre-filter lets through).
    pub sample_limit: usize,
    /// Series tracked per source: every series a signal matched within the window.
    pub series_limit: usize,
}

impl Limits {
    pub const DEFAULT_LABEL_LIMIT: usize = 64;
    pub const DEFAULT_LABEL_NAME_LENGTH_LIMIT: usize = 4096;
    pub const DEFAULT_LABEL_VALUE_LENGTH_LIMIT: usize = 4096;
    pub const DEFAULT_SAMPLE_LIMIT: usize = 1_000_000;
    pub const DEFAULT_SERIES_LIMIT: usize = 100_000;

    /// No limit at all (tests and tools that read a body for what it is).
    pub const NONE: Limits = Limits {
        label_limit: 0,
        label_name_length_limit: 0,
        label_value_length_limit: 0,
        sample_limit: 0,
        series_limit: 0,
    };

    /// Whether `count` exceeds `limit` (`0`: never).
    pub fn exceeds(count: usize, limit: usize) -> bool {
        limit > 0 && count > limit
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            label_limit: Self::DEFAULT_LABEL_LIMIT,
            label_name_length_limit: Self::DEFAULT_LABEL_NAME_LENGTH_LIMIT,
            label_value_length_limit: Self::DEFAULT_LABEL_VALUE_LENGTH_LIMIT,
            sample_limit: Self::DEFAULT_SAMPLE_LIMIT,
            series_limit: Self::DEFAULT_SERIES_LIMIT,
        }
    }
}

/// A limit a scrape broke. The words follow Prometheus's messages, so that an operator who
/// knows Prometheus recognises them; names and values are cut to 50 characters as there, and
/// control characters are escaped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitBreach {
    #[error(
        "label_limit exceeded (metric: {metric}, number of labels: more than {limit}, limit: {limit})"
    )]
    Labels { metric: String, limit: usize },
    #[error("label_name_length_limit exceeded (metric: {metric}, label name: {name}, length: {length}, limit: {limit})")]
    LabelNameLength {
        metric: String,
        name: String,
        length: usize,
        limit: usize,
    },
    #[error("label_value_length_limit exceeded (metric: {metric}, label name: {name}, value: \"{value}\", length: {length}, limit: {limit})")]
    LabelValueLength {
        metric: String,
        name: String,
        value: String,
        length: usize,
        limit: usize,
    },
    #[error("sample_limit exceeded (more than {limit} samples of the selected families, limit: {limit})")]
    Samples { limit: usize },
    #[error("series_limit exceeded (more than {limit} series tracked within the window, limit: {limit})")]
    Series { limit: usize },
}

impl LimitBreach {
    pub fn labels(metric: &str, limit: usize) -> LimitBreach {
        LimitBreach::Labels {
            metric: shown(metric),
            limit,
        }
    }

    pub fn label_name_length(metric: &str, name: &str, limit: usize) -> LimitBreach {
        LimitBreach::LabelNameLength {
            metric: shown(metric),
            name: shown(name),
            length: name.len(),
            limit,
        }
    }

    pub fn label_value_length(metric: &str, name: &str, value: &str, limit: usize) -> LimitBreach {
        LimitBreach::LabelValueLength {
            metric: shown(metric),
            name: shown(name),
            value: shown(value),
            length: value.len(),
            limit,
        }
    }
}

/// At most 50 characters (Prometheus's `%.50s`), with control characters, quotes and
/// backslashes escaped so the text stays on one line and cannot steer a terminal.
fn shown(text: &str) -> String {
    text.chars()
        .take(50)
        .flat_map(|c| {
            let escape = c.is_control() || c == '"' || c == '\\';
            let (plain, escaped) = if escape {
                (None, Some(c.escape_default()))
            } else {
                (Some(c), None)
            };
            plain.into_iter().chain(escaped.into_iter().flatten())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_follow_prometheus_and_are_cut_and_escaped() {
        let long = "x".repeat(80);
        let breach = LimitBreach::label_value_length("m", "path", &long, 10);
        assert_eq!(
            breach.to_string(),
            format!(
                "label_value_length_limit exceeded (metric: m, label name: path, value: \"{}\", length: 80, limit: 10)",
                "x".repeat(50)
            )
        );
        let breach = LimitBreach::labels("a\u{1b}[2J", 64);
        assert!(!breach.to_string().contains('\u{1b}'), "{breach}");
        assert!(Limits::exceeds(65, 64));
        assert!(!Limits::exceeds(64, 64));
        assert!(!Limits::exceeds(1_000_000, 0));
    }
}
