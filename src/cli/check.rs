//! `cutover check`: validate the config, reach every source, and say per source what came back
//! and which selectors match nothing (the biggest support burden of canary tools: "no values
//! found for metric").

use super::status::two_polls;
use super::{loaded, Failure, GlobalArgs};
use crate::engine::Mode;

/// The source's limits as `key value` pairs, `0` spelled as "none" (no limit).
fn limits_line(source: &crate::config::Source) -> String {
    source
        .limits()
        .iter()
        .map(|(key, value)| match value {
            0 => format!("{key} none"),
            v => format!("{key} {v}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn run(global: &GlobalArgs) -> Result<u8, Failure> {
    let loaded = loaded::load_quietly(global)?;
    crate::outln!("config {}: ok", loaded.path.display());
    if let Some(why) = &loaded.read_only {
        crate::outln!("read-only: {why}");
    }
    for w in &loaded.warnings {
        crate::outln!("warning: {w}");
    }
    print_programs(&loaded);
    print_promotions(&loaded);
    print_notify(&loaded);
    let compiled = &loaded.compiled;
    let plan = &compiled.plan;
    let (engine, last) = two_polls(compiled).await;
    let status = engine.status(Mode::Live);
    let mut problems = 0;
    crate::outln!("\nsources");
    for (i, src) in status.sources.iter().enumerate() {
        let outcome = &last[i];
        let http = outcome.status.map_or("-".to_string(), |s| s.to_string());
        match (&src.up, &src.error) {
            (Some(true), _) => crate::outln!(
                "  ok    {:<20} HTTP {http}  {} bytes  {} ms  {} series{}",
                src.name,
                src.bytes.unwrap_or(0),
                src.duration_ms.unwrap_or(0),
                src.series.unwrap_or(0),
                if src.parse_errors > 0 {
                    format!("  {} lines did not parse", src.parse_errors)
                } else {
                    String::new()
                }
            ),
            (_, err) => {
                problems += 1;
                crate::outln!(
                    "  DOWN  {:<20} HTTP {http}  {}",
                    src.name,
                    err.as_deref().unwrap_or("no answer")
                );
            }
        }
        for b in &src.bad_lines {
            crate::outln!("        line {}: {}", b.line, b.reason);
        }
        if let Some(config) = loaded.config.sources.get(i) {
            crate::outln!("        limits: {}", limits_line(config));
        }
        if src.queued > 0 || src.skipped > 0 {
            crate::outln!(
                "        {} poll(s) queued for a connection slot, {} skipped",
                src.queued,
                src.skipped
            );
        }
    }
    let (versions, under) = super::check_versions::report(compiled, &last);
    if !versions.is_empty() {
        crate::outln!("\nexporter versions (read from each exporter's build info)");
        for line in &versions {
            crate::outln!("{line}");
        }
    }
    crate::outln!("\nsignals");
    for u in &compiled.signal_uses {
        let sig = &plan.signals[u.signal];
        let src = &status.sources[sig.source];
        let history = &engine.store().signals[u.signal];
        let matched = history.newest().map(|f| f.values.len());
        let mut hint = None;
        let mut nearby = Vec::new();
        let state = match (src.up, matched) {
            (Some(true), Some(n)) if n > 0 => format!("{n} series"),
            // The gateway's state of a path is read where exported: HAProxy up to 2.3 has no
            // `state` label. Without it health just has no gateway rule; not a problem.
            (Some(true), _) if u.key.ends_with(".up") => {
                hint = Some(
                    "optional: without the gateway's state of this path, health cannot tell \
                     a path the gateway marks down (HAProxy exports it per state from 2.4 on)"
                        .to_string(),
                );
                "matches nothing".to_string()
            }
            // A mismatch or error series of a data entry is born at its first mismatch
            // (prometheus_client creates a labelled child when first counted): matching
            // nothing while its total is read is 0 (`figures::data`), not a problem.
            (Some(true), _)
                if u.key.starts_with("data[")
                    && (u.key.ends_with(".mismatches") || u.key.ends_with(".errors")) =>
            {
                hint = Some(
                    "counted as 0 while the total matches: this series appears at the first \
                     mismatch or error"
                        .to_string(),
                );
                "matches nothing".to_string()
            }
            (Some(true), _) => {
                problems += 1;
                let body = match (&sig.query, last.get(sig.source).map(|o| &o.result)) {
                    (None, Some(Ok(body))) => Some(body.as_str()),
                    _ => None,
                };
                // An exporter too old to export the series says so before any typo hunt.
                let too_old = u.preset.as_deref().and_then(|p| {
                    let limit = super::check_versions::limit_of(p, &u.key)?;
                    let version = super::check_versions::version_in(body?, limit)?;
                    super::check_versions::below(limit, &version)
                });
                match (too_old, body) {
                    (Some(why), _) => hint = Some(why),
                    (None, Some(body)) => {
                        nearby = super::check_nearby::explain(&sig.text, body);
                    }
                    (None, None) => {}
                }
                if hint.is_none() {
                    hint = u.preset.as_deref().and_then(|p| {
                        let url = &loaded.config.sources.get(sig.source)?.url;
                        crate::presets::rabbitmq::hint(p, url).map(str::to_string)
                    });
                }
                "MATCHES NOTHING".to_string()
            }
            _ => "source down".to_string(),
        };
        // What the preset expanded to is the selector printed below; a unit other than
        // seconds is said too, since figures are scaled from it.
        let unit = match sig.latency_unit_seconds {
            1.0 => String::new(),
            0.001 => ", values in ms".to_string(),
            u => format!(", values in units of {u} s"),
        };
        let via = u
            .preset
            .as_deref()
            .map(|p| format!("  (preset {p}{unit})"))
            .unwrap_or_else(|| {
                if unit.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", &unit[2..])
                }
            });
        crate::outln!(
            "  {:<16} {:<28} {:<16} {}{}\n      {}",
            u.domain,
            u.key,
            plan.sources[sig.source].name,
            state,
            via,
            sig.query.as_deref().unwrap_or(&sig.text)
        );
        if let Some(hint) = hint {
            crate::outln!("      hint: {hint}");
        }
        for line in &nearby {
            crate::outln!("      {line}");
        }
        if let Some(w) = coarse_latency(plan, u, history) {
            crate::outln!("      warning: {w}");
        }
    }
    if under > 0 {
        crate::outln!(
            "\n{under} source(s) under an exporter version limit: see \"exporter versions\" above"
        );
    }
    if problems > 0 {
        crate::outln!("\n{problems} problem(s) found");
        Ok(1)
    } else {
        crate::outln!("\nall sources answered and every selector matched");
        Ok(0)
    }
}

/// A latency histogram whose buckets make quantiles bounds (`figures::latency`): its bounds,
/// what shows as a bound, and a p95 SLO finer than the lowest bucket (then not judged).
fn coarse_latency(
    plan: &crate::plan::Plan,
    u: &crate::compile::SignalUse,
    history: &crate::store::SignalHistory,
) -> Option<String> {
    let sig = &plan.signals[u.signal];
    if sig.shape != crate::plan::Shape::Latency {
        return None;
    }
    let frame = history.newest()?;
    let bounds: Vec<f64> = frame
        .values
        .iter()
        .filter_map(|(s, _)| history.series[*s as usize].le)
        .map(|le| le * sig.latency_unit_seconds)
        .collect();
    let mut words = crate::figures::latency::coarse_buckets(&bounds)?;
    let lowest = bounds.iter().copied().fold(f64::INFINITY, f64::min);
    let slo = plan
        .domains
        .iter()
        .find(|d| d.name == u.domain)
        .and_then(|d| d.slo.p95);
    if let Some(limit) = slo.filter(|l| l.as_secs_f64() < lowest) {
        words.push_str(&format!(
            "; the p95 SLO {} is finer than the lowest bucket: not judged while the p95 is \
             under {}",
            crate::format::millis(limit.as_secs_f64()),
            crate::format::latency_bound(lowest)
        ));
    }
    Some(words)
}

/// The program each exec step runs, as resolved at load: a relative path is resolved against
/// the config file's directory (never the current one); a bare name is looked up in `PATH`.
fn print_programs(loaded: &loaded::Loaded) {
    let mut lines = Vec::new();
    for d in &loaded.config.domains {
        for (table, i, step) in d.action_steps() {
            let crate::config::Step::Exec(e) = step else {
                continue;
            };
            let Some(program) = e.argv.first() else {
                continue;
            };
            let note = if !program.starts_with('/') {
                " (looked up in PATH)"
            } else if std::path::Path::new(program).is_file() {
                ""
            } else {
                " (NOT FOUND)"
            };
            // Rollback steps as they always read; promote steps say so.
            let table = if table == "rollback" { "" } else { " promote" };
            lines.push(format!(
                "  {}{table} step {}: {program}{note}",
                d.name,
                i + 1
            ));
        }
    }
    if lines.is_empty() {
        return;
    }
    let dir = crate::config::config_dir(&loaded.path)
        .map_or_else(|| "?".to_string(), |p| p.display().to_string());
    crate::outln!("\naction programs (a relative path such as ./rollback.sh is resolved against the config file's directory, {dir}; a bare name is looked up in PATH)");
    for l in lines {
        crate::outln!("{l}");
    }
}

/// The `[[notify]]` targets as every report shows them (secrets redacted), and the bell.
fn print_notify(loaded: &loaded::Loaded) {
    let targets = &loaded.compiled.notify;
    if targets.is_empty() && !loaded.config.ui.bell {
        return;
    }
    crate::outln!(
        "
notifications"
    );
    if loaded.config.ui.bell {
        crate::outln!(
            "  bell: on crit, a fail verdict and the end of a verification (live cockpit)"
        );
    }
    for t in targets {
        crate::outln!("  {}", t.summary());
    }
}

/// Every promote step as it would run for each target of the domain's steps: placeholders
/// filled, secrets redacted, exactly the lines the dialog and `cutover promote` show.
fn print_promotions(loaded: &loaded::Loaded) {
    let mut domains: Vec<_> = loaded.compiled.promotes.iter().collect();
    if domains.is_empty() {
        return;
    }
    domains.sort_by(|a, b| a.0.cmp(b.0));
    crate::outln!("\npromote steps, as they run for each target");
    for (domain, plan) in domains {
        crate::outln!(
            "  {domain}: steps {}; verified at the target ± {} points within {}",
            plan.steps_words(),
            crate::action::terms::share(plan.verify_tolerance).trim_end_matches('%'),
            crate::action::terms::duration(plan.verify_within)
        );
        for (to, steps) in super::promote::steps_by_target(plan) {
            crate::outln!("    to {to}%:");
            for line in crate::action::terms::step_lines_of(&steps) {
                crate::outln!("    {line}");
            }
        }
    }
}
