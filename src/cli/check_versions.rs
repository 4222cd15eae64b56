//! `check`: the exporters' versions against the presets' version limits.
//!
//! redis_exporter 1.45 has no stream group lag; without this, `check` said only that the lag
//! "MATCHES NOTHING", as for a typo. For each source a preset with a version limit reads, this
//! reads the exporter's build info in the last body and says whether the source is under the
//! limit, what is missing there and what the cockpit shows instead.

use std::ops::ControlFlow;

use crate::compile::Compiled;
use crate::ingest::exposition::{parse_limited, Sample};
use crate::ingest::limits::Limits;
use crate::ingest::prefilter::FamilyFilter;
use crate::plan::SourceKind;
use crate::presets::versions::{VersionLimit, LIMITS};
use crate::source::ScrapeOutcome;

/// The version an exporter's build info gives in `body`, if it has one.
pub fn version_in(body: &str, limit: &VersionLimit) -> Option<String> {
    let mut found = None;
    parse_limited(
        body,
        &FamilyFilter::all(),
        &Limits::default(),
        |s: &Sample| {
            if s.name != limit.build_info {
                return ControlFlow::Continue(());
            }
            found = s
                .labels
                .iter()
                .find(|l| l.name == limit.label)
                // A label value may be 4 KiB of anything: a version is short.
                .map(|l| l.value.chars().take(64).collect());
            ControlFlow::Break(())
        },
    );
    found
}

/// "redis_exporter 1.45.0-2+b4 exports no stream group lag (redis_stream_group_lag needs
/// ≥ 1.52.0): ...", when `version` is below the limit.
pub fn below(limit: &VersionLimit, version: &str) -> Option<String> {
    limit.is_below(version)?.then(|| {
        format!(
            "{} {version} exports {} ({} needs ≥ {}): {}",
            limit.exporter,
            limit.what,
            limit.series,
            limit.needs_text(),
            limit.without
        )
    })
}

/// The limit concerning a signal of `preset` with `key`, if any.
pub fn limit_of(preset: &str, key: &str) -> Option<&'static VersionLimit> {
    LIMITS.iter().find(|l| l.concerns(preset, key))
}

/// One line per (source, limit) the config depends on, and how many are under a limit.
pub fn report(compiled: &Compiled, last: &[ScrapeOutcome]) -> (Vec<String>, usize) {
    let plan = &compiled.plan;
    let mut seen: Vec<(usize, &VersionLimit)> = Vec::new();
    for u in &compiled.signal_uses {
        let Some(limit) = u.preset.as_deref().and_then(|p| limit_of(p, &u.key)) else {
            continue;
        };
        let source = plan.signals[u.signal].source;
        if !seen.iter().any(|(s, l)| *s == source && *l == limit) {
            seen.push((source, limit));
        }
    }
    let mut lines = Vec::new();
    let mut under = 0;
    for (source, limit) in seen {
        let name = &plan.sources[source].name;
        let needs = format!("needs {} ≥ {}", limit.exporter, limit.needs_text());
        let line = if plan.sources[source].kind == SourceKind::Prometheus {
            format!(
                "  -     {name:<20} a query API: the exporter's version is not read here \
                 ({needs} for {})",
                presets_text(limit)
            )
        } else {
            match last.get(source).map(|o| &o.result) {
                Some(Ok(body)) => match version_in(body, limit) {
                    Some(v) => match below(limit, &v) {
                        Some(why) => {
                            under += 1;
                            format!("  WARN  {name:<20} {why}")
                        }
                        None if limit.is_below(&v).is_none() => format!(
                            "  ?     {name:<20} {} version {v:?} not understood ({needs})",
                            limit.exporter
                        ),
                        None => format!(
                            "  ok    {name:<20} {} {v} ({needs} for {})",
                            limit.exporter,
                            presets_text(limit)
                        ),
                    },
                    None => format!(
                        "  ?     {name:<20} no {} in the body ({needs} for {})",
                        limit.build_info,
                        presets_text(limit)
                    ),
                },
                _ => format!("  -     {name:<20} source down ({needs})"),
            }
        };
        lines.push(line);
    }
    (lines, under)
}

fn presets_text(limit: &VersionLimit) -> String {
    let presets: Vec<String> = limit
        .presets
        .iter()
        .map(|p| format!("preset {p}"))
        .collect();
    presets.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::versions::REDIS_STREAM_LAG;

    const BODY: &str = "# HELP redis_exporter_build_info redis exporter build_info\n\
        # TYPE redis_exporter_build_info gauge\n\
        redis_exporter_build_info{build_date=\"20230409-10:15:07\",commit_sha=\"debian/sid\",golang_version=\"go1.19.8\",version=\"1.45.0-2+b4\"} 1\n";

    #[test]
    fn the_version_is_read_from_the_build_info_label() {
        assert_eq!(
            version_in(BODY, &REDIS_STREAM_LAG).as_deref(),
            Some("1.45.0-2+b4")
        );
        assert_eq!(version_in("up 1\n", &REDIS_STREAM_LAG), None);
    }

    #[test]
    fn below_the_limit_says_what_is_missing_and_what_shows_instead() {
        let why = below(&REDIS_STREAM_LAG, "1.45.0-2+b4").unwrap_or_default();
        assert!(why.starts_with("redis_exporter 1.45.0-2+b4 exports no stream group lag"));
        assert!(
            why.contains("(redis_stream_group_lag needs ≥ 1.52.0)"),
            "{why}"
        );
        assert_eq!(below(&REDIS_STREAM_LAG, "v1.62.0"), None);
    }
}
