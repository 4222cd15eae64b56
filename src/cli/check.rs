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
    let loaded = loaded::load(global)?;
    println!("config {}: ok", loaded.path.display());
    if let Some(why) = &loaded.read_only {
        println!("read-only: {why}");
    }
    let compiled = &loaded.compiled;
    let plan = &compiled.plan;
    let (engine, last) = two_polls(compiled).await;
    let status = engine.status(Mode::Live);
    let mut problems = 0;
    println!("\nsources");
    for (i, src) in status.sources.iter().enumerate() {
        let outcome = &last[i];
        let http = outcome.status.map_or("-".to_string(), |s| s.to_string());
        match (&src.up, &src.error) {
            (Some(true), _) => println!(
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
                println!(
                    "  DOWN  {:<20} HTTP {http}  {}",
                    src.name,
                    err.as_deref().unwrap_or("no answer")
                );
            }
        }
        for b in &src.bad_lines {
            println!("        line {}: {}", b.line, b.reason);
        }
        if let Some(config) = loaded.config.sources.get(i) {
            println!("        limits: {}", limits_line(config));
        }
        if src.queued > 0 || src.skipped > 0 {
            println!(
                "        {} poll(s) queued for a connection slot, {} skipped",
                src.queued, src.skipped
            );
        }
    }
    println!("\nsignals");
    for u in &compiled.signal_uses {
        let sig = &plan.signals[u.signal];
        let src = &status.sources[sig.source];
        let history = &engine.store().signals[u.signal];
        let matched = history.newest().map(|f| f.values.len());
        let mut hint = None;
        let state = match (src.up, matched) {
            (Some(true), Some(n)) if n > 0 => format!("{n} series"),
            (Some(true), _) => {
                problems += 1;
                hint = u.preset.as_deref().and_then(|p| {
                    let url = &loaded.config.sources.get(sig.source)?.url;
                    crate::presets::rabbitmq::hint(p, url)
                });
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
        println!(
            "  {:<16} {:<28} {:<16} {}{}\n      {}",
            u.domain,
            u.key,
            plan.sources[sig.source].name,
            state,
            via,
            sig.query.as_deref().unwrap_or(&sig.text)
        );
        if let Some(hint) = hint {
            println!("      hint: {hint}");
        }
    }
    if problems > 0 {
        println!("\n{problems} problem(s) found");
        Ok(1)
    } else {
        println!("\nall sources answered and every selector matched");
        Ok(0)
    }
}
